from odoo import models


def _notify_ready(moves):
    """Deliveries and receipts confirmed or reserved: a warehouse channel may announce them to its warehouse."""
    pickings = moves.picking_id.filtered(lambda picking: picking.picking_type_code in ("outgoing", "incoming"))
    if pickings:
        moves.env["integration.backend"]._notify("picking.ready", pickings, companies=pickings.company_id)


class StockMove(models.Model):
    _inherit = "stock.move"

    def write(self, vals):
        result = super().write(vals)
        if "product_uom_qty" in vals:
            # A delivery's quantities changed: a warehouse holding it may need it again.
            pickings = self.picking_id.filtered(lambda picking: picking.picking_type_code == "outgoing")
            if pickings:
                self.env["integration.backend"]._notify("picking.changed", pickings, companies=pickings.company_id)
        return result

    def _action_confirm(self, merge=True, merge_into=False, create_proc=True):
        moves = super()._action_confirm(merge=merge, merge_into=merge_into, create_proc=create_proc)
        _notify_ready(moves)
        return moves

    def _action_assign(self, force_qty=False):
        result = super()._action_assign(force_qty=force_qty)
        _notify_ready(self)
        return result

    def _action_done(self, cancel_backorder=False):
        moves = super()._action_done(cancel_backorder=cancel_backorder)
        # Any finished move may change what a channel can sell; a channel's stock
        # push works out which products changed, so one debounced run is enough.
        self.env["integration.backend"]._notify("stock.moved", moves, companies=moves.company_id)
        return moves
