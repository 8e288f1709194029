from odoo import _, models
from odoo.exceptions import UserError

from ..stock_check import approve


class IntegrationExchange(models.Model):
    _inherit = "integration.exchange"

    def action_threepl_approve_drift(self):
        """Approve the warehouse's count of a held stock difference: Odoo's on-hand is adjusted to it."""
        if not self.env.user.has_group("stock.group_stock_manager"):
            raise UserError(_("Only an Inventory administrator can approve a stock difference."))
        if any(exchange.flow != "stock.drift" or exchange.state != "needs_attention" for exchange in self):
            raise UserError(_("Only stock differences waiting for approval can be approved."))
        approve(self, self.env.user)
        return True
