import json

from sandbox.contracts import shopify_webhook_example

from .common import ShopifyCase, order_payload

SUBSCRIBED = (
    "orders/create",
    "orders/updated",
    "orders/paid",
    "orders/cancelled",
    "refunds/create",
    "customers/data_request",
    "customers/redact",
    "shop/redact",
    "app/uninstalled",
)


def refund_payload(
    order, refund_id=777, lines=(("TEE-M-BLK", 1, "18.00", "3.60"),), shipping=None, restock_type="no_restock"
):
    return {
        "id": refund_id,
        "admin_graphql_api_id": f"gid://shopify/Refund/{refund_id}",
        "order_id": order["id"],
        "refund_line_items": [
            {
                "quantity": quantity,
                "restock_type": restock_type,
                "subtotal": subtotal,
                "total_tax": tax,
                "line_item": {"sku": sku},
            }
            for sku, quantity, subtotal, tax in lines
        ],
        "refund_shipping_lines": [
            {
                "subtotal_amount_set": {"shop_money": {"amount": amount}},
                "tax_amount_set": {"shop_money": {"amount": tax}},
            }
            for amount, tax in ([shipping] if shipping else [])
        ],
    }


class TestRefunds(ShopifyCase):
    def setUp(self):
        super().setUp()
        self.backend.shopify_order_policy = "invoice"
        self.order = order_payload(6001)
        self.sale = self.sale_order(self.deliver(self.order))
        self.invoice = self.sale.invoice_ids

    def test_paid_order_is_invoiced_and_paid_in_the_gateway_journal(self):
        self.assertEqual(self.invoice.state, "posted")
        self.assertIn(self.invoice.payment_state, ("paid", "in_payment"))
        payment = self.env["account.payment"].search([("invoice_ids", "in", self.invoice.ids)])
        self.assertEqual(payment.journal_id, self.bank)
        links = self.env["integration.exchange.link"].search([("res_model", "=", "account.payment")])
        self.assertIn(payment.id, links.mapped("res_id"), "the payment links back to its Shopify payload")

    def test_the_invoice_the_integration_posted_is_in_the_audit_chain_with_its_digest(self):
        [exchange] = self.env["integration.exchange"].search(
            [("backend_id", "=", self.backend.id), ("external_id", "=", "6001"), ("direction", "=", "in")], limit=1
        )
        [posted] = self.env["integration.audit.log"].search(
            [("event", "=", "move.posted"), ("res_model", "=", "account.move"), ("res_id", "=", self.invoice.id)]
        )
        self.assertEqual(posted.exchange_id, exchange)
        details = json.loads(posted.details)
        self.assertEqual(
            details["digest"], self.env["account.move"]._integration_digests(self.invoice.ids)[self.invoice.id]
        )
        self.assertNotIn(self.invoice.partner_id.name, posted.details, "references and hashes, no personal data")

    def test_the_invoice_is_dated_by_the_sale_and_one_in_a_locked_period_waits_or_moves_by_policy(self):
        self.assertEqual(str(self.invoice.invoice_date), "2026-11-20", "the order's date: its tax point")
        self.env.company.sale_lock_date = "2026-11-25"
        old = order_payload(6002)
        old["created_at"] = "2026-11-21T09:00:00+00:00"
        exchange = self.deliver(old)
        self.assertEqual((exchange.state, exchange.error_category), ("needs_attention", "business"), exchange.message)
        self.assertIn("dated 2026-11-21, in a locked period", exchange.message)
        self.assertIn("post on the first open date", exchange.message)
        self.assertFalse(exchange.link_ids, "nothing half-applied: no order, no invoice")
        self.backend.locked_period_policy = "first_open"
        exchange.action_retry()
        self.run_jobs()
        self.assertEqual(exchange.state, "done", exchange.message)
        invoice = self.sale_order(exchange).invoice_ids
        self.assertEqual(invoice.state, "posted")
        self.assertGreater(invoice.date, invoice.invoice_date, "accounted on the first open date")
        self.assertTrue(any("the first open date" in body for body in invoice.message_ids.mapped("body")))

    def test_finance_opens_the_payload_behind_an_invoice(self):
        auditor = self.env["res.users"].create(
            {
                "name": "Fiona Finance",
                "login": "fiona",
                "group_ids": [
                    (
                        6,
                        0,
                        [
                            self.env.ref("account.group_account_invoice").id,
                            self.env.ref("erp_integration_core.group_integration_auditor").id,
                        ],
                    )
                ],
            }
        )
        action = self.invoice.with_user(auditor).action_view_integration_exchanges()
        exchange = self.env["integration.exchange"].browse(action["res_id"])
        self.assertEqual((action["res_model"], exchange.flow), ("integration.exchange", "orders/create"))
        self.assertEqual(self.invoice.with_user(auditor).integration_exchange_count, 1)
        self.assertIn(
            self.invoice.id, exchange.link_ids.filtered(lambda link: link.res_model == "account.move").mapped("res_id")
        )

    def test_unmapped_gateway_names_the_journal_mapping(self):
        exchange = self.deliver(order_payload(6002, payment_gateway_names=["paypal"]))
        self.assertEqual(exchange.state, "needs_attention")
        self.assertIn("payment gateway 'paypal'", exchange.message)

    def test_refund_creates_a_linked_credit_note_and_never_touches_the_invoice(self):
        self.assertEqual(self.invoice.state, "posted")
        invoice_total = self.invoice.amount_total
        exchange = self.deliver(refund_payload(self.order, shipping=("4.99", "1.00")), topic="refunds/create")
        self.assertEqual(exchange.state, "done", exchange.message)
        credit = self.env["account.move"].browse(exchange.result["credit_note"])
        self.assertEqual((credit.move_type, credit.state), ("out_refund", "posted"))
        self.assertEqual(credit.reversed_entry_id, self.invoice)
        self.assertAlmostEqual(credit.amount_total, 21.60 + 5.99, places=2)
        self.assertEqual(self.invoice.amount_total, invoice_total)
        self.assertIn(
            credit.id, exchange.link_ids.filtered(lambda link: link.res_model == "account.move").mapped("res_id")
        )

    def test_same_refund_twice_credits_once(self):
        self.deliver(refund_payload(self.order), topic="refunds/create", event_id="refund-a")
        second = self.deliver(refund_payload(self.order), topic="refunds/create", event_id="refund-b")
        self.assertEqual(second.result.get("skipped"), "refund already applied")
        self.assertEqual(len(self.sale.invoice_ids.filtered(lambda move: move.move_type == "out_refund")), 1)

    def test_refund_total_that_does_not_reconcile_waits(self):
        exchange = self.deliver(
            refund_payload(self.order, lines=(("TEE-M-BLK", 1, "18.00", "9.99"),)), topic="refunds/create"
        )
        self.assertEqual(exchange.state, "needs_attention")
        self.assertIn("totals 27.99 in Shopify but the credit note would total 21.60", exchange.message)


