"""Set up, and invoice figures back on the deal: end to end against the sandbox, with real invoices and payments."""

from datetime import timedelta
from decimal import Decimal

from odoo import fields
from odoo.tests import tagged

from ..billing import OWN_PROPERTIES
from .common import HubSpotSandboxCase


@tagged("post_install", "-at_install")
class TestHubSpotBilling(HubSpotSandboxCase):
    def set_up(self):
        return self.backend.action_hubspot_setup()["params"]

    def won_sale(self, stage="presentationscheduled"):
        sale = self.win(self.deals(stage)[0]["id"])
        self.assertEqual(sale.state, "sale", self.exchanges().mapped("message"))
        return sale

    def invoice(self, sale, days_ago=0):
        invoice = sale._create_invoices()
        if days_ago:
            invoice.invoice_date = fields.Date.today() - timedelta(days=days_ago)
        invoice.action_post()
        return invoice

    def pay(self, invoice, amount):
        self.env["account.payment.register"].with_context(active_model="account.move", active_ids=invoice.ids).create(
            {"amount": amount}
        )._create_payments()

    def deal_figures(self, sale):
        deal_id = (
            self.env["integration.binding"]
            .search([("backend_id", "=", self.backend.id), ("res_model", "=", "sale.order"), ("res_id", "=", sale.id)])
            .external_id
        )
        return self.client.get_object("deals", deal_id, sorted(OWN_PROPERTIES))["properties"]

    def pushes(self):
        return self.exchanges().filtered(lambda exchange: exchange.flow == "invoices.push")

    def test_set_up_creates_the_suite_s_properties_proposes_mappings_and_the_flows_once(self):
        message = self.set_up()["message"]
        self.assertIn("8 properties created", message)
        self.assertIn("contact.privacyDeletion", message, "which webhooks to pick in the private app")
        self.assertIn(self.backend.webhook_url, message)
        deal_properties = self.client.properties_of("deals")
        self.assertLessEqual({"odoo_invoice_status", "odoo_amount_due", "odoo_payment_date"}, deal_properties)
        self.assertIn("odoo_credit_hold", self.client.properties_of("companies"))
        stages = self.backend.value_mapping_ids.filtered(lambda m: m.map_type == "deal_stage")
        outcomes = {m.external_value: m.odoo_value for m in stages}
        self.assertEqual(
            (outcomes["closedwon"], outcomes["closedlost"], outcomes["contractsent"]), ("won", "lost", "open")
        )
        terms = self.backend.value_mapping_ids.filtered(lambda m: m.map_type == "payment_terms")
        self.assertGreaterEqual(len(terms), 4, "the terms the portal's deals and companies use")
        currencies = self.backend.value_mapping_ids.filtered(lambda m: m.map_type == "currency")
        self.assertEqual(currencies.filtered(lambda m: m.external_value == "GBP").odoo_record.name, "GBP")
        self.assertEqual(self.backend.hubspot_app_id, str(self.client.token_info()["appId"]))
        codes = set(self.backend.flow_ids.mapped("code"))
        self.assertLessEqual({"invoices.push", "invoices.reconcile", "crm.reconcile", "crm.load"}, codes)
        mappings = len(self.backend.value_mapping_ids)
        self.assertIn("0 properties created", self.set_up()["message"], "run again: nothing is made twice")
        self.assertEqual(len(self.backend.value_mapping_ids), mappings)

    def test_a_custom_won_stage_mapped_as_won_makes_the_sale_order(self):
        self.set_up()
        mapping = self.backend.value_mapping_ids.filtered(
            lambda m: m.map_type == "deal_stage" and m.external_value == "contractsent"
        )
        mapping.odoo_value = "won"
        self.subscribe("deal.propertyChange", property_name="dealstage")
        deal = self.deals("presentationscheduled")[0]
        with self.allow_requests(all_requests=True):
            self.act("move_deal", deal_id=deal["id"], stage="contractsent")
            self.wait_for_exchanges(1)
        self.run_jobs()
        self.assertTrue(self.env["integration.binding"]._find(self.backend, "sale.order", deal["id"], "deal"))

    def test_posting_and_paying_the_invoice_shows_on_the_deal(self):
        self.set_up()
        self.subscribe("deal.propertyChange", property_name="dealstage")
        sale = self.won_sale()
        invoice = self.invoice(sale)
        self.run_jobs()
        figures = self.deal_figures(sale)
        self.assertEqual(figures["odoo_invoice_status"], "invoiced")
        self.assertEqual(figures["odoo_invoice_number"], invoice.name)
        self.assertEqual(figures["odoo_sale_order"], sale.name)
        self.assertEqual(Decimal(figures["odoo_amount_due"]), Decimal(f"{invoice.amount_total:.2f}"))
        self.assertFalse(figures["odoo_payment_date"])
        push = self.pushes().filtered(lambda exchange: exchange.external_type == "deals")
        self.assertEqual((len(push), push.state, push.direction), (1, "done", "out"))
        self.assertEqual(push.link_ids.mapped("res_id"), [sale.id], "the deal's order is traced to the message")
        half = round(invoice.amount_total / 2, 2)
        self.pay(invoice, half)
        self.run_jobs()
        figures = self.deal_figures(sale)
        self.assertEqual(figures["odoo_invoice_status"], "partially_paid")
        self.assertEqual(Decimal(figures["odoo_amount_due"]), Decimal(f"{invoice.amount_total - half:.2f}"))
        self.pay(invoice, invoice.amount_residual)
        self.run_jobs()
        figures = self.deal_figures(sale)
        self.assertEqual((figures["odoo_invoice_status"], Decimal(figures["odoo_amount_due"])), ("paid", 0))
        self.assertEqual(figures["odoo_payment_date"], str(fields.Date.today()))
        self.assertEqual(set(self.pushes().mapped("state")), {"done"})
        # Nothing changed since: a run sends nothing.
        sent = len(self.pushes())
        self.backend.flow_ids.filtered(lambda flow: flow.code == "invoices.reconcile")._run()
        self.run_jobs()
        self.assertEqual(len(self.pushes()), sent)

    def test_an_overdue_invoice_shows_on_the_deal_and_puts_the_company_on_credit_hold(self):
        self.set_up()
        self.subscribe("deal.propertyChange", property_name="dealstage")
        sale = self.won_sale()
        sale.payment_term_id = self.env.ref("account.account_payment_term_30days")
        self.invoice(sale, days_ago=45)
        self.run_jobs()
        self.assertEqual(self.deal_figures(sale)["odoo_invoice_status"], "overdue")
        company_id = (
            self.env["integration.binding"]
            .search(
                [
                    ("backend_id", "=", self.backend.id),
                    ("res_model", "=", "res.partner"),
                    ("res_id", "=", sale.partner_id.id),
                ]
            )
            .external_id
        )
        company = self.client.get_object("companies", company_id, ("odoo_credit_hold", "odoo_amount_overdue"))
        self.assertEqual(company["properties"]["odoo_credit_hold"], "true")
        overdue = Decimal(company["properties"]["odoo_amount_overdue"])
        self.assertEqual(overdue, Decimal(f"{sale.invoice_ids.amount_total:.2f}"))

    def test_a_credit_note_for_the_whole_invoice_shows_as_credited(self):
        self.set_up()
        self.subscribe("deal.propertyChange", property_name="dealstage")
        sale = self.won_sale()
        invoice = self.invoice(sale)
        reversal = (
            self.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"journal_id": invoice.journal_id.id, "reason": "Deal cancelled"})
        )
        reversal.refund_moves()
        sale.invoice_ids.filtered(lambda move: move.move_type == "out_refund").action_post()
        self.run_jobs()
        figures = self.deal_figures(sale)
        self.assertEqual((figures["odoo_invoice_status"], Decimal(figures["odoo_amount_due"])), ("credited", 0))

    def test_without_set_up_the_push_waits_naming_the_fix(self):
        self.env["integration.flow"].create(
            {"backend_id": self.backend.id, "code": "invoices.push", "name": "Push", "mode": "realtime"}
        )
        self.subscribe("deal.propertyChange", property_name="dealstage")
        sale = self.won_sale()
        self.invoice(sale)
        self.run_jobs()
        push = self.pushes().filtered(lambda exchange: exchange.external_type == "deals")
        self.assertEqual(push.state, "needs_attention")
        self.assertIn("Set up HubSpot", push.message)
