from odoo import fields, models

from odoo.addons.erp_integration_core.lib.errors import BusinessError

from ..lib.transport import RestTransport


class IntegrationBackend(models.Model):
    _inherit = "integration.backend"

    threepl_transport = fields.Selection(
        [("rest", "REST API")],
        string="Warehouse transport",
        default="rest",
        help="How Odoo reaches the warehouse. SOAP and files over SFTP are the next transports.",
    )
    threepl_warehouse_id = fields.Many2one(
        "stock.warehouse", string="Odoo warehouse run by the 3PL", help="Its outgoing deliveries go to the 3PL."
    )
    threepl_site = fields.Char(string="Warehouse site", help="The 3PL's name or id for its site, e.g. MAIN.")
    threepl_ship_policy = fields.Selection(
        [("confirmed", "When confirmed"), ("assigned", "When reserved")],
        string="Send deliveries",
        default="assigned",
    )

    def _threepl_transport(self):
        self.ensure_one()
        # The API key is a manager-only field; the connector reads it to act on
        # the backend's behalf, whoever triggered the job.
        backend = self.sudo()
        if backend.threepl_transport != "rest":
            raise BusinessError(
                f"Backend '{backend.name}': the {backend.threepl_transport} transport is not available."
            )
        return RestTransport(backend.api_url or "", backend.api_token or "")
