from odoo import models

STOCK_DEBOUNCE_SECONDS = 30


class StockMove(models.Model):
    _inherit = "stock.move"

    def _action_done(self, cancel_backorder=False):
        moves = super()._action_done(cancel_backorder=cancel_backorder)
        if moves:
            # Any finished move may change what Shopify can sell; the push itself
            # works out which variants changed, so one debounced run is enough.
            self.env["integration.flow"]._trigger_realtime(
                "shopify", "stock.push", STOCK_DEBOUNCE_SECONDS, companies=moves.company_id
            )
        return moves
