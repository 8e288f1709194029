from odoo import fields, models


class IntegrationExchangeIgnore(models.TransientModel):
    _name = "integration.exchange.ignore"
    _description = "Ignore Integration Exchanges"

    exchange_ids = fields.Many2many("integration.exchange", required=True)
    reason = fields.Text(required=True)

    def action_ignore(self):
        self.exchange_ids._ignore(self.reason)
        return {"type": "ir.actions.act_window_close"}
