"""Link Odoo products to Shopify variants, and keep Shopify's available stock equal to Odoo's.

Quantities are pushed with ``changeFromQuantity`` set to what we last pushed:
if Shopify's figure moved in between (a sale, a manual edit) the call comes
back ``CHANGE_FROM_QUANTITY_STALE``, and the batch is re-read and sent again
from the fresh figures instead of overwriting blindly.
"""

from stdnum import ean

from odoo import fields

from odoo.addons.erp_integration_core.lib.errors import BusinessError, MappingError

BATCH = 250
STALE = "CHANGE_FROM_QUANTITY_STALE"


class StockSync:
    def __init__(self, connector):
        self.backend = connector.backend
        self.env = connector.env
        self.client = self.backend._shopify_client()
        self.Binding = self.env["integration.binding"]

    # Products -------------------------------------------------------------

    def link_products(self):
        """Bind every Shopify variant to the Odoo product with its SKU, else its GTIN barcode."""
        Product = self.env["product.product"]
        variants, after = [], None
        while True:
            page = self.client.execute("product_variants", {"first": BATCH, "after": after}, expected_cost=BATCH + 2)[
                "productVariants"
            ]
            variants += page["nodes"]
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]
        skus = [v["sku"] for v in variants if v.get("sku")]
        barcodes = [v["barcode"] for v in variants if v.get("barcode") and ean.is_valid(v["barcode"])]
        by_sku = {p.default_code: p for p in Product.search([("default_code", "in", skus)])}
        by_barcode = {p.barcode: p for p in Product.search([("barcode", "in", barcodes)])}
        bound = {
            b.external_id: b
            for b in self.Binding.search([("backend_id", "=", self.backend.id), ("res_model", "=", "product.product")])
        }
        linked, unmatched = 0, []
        for variant in variants:
            product = by_sku.get(variant.get("sku")) or by_barcode.get(variant.get("barcode"))
            if not product:
                unmatched.append(variant.get("sku") or variant["id"])
                continue
            if variant["id"] in bound:
                continue
            self.Binding.create(
                {
                    "backend_id": self.backend.id,
                    "res_model": "product.product",
                    "res_id": product.id,
                    "external_id": variant["id"],
                    "external_ref": variant["inventoryItem"]["id"],
                }
            )
            linked += 1
        return {
            "variants": len(variants),
            "linked": linked,
            "unmatched": unmatched[:50],
            "unmatched_count": len(unmatched),
        }

    # Stock ------------------------------------------------------------------

    def _locations(self):
        mappings = self.env["integration.value.mapping"].search(
            [("backend_id", "=", self.backend.id), ("map_type", "=", "location")]
        )
        locations = [(m.external_value, m.odoo_record) for m in mappings if m.odoo_record]
        if not locations:
            raise MappingError(
                f"Backend '{self.backend.name}' maps no Shopify location to an Odoo warehouse. Add value mappings "
                "of type 'location' (Shopify location id → warehouse), then press Retry."
            )
        return locations

    def push(self, reconcile=False):
        """Push every bound product whose available quantity changed; with ``reconcile``, check them all."""
        bindings = self.Binding.search(
            [("backend_id", "=", self.backend.id), ("res_model", "=", "product.product"), ("external_ref", "!=", False)]
        )
        products = self.env["product.product"].browse(bindings.mapped("res_id"))
        pushed, drift = 0, 0
        for location_id, warehouse in self._locations():
            free = {p.id: int(p.free_qty) for p in products.with_context(warehouse_id=warehouse.id)}
            changes = []
            for binding in bindings:
                last = (binding.synced_values or {}).get(location_id)
                quantity = max(free.get(binding.res_id, 0), 0)
                if reconcile or last != quantity:
                    changes.append((binding, quantity, last))
            if reconcile and changes:
                current = self._read_available([b.external_ref for b, _q, _l in changes], location_id)
                drift += sum(1 for b, quantity, _l in changes if current.get(b.external_ref) != quantity)
                changes = [
                    (b, q, current.get(b.external_ref)) for b, q, _l in changes if current.get(b.external_ref) != q
                ]
            for start in range(0, len(changes), BATCH):
                pushed += self._push_batch(changes[start : start + BATCH], location_id)
        return {"pushed": pushed, "drift": drift, "at": fields.Datetime.to_string(fields.Datetime.now())}

    def _push_batch(self, batch, location_id, fresh=False):
        quantities = [
            {
                "inventoryItemId": binding.external_ref,
                "locationId": location_id,
                "quantity": quantity,
                "changeFromQuantity": last,
            }
            for binding, quantity, last in batch
        ]
        answer = self.client.execute(
            "inventory_set_quantities",
            {
                "input": {
                    "name": "available",
                    "reason": "correction",
                    "quantities": quantities,
                    "referenceDocumentUri": f"gid://erp-integration/StockSync/{self.backend.id}",
                }
            },
            expected_cost=10,
        )["inventorySetQuantities"]
        errors = answer.get("userErrors") or []
        if any(error.get("code") == STALE for error in errors) and not fresh:
            current = self._read_available([binding.external_ref for binding, _q, _l in batch], location_id)
            return self._push_batch([(b, q, current.get(b.external_ref)) for b, q, _l in batch], location_id, True)
        if errors:
            raise BusinessError(f"Shopify refused the stock update: {self.client.user_errors(answer)}")
        for binding, quantity, _last in batch:
            binding.synced_values = dict(binding.synced_values or {}, **{location_id: quantity})
        return len(batch)

    def _read_available(self, item_ids, location_id):
        """Shopify's available quantity per inventory item at one location."""
        current = {}
        for start in range(0, len(item_ids), BATCH):
            nodes = self.client.execute(
                "inventory_levels",
                {"ids": item_ids[start : start + BATCH], "locationId": location_id},
                expected_cost=BATCH,
            )["nodes"]
            for node in nodes:
                level = (node or {}).get("inventoryLevel") or {}
                quantities = {q["name"]: q["quantity"] for q in level.get("quantities") or []}
                if node:
                    current[node["id"]] = quantities.get("available")
        return current
