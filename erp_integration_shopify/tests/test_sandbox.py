"""End to end against the Shopify sandbox in its own process: real HTTP both ways, real jobs."""

import json
import time
from decimal import Decimal

import requests

from odoo.tests import HttpCase, tagged

from odoo.addons.erp_integration_core.lib.errors import TransientError
from odoo.addons.queue_job.exception import RetryableJobError

from sandbox.testing import sandbox_process

from ..lib.client import load_document
from ..setup import TOPICS, topic_enum
from .common import ShopifyCase

MANCHESTER = "gid://shopify/Location/7100000000001"


@tagged("post_install", "-at_install")
class TestShopifySandbox(HttpCase, ShopifyCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sandbox_url = cls.enterClassContext(sandbox_process(seed=5))
        cls.backend.write(
            {
                "api_url": f"{cls.sandbox_url}/shopify",
                "api_token": "shpat_sandbox_demo_token",
                "webhook_secret": "sandbox-shopify-secret",
            }
        )
        cls.client = cls.backend._shopify_client()
        cls.variants = cls.client.execute("product_variants", {"first": 250})["productVariants"]["nodes"]
        for variant in cls.variants:
            cls.env["product.product"].create(
                {
                    "name": variant["sku"],
                    "default_code": variant["sku"],
                    "barcode": variant["barcode"],
                    "is_storable": True,
                    "taxes_id": [],
                }
            )
        cls.warehouse = cls.env["stock.warehouse"].search([("company_id", "=", cls.env.company.id)], limit=1)

    def setUp(self):
        super().setUp()
        requests.post(f"{self.sandbox_url}/_sandbox/reset?system=shopify", timeout=10)
        self.env["ir.config_parameter"].set_param("web.base.url", self.base_url())

    def act(self, action, **params):
        response = requests.post(
            f"{self.sandbox_url}/_sandbox/systems/shopify/actions/{action}", json=params, timeout=30
        )
        response.raise_for_status()
        return response.json()["result"]

    def sandbox_requests(self):
        return requests.get(f"{self.sandbox_url}/_sandbox/requests?system=shopify", timeout=5).json()["requests"]

    def available(self, variant, location=MANCHESTER):
        return self.client.execute(
            "inventory_levels", {"ids": [variant["inventoryItem"]["id"]], "locationId": location}
        )["nodes"][0]["inventoryLevel"]["quantities"][0]["quantity"]

    def wait_for_exchanges(self, count, timeout=20):
        deadline = time.monotonic() + timeout
        Exchange = self.env["integration.exchange"]
        while time.monotonic() < deadline:
            exchanges = Exchange.search([("backend_id", "=", self.backend.id)])
            if len(exchanges) >= count:
                return exchanges
            time.sleep(0.2)
        attempts = requests.get(f"{self.sandbox_url}/_sandbox/webhooks?system=shopify", timeout=5).json()
        self.fail(f"{count} webhooks expected, {len(exchanges)} arrived; the sandbox says {attempts}")

    def subscriptions(self, uri):
        nodes = self.client.execute("webhook_subscriptions", {"uri": uri})["webhookSubscriptions"]["nodes"]
        return sorted(node["topic"] for node in nodes)

    def test_setup_moves_the_subscriptions_of_the_address_without_its_database(self):
        address = self.backend.webhook_url
        old, _, query = address.partition("?")
        self.assertEqual(query, f"db={self.env.cr.dbname}")
        for topic in ("ORDERS_CREATE", "ORDERS_UPDATED"):
            self.client.execute("webhook_subscription_create", {"topic": topic, "uri": old})
        self.assertEqual(self.subscriptions(old), ["ORDERS_CREATE", "ORDERS_UPDATED"])
        self.backend.action_shopify_setup()
        self.assertEqual(self.subscriptions(old), [], "each event would come twice")
        self.assertEqual(self.subscriptions(address), sorted(topic_enum(topic) for topic in TOPICS))
        self.backend.action_shopify_setup()
        self.assertEqual(len(self.subscriptions(address)), len(TOPICS), "set up again, nothing changes")

    def test_connection_and_setup_subscribe_the_webhooks_and_propose_mappings(self):
        notification = self.backend.action_test_connection()
        self.assertIn("currency GBP", notification["params"]["message"])
        self.assertIn("every scope it needs is granted", notification["params"]["message"])
        self.env.company.tax_calculation_rounding_method = "round_globally"
        notification = self.backend.action_shopify_setup()
        self.assertIn("Round per Line", notification["params"]["message"])
        subscriptions = requests.get(f"{self.sandbox_url}/_sandbox/systems/shopify", timeout=10).json()
        self.assertGreaterEqual(subscriptions["collections"]["webhook_subscriptions"], len(TOPICS))
        locations = self.backend.value_mapping_ids.filtered(lambda m: m.map_type == "location")
        self.assertEqual(len(locations), 2)
        self.assertTrue(self.backend.shopify_shipping_product_id and self.backend.shopify_discount_product_id)
        self.assertTrue(self.backend.shopify_guest_partner_id)
        untaxed = self.backend.value_mapping_ids.filtered(lambda m: m.external_value == "(no tax)")
        self.assertTrue(untaxed, "zero-rated lines are proposed for a decision")
        self.assertFalse(any(untaxed.mapped("odoo_record")), "and never guessed")
        to_complete = self.backend.value_mapping_ids.filtered(lambda m: not m.odoo_record and not m.odoo_value)
        self.assertLessEqual(untaxed, to_complete)
        self.assertEqual(self.backend.mappings_to_complete, len(to_complete), "the form says how many wait")
        action = self.backend.action_open_mappings_to_complete()
        self.assertEqual(self.env["integration.value.mapping"].search(action["domain"]), to_complete)
        self.assertEqual(
            set(self.backend.flow_ids.mapped("code")),
            {"products.link", "products.push", "stock.push", "stock.reconcile", "orders.reconcile"},
        )

    def test_a_new_sandbox_order_arrives_over_http_and_becomes_a_sale_order(self):
        self.backend.action_shopify_setup()
        # The sandbox posts its webhooks to this test's server from another process.
        with self.allow_requests(all_requests=True):
            order = self.act(
                "create_order",
                lines=[{"sku": self.variants[0]["sku"], "quantity": 2}],
                email="Returning.Buyer@Example.com",
            )
            self.wait_for_exchanges(2)
        self.run_jobs()
        sale = self.env["sale.order"].search([("client_order_ref", "=", order["name"])])
        self.assertEqual(len(sale), 1)
        self.assertEqual(sale.state, "sale")
        self.assertEqual(f"{sale.amount_total:.2f}", order["total_price"])
        states = set(self.env["integration.exchange"].search([("backend_id", "=", self.backend.id)]).mapped("state"))
        self.assertEqual(states, {"done"}, "orders/create imports, orders/paid updates the same order")

    def test_missed_webhooks_are_caught_up_by_the_order_reconciliation(self):
        # No webhook subscription: the orders only reach Odoo through reconciliation. VAT is rounded per
        # line, as Set up Shopify advises.
        self.env.company.tax_calculation_rounding_method = "round_per_line"
        flow = self.env["integration.flow"].create(
            {"backend_id": self.backend.id, "code": "orders.reconcile", "name": "Reconcile", "mode": "scheduled"}
        )
        flow._run()
        seeded = flow.last_result["orders"]
        self.assertGreater(seeded, 10)
        self.run_jobs()
        exchanges = self.env["integration.exchange"].search([("backend_id", "=", self.backend.id)])
        self.assertEqual(len(exchanges), seeded)
        imported = exchanges.filtered(lambda e: e.state == "done" and e.result and e.result.get("total"))
        # Zero-rated lines (exports) wait for a '(no tax)' mapping, gift cards for the product to sell them
        # as: money is never guessed.
        waiting = (exchanges - imported).mapped("message")
        reasons = (
            "Shopify tax '(no tax)'",
            "sells a gift card. Set the Gift card product",
            "Odoo and Shopify can round the VAT of a line (a discount Odoo keeps on a line of its own, say) a penny",
        )
        unexpected = [message for message in waiting if not any(reason in message for reason in reasons)]
        self.assertFalse(unexpected, unexpected[:3])
        self.assertTrue(imported, exchanges.mapped("message")[:3])
        for exchange in imported[:5]:
            sale = self.env["sale.order"].browse(exchange.result["sale_order"])
            self.assertEqual(Decimal(f"{sale.amount_total:.2f}"), Decimal(exchange.result["total"]))
        self.assertTrue(flow.cursor)
        order = self.act("create_order", lines=[{"sku": self.variants[0]["sku"], "quantity": 1}])
        flow._run()
        self.assertEqual(flow.last_result["orders"], 1, "the cursor moved: only the new order is read")
        self.run_jobs()
        self.assertTrue(self.env["sale.order"].search([("client_order_ref", "=", order["name"])]))

    def test_stock_push_sets_shopify_and_rereads_a_stale_figure(self):
        self.backend.action_shopify_setup()
        mappings = self.backend.value_mapping_ids.filtered(lambda m: m.map_type == "location")
        mappings.filtered(lambda m: m.external_value == MANCHESTER).odoo_record = f"stock.warehouse,{self.warehouse.id}"
        mappings.filtered(lambda m: m.external_value != MANCHESTER).unlink()
        flows = {flow.code: flow for flow in self.backend.flow_ids}
        flows["products.link"]._run()
        self.assertEqual(flows["products.link"].last_result["unmatched_count"], 0)
        variant = self.variants[1]
        product = self.env["product.product"].search([("default_code", "=", variant["sku"])])
        self.env["stock.quant"]._update_available_quantity(product, self.warehouse.lot_stock_id, 7)
        flows["stock.push"]._run()
        self.run_jobs()
        self.assertEqual(self.available(variant), 7)
        # Every update sent is an outbound exchange with Shopify's answer and the products it covered.
        [sent] = self.env["integration.exchange"].search(
            [("backend_id", "=", self.backend.id), ("flow", "=", "stock.push")]
        )
        self.assertEqual((sent.direction, sent.state), ("out", "done"))
        self.assertEqual(sent.result["sent"][variant["inventoryItem"]["id"]], 7)
        self.assertEqual(sent.result["pushed"], len(sent.result["sent"]))
        binding = self.env["integration.binding"].search(
            [("res_model", "=", "product.product"), ("res_id", "=", product.id)]
        )
        self.assertIn(
            binding.id, [item["binding"] for item in json.loads(sent.payload)["items"]], "it names what it covers"
        )
        # Shopify sells two meanwhile: our changeFromQuantity is stale, the push re-reads and corrects.
        self.act("set_stock", sku=variant["sku"], available=5, location_id=7100000000001)
        self.env["stock.quant"]._update_available_quantity(product, self.warehouse.lot_stock_id, 3)
        flows["stock.push"]._run()
        self.run_jobs()
        self.assertEqual(self.available(variant), 10)
        second = self.env["integration.exchange"].search(
            [("backend_id", "=", self.backend.id), ("flow", "=", "stock.push"), ("id", ">", sent.id)]
        )
        self.assertEqual(second.result["sent"], {variant["inventoryItem"]["id"]: 10}, "only what changed is sent")
        flows["stock.reconcile"]._run()
        self.assertEqual(flows["stock.reconcile"].last_result["drift"], 0)
        # Someone edits Shopify by hand: the reconciliation finds and fixes the drift.
        self.act("set_stock", sku=variant["sku"], available=99, location_id=7100000000001)
        requests.delete(f"{self.sandbox_url}/_sandbox/requests?system=shopify", timeout=5)
        flows["stock.reconcile"]._run()
        self.run_jobs()
        self.assertEqual(flows["stock.reconcile"].last_result["drift"], 1)
        bodies = [entry["body"] for entry in self.sandbox_requests()]
        self.assertTrue(any("bulkOperationRunQuery" in body for body in bodies), "Shopify's figures come in bulk")
        self.assertFalse(any("InventoryLevels" in body for body in bodies), "not variant by variant")
        self.assertEqual(self.available(variant), 10)

    def test_a_stock_update_that_cannot_be_sent_waits_in_the_exception_queue_and_retry_sends_it(self):
        self.backend.action_shopify_setup()
        mappings = self.backend.value_mapping_ids.filtered(lambda m: m.map_type == "location")
        manchester = mappings.filtered(lambda m: m.external_value == MANCHESTER)
        manchester.odoo_record = f"stock.warehouse,{self.warehouse.id}"
        (mappings - manchester).unlink()
        flows = {flow.code: flow for flow in self.backend.flow_ids}
        flows["products.link"]._run()
        variant = self.variants[1]
        product = self.env["product.product"].search([("default_code", "=", variant["sku"])])
        self.env["stock.quant"]._update_available_quantity(product, self.warehouse.lot_stock_id, 4)
        flows["stock.push"]._run()
        manchester.odoo_record = False
        self.run_jobs()
        [update] = self.env["integration.exchange"].search(
            [("backend_id", "=", self.backend.id), ("flow", "=", "stock.push")]
        )
        self.assertEqual((update.state, update.error_category), ("needs_attention", "mapping"))
        self.assertIn(f"Shopify location {MANCHESTER} is no longer mapped", update.message)
        manchester.odoo_record = f"stock.warehouse,{self.warehouse.id}"
        update.action_retry()
        self.run_jobs()
        self.assertEqual(update.state, "done")
        self.assertEqual(self.available(variant), 4)

    def test_stock_reconciliation_picks_up_its_own_bulk_query_still_running(self):
        self.backend.action_shopify_setup()
        flow = self.backend.flow_ids.filtered(lambda f: f.code == "stock.reconcile")
        # An earlier attempt started the query and ran out of time before it finished.
        self.client.execute("bulk_operation_run_query", {"query": load_document("bulk_inventory_levels")})
        requests.delete(f"{self.sandbox_url}/_sandbox/requests?system=shopify", timeout=5)
        flow._run()
        self.assertIn("not_stocked", flow.last_result)
        bodies = [entry["body"] for entry in self.sandbox_requests()]
        self.assertFalse(any("bulkOperationRunQuery" in body for body in bodies), "the running query was reused")

    def test_stock_reconciliation_waits_while_another_bulk_query_runs(self):
        self.backend.action_shopify_setup()
        flow = self.backend.flow_ids.filtered(lambda f: f.code == "stock.reconcile")
        self.client.execute("bulk_operation_run_query", {"query": "{ products { edges { node { id } } } }"})
        with self.assertRaisesRegex(RetryableJobError, "Another bulk query is running"):
            flow._run()
        self.assertFalse(flow.last_run_at, "the job comes back later; nothing was pushed")

    def shown(self, variant):
        return self.client.execute("variant_products", {"ids": [variant["id"]]})["nodes"][0]

    def test_titles_and_prices_odoo_owns_are_pushed_when_they_change(self):
        self.backend.write({"owner_products": "external", "owner_prices": "odoo"})
        self.backend.action_shopify_setup()
        flows = {flow.code: flow for flow in self.backend.flow_ids}
        flows["products.link"]._run()
        push = flows["products.push"]
        push._run()
        self.run_jobs()
        [refused] = self.env["integration.exchange"].search([("flow_id", "=", push.id)])
        self.assertEqual(refused.state, "needs_attention", "a refused run waits in the exception queue")
        self.assertIn("The shop sells in GBP", refused.message)
        self.backend.company_id = self.env["res.company"].create(
            {"name": "Brightwater GBP", "currency_id": self.env.ref("base.GBP").id}
        )
        push._run()
        self.run_jobs()
        self.assertGreater(push.last_result["prices"], 0, "Odoo's prices replace Shopify's")
        self.assertEqual(push.last_result["titles"], 0, "Shopify owns the titles")
        push._run()
        self.run_jobs()
        self.assertEqual(push.last_result["prices"], 0, "nothing changed since")
        variant = self.variants[0]
        product = self.env["product.product"].search([("default_code", "=", variant["sku"])])
        jobs = self.env["queue.job"].search_count([("func_string", "like", f"integration.flow({push.id},)._run")])
        product.product_tmpl_id.list_price = 42.5
        self.assertEqual(
            self.env["queue.job"].search_count([("func_string", "like", f"integration.flow({push.id},)._run")]),
            jobs + 1,
            "a price change triggers the push",
        )
        push._run()
        self.run_jobs()
        self.assertEqual(push.last_result["prices"], 1)
        self.assertEqual(self.shown(variant)["price"], "42.50")
        # Each call is an outbound exchange with what was sent and the products it covered.
        sent = self.env["integration.exchange"].search(
            [("backend_id", "=", self.backend.id), ("flow", "=", "products.push")], limit=1
        )
        self.assertEqual((sent.direction, sent.state), ("out", "done"))
        self.assertEqual(sent.result["sent"], {variant["id"]: {"price": "42.50"}})
        self.assertEqual(sent.link_ids.res_id, product.id)
        # Odoo owns titles too: a Shopify product whose variants are one Odoo product takes its name.
        self.backend.owner_products = "odoo"
        siblings = [v for v in self.variants if v["product"]["title"] == variant["product"]["title"]]
        self.assertGreater(len(siblings), 1)
        template = product.product_tmpl_id
        template.name = "Merino jumper (Odoo)"
        others = self.env["product.product"].search([("default_code", "in", [v["sku"] for v in siblings[1:]])])
        others.product_tmpl_id.write({"name": "Merino jumper (Odoo)"})
        push._run()
        self.run_jobs()
        self.assertEqual(self.shown(variant)["product"]["title"], "Merino jumper (Odoo)")
        # Where a product's variants are differently named Odoo products, no title fits them all.
        conflicted = push.last_result["title_conflicts"]
        self.assertTrue(conflicted)
        self.assertNotIn(self.shown(variant)["product"]["id"], conflicted)

    def test_products_link_by_sku_then_gtin_and_missing_ones_are_created_when_shopify_owns_them(self):
        by_barcode, missing = self.variants[2], self.variants[3]
        Product = self.env["product.product"]
        Product.search([("default_code", "=", by_barcode["sku"])]).default_code = "LOCAL-REF"
        Product.search([("default_code", "=", missing["sku"])]).write({"default_code": False, "barcode": False})
        flow = self.env["integration.flow"].create(
            {"backend_id": self.backend.id, "code": "products.link", "name": "Link", "mode": "manual"}
        )
        flow._run()
        self.assertEqual(flow.last_result["unmatched"], [missing["sku"]])
        self.backend.owner_products = "external"
        flow._run()
        self.assertEqual(flow.last_result["created"], 1)
        created = Product.search([("default_code", "=", missing["sku"])])
        self.assertTrue(created.is_storable)
        bound = self.env["integration.binding"].search(
            [("backend_id", "=", self.backend.id), ("external_id", "=", by_barcode["id"])]
        )
        self.assertEqual(Product.browse(bound.res_id).default_code, "LOCAL-REF", "linked by its GTIN")
        # A variant deleted and recreated in Shopify: the product follows the new variant.
        bound.external_id = "gid://shopify/ProductVariant/1"
        flow._run()
        self.assertEqual((flow.last_result["rebound"], bound.external_id), (1, by_barcode["id"]))
        # A variant whose SKU no longer matches its bound product is linked again by SKU.
        renamed = self.variants[4]
        binding = self.env["integration.binding"].search([("external_id", "=", renamed["id"])])
        right = binding.res_id
        self.env["integration.binding"].search(
            [("res_model", "=", "product.product"), ("res_id", "=", created.id)]
        ).unlink()
        binding.res_id = created.id
        flow._run()
        relinked = self.env["integration.binding"].search([("external_id", "=", renamed["id"])])
        self.assertEqual(relinked.res_id, right)

    def a_product_of_several_sizes_and_colours(self):
        """The variants of a seeded Shopify product with at least two values of each option."""
        by_product = {}
        for variant in self.variants:
            by_product.setdefault(variant["product"]["id"], []).append(variant)
        for variants in by_product.values():
            values = {o["name"]: set() for o in variants[0]["selectedOptions"]}
            for variant in variants:
                for option in variant["selectedOptions"]:
                    values[option["name"]].add(option["value"])
            if len(values) == 2 and all(len(v) > 1 for v in values.values()):
                return variants
        raise AssertionError("the seed has no product with two sizes and two colours")

    def forget_in_odoo(self, variants):
        """Odoo has never heard of these variants' products."""
        self.env["product.product"].search([("default_code", "in", [v["sku"] for v in variants])]).unlink()

    def link_as_catalogue_owner(self):
        self.backend.owner_products = "external"
        flow = self.backend.flow_ids.filtered(lambda f: f.code == "products.link") or self.env[
            "integration.flow"
        ].create({"backend_id": self.backend.id, "code": "products.link", "name": "Link", "mode": "manual"})
        flow._run()
        return flow.last_result

    def test_a_shopify_product_becomes_one_template_with_its_options_as_attributes(self):
        jumper = self.a_product_of_several_sizes_and_colours()
        self.forget_in_odoo(jumper)
        size = next(o["value"] for o in jumper[-1]["selectedOptions"] if o["name"] == "Size")
        large = [v for v in jumper if {"name": "Size", "value": size} in v["selectedOptions"]]
        # One size costs £2 more in Shopify: Odoo expresses it as that size's price extra.
        self.client.execute(
            "product_variants_bulk_update",
            {
                "productId": jumper[0]["product"]["id"],
                "variants": [{"id": v["id"], "price": f"{float(v['price']) + 2:.2f}"} for v in large],
            },
        )
        result = self.link_as_catalogue_owner()
        self.assertEqual(result["created"], len(jumper))
        products = self.env["product.product"].search([("default_code", "in", [v["sku"] for v in jumper])])
        template = products.product_tmpl_id
        self.assertEqual(len(template), 1, "one template for the Shopify product")
        self.assertEqual(template.name, jumper[0]["product"]["title"])
        self.assertEqual(set(template.attribute_line_ids.attribute_id.mapped("name")), {"Size", "Colour"})
        self.assertEqual(len(template.product_variant_ids), len(jumper), "Shopify sells every combination")
        for variant in jumper:
            product = products.filtered(lambda p, sku=variant["sku"]: p.default_code == sku)
            options = {(v.attribute_id.name, v.name) for v in product.product_template_attribute_value_ids}
            self.assertEqual(options, {(o["name"], o["value"]) for o in variant["selectedOptions"]})
            expected = float(variant["price"]) + (2 if variant in large else 0)
            self.assertAlmostEqual(product.lst_price, expected, places=2, msg=variant["sku"])
            self.assertEqual(product.barcode, variant["barcode"])

    def test_a_new_variant_of_a_known_product_joins_its_template(self):
        jumper = self.a_product_of_several_sizes_and_colours()
        self.forget_in_odoo(jumper)
        self.link_as_catalogue_owner()
        template = self.env["product.product"].search([("default_code", "=", jumper[0]["sku"])]).product_tmpl_id
        size = next(o["value"] for o in jumper[0]["selectedOptions"] if o["name"] == "Size")
        added = self.act(
            "add_variant",
            product_id=jumper[0]["product"]["id"],
            options=[size, "Saffron"],
            sku="NEW-SAFFRON",
            price=jumper[0]["price"],
        )
        result = self.link_as_catalogue_owner()
        self.assertEqual(result["created"], 1)
        product = self.env["product.product"].search([("default_code", "=", "NEW-SAFFRON")])
        self.assertEqual(product.product_tmpl_id, template, "a new colour, not a new product")
        self.assertIn("Saffron", product.product_template_attribute_value_ids.mapped("name"))
        binding = self.env["integration.binding"].search([("external_id", "=", added["admin_graphql_api_id"])])
        self.assertEqual(binding.res_id, product.id)
        # Odoo made Saffron in every size; Shopify sells one of them, the others are archived.
        self.assertEqual(
            len(template.product_variant_ids), len(jumper) + 1, "only the combinations Shopify sells stay active"
        )

    def test_prices_no_option_explains_make_separate_products(self):
        jumper = self.a_product_of_several_sizes_and_colours()
        self.forget_in_odoo(jumper)
        odd = jumper[1]
        self.client.execute(
            "product_variants_bulk_update",
            {"productId": odd["product"]["id"], "variants": [{"id": odd["id"], "price": "99.99"}]},
        )
        self.link_as_catalogue_owner()
        products = self.env["product.product"].search([("default_code", "in", [v["sku"] for v in jumper])])
        self.assertEqual(len(products.product_tmpl_id), len(jumper), "every price stays exact")
        self.assertEqual(products.filtered(lambda p: p.default_code == odd["sku"]).lst_price, 99.99)

    def test_throttling_and_rate_limits_are_survived(self):
        self.act("set_plan", plan="standard", restore_rate=20, maximum=60)
        requests.put(f"{self.sandbox_url}/_sandbox/faults", json={"shopify": {"rate_limit_every": 3}}, timeout=5)
        client = self.backend._shopify_client()
        for _ in range(6):
            self.assertTrue(client.execute("product_variants", {"first": 10})["productVariants"]["nodes"])
        self.assertTrue(any(entry["status"] == 429 for entry in self.sandbox_requests()), "the sandbox did throttle")

    def faults(self, **knobs):
        requests.put(f"{self.sandbox_url}/_sandbox/faults", json={"shopify": knobs}, timeout=5).raise_for_status()
        self.addCleanup(requests.put, f"{self.sandbox_url}/_sandbox/faults", json={"shopify": {}}, timeout=5)

    def test_garbled_answers_and_server_errors_are_transient(self):
        # (Timeouts are the HTTP client's, tested with it in erp_integration_core/lib.)
        client = self.backend._shopify_client()
        for knobs, says in (
            ({"malformed_rate": 1.0}, "not JSON"),
            ({"malformed_rate": 1.0, "malformed_kind": "content_type"}, "not JSON"),
            ({"error_rate": 1.0}, "HTTP 5"),
        ):
            with self.subTest(**knobs):
                self.faults(**knobs)
                with self.assertRaisesRegex(TransientError, says):
                    client.execute("shop")
        self.faults()
        self.assertEqual(client.execute("shop")["shop"]["currencyCode"], "GBP", "and it works once Shopify is back")

    def test_client_credentials_token_is_renewed_when_it_expires(self):
        self.backend.write(
            {"api_token": False, "shopify_client_id": "sandbox-client-id", "api_secret": "sandbox-shopify-secret"}
        )
        client = self.backend._shopify_client()
        self.assertEqual(client.execute("shop")["shop"]["currencyCode"], "GBP")
        first = client.token
        self.act("expire_tokens")
        self.assertEqual(client.execute("shop")["shop"]["currencyCode"], "GBP")
        self.assertNotEqual(client.token, first)
