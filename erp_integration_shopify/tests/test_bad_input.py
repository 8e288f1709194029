"""Bad input always gets a clear answer: the field, the value and the fix; nothing created, never 'bug'."""

from hypothesis import HealthCheck, given, settings

from sandbox.fuzz import damaged

from .common import ShopifyCase, order_payload


class TestBadOrders(ShopifyCase):
    def refused(self, payload, category="validation"):
        exchange = self.deliver(payload)
        self.assertEqual((exchange.state, exchange.error_category), ("needs_attention", category), exchange.message)
        self.assertFalse(self.env["sale.order"].search([("client_order_ref", "=", payload["name"])]))
        self.assertFalse(exchange.link_ids, "nothing half-applied")
        return exchange.message

    def test_an_amount_that_is_not_a_decimal_names_the_field_and_the_value(self):
        payload = order_payload(7001)
        payload["line_items"][1]["price"] = "20,00"
        message = self.refused(payload)
        self.assertIn("line_items[1].price is '20,00', not a decimal amount", message)

    def test_a_date_that_is_not_a_date_names_the_field(self):
        message = self.refused(order_payload(7002, created_at="last Tuesday"))
        self.assertIn("created_at is 'last Tuesday', not an ISO 8601 date", message)

    def test_a_missing_required_field_says_what_is_missing(self):
        payload = order_payload(7003)
        del payload["line_items"]
        exchange = self.deliver(payload)
        self.assertEqual(exchange.error_category, "validation")
        self.assertIn("it needs an 'id' and 'line_items'", exchange.message)

    def test_zero_negative_and_fractional_quantities_are_refused(self):
        for number, quantity in enumerate((0, -2, 1.5)):
            payload = order_payload(7010 + number)
            payload["line_items"][0]["quantity"] = quantity
            with self.subTest(quantity=quantity):
                message = self.refused(payload)
                self.assertIn(f"line_items[0].quantity is {quantity!r}: a sold quantity is a whole number", message)

    def test_an_amount_finer_than_the_currency_is_refused(self):
        payload = order_payload(7020)
        payload["shipping_lines"][0]["price"] = "4.995"
        self.assertIn("shipping_lines[0].price is 4.995, finer than the currency's 2 decimals", self.refused(payload))

    def test_a_line_id_repeated_within_an_order_is_refused(self):
        payload = order_payload(7021)
        payload["line_items"][1]["id"] = payload["line_items"][0]["id"]
        payload["line_items"][1]["admin_graphql_api_id"] = payload["line_items"][0]["admin_graphql_api_id"]
        self.assertIn("line_items[1] repeats line id 702101", self.refused(payload))

    def test_vat_of_zero_at_a_non_zero_rate_is_a_vat_anomaly(self):
        payload = order_payload(7030)
        payload["line_items"][1]["tax_lines"][0]["price"] = "0.00"
        message = self.refused(payload, category="tax")
        self.assertIn("Shopify charged 0.00 of 'GB VAT' at 20%", message)

    def test_a_line_charged_no_tax_needs_an_explicit_zero_rate_tax_never_none(self):
        payload = order_payload(7031)
        payload["line_items"][0]["tax_lines"] = []
        payload["total_tax"] = str(sum(float(t["price"]) for i in payload["line_items"][1:] for t in i["tax_lines"]))
        self.env["integration.value.mapping"].create(
            {"backend_id": self.backend.id, "map_type": "tax", "external_value": "(no tax)"}
        )
        message = self.refused(payload, category="tax")
        self.assertIn(
            "Shopify tax '(no tax)' (prices exclude tax) on 'Mug-Blu' of order #7031 is mapped to no Odoo", message
        )
        self.assertIn("zero-rated, exempt or out-of-scope", message)

    def test_totals_that_agree_with_vat_per_rate_that_does_not_is_a_vat_anomaly(self):
        reduced = self.env["account.tax"].create(
            {"name": "5% R (test)", "amount": 5, "type_tax_use": "sale", "price_include_override": "tax_excluded"}
        )
        self.env["integration.value.mapping"].create(
            {
                "backend_id": self.backend.id,
                "map_type": "tax",
                "external_value": "GB VAT 5%",
                "odoo_record": f"account.tax,{reduced.id}",
            }
        )
        payload = order_payload(7032, lines=[("MUG-BLU", 1, "10.00", "0.00"), ("TEE-M-BLK", 1, "40.00", "0.00")])
        # Odoo: 20 % of 10.00 = 2.00 and 5 % of 40.00 = 2.00. Shopify swaps the amounts' rates: 1.00 and 3.00.
        mug, tee = payload["line_items"]
        mug["tax_lines"] = [{"title": "GB VAT", "rate": 0.2, "price": "1.00"}]
        tee["tax_lines"] = [{"title": "GB VAT 5%", "rate": 0.05, "price": "3.00"}]
        payload.update(total_tax="5.00", total_price="59.99")
        message = self.refused(payload, category="tax")
        self.assertIn(
            "the totals agree but the VAT per rate does not (5%: Shopify 3.00, Odoo 2.00; 20%: Shopify", message
        )

    def test_vat_rounded_per_tax_where_shopify_rounds_per_line_names_the_setting_then_retry_imports(self):
        # Three lines of 10p with VAT included: 2p of VAT each line by line, 5p on the 30p as one.
        lines = [("MUG-BLU", 1, "0.10", "0.00"), ("TEE-M-BLK", 1, "0.10", "0.00"), ("MUG-BLU", 1, "0.10", "0.00")]
        payload = order_payload(7033, taxes_included=True, lines=lines, shipping="0.00")
        payload["line_items"][2]["id"] = 703399
        payload["line_items"][2]["admin_graphql_api_id"] = "gid://shopify/LineItem/703399"
        self.env.company.tax_calculation_rounding_method = "round_globally"
        message = self.refused(payload, category="tax")
        self.assertIn("(20%: Shopify 0.06, Odoo 0.05)", message)
        self.assertIn("set Accounting > Settings > Rounding Method to 'Round per Line'", message)
        self.env.company.tax_calculation_rounding_method = "round_per_line"
        exchange = self.env["integration.exchange"].search([("external_id", "=", "7033")])
        exchange.action_retry()
        self.run_jobs()
        self.assertEqual(exchange.state, "done", exchange.message)

    def test_a_gift_card_or_a_custom_item_says_what_it_is_and_takes_the_product_configured_for_it(self):
        payload = order_payload(7040)
        payload["line_items"][0].update(gift_card=True, title="Gift card £25", sku="")
        message = self.refused(payload, category="mapping")
        self.assertIn("line 'Gift card £25' sells a gift card. Set the Gift card product", message)
        custom = order_payload(7041)
        custom["line_items"][1].update(sku=None, title="Engraving")
        message = self.refused(custom, category="mapping")
        self.assertIn("line 'Engraving' has no SKU (a custom item). Set the Custom item product", message)
        self.backend.shopify_custom_item_product_id = self.env["product.product"].create(
            {"name": "Custom item", "type": "service", "taxes_id": []}
        )
        exchange = self.env["integration.exchange"].search([("external_id", "=", "7041")])
        exchange.action_retry()
        self.run_jobs()
        self.assertEqual(exchange.state, "done", exchange.message)
        sale = self.sale_order(exchange)
        self.assertIn("Engraving", sale.order_line.mapped("name"))


