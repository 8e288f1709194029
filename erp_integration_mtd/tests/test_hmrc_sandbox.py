"""Connecting to HMRC, reading obligations and filing a return against the HMRC stand-in: end to end."""

import json
from urllib.parse import parse_qs, urlsplit

import requests

from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.erp_integration_core.tests.common import SandboxCase

from .common import BROWSER, post, uk_company


@tagged("post_install", "-at_install")
class TestHmrcSandbox(SandboxCase):
    sandbox_system = "hmrc"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company, (cls.st20, _st5, _st0, cls.pt20) = uk_company(cls.env)
        admin = cls.env.ref("base.user_admin")
        admin.write(
            {
                "company_ids": [(4, cls.company.id)],
                "group_ids": [
                    (4, cls.env.ref("erp_integration_core.group_integration_manager").id),
                    (4, cls.env.ref("account.group_account_manager").id),
                ],
            }
        )
        cls.env = cls.env(context=dict(cls.env.context, allowed_company_ids=[cls.company.id]))
        cls.customer = cls.env["res.partner"].create({"name": "Ada Lovell"})
        cls.backend = cls.env["integration.backend"].create(
            {
                "name": "HMRC",
                "channel": "hmrc",
                "company_id": cls.company.id,
                "api_url": f"{cls.sandbox_url}/hmrc",
                "hmrc_client_id": "sandbox-client-id",
                "api_secret": "sandbox-client-secret",
                "hmrc_vrn": "123456789",
                "hmrc_vendor_ip": "203.0.113.9",
            }
        )

    def connect(self):
        url = self.backend._hmrc_start_authorisation()
        state = parse_qs(urlsplit(url).query)["state"][0]
        granted = self.act("grant", redirect_uri=self.backend._hmrc_redirect_uri(), state=state)
        self.authenticate("admin", "admin")
        answer = self.url_open(
            f"/integration/hmrc/callback?code={granted['code']}&state={state}", allow_redirects=False
        )
        self.assertEqual(answer.status_code, 303, answer.text[:300])
        return state

    def read_obligations(self):
        flow = self.backend.flow_ids.filtered(lambda flow: flow.code == "obligations.read") or self.env[
            "integration.flow"
        ].create({"backend_id": self.backend.id, "code": "obligations.read", "name": "Obligations", "mode": "manual"})
        flow._run()
        return self.env["integration.vat.return"].search([("backend_id", "=", self.backend.id)])

    def submit(self, vat_return, **context):
        return self.make_jsonrpc_request(
            "/web/dataset/call_kw",
            {
                "model": "integration.vat.return",
                "method": "action_submit",
                "args": [[vat_return.id]],
                "kwargs": {"context": {"allowed_company_ids": [self.company.id], **context}},
            },
        )

    def ready(self, vat_return):
        vat_return.write({"declaration": True, "hmrc_client_info": json.dumps(BROWSER)})
        vat_return.action_compute()
        return vat_return

    def test_connect_read_obligations_and_file_a_return_with_its_receipt_in_the_audit_chain(self):
        self.connect()
        self.assertTrue(self.backend.sudo().api_token and self.backend.hmrc_token_expires_at)
        self.assertFalse(self.backend.sudo().hmrc_oauth_state, "a state is used once")
        returns = self.read_obligations()
        self.assertEqual(len(returns), 2, returns.mapped("period_key"))
        self.assertEqual(len(self.read_obligations()), 2, "each obligation once")
        ended = returns.sorted("date_from")[0]
        post(self.env, self.customer, "out_invoice", [(100.00, self.st20)], ended.date_from)
        post(self.env, self.customer, "in_invoice", [(30.00, self.pt20)], ended.date_to)
        answer = self.submit(self.ready(ended))
        self.assertEqual(answer["params"]["type"], "success", answer["params"]["message"])
        self.assertEqual(ended.state, "submitted")
        self.assertTrue(ended.form_bundle_number and ended.processing_date and ended.receipt_id)
        hmrc = requests.get(f"{self.sandbox_url}/_sandbox/systems/hmrc", timeout=5).json()
        self.assertEqual(hmrc["collections"]["returns"], 4, "the seeded three filed returns, and this one")
        [check] = [c for c in hmrc["fraud_header_results"] if c["path"].endswith("/returns")]
        problems = {header for error in check["errors"] for header in error["headers"]}
        # The test server's client address is a loopback one, which HMRC would not take for a public IP.
        self.assertEqual(problems, {"gov-client-public-ip"}, check)
        [exchange] = self.env["integration.exchange"].search([("flow", "=", "vat.submit")])
        self.assertEqual((exchange.state, exchange.result["formBundleNumber"]), ("done", ended.form_bundle_number))
        audit = self.env["integration.audit.log"].search([("event", "=", "vat.return.submitted")])
        self.assertEqual(audit.res_id, ended.id)
        details = json.loads(audit.details) if isinstance(audit.details, str) else audit.details
        self.assertEqual(details["form_bundle"], ended.form_bundle_number)
        self.assertNotIn("100.0", json.dumps(details), "references, not amounts")

    def read_account(self, vat_return):
        return self.make_jsonrpc_request(
            "/web/dataset/call_kw",
            {
                "model": "integration.vat.return",
                "method": "action_read_hmrc_account",
                "args": [[vat_return.id]],
                "kwargs": {"context": {"allowed_company_ids": [self.company.id]}},
            },
        )

    def test_the_filed_return_charges_and_payments_are_read_back_and_checked_box_for_box(self):
        self.connect()
        ended = self.read_obligations().sorted("date_from")[0]
        post(self.env, self.customer, "out_invoice", [(100.00, self.st20)], ended.date_from)
        self.submit(self.ready(ended))
        self.assertEqual(ended.state, "submitted")
        self.read_account(ended)
        self.assertTrue(ended.hmrc_account_read_at)
        self.assertIn("Matches this return, box for box.", ended.hmrc_account)
        self.assertIn("Liabilities", ended.hmrc_account)
        self.assertIn("Payments", ended.hmrc_account)
        # Had the ledger been read differently, the return would not be what HMRC holds.
        ended.box1 = 21.00
        self.read_account(ended)
        self.assertIn("Differs from this return in box 1", ended.hmrc_account)
        self.assertIn("HMRC holds different figures for box 1", ended.message_ids[0].body)

    def test_hmrc_s_refusals_leave_the_return_draft_with_what_to_do(self):
        self.connect()
        returns = self.read_obligations().sorted("date_from")
        current = self.ready(returns[-1])
        answer = self.submit(current)
        self.assertEqual(answer["params"]["type"], "danger")
        self.assertIn("TAX_PERIOD_NOT_ENDED", answer["params"]["message"])
        self.assertEqual(current.state, "draft")
        ended = self.ready(returns[0])
        answer = self.submit(ended, hmrc_test_scenario="DUPLICATE_SUBMISSION")
        self.assertIn("cannot be filed twice", answer["params"]["message"])
        failed = self.env["integration.exchange"].search([("flow", "=", "vat.submit"), ("state", "!=", "done")])
        self.assertEqual(failed.mapped("error_category"), ["business", "business"])
        ended.declaration = False
        with self.assertRaisesRegex(UserError, "Confirm the declaration"):
            ended.action_submit()

    def test_an_accounting_manager_without_integration_rights_files_the_return(self):
        self.connect()
        ended = self.read_obligations().sorted("date_from")[0]
        self.env["res.users"].create(
            {
                "name": "Finance Manager",
                "login": "finance",
                "password": "finance-2026",
                "company_id": self.company.id,
                "company_ids": [(6, 0, self.company.ids)],
                "group_ids": [(6, 0, [self.env.ref("account.group_account_manager").id])],
            }
        )
        self.authenticate("finance", "finance-2026")
        answer = self.submit(self.ready(ended))
        self.assertEqual(answer["params"]["type"], "success", answer["params"]["message"])
        self.assertEqual(ended.state, "submitted")

    def test_an_expired_access_token_is_refreshed_and_the_refresh_token_rotates(self):
        self.connect()
        before = (self.backend.sudo().api_token, self.backend.sudo().hmrc_refresh_token)
        self.act("expire_tokens")
        self.backend.hmrc_token_expires_at = "2026-01-01 00:00:00"
        self.assertEqual(len(self.read_obligations()), 2)
        after = (self.backend.sudo().api_token, self.backend.sudo().hmrc_refresh_token)
        self.assertNotEqual(before[0], after[0])
        self.assertNotEqual(before[1], after[1])
