from odoo import SUPERUSER_ID, models


class StockPicking(models.Model):
    _inherit = "stock.picking"

    def _action_done(self):
        result = super()._action_done()
        self._shopify_send_fulfillments()
        return result

    def _shopify_send_fulfillments(self):
        """Tell Shopify about every finished delivery of an order that came from Shopify.

        Whoever validated the delivery needs no integration rights: the
        integration sends as itself, the superuser, as its webhook intake does.
        """
        pickings = self.with_user(SUPERUSER_ID)
        Binding = pickings.env["integration.binding"]
        deliveries = pickings.filtered(lambda picking: picking.picking_type_code == "outgoing" and picking.sale_id)
        if not deliveries:
            return
        bindings = Binding.search(
            [
                ("res_model", "=", "sale.order"),
                ("res_id", "in", deliveries.sale_id.ids),
                ("backend_id.channel", "=", "shopify"),
            ]
        )
        by_order = {binding.res_id: binding for binding in bindings}
        for picking in deliveries:
            binding = by_order.get(picking.sale_id.id)
            if not binding:
                continue
            payload = {
                "order_id": binding.external_id,
                "picking": picking.name,
                "carrier": picking.carrier_id.name if "carrier_id" in picking._fields else None,
                "tracking_number": picking.carrier_tracking_ref if "carrier_tracking_ref" in picking._fields else None,
                "tracking_url": None,
                "lines": [
                    {"sku": move.product_id.default_code, "quantity": move.quantity}
                    for move in picking.move_ids
                    if move.quantity and move.product_id.default_code
                ],
            }
            binding.backend_id._send(
                "fulfillment.create",
                payload,
                f"fulfillment:{picking.name}",
                external_id=binding.external_id,
                external_type="Order",
            )
