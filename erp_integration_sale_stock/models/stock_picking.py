from odoo import models


class StockPicking(models.Model):
    _name = "stock.picking"
    _inherit = ["stock.picking", "integration.linked.mixin"]

    def _action_done(self):
        result = super()._action_done()
        done = self.filtered(lambda picking: picking.state == "done")
        self.env["integration.backend"]._notify("picking.done", done, companies=done.company_id)
        return result

    def action_cancel(self):
        result = super().action_cancel()
        cancelled = self.filtered(lambda picking: picking.state == "cancel")
        self.env["integration.backend"]._notify("picking.cancelled", cancelled, companies=cancelled.company_id)
        return result
