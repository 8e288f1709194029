"""Link Odoo products to Shopify variants, and keep Shopify's available stock equal to Odoo's.

Quantities are pushed with ``changeFromQuantity`` set to what we last pushed:
if Shopify's figure moved in between (a sale, a manual edit) the call comes
back ``CHANGE_FROM_QUANTITY_STALE``, and the batch is re-read and sent again
from the fresh figures instead of overwriting blindly.
"""

import uuid

from stdnum import ean

from odoo import fields

from odoo.addons.erp_integration_core.lib.errors import BusinessError, MappingError
from odoo.addons.erp_integration_core.work import Component

from .catalog import Catalog

BATCH = 250
STALE = "CHANGE_FROM_QUANTITY_STALE"
NOT_STOCKED = "ITEM_NOT_STOCKED_AT_LOCATION"


class StockSync(Component):
    def __init__(self, work):
        super().__init__(work)
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
        own = self.backend._own_records()
        by_sku = {p.default_code: p for p in Product.search([("default_code", "in", skus), *own])}
        by_barcode = {p.barcode: p for p in Product.search([("barcode", "in", barcodes), *own])}
        bindings = self.Binding.search([("backend_id", "=", self.backend.id), ("res_model", "=", "product.product")])
        by_variant = {binding.external_id: binding for binding in bindings}
        by_record = {binding.res_id: binding for binding in bindings}
        linked, created, rebound, unmatched, duplicates = 0, 0, 0, [], []
        creates = self.backend.owner_products == "external"
        if creates:
            # Shopify owns the catalogue: what Odoo lacks is created first, a
            # template per Shopify product, then linked below like the rest.
            missing = [
                variant
                for variant in variants
                if variant.get("sku")
                and variant["id"] not in by_variant
                and not (by_sku.get(variant["sku"]) or by_barcode.get(variant.get("barcode")))
            ]
            # A new variant of a product Odoo already has joins its template.
            missing_products = {variant["product"]["id"] for variant in missing}
            templates = {
                variant["product"]["id"]: Product.browse(by_variant[variant["id"]].res_id).product_tmpl_id
                for variant in variants
                if variant["product"]["id"] in missing_products and variant["id"] in by_variant
            }
            made = Catalog(self.work).create(missing, templates)
            by_sku.update(made)
            created = len(made)
        seen = set()
        stale = self.Binding.browse()
        for variant in variants:
            binding = by_variant.get(variant["id"])
            if (
                binding
                and variant.get("sku")
                and Product.browse(binding.res_id).default_code not in (None, False, variant["sku"])
            ):
                # The variant's SKU changed in Shopify: the old link no longer holds.
                stale |= binding
                del by_record[binding.res_id]
            elif binding:
                seen.add(binding.res_id)
                continue
            product = by_sku.get(variant.get("sku")) or by_barcode.get(variant.get("barcode"))
            if not product and creates and variant.get("sku"):
                product = by_sku[variant["sku"]] = Catalog(self.work).create([variant])[variant["sku"]]
                created += 1
            if not product:
                unmatched.append(variant.get("sku") or variant["id"])
                continue
            if product.id in seen:
                # Two Shopify variants share this SKU or barcode: bind neither twice, say so.
                duplicates.append(variant.get("sku") or variant["id"])
                continue
            seen.add(product.id)
            values = {"external_id": variant["id"], "external_ref": variant["inventoryItem"]["id"]}
            if variant["id"] in by_variant and by_variant[variant["id"]] in stale:
                stale -= by_variant[variant["id"]]
                by_variant[variant["id"]].unlink()
            if product.id in by_record:
                # The product's variant was recreated in Shopify: follow the new one.
                by_record[product.id].write(dict(values, synced_values=False))
                rebound += 1
            else:
                self.Binding.create(
                    dict(values, backend_id=self.backend.id, res_model="product.product", res_id=product.id)
                )
                linked += 1
        stale.unlink()
        return {
            "variants": len(variants),
            "linked": linked,
            "created": created,
            "rebound": rebound,
            "unmatched": unmatched[:50],
            "unmatched_count": len(unmatched),
            "duplicate_skus": duplicates[:50],
        }

    # Stock ------------------------------------------------------------------

    def _mapped_locations(self):
        """(Shopify location id, Odoo warehouse) of every completed location mapping."""
        mappings = self.env["integration.value.mapping"].search(
            [("backend_id", "=", self.backend.id), ("map_type", "=", "location")]
        )
        return [(m.external_value, m.odoo_record) for m in mappings if m.odoo_record]

    def _locations(self):
        locations = self._mapped_locations()
        if not locations:
            raise MappingError(
                f"Backend '{self.backend.name}' maps no Shopify location to an Odoo warehouse. Add value mappings "
                "of type 'location' (Shopify location id → warehouse), then press Retry."
            )
        return locations

    def push(self, reconcile=False):
        """Queue a stock update for every bound product whose available quantity changed since it was last pushed.

        With ``reconcile``, Shopify's figures are read first (one bulk query) and
        every variant whose figure differs from Odoo's is corrected: the drift.
        Each batch of at most 250 quantities is an outbound exchange whose job
        makes the call (``send``), so every update Shopify is sent is visible,
        kept with Shopify's answer, and retried like any other exchange.
        """
        bindings = self._bindings()
        locations = self._locations()
        shopify = self._bulk_available() if reconcile else None
        queued, drift = 0, 0
        self.not_stocked = []
        run = uuid.uuid4().hex  # each run's batches are new messages, even within one second
        for location_id, warehouse in locations:
            free = self._free(bindings, warehouse)
            if reconcile:
                changes = self._drift(bindings, free, shopify, location_id)
                drift += len(changes)
            else:
                changes = []
                for binding in bindings:
                    last = (binding.synced_values or {}).get(location_id)
                    if last != free.get(binding.res_id, 0):
                        changes.append((binding, free.get(binding.res_id, 0), last))
            for number, start in enumerate(range(0, len(changes), BATCH)):
                batch = changes[start : start + BATCH]
                payload = {
                    "location_id": location_id,
                    "reconcile": bool(reconcile),
                    "items": [
                        {"binding": binding.id, "inventoryItemId": binding.external_ref, "changeFromQuantity": last}
                        for binding, _quantity, last in batch
                    ],
                }
                self.backend._send(
                    "stock.push",
                    payload,
                    f"stock.push:{location_id}:{run}:{number}",
                    external_type="Location",
                    external_id=location_id,
                )
                queued += len(batch)
        return {
            "queued": queued,
            "drift": drift,
            "not_stocked": self.not_stocked[:50],
            "at": fields.Datetime.to_string(fields.Datetime.now()),
        }

    def send(self, payload):
        """Job of a ``stock.push`` exchange: bring the items to Odoo's figure at the time of sending.

        The quantity is read now, not when the batch was queued, so a batch
        retried after a newer one was sent can never put an older figure back.
        """
        location_id = payload["location_id"]
        warehouse = dict(self._mapped_locations()).get(location_id)
        if not warehouse:
            raise MappingError(
                f"Shopify location {location_id} is no longer mapped to a warehouse on backend '{self.backend.name}'. "
                "Map it again under Configuration > Value mappings (type 'location'), then press Retry; or Ignore."
            )
        bindings = self.Binding.browse([item["binding"] for item in payload["items"]]).exists()
        free = self._free(bindings, warehouse)
        last = {item["binding"]: item["changeFromQuantity"] for item in payload["items"]}
        self.not_stocked = []
        batch = [(binding, free.get(binding.res_id, 0), last.get(binding.id)) for binding in bindings]
        pushed = self._push_batch(batch, location_id)
        # The payload names the bindings covered and the result the figures sent; a link
        # row per product would cost more than the call itself on a large catalogue.
        return {
            "pushed": pushed,
            "sent": {
                binding.external_ref: quantity
                for binding, quantity, _last in batch
                if binding.external_ref not in self.not_stocked
            },
            "not_stocked": self.not_stocked,
        }

    def _bindings(self):
        return self.Binding.search(
            [("backend_id", "=", self.backend.id), ("res_model", "=", "product.product"), ("external_ref", "!=", False)]
        )

    def _free(self, bindings, warehouse):
        """Odoo's free quantity per product at a warehouse, never negative, read afresh."""
        products = self.env["product.product"].browse(bindings.mapped("res_id"))
        # Quantities are computed per warehouse context; never trust a cached figure.
        products.invalidate_recordset(["free_qty"])
        return {p.id: max(int(p.free_qty), 0) for p in products.with_context(warehouse_id=warehouse.id)}

    def _drift(self, bindings, free, shopify, location_id):
        """The bindings whose Shopify figure at a location differs from Odoo's, as changes to push.

        Where the figures agree, the binding learns Shopify's figure, so the next
        push starts from it. An item with no level at the location is not stocked
        there: that is the shop's decision, reported, not drift.
        """
        changes = []
        for binding in bindings:
            current = shopify.get((binding.external_ref, location_id))
            quantity = free.get(binding.res_id, 0)
            if current is None:
                self.not_stocked.append(binding.external_ref)
            elif current != quantity:
                changes.append((binding, quantity, current))
            elif (binding.synced_values or {}).get(location_id) != current:
                binding.synced_values = dict(binding.synced_values or {}, **{location_id: current})
        return changes

    def _bulk_available(self):
        """Shopify's available quantity per (inventory item, location), from one bulk query."""
        available = {}
        for row in self.client.run_bulk_query("bulk_inventory_levels"):
            if "__parentId" in row:
                quantities = {q["name"]: q["quantity"] for q in row.get("quantities") or []}
                available[row["__parentId"], row["location"]["id"]] = quantities.get("available")
        return available

    def _push_batch(self, batch, location_id, fresh=False):
        """Send one batch; returns how many quantities Shopify took.

        Items Shopify does not stock at the location are left out and reported
        (stocking them is a decision for the shop); a stale batch is re-read
        once and sent again from Shopify's current figures.
        """
        if not batch:
            return 0
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
        not_stocked = {self._error_index(error) for error in errors if error.get("code") == NOT_STOCKED}
        if not_stocked:
            self.not_stocked += [batch[index][0].external_ref for index in sorted(not_stocked)]
            rest = [entry for index, entry in enumerate(batch) if index not in not_stocked]
            return self._push_batch(rest, location_id, fresh) if rest else 0
        if any(error.get("code") == STALE for error in errors) and not fresh:
            current = self._read_available([binding.external_ref for binding, _q, _l in batch], location_id)
            return self._push_batch([(b, q, current.get(b.external_ref)) for b, q, _l in batch], location_id, True)
        if errors:
            raise BusinessError(f"Shopify refused the stock update: {self.client.user_errors(answer)}")
        for binding, quantity, _last in batch:
            binding.synced_values = dict(binding.synced_values or {}, **{location_id: quantity})
        return len(batch)

    @staticmethod
    def _error_index(error):
        """The position in ``quantities`` an error's field path points at (``input.quantities.7.locationId``)."""
        field = error.get("field") or []
        return int(field[2]) if len(field) > 2 and str(field[2]).isdigit() else -1

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
