from odoo.exceptions import AccessError
from odoo.tests import new_test_user

from .common import SECRET, IntegrationCase


class TestSecurity(IntegrationCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.operator = new_test_user(cls.env, "operator", groups="erp_integration_core.group_integration_user")
        cls.auditor = new_test_user(cls.env, "auditor", groups="erp_integration_core.group_integration_auditor")
        cls.manager = new_test_user(cls.env, "manager", groups="erp_integration_core.group_integration_manager")

    def test_only_managers_read_credentials(self):
        for user in (self.operator, self.auditor):
            with self.subTest(user.login), self.assertRaises(AccessError):
                self.backend.with_user(user).read(["api_token"])
            with self.subTest(user.login), self.assertRaises(AccessError):
                self.backend.with_user(user).read(["webhook_secret"])
        values = self.backend.with_user(self.manager).read(["api_token", "webhook_secret"])[0]
        self.assertTrue(values["api_token"])

    def test_operator_works_exceptions_but_cannot_configure(self):
        self.receive(self.contact(country="XX"))
        self.perform_jobs()
        exchange = self.exchanges().with_user(self.operator)
        exchange.action_assign_to_me()
        exchange._ignore("handled by phone")
        with self.assertRaises(AccessError):
            self.backend.with_user(self.operator).write({"name": "Renamed"})

    def test_auditor_reads_but_cannot_act(self):
        self.receive(self.contact(country="XX"))
        self.perform_jobs()
        exchange = self.exchanges().with_user(self.auditor)
        self.assertEqual(exchange.state, "needs_attention")
        with self.assertRaises(AccessError):
            exchange.action_retry()
        self.assertTrue(self.env["integration.audit.log"].with_user(self.auditor).search_count([]))

    def test_other_company_exchanges_are_invisible(self):
        other = self.env["res.company"].create({"name": "Other Ltd"})
        other_backend = self.env["integration.backend"].create(
            {"name": "Other shop", "channel": "toy", "webhook_secret": SECRET, "company_id": other.id}
        )
        self.receive(self.contact(), backend=self.backend)
        self.receive(self.contact("C9"), event_id="evt-other", backend=other_backend)
        self.operator.write({"company_ids": [(6, 0, self.env.company.ids)], "company_id": self.env.company.id})
        Exchange = self.env["integration.exchange"].with_user(self.operator)
        visible = Exchange.search([])
        self.assertIn(self.exchanges(), visible)
        self.assertNotIn(self.exchanges(other_backend), visible)
        hidden = self.exchanges(other_backend).with_user(self.operator).with_context(allowed_company_ids=None)
        self.assertTrue(hidden)
        with self.assertRaises(AccessError):
            hidden.read(["payload"])
        Audit = self.env["integration.audit.log"].with_user(self.auditor)
        self.auditor.write({"company_ids": [(6, 0, self.env.company.ids)], "company_id": self.env.company.id})
        self.assertFalse(Audit.search([("backend_id", "=", other_backend.id)]))