class TestRestock(ShopifyCase):
    """Refunded items Shopify restocks go back into Odoo's stock the way Odoo's delivery says."""

    ONE_MUG = (("MUG-BLU", 1, "12.00", "2.40"),)

    def setUp(self):
        super().setUp()
        self.backend.shopify_order_policy = "invoice"
        self.order = order_payload(6501)
        self.sale = self.sale_order(self.deliver(self.order))
        self.delivery = self.sale.picking_ids

    def mug_move(self, picking):
        return picking.move_ids.filtered(lambda move: move.product_id == self.mug)

    def refund(self, restock_type, refund_id=778):
        payload = refund_payload(self.order, refund_id=refund_id, lines=self.ONE_MUG, restock_type=restock_type)
        exchange = self.deliver(payload, topic="refunds/create", event_id=f"refund-{refund_id}")
        self.assertEqual(exchange.state, "done", exchange.message)
        return exchange

    def ship(self):
        self.delivery.move_ids.write({"picked": True})
        for move in self.delivery.move_ids:
            move.quantity = move.product_uom_qty
        self.delivery.button_validate()
        self.assertEqual(self.delivery.state, "done")

    def test_refund_of_unshipped_items_takes_them_off_the_delivery(self):
        self.assertEqual(self.mug_move(self.delivery).product_uom_qty, 2)
        exchange = self.refund("cancel")
        self.assertEqual(exchange.result["taken_off_delivery"], {"MUG-BLU": 1})
        self.assertEqual(self.mug_move(self.delivery).product_uom_qty, 1, "one mug is still to ship")
        self.assertFalse(exchange.result.get("return_receipts"))

    def test_refund_of_shipped_items_makes_a_return_receipt_for_the_warehouse(self):
        self.ship()
        exchange = self.refund("return")
        receipt = self.env["stock.picking"].browse(exchange.result["return_receipts"])
        self.assertEqual(receipt.picking_type_code, "incoming")
        self.assertEqual(receipt.state, "assigned", "ready for the warehouse to validate when the parcel arrives")
        self.assertEqual(self.mug_move(receipt).product_uom_qty, 1)
        self.assertEqual(receipt.move_ids.product_id, self.mug)
        self.assertIn(
            receipt.id, exchange.link_ids.filtered(lambda link: link.res_model == "stock.picking").mapped("res_id")
        )

    def test_shopify_cancel_of_items_odoo_already_shipped_becomes_a_return(self):
        self.ship()
        exchange = self.refund("cancel")
        self.assertTrue(exchange.result["return_receipts"])
        self.assertNotIn("taken_off_delivery", exchange.result)

    def test_no_restock_or_a_never_policy_leaves_stock_alone(self):
        self.refund("no_restock")
        self.assertEqual(self.mug_move(self.delivery).product_uom_qty, 2)
        self.backend.shopify_restock_policy = "never"
        self.refund("cancel", refund_id=779)
        self.assertEqual(self.mug_move(self.delivery).product_uom_qty, 2)
        self.assertEqual(self.sale.picking_ids, self.delivery, "no return receipt either")

    def test_locked_order_waits_with_the_fix_named(self):
        self.sale.action_lock()
        payload = refund_payload(self.order, refund_id=780, lines=self.ONE_MUG, restock_type="cancel")
        exchange = self.deliver(payload, topic="refunds/create")
        self.assertEqual(exchange.state, "needs_attention")
        self.assertIn("Unlock it, then press Retry", exchange.message)
        self.assertFalse(self.sale.invoice_ids.filtered(lambda m: m.move_type == "out_refund"), "nothing half-done")
        self.sale.action_unlock()
        exchange.action_retry()
        self.run_jobs()
        self.assertEqual(exchange.state, "done", exchange.message)


