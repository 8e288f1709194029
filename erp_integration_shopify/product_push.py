"""Push product titles and prices to Shopify, for what the backend says Odoo owns.

A variant's price is its Odoo sales price; a product's title is the name of
the Odoo product template its variants are linked to. Each value is sent only
when it differs from what was last pushed and from what Shopify shows, and
what was pushed is remembered on the binding. Each call (a product's prices,
a product's title) is an outbound exchange whose job sends Odoo's value of
that moment and keeps Shopify's answer.
"""

import uuid
from collections import defaultdict

from odoo.addons.erp_integration_core.lib.errors import BusinessError
from odoo.addons.erp_integration_core.work import Component

BATCH = 250


class ProductPush(Component):
    def push(self):
        titles = self.backend.owner_products == "odoo"
        prices = self.backend.owner_prices == "odoo"
        if not (titles or prices):
            return {"skipped": "Shopify owns products and prices on this backend"}
        bindings = self.env["integration.binding"].search(
            [("backend_id", "=", self.backend.id), ("res_model", "=", "product.product")]
        )
        products = {p.id: p for p in self.env["product.product"].browse(bindings.mapped("res_id")).exists()}
        wanted = []
        for binding in bindings:
            product = products.get(binding.res_id)
            if not product:
                continue
            want = {}
            if prices:
                want["price"] = f"{product.lst_price:.2f}"
            if titles:
                want["title"] = product.product_tmpl_id.name
            synced = binding.synced_values or {}
            if any(synced.get(key) != value for key, value in want.items()):
                wanted.append((binding, want))
        result = {"prices": 0, "titles": 0, "title_conflicts": [], "missing": []}
        if not wanted:
            return result
        shown, currency = self._shown([binding.external_id for binding, _want in wanted])
        if prices and currency != self.backend.company_id.currency_id.name:
            raise BusinessError(
                f"The shop sells in {currency} but '{self.backend.company_id.name}' keeps prices in "
                f"{self.backend.company_id.currency_id.name}: set Prices owned by to Shopify, or use a backend "
                "whose company has the shop's currency."
            )
        by_product = defaultdict(list)
        for binding, want in wanted:
            node = shown.get(binding.external_id)
            if node:
                by_product[node["product"]["id"]].append((binding, want, node))
            else:
                result["missing"].append(binding.external_id)
        for product_id, entries in by_product.items():
            if prices:
                result["prices"] += self._queue_prices(product_id, entries)
            if titles:
                result["titles"] += self._queue_title(product_id, entries, result["title_conflicts"])
            for binding, want, node in entries:
                # What Shopify already shows needs no call: remember it as pushed.
                showing = {"price": node["price"], "title": node["product"]["title"]}
                agreed = {key: value for key, value in want.items() if showing[key] == value}
                if agreed:
                    binding.synced_values = dict(binding.synced_values or {}, **agreed)
        result["title_conflicts"] = result["title_conflicts"][:50]
        result["missing"] = result["missing"][:50]
        return result

    def _shown(self, variant_ids):
        """What Shopify shows for each variant (price, product id and title), and the shop's currency."""
        shown, currency = {}, None
        for start in range(0, len(variant_ids), BATCH):
            data = self.client.execute(
                "variant_products", {"ids": variant_ids[start : start + BATCH]}, expected_cost=BATCH + 1
            )
            currency = data["shop"]["currencyCode"]
            shown.update({node["id"]: node for node in data["nodes"] if node})
        return shown, currency

    def _queue_prices(self, product_id, entries):
        bindings = [binding.id for binding, want, node in entries if "price" in want and node["price"] != want["price"]]
        if not bindings:
            return 0
        self._send("price", product_id, {"productId": product_id, "bindings": bindings})
        return len(bindings)

    def _queue_title(self, product_id, entries, conflicts):
        names = {want["title"] for _binding, want, _node in entries if "title" in want}
        if len(names) != 1:
            # Variants of one Shopify product linked to differently named Odoo
            # products: no title is right for all of them, so none is sent.
            conflicts.append(product_id)
            return 0
        if entries[0][2]["product"]["title"] == next(iter(names)):
            return 0
        self._send("title", product_id, {"productId": product_id, "bindings": [b.id for b, _w, _n in entries]})
        return 1

    def _send(self, what, product_id, payload):
        self.backend._send(
            "products.push",
            dict(payload, what=what),
            f"products.push:{what}:{product_id}:{uuid.uuid4().hex}",
            external_id=product_id,
            external_type="Product",
        )

    def send(self, payload):
        """Job of a ``products.push`` exchange: send the product's Odoo prices, or its title, as they are now."""
        bindings = self.env["integration.binding"].browse(payload["bindings"]).exists()
        products = self.env["product.product"].browse(bindings.mapped("res_id")).exists()
        by_id = {product.id: product for product in products}
        bindings = bindings.filtered(lambda binding: binding.res_id in by_id)
        if not bindings:
            return {"skipped": "the products are no longer linked"}
        product_id = payload["productId"]
        if payload["what"] == "price":
            variants = [{"id": b.external_id, "price": f"{by_id[b.res_id].lst_price:.2f}"} for b in bindings]
            answer = self.client.execute(
                "product_variants_bulk_update", {"productId": product_id, "variants": variants}, expected_cost=10
            )["productVariantsBulkUpdate"]
            if answer.get("userErrors"):
                raise BusinessError(f"Shopify refused the prices of {product_id}: {self.client.user_errors(answer)}")
            sent = {variant["id"]: {"price": variant["price"]} for variant in variants}
        else:
            names = {by_id[binding.res_id].product_tmpl_id.name for binding in bindings}
            if len(names) != 1:
                raise BusinessError(
                    f"The variants of Shopify product {product_id} are now differently named Odoo products "
                    f"({', '.join(sorted(names))}): no title fits them all. Rename them alike, then press Retry; "
                    "or Ignore."
                )
            title = names.pop()
            answer = self.client.execute(
                "product_update", {"product": {"id": product_id, "title": title}}, expected_cost=10
            )["productUpdate"]
            if answer.get("userErrors"):
                raise BusinessError(f"Shopify refused the title of {product_id}: {self.client.user_errors(answer)}")
            sent = {binding.external_id: {"title": title} for binding in bindings}
        for binding in bindings:
            binding.synced_values = dict(binding.synced_values or {}, **sent[binding.external_id])
        self.exchange._link(products, "sent", ["lst_price"] if payload["what"] == "price" else ["name"])
        return {"sent": sent}
