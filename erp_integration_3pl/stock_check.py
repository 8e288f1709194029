"""Stock reconciliation: the warehouse's count against Odoo's on-hand, SKU by SKU, never overwritten blindly.

The warehouse's stock report (REST stock levels, SOAP item stock or the daily
stock file) is one inbound exchange, kept verbatim. Its job compares it with
what Odoo holds in the warehouse the 3PL runs: a difference within the
backend's threshold is applied at once as an inventory adjustment whose
reference names the report; a larger one is an exchange of its own that
waits for a person to approve it (or to find the missing delivery). The
report's result is the drift report of the run.
"""

import hashlib
import json

from odoo.addons.erp_integration_core.lib.errors import BusinessError, Ignored
from odoo.addons.erp_integration_core.lib.events import Delivery, Event
from odoo.addons.erp_integration_core.work import Component

from .lib.files import decode


class StockCheck(Component):
    def read(self):
        """Flow ``stock.reconcile``: fetch the warehouse's stock report and queue it."""
        batch = self.client.read_stock()
        if batch is None:
            return {"report": None, "message": "The warehouse has no complete stock report yet."}
        sites = {self.backend.threepl_site, self.backend.threepl_stock_site} - {False, None, ""}
        levels = [level for level in batch.records if not sites or str(level.get("site")) in sites]
        sha256 = hashlib.sha256(batch.raw).hexdigest()
        event = Event.of(
            "stock.report",
            f"stock:{sha256}",
            {"report": batch.name, "sha256": sha256, "levels": levels, "problems": batch.problems},
            external_type="StockReport",
            external_id=batch.name,
            lock_key="stock",
        )
        delivery = Delivery(decode(batch.raw), source="poll", name=batch.name, headers={"sha256": sha256})
        self.backend._receive_events([event], delivery)
        self.client.acknowledge(batch)
        return {"report": batch.name, "levels": len(levels)}

    def _on_hand(self, products):
        """Odoo's on-hand per product in the stock location of the warehouse the 3PL runs."""
        location = self.backend.threepl_warehouse_id.lot_stock_id
        groups = self.env["stock.quant"]._read_group(
            [("location_id", "child_of", location.id), ("product_id", "in", products.ids)],
            ["product_id"],
            ["quantity:sum"],
        )
        return {product.id: quantity for product, quantity in groups}

    def compare(self, data):
        """Job of a ``stock.report`` exchange: apply small differences, hold large ones; the drift report."""
        if not self.backend.threepl_warehouse_id:
            raise BusinessError(
                f"Backend '{self.backend.name}' has no Odoo warehouse: set the warehouse the 3PL runs, then Retry."
            )
        levels = {}
        for level in data["levels"]:
            levels[level["sku"]] = levels.get(level["sku"], 0) + int(level["level"])
        products = self.env["product.product"].search(
            [("default_code", "in", list(levels)), ("is_storable", "=", True), *self.backend._own_records()]
        )
        by_sku = {product.default_code: product for product in products}
        on_hand = self._on_hand(products)
        threshold = max(self.backend.threepl_drift_threshold, 0)
        adjust, held, matched = {}, [], 0
        for sku, counted in sorted(levels.items()):
            product = by_sku.get(sku)
            if not product:
                continue
            odoo = on_hand.get(product.id, 0)
            difference = counted - odoo
            if not difference:
                matched += 1
            elif abs(difference) <= threshold:
                adjust[product] = difference
            else:
                held.append({"sku": sku, "product": product.id, "odoo": odoo, "warehouse": counted})
        self.adjust(adjust, data["report"])
        if held:
            self.backend._receive_events(
                [
                    Event.of(
                        "stock.drift",
                        f"drift:{data['sha256']}:{line['sku']}",
                        dict(line, report=data["report"]),
                        external_type="Product",
                        external_id=line["sku"],
                    )
                    for line in held
                ]
            )
        return {
            "report": data["report"],
            "compared": len(levels),
            "matched": matched,
            "adjusted": {product.default_code: difference for product, difference in adjust.items()},
            "held": {line["sku"]: line["warehouse"] - line["odoo"] for line in held},
            "unknown_to_odoo": sorted(set(levels) - set(by_sku)),
            "unreadable_rows": data.get("problems") or [],
        }

    def adjust(self, differences, report):
        """Change Odoo's on-hand by ``differences`` (product: quantity), as inventory adjustments naming ``report``."""
        if not differences:
            return
        location = self.backend.threepl_warehouse_id.lot_stock_id
        Quant = self.env["stock.quant"].with_context(inventory_mode=True, inventory_name=f"Warehouse stock: {report}")
        products = self.env["product.product"].concat(*differences)
        found = Quant.search(
            [("product_id", "in", products.ids), ("location_id", "=", location.id), ("lot_id", "=", False)]
        )
        by_product = {}
        for quant in found:
            by_product.setdefault(quant.product_id, quant)
        missing = products.filtered(lambda product: product not in by_product)
        for quant in Quant.create([{"product_id": product.id, "location_id": location.id} for product in missing]):
            by_product[quant.product_id] = quant
        quants = Quant.browse()
        for product, difference in differences.items():
            # The quant's own quantity moves by the difference; other quants of the location stay.
            quant = by_product[product]
            quant.inventory_quantity = quant.quantity + difference
            quants |= quant
        quants._apply_inventory()
        self.exchange._link(quants.product_id, "updated", ["qty_available"])

    def drift(self, data):
        """A difference too large to apply unasked: a person checks, then approves it or finds the cause."""
        product = self.env["product.product"].browse(data["product"]).exists()
        if not product:
            raise Ignored(f"Product {data['sku']} is gone from Odoo.")
        difference = data["warehouse"] - data["odoo"]
        if not data.get("approved_by"):
            raise BusinessError(
                f"{data['report']}: the warehouse counts {data['warehouse']:g} of {data['sku']}, Odoo has "
                f"{data['odoo']:g} ({difference:+g}), more than the backend's threshold. Look for a delivery or "
                "receipt not applied yet; if the warehouse's count is right, press Approve to adjust Odoo."
            )
        self.adjust({product: difference}, f"{data['report']}, approved")
        return {"sku": data["sku"], "adjusted": difference, "approved_by": data["approved_by"]}


def approve(exchanges, user):
    """Approve held stock differences: each is applied by a replay carrying who approved it."""
    for exchange in exchanges:
        data = dict(json.loads(exchange.payload), approved_by=user.id)
        exchange._replay(json.dumps(data, sort_keys=True), reason=f"Stock difference approved by {user.id}")
