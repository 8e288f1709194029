from odoo import _, fields, models
from odoo.exceptions import UserError


class IntegrationDelivery(models.Model):
    """A delivery that carried several events, kept verbatim once.

    A HubSpot webhook brings up to a hundred events in one signed body; a
    warehouse file has a row per despatch. Each event becomes its own exchange
    (its own lock, retry and exception), and this record keeps what was
    actually received and signed, with its SHA-256, as the evidence behind
    them. A delivery of one event needs no such record: its exchange's payload
    is the body itself.
    """

    _name = "integration.delivery"
    _description = "Integration Delivery"
    _order = "id desc"

    backend_id = fields.Many2one("integration.backend", required=True, ondelete="restrict", index=True, readonly=True)
    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    source = fields.Selection(
        [("webhook", "Webhook"), ("file", "File"), ("poll", "Polled")], required=True, readonly=True
    )
    name = fields.Char(readonly=True, help="The file name, or what the channel calls the delivery.")
    body = fields.Text(required=True, readonly=True)
    body_sha256 = fields.Char(string="Body SHA-256", required=True, readonly=True)
    body_size = fields.Integer(readonly=True)
    headers = fields.Json(readonly=True, help="Request headers, with credentials and signatures masked.")
    exchange_ids = fields.One2many("integration.exchange", "delivery_id", string="Events")
    event_count = fields.Integer(readonly=True, help="Events the delivery carried, new and already known.")

    def write(self, vals):
        raise UserError(_("A received delivery is never edited."))

    def _redact(self, body):
        """Replace the body (personal data erased); its SHA-256 stays, as the audit trail has it."""
        return super().write({"body": body})

    def unlink(self):
        raise UserError(_("Deliveries are kept for the audit trail."))
