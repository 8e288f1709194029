from odoo import models

STOCK_DEBOUNCE_SECONDS = 30


class StockMove(models.Model):
    _inherit = "stock.move"

    def _action_done(self, cancel_backorder=False):
        moves = super()._action_done(cancel_backorder=cancel_backorder)
        if moves:
            # Any finished move may change what Shopify can sell; the push itself
            # works out which variants changed, so one debounced run is enough.
            flows = self.env["integration.flow"].search(
                [
                    ("code", "=", "stock.push"),
                    ("enabled", "=", True),
                    ("mode", "=", "realtime"),
                    ("backend_id.channel", "=", "shopify"),
                    ("backend_id.active", "=", True),
                ]
            )
            flows._trigger(delay=STOCK_DEBOUNCE_SECONDS)
        return moves
