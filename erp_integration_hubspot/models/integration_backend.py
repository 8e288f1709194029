from odoo import fields, models

from ..lib.client import HubSpotClient


class IntegrationBackend(models.Model):
    _inherit = "integration.backend"

    hubspot_deal_policy = fields.Selection(
        [("draft", "Keep as quotation"), ("confirm", "Confirm")],
        string="Won deals",
        default="confirm",
        help="What happens to the sale order of a won deal once its amount reconciles.",
    )

    def _hubspot_client(self):
        self.ensure_one()
        # The token is a manager-only field; the connector reads it to act on
        # the backend's behalf, whoever triggered the job.
        backend = self.sudo()
        return HubSpotClient(backend.api_url or "https://api.hubapi.com", backend.api_token or "")
