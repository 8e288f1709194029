"""The warehouse's item master: a product is made known to the warehouse before a shipment or ASN names it.

Each product pushed is an outbound exchange keyed by its SKU, sent once and
bound to the warehouse's id for it; a shipment waiting on a product the
warehouse refused says which one and why.
"""

from odoo.addons.erp_integration_core.lib import fix_keys
from odoo.addons.erp_integration_core.lib.errors import AuthError, BusinessError, Ignored, MappingError, TransientError
from odoo.addons.erp_integration_core.work import Component

# An item that could not be sent for want of the warehouse itself fails the shipment the same way.
PASSED_ON = {"auth": AuthError, "transient": TransientError}
EACH = "EACH"


class Items(Component):
    def ensure(self, products):
        """Push the ``products`` the warehouse does not know yet, now; raise if one was refused."""
        if not self.client.pushes_items:
            return
        Binding = self.env["integration.binding"]
        bound = Binding.search(
            [
                ("backend_id", "=", self.backend.id),
                ("res_model", "=", "product.product"),
                ("res_id", "in", products.ids),
            ]
        )
        refused, fixes = [], []
        for product in products - products.browse(bound.mapped("res_id")):
            exchange = self.backend._send(
                "item.create",
                {"product": product.id, "sku": product.default_code},
                f"item:{product.default_code}",
                external_type="Product",
                external_id=product.default_code,
            )
            if exchange.state != "done":
                # Sent here rather than left to its own job: the shipment needs the answer now.
                exchange._apply()
            if exchange.state != "done" and exchange.error_category in PASSED_ON:
                raise PASSED_ON[exchange.error_category](exchange.message)
            if exchange.state != "done":
                refused.append(f"{product.default_code} ({exchange.message or exchange.state})")
                fixes += [exchange.fix_key] if exchange.fix_key else []
        if refused:
            raise BusinessError(
                f"The warehouse does not know {', '.join(refused)}. Fix the product in Odoo (or set it up at "
                "the warehouse), then press Retry: the product is sent again first.",
                # The shipment is fixed by what fixes its first refused product.
                fix_key=fixes[0] if fixes else None,
            )

    def _unit(self, product):
        """The warehouse's name for the unit it counts ``product`` in: a ``unit`` value mapping of its Odoo unit.

        A product kept in Odoo's Units is counted one by one (``EACH``) unless
        mapped otherwise; any other unit needs its mapping, since the warehouse
        would otherwise count cases as singles.
        """
        unit = self.backend._external_value("unit", product.uom_id)
        if unit:
            return unit
        if product.uom_id == self.env.ref("uom.product_uom_unit"):
            return EACH
        raise MappingError(
            f"Product {product.default_code} is kept in {product.uom_id.name}, which has no warehouse unit. Add a "
            f"value mapping of type 'unit' from {product.uom_id.name} to the warehouse's name for it, then press "
            "Retry.",
            fix_key=fix_keys.unit_key(product.uom_id.name),
        )

    def send(self, payload):
        """Job of an ``item.create`` exchange: the product as it is now, to the warehouse."""
        product = self.env["product.product"].browse(payload["product"]).exists()
        if not product or not product.default_code:
            raise Ignored(f"Product {payload['sku']} is gone or has no Internal Reference any more.")
        warehouse_id = self.client.push_item(
            {
                "sku": product.default_code,
                "name": product.name,
                "barcode": product.barcode or "",
                "unit": self._unit(product),
            }
        )
        self.env["integration.binding"]._bind(self.backend, product, warehouse_id)
        self.exchange._link(product, "sent")
        return {"sku": product.default_code, "warehouse_id": warehouse_id}
