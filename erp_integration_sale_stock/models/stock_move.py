from odoo import models


class StockMove(models.Model):
    _inherit = "stock.move"

    def _action_done(self, cancel_backorder=False):
        moves = super()._action_done(cancel_backorder=cancel_backorder)
        # Any finished move may change what a channel can sell; a channel's stock
        # push works out which products changed, so one debounced run is enough.
        self.env["integration.backend"]._notify("stock.moved", moves, companies=moves.company_id)
        return moves
