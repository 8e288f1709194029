"""Trace: from an invoice, a credit note, a payment, a sales order or a delivery to the payload and the chain."""

import unittest

from odoo.tests import new_test_user, tagged

from ..lib import payload

try:
    from odoo.addons.erp_integration_shopify.tests.common import ShopifyCase, order_payload
except ImportError:  # the channel's addon is not on the addons path
    ShopifyCase, order_payload = None, None

AUDITOR_GROUPS = "erp_integration_core.group_integration_auditor,account.group_account_readonly,stock.group_stock_user"


@tagged("post_install", "-at_install")
class TestTrace(ShopifyCase or unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        installed = cls.env["ir.module.module"].search_count(
            [("name", "=", "erp_integration_shopify"), ("state", "=", "installed")]
        )
        if ShopifyCase is None or not installed:
            raise unittest.SkipTest("erp_integration_shopify is not installed: its orders are what is traced")
        cls.auditor = new_test_user(cls.env, "trace_auditor", name="Trace Auditor", groups=AUDITOR_GROUPS)

    def setUp(self):
        super().setUp()
        self.backend.shopify_order_policy = "invoice"
        self.order = order_payload(7201)
        self.exchange = self.deliver(self.order)
        self.assertEqual(self.exchange.state, "done", self.exchange.message)
        self.sale = self.sale_order(self.exchange)
        self.invoice = self.sale.invoice_ids
        self.payment = self.env["account.payment"].search([("invoice_ids", "in", self.invoice.ids)])

    def trace(self, action):
        self.assertEqual((action["type"], action["res_model"]), ("ir.actions.act_window", "integration.trace"))
        return self.env["integration.trace"].browse(action["res_id"])

    def test_an_invoice_traces_to_its_exchange_its_payload_and_its_audit_entries(self):
        trace = self.trace(self.invoice.action_view_integration_trace())
        self.assertEqual(trace.exchange_ids, self.exchange)
        self.assertEqual(trace.exchange_ids.payload_sha256, payload.sha256_hex(self.exchange.payload))
        self.assertTrue(trace.exchange_ids.create_date, "the time it was received")
        self.assertEqual(trace.record_ref, f"Journal Entry {self.invoice.display_name}")
        events = set(trace.audit_ids.mapped("event"))
        self.assertLessEqual({"exchange.received", "exchange.done", "record.created", "move.posted"}, events)
        invoice_rows = trace.audit_ids.filtered(lambda row: row.res_model == "account.move")
        posted = invoice_rows.filtered(lambda row: row.res_id == self.invoice.id).mapped("event")
        self.assertEqual(sorted(posted), ["move.posted", "record.created"], "the invoice's own entries")
        self.assertEqual(trace.audit_ids.exchange_id, self.exchange)
        self.assertIn("sale.order", trace.link_ids.mapped("res_model"), "what else the payload did")
        self.assertIn("account.payment", trace.link_ids.mapped("res_model"))
        # The page's entries take their place in the chain when it is verified.
        self.assertTrue(trace.unsealed_count)
        trace.action_verify()
        self.assertTrue(trace.verified, trace.verify_message)
        self.assertIn("entries are intact", trace.verify_message)
        trace.invalidate_recordset()
        self.assertFalse(trace.unsealed_count)
        positions = trace.audit_ids.mapped("chain_seq")
        self.assertEqual(positions, sorted(positions))
        self.assertTrue(all(trace.audit_ids.mapped("hash")))
        # The payload and the document open from the page.
        opened = trace.exchange_ids.action_open_payload()
        self.assertEqual((opened["res_model"], opened["res_id"]), ("integration.exchange", self.exchange.id))
        self.assertEqual(trace.action_open_record()["res_id"], self.invoice.id)

    def test_a_credit_note_traces_to_the_refund_and_the_invoice_it_reverses(self):
        refund = {
            "id": 7771,
            "admin_graphql_api_id": "gid://shopify/Refund/7771",
            "order_id": self.order["id"],
            "refund_line_items": [
                {"quantity": 1, "restock_type": "no_restock", "subtotal": "18.00", "total_tax": "3.60",
                 "line_item": {"sku": "TEE-M-BLK"}}
            ],
            "refund_shipping_lines": [],
        }  # fmt: skip
        refunded = self.deliver(refund, topic="refunds/create")
        self.assertEqual(refunded.state, "done", refunded.message)
        credit = self.env["account.move"].search([("reversed_entry_id", "=", self.invoice.id)])
        self.assertEqual(credit.move_type, "out_refund")
        trace = self.trace(credit.action_view_integration_trace())
        self.assertEqual(trace.exchange_ids, refunded | self.exchange, "the refund, and the order it reverses")
        self.assertIn(self.invoice.display_name, trace.origin_refs)
        self.assertIn(credit.id, trace.audit_ids.filtered(lambda row: row.res_model == "account.move").mapped("res_id"))

    def test_a_payment_a_sales_order_and_a_delivery_trace_to_the_order_s_payload(self):
        # A payment's form has no mixin: its Trace button runs the core's server action on the open record.
        action = (
            self.env.ref("erp_integration_core.action_integration_trace_active_record")
            .with_context(active_model="account.payment", active_id=self.payment.id, active_ids=self.payment.ids)
            .run()
        )
        trace = self.trace(action)
        self.assertEqual(trace.exchange_ids, self.exchange)
        self.assertIn(
            "record.created", trace.audit_ids.filtered(lambda r: r.res_model == "account.payment").mapped("event")
        )
        self.assertEqual(self.trace(self.sale.action_view_integration_trace()).exchange_ids, self.exchange)
        picking = self.sale.picking_ids
        self.assertTrue(picking)
        trace = self.trace(picking.action_view_integration_trace())
        self.assertEqual(trace.exchange_ids, self.exchange, "through its sales order")
        self.assertIn(self.sale.name, trace.origin_refs)

    def test_an_auditor_traces_a_document(self):
        invoice = self.invoice.with_user(self.auditor)
        trace = self.trace(invoice.action_view_integration_trace()).with_user(self.auditor)
        self.assertEqual(trace.exchange_ids, self.exchange)
        self.assertEqual(trace.exchange_ids.payload_sha256, self.exchange.payload_sha256)
        self.assertTrue(trace.audit_ids)
        self.assertTrue(trace.action_verify())
        self.assertTrue(trace.verified)