def refund(order):
    from .test_refunds_privacy import refund_payload

    return refund_payload(order, shipping=("4.99", "1.00"))


class TestFuzzedPayloads(ShopifyCase):
    """Malformed or hostile payloads of every topic never reach the unexpected-error path, and create nothing."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.backend.shopify_order_policy = "invoice"
        cls.order = order_payload(7900)
        cls.examples = {
            "orders/create": order_payload(7901),
            "orders/updated": dict(cls.order, updated_at="2026-11-21T10:00:00+00:00"),
            "orders/cancelled": dict(cls.order, cancelled_at="2026-11-21T10:00:00+00:00"),
            "refunds/create": refund(cls.order),
            "customers/data_request": {"shop_id": 1, "customer": {"id": 16900, "email": "ada@example.com"}},
            "customers/redact": {"shop_id": 1, "customer": {"id": 16900, "email": "ada@example.com"}},
        }

    def setUp(self):
        super().setUp()
        self.deliver(self.order)

    def check(self, topic, payload):
        with self.env.cr.savepoint(flush=False) as savepoint:
            exchange = self.deliver(payload, topic=topic, event_id=f"fuzz-{topic}-{hash(repr(payload))}")
            self.assertNotEqual(exchange.error_category, "bug", f"{topic}: {exchange.message}")
            self.assertIn(exchange.state, ("done", "needs_attention", "ignored"), exchange.message)
            if exchange.state != "done":
                self.assertFalse(exchange.link_ids, "nothing half-applied")
            savepoint.rollback()
        # Each example starts from the same database: what it made is gone, from the cache too.
        self.env.invalidate_all()

    def fuzz(self, topic):
        @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
        @given(payload=damaged(self.examples[topic]))
        def run(payload):
            self.check(topic, payload)

        run()

    def test_orders_create(self):
        self.fuzz("orders/create")

    def test_orders_updated(self):
        self.fuzz("orders/updated")

    def test_orders_cancelled(self):
        self.fuzz("orders/cancelled")

    def test_refunds_create(self):
        self.fuzz("refunds/create")

    def test_customers_data_request(self):
        self.fuzz("customers/data_request")

    def test_customers_redact(self):
        self.fuzz("customers/redact")
