"""Auditors read the whole trail and change nothing; companies stay apart; no personal data reaches the trail."""

import base64
import csv
import unittest

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .common import SECRET, IntegrationCase

try:
    from odoo.addons.erp_integration_shopify.tests.common import ShopifyCase, order_payload
except ImportError:  # the channel's addon is not on the addons path
    ShopifyCase, order_payload = None, None

SUITE = (
    "erp_integration_core",
    "erp_integration_sale_stock",
    "erp_integration_shopify",
    "erp_integration_hubspot",
    "erp_integration_3pl",
    "erp_integration_mtd",
)
# What an auditor reads: the trail, and the exchanges and deliveries it points to.
AUDITED = ("integration.audit.log", "integration.exchange", "integration.delivery", "integration.exchange.link")


@tagged("post_install", "-at_install")
class TestAuditorRights(IntegrationCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.auditor = new_test_user(
            cls.env, "rights_auditor", name="Rita Auditor", groups="erp_integration_core.group_integration_auditor"
        )
        cls.other_company = cls.env["res.company"].create({"name": "Other Trading Ltd"})
        cls.other_backend = cls.env["integration.backend"].create(
            {"name": "Other shop", "channel": "toy", "webhook_secret": SECRET, "company_id": cls.other_company.id}
        )
        cls.auditor.write({"company_ids": [(6, 0, cls.env.company.ids)], "company_id": cls.env.company.id})

    def setUp(self):
        super().setUp()
        self.receive(self.contact())
        self.receive(self.contact("C9"), event_id="evt-other", backend=self.other_backend)
        self.perform_jobs()
        self.Audit = self.env["integration.audit.log"].with_user(self.auditor)

    def test_the_auditor_reads_every_audited_model_and_may_change_none_of_the_suite_s(self):
        Access = self.env["ir.model.access"].with_user(self.auditor)
        for model in AUDITED:
            with self.subTest(model):
                self.assertTrue(Access.check(model, "read", raise_exception=False))
        declared = self.env["ir.model.data"].search([("module", "in", SUITE), ("model", "=", "ir.model")])
        models = (
            self.env["ir.model"]
            .browse(declared.mapped("res_id"))
            .filtered(lambda model: not model.transient and not self.env[model.model]._abstract)
        )
        self.assertIn("integration.audit.log", models.mapped("model"))
        for model in models:
            for mode in ("write", "create", "unlink"):
                with self.subTest(model=model.model, mode=mode):
                    self.assertFalse(Access.check(model.model, mode, raise_exception=False))

    def test_the_auditor_reads_rows_but_writing_or_deleting_one_is_an_access_error(self):
        rows = self.Audit.search([])
        self.assertTrue(rows)
        self.assertTrue(all(rows.mapped("event_label")))
        row = rows[:1]
        with self.assertRaises(AccessError):
            row.write({"event": "forged"})
        with self.assertRaises(AccessError):
            row.unlink()
        with self.assertRaises(AccessError):
            self.Audit.create({"event": "forged"})
        # The superuser, who has every right, is refused all the same.
        with self.assertRaises(UserError):
            row.sudo().write({"event": "forged"})
        exchange = self.exchanges().with_user(self.auditor)
        with self.assertRaises(AccessError):
            exchange.write({"user_id": self.auditor.id})
        with self.assertRaises(AccessError):
            exchange.check_access("unlink")
        with self.assertRaises(AccessError):
            exchange.action_assign_to_me()
        with self.assertRaises(AccessError):
            exchange.link_ids[:1].check_access("write")

    def test_the_auditor_verifies_exports_and_traces(self):
        action = self.Audit.action_verify_chain()
        self.assertEqual(action["params"]["type"], "success")
        wizard = self.env["integration.audit.export"].with_user(self.auditor).create({})
        wizard.action_export()
        self.assertTrue(wizard.verified)
        text = base64.b64decode(wizard.file_data).decode()
        self.assertIn(str(self.exchanges().id), text)
        partner = self.env["res.partner"].browse(self.exchanges().link_ids.res_id)
        trace = self.env["integration.trace"].with_user(self.auditor)._open_for(partner.with_user(self.auditor))
        trace = self.env["integration.trace"].with_user(self.auditor).browse(trace["res_id"])
        self.assertEqual(trace.exchange_ids, self.exchanges())
        self.assertTrue(trace.audit_ids)

    def test_another_company_s_rows_are_out_of_sight_in_the_list_the_export_and_a_trace(self):
        hidden = self.env["integration.audit.log"].search([("backend_id", "=", self.other_backend.id)])
        self.assertTrue(hidden)
        self.assertFalse(self.Audit.search([("backend_id", "=", self.other_backend.id)]))
        with self.assertRaises(AccessError):
            hidden[:1].with_user(self.auditor).with_context(allowed_company_ids=None).read(["event"])
        wizard = self.env["integration.audit.export"].with_user(self.auditor).create({})
        wizard.action_export()
        lines = base64.b64decode(wizard.file_data).decode().splitlines()
        exported = {int(row["id"]) for row in csv.DictReader(line for line in lines if not line.startswith("#"))}
        self.assertTrue(wizard.verified, "the whole chain is verified, every company's")
        self.assertTrue(exported)
        self.assertFalse(exported & set(hidden.ids), "only the rows of the auditor's companies")
        other_exchange = self.exchanges(self.other_backend).with_user(self.auditor)
        with self.assertRaises(AccessError):
            self.env["integration.trace"].with_user(self.auditor)._open_for_exchanges(other_exchange)


@tagged("post_install", "-at_install")
class TestNoPersonalDataInTheTrail(ShopifyCase or unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        installed = cls.env["ir.module.module"].search_count(
            [("name", "=", "erp_integration_shopify"), ("state", "=", "installed")]
        )
        if ShopifyCase is None or not installed:
            raise unittest.SkipTest("erp_integration_shopify is not installed: its order import is the test")

    def test_a_shopify_order_import_leaves_no_name_or_e_mail_in_the_rows_or_the_export(self):
        self.backend.shopify_order_policy = "invoice"
        exchange = self.deliver(order_payload(7301, email="ada.lovelace@example.com", phone="+44 7700 900123"))
        self.assertEqual(exchange.state, "done", exchange.message)
        partner = self.sale_order(exchange).partner_id
        self.assertEqual(partner.email, "ada.lovelace@example.com", "the import made a person")
        Audit = self.env["integration.audit.log"]
        rows = Audit.search([("exchange_id", "=", exchange.id)])
        self.assertIn("record.created", rows.mapped("event"))
        wizard = self.env["integration.audit.export"].create({})
        wizard.action_export()
        exported = base64.b64decode(wizard.file_data).decode()
        self.assertIn(exchange.payload_sha256, exported)
        self.env.cr.execute("SELECT string_agg(row_to_json(l)::text, ' ') FROM integration_audit_log l")
        stored = self.env.cr.fetchone()[0]
        readable = " ".join(f"{row.event_label} {row.summary} {row.reason or ''}" for row in rows)
        for personal in ("Lovelace", "ada.lovelace@example.com", "7700 900123", "Harbour Street", "BS1 4SB"):
            with self.subTest(personal):
                self.assertNotIn(personal, stored)
                self.assertNotIn(personal, exported)
                self.assertNotIn(personal, readable)
