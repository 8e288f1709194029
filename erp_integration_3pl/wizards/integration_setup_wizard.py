from odoo import fields, models

MANAGER = "erp_integration_core.group_integration_manager"


class IntegrationSetupWizard(models.TransientModel):
    """The warehouse's own connection settings in the guided set-up's first step, beside the API key.

    What the credentials step asks for (the Odoo warehouse, and per transport
    the client id, user, host or folder) can be filled in where it is asked,
    not only on the backend form.
    """

    _inherit = "integration.setup.wizard"

    threepl_transport = fields.Selection(related="backend_id.threepl_transport", readonly=False)
    threepl_warehouse_id = fields.Many2one(related="backend_id.threepl_warehouse_id", readonly=False)
    threepl_site = fields.Char(related="backend_id.threepl_site", readonly=False)
    threepl_stock_site = fields.Char(related="backend_id.threepl_stock_site", readonly=False)
    threepl_client_id = fields.Char(related="backend_id.threepl_client_id", readonly=False)
    threepl_username = fields.Char(related="backend_id.threepl_username", readonly=False)
    threepl_host = fields.Char(related="backend_id.threepl_host", readonly=False)
    threepl_port = fields.Integer(related="backend_id.threepl_port", readonly=False)
    threepl_folder = fields.Char(related="backend_id.threepl_folder", readonly=False, groups=MANAGER)
