from decimal import Decimal

from odoo.addons.erp_integration_core.personal_data import PersonalData

from ..field_mappings import CUSTOMER, DEFAULTS
from .common import ShopifyCase, order_payload


class TestOrderImport(ShopifyCase):
    def test_order_with_vat_excluded_becomes_a_confirmed_sale_order(self):
        exchange = self.deliver(order_payload())
        self.assertEqual(exchange.state, "done", exchange.message)
        sale = self.sale_order(exchange)
        self.assertEqual(sale.state, "sale")
        self.assertEqual(sale.client_order_ref, "#5001")
        self.assertAlmostEqual(sale.amount_total, 56.39, places=2)
        self.assertEqual(sale.order_line.mapped("tax_ids"), self.vat)
        self.assertIn("Royal Mail Tracked 48", sale.order_line.mapped("name"))
        self.assertIn(exchange, sale.integration_exchange_ids, "the order links back to its payload")

    def test_order_with_vat_included_and_discounts_reconciles_to_the_penny(self):
        payload = order_payload(
            5002, taxes_included=True, lines=[("MUG-BLU", 3, "9.99", "1.00"), ("TEE-M-BLK", 1, "20.00", "5.00")]
        )
        exchange = self.deliver(payload)
        self.assertEqual(exchange.state, "done", exchange.message)
        sale = self.sale_order(exchange)
        self.assertEqual(f"{sale.amount_total:.2f}", payload["total_price"])
        self.assertEqual(sale.order_line.mapped("tax_ids"), self.vat_included)

    def test_a_discount_leaving_no_whole_pence_per_unit_keeps_shopifys_vat_to_the_penny(self):
        # 2 x 9.99 less 3.33 is 16.65, no whole number of pence a mug: Odoo takes it as a unit price and a
        # discount line, and VAT rounded on each of the two must come to what Shopify charged on the 16.65.
        # Shopify rounds VAT line by line; so does the company, as Set up Shopify advises.
        self.env.company.tax_calculation_rounding_method = "round_per_line"
        cases = [
            (5040, True, [("MUG-BLU", 2, "9.99", "3.33"), ("TEE-M-BLK", 3, "9.99", "5.00")]),
            (5041, True, [("MUG-BLU", 2, "19.99", "0.99")]),
            (5042, False, [("MUG-BLU", 3, "9.99", "4.99"), ("TEE-M-BLK", 3, "19.99", "4.99")]),
        ]
        for order_id, taxes_included, lines in cases:
            with self.subTest(order=order_id):
                payload = order_payload(order_id, taxes_included=taxes_included, lines=lines)
                exchange = self.deliver(payload)
                self.assertEqual(exchange.state, "done", exchange.message)
                sale = self.sale_order(exchange)
                self.assertEqual(f"{sale.amount_total:.2f}", payload["total_price"])
                self.assertEqual(f"{sale.amount_tax:.2f}", payload["total_tax"])
                self.assertTrue(all(line.tax_ids for line in sale.order_line), "every line carries its VAT")
                for (sku, quantity, price, discount), item in zip(lines, payload["line_items"], strict=True):
                    line = sale.order_line.filtered(lambda sol, sku=sku: sol.product_id.default_code == sku)
                    rest = sale.order_line.filtered(lambda sol, line=line: sol.name == f"Discount on {line.name}")
                    self.assertEqual(len(line), 1, "one order line per Shopify line")
                    self.assertEqual(line.product_uom_qty, quantity)
                    self.assertLessEqual(line.price_unit, float(price), "never above Shopify's price")
                    self.assertLess(rest.price_unit, 0)
                    both = line | rest
                    total = sum(both.mapped("price_total" if taxes_included else "price_subtotal"))
                    self.assertEqual(f"{total:.2f}", f"{Decimal(price) * quantity - Decimal(discount):.2f}")
                    self.assertEqual(f"{sum(both.mapped('price_tax')):.2f}", item["tax_lines"][0]["price"])

    def test_a_pricelist_discount_rule_never_changes_shopify_prices(self):
        self.env["res.config.settings"].create({"group_discount_per_so_line": True}).execute()
        # Only an order in another currency than the company's takes a pricelist (to carry
        # its currency); that pricelist gives 10 % off everything.
        gbp = self.env.ref("base.GBP")
        currency = self.env.ref("base.EUR") if self.env.company.currency_id == gbp else gbp
        currency.active = True
        self.env["product.pricelist"].create(
            {
                "name": "Trade 10 %",
                "sequence": 0,
                "currency_id": currency.id,
                "item_ids": [(0, 0, {"applied_on": "3_global", "compute_price": "percentage", "percent_price": 10})],
            }
        )
        payload = order_payload(5010, currency=currency.name)
        exchange = self.deliver(payload)
        self.assertEqual(exchange.state, "done", exchange.message)
        sale = self.sale_order(exchange)
        self.assertEqual(sale.pricelist_id.name, "Trade 10 %")
        self.assertEqual(f"{sale.amount_total:.2f}", payload["total_price"])
        self.assertEqual(set(sale.order_line.mapped("discount")), {0.0})

    def test_new_customers_are_made_through_the_backend_field_mappings(self):
        installed = self.backend._install_field_mappings(CUSTOMER, DEFAULTS[CUSTOMER])
        self.assertEqual(len(installed), len(DEFAULTS[CUSTOMER]))
        self.assertFalse(self.backend._install_field_mappings(CUSTOMER, DEFAULTS[CUSTOMER]), "installed once")
        installed.filtered(lambda m: m.target == "phone").active = False
        installed.filtered(lambda m: m.target == "city").source = "address.address1"
        payload = order_payload(5030, email="mapped@example.com", phone="+44 7700 900555")
        partner = self.sale_order(self.deliver(payload)).partner_id
        self.assertEqual((partner.name, partner.email), ("Ada Lovelace", "mapped@example.com"))
        self.assertFalse(partner.phone, "the mapping was switched off")
        self.assertEqual(partner.city, "1 Harbour Street", "the edited mapping's path")
        self.assertEqual(partner.country_id, self.env.ref("base.uk"), "found by its code")

    def test_an_order_edit_is_recognised_after_the_original_payload_was_redacted(self):
        payload = order_payload(5021)
        created = self.deliver(payload)
        PersonalData(self.backend).redact(created)
        edited = dict(payload, updated_at="2026-11-20T11:00:00+00:00")
        added = dict(payload["line_items"][1], id=502199, admin_graphql_api_id="gid://shopify/LineItem/502199")
        edited["line_items"] = [*payload["line_items"], added]
        exchange = self.deliver(edited, topic="orders/updated")
        self.assertEqual(exchange.state, "needs_attention")
        self.assertIn("was edited after it was imported: TEE-M-BLK × 1 added", exchange.message)

    def test_lines_added_in_shopify_after_the_import_wait_until_the_sale_order_has_them(self):
        payload = order_payload(5020)
        sale = self.sale_order(self.deliver(payload))
        edited = dict(payload, updated_at="2026-11-20T11:00:00+00:00")
        added = dict(
            payload["line_items"][1], id=502099, admin_graphql_api_id="gid://shopify/LineItem/502099", quantity=2
        )
        edited["line_items"] = [*payload["line_items"], added]
        exchange = self.deliver(edited, topic="orders/updated")
        self.assertEqual(exchange.state, "needs_attention")
        self.assertIn("was edited after it was imported: TEE-M-BLK × 2 added", exchange.message)
        self.assertIn(f"Add it to {sale.name}, then press Retry", exchange.message)
        sale.order_line = [(0, 0, {"product_id": self.tee.id, "product_uom_qty": 2, "price_unit": 20})]
        exchange.action_retry()
        self.run_jobs()
        self.assertEqual(exchange.state, "done", exchange.message)
        paid_again = dict(edited, updated_at="2026-11-20T12:00:00+00:00")
        self.assertEqual(self.deliver(paid_again, topic="orders/paid").state, "done", "a plain update passes")

    def test_another_company_s_customers_and_products_are_never_used(self):
        other = self.env["res.company"].create({"name": "Other shop Ltd"})
        stranger = self.env["res.partner"].create(
            {"name": "Ada at the other shop", "email": "ada@example.com", "company_id": other.id}
        )
        self.env["product.product"].create(
            {"name": "A mug of theirs", "default_code": "MUG-BLU", "company_id": other.id}
        )
        sale = self.sale_order(self.deliver(order_payload(5030)))
        self.assertNotEqual(sale.partner_id, stranger)
        self.assertEqual(sale.partner_id.company_id.id, False)
        self.assertIn(self.mug, sale.order_line.product_id)
        self.assertNotIn(other, sale.order_line.product_id.company_id)

    def test_duplicate_and_update_before_create(self):
        payload = order_payload(5003)
        updated = self.deliver(payload, topic="orders/updated")
        self.assertEqual(updated.state, "done", updated.message)
        created = self.deliver(payload, topic="orders/create")
        self.assertEqual(created.state, "done")
        again = self.deliver(payload, topic="orders/create")
        self.assertFalse(again, "a redelivered event is a duplicate at the intake")
        self.assertEqual(self.env["sale.order"].search_count([("client_order_ref", "=", "#5003")]), 1)

    def test_returning_customer_with_different_email_case_is_not_duplicated(self):
        self.deliver(order_payload(5004, email="Ada.Lovelace@Example.com"))
        self.deliver(order_payload(5005, email="ada.lovelace@example.com", customer={}))
        partners = self.env["res.partner"].search([("email", "=ilike", "ada.lovelace@example.com")])
        self.assertEqual(len(partners), 1)

    def test_anonymous_guest_orders_go_to_one_guest_customer(self):
        anonymous = {"email": None, "customer": None, "billing_address": None}
        first = self.sale_order(self.deliver(order_payload(5012, **anonymous)))
        second = self.sale_order(self.deliver(order_payload(5013, **anonymous)))
        self.assertEqual(first.partner_id, second.partner_id)
        self.assertEqual(first.partner_id, self.backend.shopify_guest_partner_id)

    def test_unknown_sku_names_the_fix_then_retry_completes(self):
        exchange = self.deliver(order_payload(5006, lines=[("LAMP-01", 1, "30.00", "0.00")]))
        self.assertEqual(exchange.state, "needs_attention")
        self.assertIn("SKU 'LAMP-01' has no product in Odoo", exchange.message)
        self.env["product.product"].create({"name": "Lamp", "default_code": "LAMP-01"})
        exchange.action_retry()
        self.run_jobs()
        self.assertEqual(exchange.state, "done", exchange.message)

    def test_unmapped_tax_names_the_mapping_then_retry_completes(self):
        payload = order_payload(5007)
        for item in payload["line_items"] + payload["shipping_lines"]:
            item["tax_lines"][0]["title"] = "VAT 20%"
        exchange = self.deliver(payload)
        self.assertEqual((exchange.state, exchange.error_category), ("needs_attention", "tax"))
        self.assertIn("Shopify tax 'VAT 20%' (prices exclude tax)", exchange.message)
        self.assertIn("Value mappings", exchange.message)
        self.env["integration.value.mapping"].create(
            {
                "backend_id": self.backend.id,
                "map_type": "tax",
                "external_value": "VAT 20%",
                "odoo_record": f"account.tax,{self.vat.id}",
            }
        )
        exchange.action_retry()
        self.run_jobs()
        self.assertEqual(exchange.state, "done", exchange.message)

    def test_total_that_does_not_reconcile_goes_to_the_exception_queue(self):
        payload = order_payload(5008)
        payload["total_price"] = "70.00"
        exchange = self.deliver(payload)
        self.assertEqual((exchange.state, exchange.error_category), ("needs_attention", "business"))
        self.assertIn("totals 70.00 GBP but the Odoo order would total 56.39", exchange.message)
        self.assertFalse(self.env["sale.order"].search([("client_order_ref", "=", "#5008")]))

    def test_vat_rate_that_differs_from_the_mapped_tax_is_an_anomaly(self):
        payload = order_payload(5009)
        payload["line_items"][0]["tax_lines"][0]["rate"] = 0.05
        exchange = self.deliver(payload)
        self.assertIn("VAT anomaly", exchange.message)

    def test_cancellation_cancels_the_order(self):
        payload = order_payload(5010)
        sale = self.sale_order(self.deliver(payload))
        payload.update(cancelled_at="2026-11-21T09:00:00+00:00", updated_at="2026-11-21T09:00:00+00:00")
        exchange = self.deliver(payload, topic="orders/cancelled")
        self.assertEqual(exchange.state, "done", exchange.message)
        self.assertEqual(sale.state, "cancel")

    def test_older_update_arriving_late_is_skipped(self):
        payload = order_payload(5011, updated_at="2026-11-22T10:00:00+00:00")
        self.deliver(payload)
        stale = dict(payload, updated_at="2026-11-21T10:00:00+00:00", cancelled_at="2026-11-21T10:00:00+00:00")
        exchange = self.deliver(stale, topic="orders/updated")
        self.assertEqual(exchange.state, "done")
        self.assertIn("newer version", exchange.result.get("skipped", "") if exchange.result else "")
        self.assertEqual(self.sale_order(self.exchanges_for(payload)[0]).state, "sale")

    def exchanges_for(self, payload):
        return self.env["integration.exchange"].search(
            [
                ("backend_id", "=", self.backend.id),
                ("external_id", "=", str(payload["id"])),
                ("flow", "=", "orders/create"),
            ]
        )
