from odoo import api, fields, models


class IntegrationExchangeReplay(models.TransientModel):
    """Replay one exchange, optionally with a corrected payload; the original is kept."""

    _name = "integration.exchange.replay"
    _description = "Replay Integration Exchange"

    exchange_id = fields.Many2one("integration.exchange", required=True)
    payload = fields.Text(required=True)
    reason = fields.Text()

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        exchange = self.env["integration.exchange"].browse(values.get("exchange_id"))
        if exchange and "payload" in fields_list:
            values["payload"] = exchange.payload
        return values

    def action_replay(self):
        child = self.exchange_id._replay(new_payload=self.payload, reason=self.reason)
        return child._action_open()