class TestPrivacyAndExamples(ShopifyCase):
    def test_data_request_attaches_an_export_and_asks_the_privacy_officer(self):
        self.deliver(order_payload(6101, email="jon@example.com"))
        exchange = self.deliver(
            {"shop_id": 1, "customer": {"id": 15101, "email": "jon@example.com"}, "data_request": {"id": 9}},
            topic="customers/data_request",
        )
        self.assertEqual(exchange.state, "done", exchange.message)
        attachment = self.env["ir.attachment"].browse(exchange.result["attachment"])
        export = json.loads(attachment.raw)
        self.assertEqual(export["orders"][0]["client_order_ref"], "#6101")
        self.assertTrue(exchange.activity_ids)

    def test_data_request_exports_this_company_s_orders_only(self):
        partner = self.sale_order(self.deliver(order_payload(6102, email="kim@example.com"))).partner_id
        other = self.env["res.company"].create({"name": "Other shop Ltd"})
        self.env["sale.order"].create({"partner_id": partner.id, "company_id": other.id, "client_order_ref": "THEIRS"})
        exchange = self.deliver(
            {"shop_id": 1, "customer": {"id": 15102, "email": "kim@example.com"}, "data_request": {"id": 10}},
            topic="customers/data_request",
        )
        export = json.loads(self.env["ir.attachment"].browse(exchange.result["attachment"]).raw)
        self.assertEqual([order["client_order_ref"] for order in export["orders"]], ["#6102"])

    def test_redact_anonymises_without_legal_hold_and_redacts_payloads_keeping_hashes(self):
        first = self.deliver(order_payload(6201, email="forget.me@example.com"))
        partner = self.sale_order(first).partner_id
        original_hash = first.payload_sha256
        exchange = self.deliver(
            {"shop_id": 1, "customer": {"id": 15201, "email": "forget.me@example.com"}, "orders_to_redact": [6201]},
            topic="customers/redact",
        )
        self.assertEqual(exchange.state, "done", exchange.message)
        self.assertEqual(exchange.result["anonymised"], [partner.id])
        self.assertFalse(partner.email)
        self.assertEqual(json.loads(first.payload), {"redacted": True})
        self.assertEqual(first.payload_sha256, original_hash)

    def test_redact_keeps_customers_under_legal_hold(self):
        self.backend.shopify_order_policy = "invoice"
        partner = self.sale_order(self.deliver(order_payload(6301, email="invoiced@example.com"))).partner_id
        exchange = self.deliver(
            {"shop_id": 1, "customer": {"id": 15301, "email": "invoiced@example.com"}}, topic="customers/redact"
        )
        self.assertEqual(exchange.result["legal_hold"], [partner.id])
        self.assertEqual(partner.email, "invoiced@example.com")

    def test_every_official_example_of_a_subscribed_topic_is_processed_or_ignored_with_a_reason(self):
        for topic in SUBSCRIBED:
            with self.subTest(topic):
                example = shopify_webhook_example(topic)
                exchange = self.deliver(example, topic=topic, event_id=f"example-{topic}")
                self.assertIn(exchange.state, ("done", "ignored"), exchange.message)
                if exchange.state == "ignored":
                    self.assertTrue(exchange.ignore_reason)
        self.assertFalse(self.backend.active, "app/uninstalled pauses the backend")

    def test_an_order_from_an_erased_person_is_still_imported_as_a_sale(self):
        # A new order is a sale the person made, and its invoice a legal record: the suppression list is for syncs.
        self.env["integration.suppression"]._suppress(self.env.company, email="erased@example.com")
        exchange = self.deliver(order_payload(6101, email="erased@example.com"))
        self.assertEqual(exchange.state, "done", exchange.message)
        sale = self.sale_order(exchange)
        self.assertEqual((sale.state, f"{sale.amount_total:.2f}"), ("sale", "56.39"))
        self.assertEqual(sale.partner_id.email, "erased@example.com", "the buyer the order names, for its delivery")
