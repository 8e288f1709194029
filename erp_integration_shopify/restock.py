"""Put back the items of a Shopify refund that Shopify restocks, as the backend's policy says."""

from odoo.addons.erp_integration_core.lib.errors import BusinessError
from odoo.addons.erp_integration_core.work import Component


class Restock(Component):
    def apply(self, sale, items):
        """Put back the refunded items Shopify restocks, as the backend's policy says.

        ``restock_type`` says where Shopify thinks the goods are: ``cancel``, not
        shipped; ``return`` (or ``legacy_restock``), shipped and coming back. Odoo's
        own delivery decides: what it has not shipped comes off the open delivery,
        what it has shipped gets a return receipt for the warehouse to validate.
        """
        if self.backend.shopify_restock_policy == "never":
            return {}
        to_cancel, to_return = {}, {}
        for item in items:
            kind = item.get("restock_type")
            if kind not in ("cancel", "return", "legacy_restock"):
                continue
            sku = (item.get("line_item") or {}).get("sku")
            line = sale.order_line.filtered(lambda sol, sku=sku: sol.product_id.default_code == sku)[:1]
            if not line or line.product_id.type != "consu":
                continue
            quantity = float(item["quantity"])
            unshipped = max(line.product_uom_qty - line.qty_delivered, 0)
            shipped = line.qty_delivered - to_return.get(line, 0)
            if kind == "cancel":
                off = min(quantity, unshipped)
                back = min(quantity - off, shipped)
            else:
                back = min(quantity, shipped)
                off = min(quantity - back, unshipped)
            to_cancel[line] = to_cancel.get(line, 0) + off
            to_return[line] = to_return.get(line, 0) + back
        result = {}
        cancelled = {line: quantity for line, quantity in to_cancel.items() if quantity}
        if cancelled:
            if sale.locked:
                raise BusinessError(
                    f"Refund on {sale.name} takes items off its delivery, but the order is locked. Unlock it, "
                    "then press Retry."
                )
            for line, quantity in cancelled.items():
                line.product_uom_qty -= quantity
            self.exchange._link(sale, "updated", ["order_line.product_uom_qty"])
            result["taken_off_delivery"] = {line.product_id.default_code: qty for line, qty in cancelled.items()}
        returned = {line: quantity for line, quantity in to_return.items() if quantity}
        if returned:
            receipts = self._return_receipts(sale, returned)
            self.exchange._link(receipts, "created", ["move_ids"])
            result["return_receipts"] = receipts.ids
        return result

    def _return_receipts(self, sale, returned):
        """Return receipts for shipped items, from the deliveries that shipped them, newest first."""
        remaining = {line.product_id: quantity for line, quantity in returned.items()}
        receipts = self.env["stock.picking"]
        deliveries = sale.picking_ids.filtered(lambda p: p.state == "done" and p.picking_type_code == "outgoing")
        for delivery in deliveries.sorted("date_done", reverse=True):
            if not any(remaining.values()):
                break
            wizard = self.env["stock.return.picking"].create({"picking_id": delivery.id})
            for line in wizard.product_return_moves:
                take = min(remaining.get(line.product_id, 0), line.move_id.quantity)
                line.quantity = take
                if take:
                    remaining[line.product_id] -= take
            if any(wizard.product_return_moves.mapped("quantity")):
                receipts |= wizard._create_return()
        return receipts
