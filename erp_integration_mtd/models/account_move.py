from odoo import models


class AccountMove(models.Model):
    _inherit = "account.move"

    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        self.env["integration.vat.return"]._alert_filed_periods(posted)
        return posted

    def button_draft(self):
        # Before the reset: its journal items still carry the tags that made it count.
        self.env["integration.vat.return"]._alert_filed_periods(self.filtered(lambda move: move.state == "posted"))
        return super().button_draft()

    def button_cancel(self):
        self.env["integration.vat.return"]._alert_filed_periods(self.filtered(lambda move: move.state == "posted"))
        return super().button_cancel()
