"""Every event code of the label table is one the suite logs, and every code it logs has its label.

Not a grep of the sources: the suite is run through what it does (a Shopify
order, a toy contact's whole life in the exception queue, configuration
changes, a flow run, an erasure, a verification, an export, a VAT return's
receipt) and the codes it logged are compared with the table.
"""

import json
import unittest

from odoo.tests import tagged

from ..lib.webhook import WebhookRequest
from ..models.integration_audit_log import EVENT_LABELS
from ..personal_data import PersonalData
from .common import IntegrationCase, make_toy_backend, perform_pending_jobs

try:
    from odoo.addons.erp_integration_shopify.tests.common import ShopifyCase, order_payload
except ImportError:  # the channel's addon is not on the addons path
    ShopifyCase, order_payload = None, None


def installed(env, *names):
    return env["ir.module.module"].search_count([("name", "in", names), ("state", "=", "installed")]) == len(names)


@tagged("post_install", "-at_install")
class TestEveryEventReads(ShopifyCase or unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if ShopifyCase is None or not installed(cls.env, "erp_integration_shopify"):
            raise unittest.SkipTest("erp_integration_shopify is not installed: its order import logs move.posted")
        cls.toy = make_toy_backend(cls.env, name="Toy shop")

    def toy_event(self, data, event_id):
        body = json.dumps(data).encode()
        Exchange = self.env["integration.exchange"]
        row = Exchange._webhook_backend(self.toy.webhook_token)
        status, answer = Exchange._intake(
            row, WebhookRequest.build(body, IntegrationCase.signed_headers(body, event_id))
        )
        self.assertEqual(status, 200, answer)
        perform_pending_jobs(self.env, self.job_watermark)
        return Exchange.browse(answer["exchange"])

    def run_the_suite(self):
        """Everything the suite audits, once."""
        env = self.env
        self.backend.shopify_order_policy = "invoice"
        self.deliver(order_payload(7101))  # an order, its invoice posted and its payment
        done = self.toy_event(IntegrationCase.contact("T1"), "t-1")
        self.toy_event(IntegrationCase.contact("T1", name="Ada L."), "t-2")  # the same contact, changed
        stuck = self.toy_event(IntegrationCase.contact("T2", country="XX"), "t-3")
        stuck.action_retry()
        perform_pending_jobs(env, self.job_watermark)
        stuck._replay(new_payload=json.dumps(IntegrationCase.contact("T2")), reason="country fixed")
        perform_pending_jobs(env, self.job_watermark)
        self.toy_event(IntegrationCase.contact("T3", country="XX"), "t-4")._ignore("duplicate")
        self.toy_event(IntegrationCase.contact("T4", bug=True), "t-5")
        # An exchange whose job was cancelled by hand: the cron queues it again.
        Exchange = env["integration.exchange"]
        row = Exchange._webhook_backend(self.toy.webhook_token)
        body = json.dumps(IntegrationCase.contact("T5")).encode()
        Exchange._intake(row, WebhookRequest.build(body, IntegrationCase.signed_headers(body, "t-6")))
        env["queue.job"].search([("state", "=", "pending"), ("id", ">", self.job_watermark)]).state = "cancelled"
        Exchange._cron_requeue_orphans(minutes=-1)
        PersonalData(self.toy).redact(done)
        env["integration.suppression"]._suppress(env.company, email="erased@example.com")
        lift = env["integration.suppression.lift"].create({"email": "erased@example.com", "reason": "new account"})
        lift.action_lift()
        env["integration.flow"].create(
            {"backend_id": self.toy.id, "code": "contact.pull", "name": "Pull", "mode": "manual"}
        )._execute()
        # Configuration.
        spare = env["integration.backend"].create({"name": "Spare", "channel": "toy", "webhook_secret": "x"})
        spare.name = "Spare shop"
        # A backend always has audit rows, which keep it from being deleted (it is archived instead):
        # what its deletion would log is logged by the same code an unlink runs first.
        spare._audit_changes("deleted", [])
        mapping = env["integration.field.mapping"].create(
            {"backend_id": spare.id, "flow": "contact", "name": "Phone", "source": "phone", "target": "phone"}
        )
        mapping.required = True
        mapping.unlink()
        value = env["integration.value.mapping"].create(
            {
                "backend_id": spare.id,
                "map_type": "country",
                "external_value": "FR",
                "odoo_record": f"res.country,{env.ref('base.fr').id}",
            }
        )
        value.external_value = "FRA"
        value.unlink()
        env["integration.audit.log"].action_verify_chain()
        env["integration.audit.export"].create({}).action_export()
        if "integration.vat.return" in env:
            vat_return = env["integration.vat.return"].create({"date_from": "2026-10-01", "date_to": "2026-10-31"})
            vat_return._record_receipt({"formBundleNumber": "123456789012", "receiptId": "R-1"}, done)

    def test_every_labelled_code_is_logged_and_every_logged_code_is_labelled(self):
        self.env.cr.execute("SELECT COALESCE(MAX(id), 0) FROM integration_audit_log")
        watermark = self.env.cr.fetchone()[0]
        self.run_the_suite()
        rows = self.env["integration.audit.log"].search([("id", ">", watermark)])
        logged = set(rows.mapped("event"))
        expected = set(EVENT_LABELS)
        if "integration.vat.return" not in self.env:
            expected.discard("vat.return.submitted")
        self.assertEqual(expected - logged, set(), "labels of codes the suite no longer logs")
        self.assertEqual(logged - set(EVENT_LABELS), set(), "codes logged without a label")
        for row in rows:
            with self.subTest(row.event):
                self.assertEqual(row.event_label, str(self.env._(EVENT_LABELS[row.event])))
                self.assertNotIn("{", row.summary or "", "the details in words, not JSON")
