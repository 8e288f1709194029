"""The audit trail in words: labels, summaries, who acted and why, links from a row, and the sealing lag."""

import json

from odoo.exceptions import AccessError
from odoo.tests import new_test_user

from ..lib import payload
from .common import IntegrationCase


class TestAuditInWords(IntegrationCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.operator = new_test_user(
            cls.env, "audit_operator", name="Olive Operator", groups="erp_integration_core.group_integration_user"
        )
        cls.auditor = new_test_user(
            cls.env, "audit_auditor", name="Audrey Auditor", groups="erp_integration_core.group_integration_auditor"
        )
        cls.manager = new_test_user(
            cls.env, "audit_manager", name="Manon Manager", groups="erp_integration_core.group_integration_manager"
        )
        cls.Audit = cls.env["integration.audit.log"]

    def stuck_exchange(self, external_id="C2", event_id="evt-stuck"):
        exchange = self.receive(self.contact(external_id, country="XX"), event_id=event_id)[1]
        self.perform_jobs()
        exchange = self.env["integration.exchange"].browse(exchange["exchange"])
        self.assertEqual(exchange.state, "needs_attention")
        return exchange

    def test_an_unknown_code_still_reads_and_is_found_by_its_words(self):
        self.Audit._log(
            "exchange.parked_for_review",
            backend=self.backend,
            details={"flow": "contact", "review_ticket": "T-12", "sha256": "ab" * 32},
        )
        self.Audit._log("gizmo")
        [row] = self.audit_rows(event="exchange.parked_for_review")
        self.assertEqual(row.event_label, "Exchange: parked for review")
        self.assertEqual(row.summary, f"flow: contact; payload SHA-256: {'ab' * 6}…; review ticket: T-12")
        self.assertEqual(self.audit_rows(event="gizmo").event_label, "Gizmo")
        self.assertEqual(self.Audit.search([("event_label", "ilike", "parked for")]), row)

    def test_intake_and_processing_read_as_words_with_field_names_and_hashes(self):
        status, answer = self.receive(self.contact())
        self.perform_jobs()
        exchange = self.env["integration.exchange"].browse(answer["exchange"])
        received = self.audit_rows(event="exchange.received", exchange_id=exchange.id)
        self.assertEqual(received.event_label, "Payload received")
        self.assertEqual(received.summary, f"flow: contact; payload SHA-256: {exchange.payload_sha256[:12]}…")
        done = self.audit_rows(event="exchange.done", exchange_id=exchange.id)
        self.assertEqual((done.event_label, done.summary), ("Processed", "from: Queued; attempt: 1"))
        created = self.audit_rows(event="record.created", exchange_id=exchange.id)
        self.assertEqual(created.event_label, "Odoo record created")
        self.assertTrue(created.summary.startswith("fields: Country, Email, Name"), created.summary)
        self.assertEqual(
            self.Audit.search([("event_label", "ilike", "payload received"), ("exchange_id", "=", exchange.id)]),
            received,
        )
        self.assertEqual(
            self.Audit.search([("event_label", "in", ["Processed"]), ("exchange_id", "=", exchange.id)]), done
        )

    def test_the_document_and_the_exchange_open_from_the_row(self):
        self.receive(self.contact())
        self.perform_jobs()
        [created] = self.audit_rows(event="record.created")
        partner = self.env["res.partner"].browse(created.res_id)
        self.assertEqual(created.res_model_name, "Contact")
        self.assertEqual(created.record_ref, f"Contact {partner.display_name}")
        action = created.action_open_record()
        self.assertEqual((action["res_model"], action["res_id"]), ("res.partner", partner.id))
        self.assertEqual(created.action_open_exchange()["res_id"], created.exchange_id.id)
        self.assertIn(created, self.Audit.search([("res_model_name", "ilike", "contact")]))
        trace = created.action_trace_record()
        self.assertEqual(trace["res_model"], "integration.trace")
        # An exchange has a trace of its own: its payload and every entry about it.
        trace = self.env["integration.trace"].browse(created.exchange_id.action_view_integration_trace()["res_id"])
        self.assertEqual(trace.exchange_ids, created.exchange_id)
        self.assertIn(created, trace.audit_ids)
        self.assertEqual(trace.display_name, f"Trace of {created.exchange_id.display_name}")
        # A person the reader may not read is named by its id, and never stored in the row.
        self.assertEqual(
            created.with_user(self.auditor).record_ref, f"Contact {partner.display_name}", "auditors read contacts"
        )
        self.assertNotIn(partner.name, created.details)

    def test_the_integration_acts_automatically_and_a_person_is_named_with_the_reason(self):
        exchange = self.stuck_exchange()
        received = self.audit_rows(event="exchange.received", exchange_id=exchange.id)
        self.assertEqual(received.actor_name, "Integration (automatic)", "the webhook intake, not OdooBot")
        self.assertFalse(received.actor_id)
        stuck = self.audit_rows(event="exchange.needs_attention", exchange_id=exchange.id)
        self.assertEqual(stuck.summary, "from: Queued; attempt: 1; error category: Mapping")

        exchange.with_user(self.operator).action_retry()
        retry = self.audit_rows(event="exchange.retry", exchange_id=exchange.id)
        self.assertEqual((retry.event_label, retry.actor_name), ("Retry requested", "Olive Operator"))
        self.assertEqual(retry.actor_id, self.operator)
        self.assertFalse(retry.reason, "a retry records no reason")
        self.perform_jobs()

        exchange.with_user(self.operator)._replay(reason="The customer's country was fixed in the shop")
        replayed = self.audit_rows(event="exchange.replayed", exchange_id=exchange.id)
        self.assertEqual(replayed.actor_name, "Olive Operator")
        self.assertTrue(replayed.summary.startswith("new exchange: "), replayed.summary)
        self.assertEqual(replayed.reason, "The customer's country was fixed in the shop")

        other = self.stuck_exchange("C3", "evt-other")
        other.with_user(self.operator)._ignore("Duplicate of order 1001, cancelled by phone")
        ignore = self.audit_rows(event="exchange.ignore", exchange_id=other.id)
        ignored = self.audit_rows(event="exchange.ignored", exchange_id=other.id)
        self.assertEqual(ignore.event_label, "Ignore requested")
        for row in ignore | ignored:
            self.assertEqual(row.actor_name, "Olive Operator")
            self.assertEqual(row.reason, "Duplicate of order 1001, cancelled by phone")
        self.assertNotIn("Duplicate", ignore.details, "the chain seals the reason's SHA-256, not its words")
        # A reason changed behind the ORM no longer matches what the chain sealed.
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE integration_exchange SET ignore_reason = 'Nothing to see' WHERE id = %s", [other.id]
        )
        other.invalidate_recordset()
        ignore.invalidate_recordset()
        self.assertEqual(ignore.reason, "Nothing to see (differs from the reason sealed in the chain)")

    def test_a_replay_keeps_its_reason_in_words_on_the_new_exchange_and_only_its_hash_in_the_chain(self):
        exchange = self.stuck_exchange()
        reason = "Country corrected to GB after a call with Ada Lovell"
        wizard = (
            self.env["integration.exchange.replay"]
            .with_user(self.operator)
            .with_context(default_exchange_id=exchange.id)
            .create({"reason": reason})
        )
        wizard.action_replay()
        child = exchange.child_ids
        self.assertEqual(child.replay_reason, reason)
        replayed = self.audit_rows(event="exchange.replayed", exchange_id=exchange.id)
        self.assertEqual(json.loads(replayed.details)["reason_sha256"], payload.sha256_hex(reason))
        child_rows = self.audit_rows(exchange_id=child.id)
        self.assertTrue(child_rows)
        self.assertFalse(
            [row.details for row in replayed | child_rows if "Lovell" in row.details or "corrected" in row.details],
            "the chain seals the reason's SHA-256, not its words",
        )
        self.assertEqual(replayed.with_user(self.auditor).reason, reason)
        form = self.env["integration.exchange"].with_user(self.auditor).get_views([(False, "form")])
        self.assertIn('name="replay_reason"', form["views"]["form"]["arch"])

        self.env.flush_all()
        self.env.cr.execute("UPDATE integration_exchange SET replay_reason = 'No reason' WHERE id = %s", [child.id])
        child.invalidate_recordset()
        replayed.invalidate_recordset()
        self.assertEqual(replayed.reason, "No reason (differs from the reason sealed in the chain)")

        again = self.stuck_exchange("C4", "evt-again")
        [bare] = again._replay()
        self.assertFalse(bare.replay_reason)
        self.assertEqual(self.audit_rows(event="exchange.replayed", exchange_id=again.id).reason, "None given")

    def test_configuration_changes_name_their_fields_in_words_and_their_author(self):
        self.backend.with_user(self.manager).write({"api_token": "rotated", "max_attempts": 3})
        [changed] = self.audit_rows(event="backend.changed", backend_id=self.backend.id)
        self.assertEqual(changed.event_label, "Backend settings changed")
        self.assertEqual(changed.summary, "fields: API token, Max Attempts")
        self.assertEqual(changed.actor_name, "Manon Manager")
        self.assertNotIn("rotated", changed.summary + changed.details)

    def test_sealing_lag_is_visible_and_managers_seal_now(self):
        self.Audit._log("audit.verified", details={"checked": 0, "broken": None})
        status = self.Audit.with_user(self.auditor).get_sealing_status()
        self.assertGreaterEqual(status["unsealed"], 1)
        self.assertTrue(status["oldest_at"])
        self.assertFalse(status["can_seal"])
        self.assertTrue(self.Audit.search([("is_sealed", "=", False)]))
        with self.assertRaises(AccessError):
            self.Audit.with_user(self.auditor).action_seal_now()
        with self.assertRaises(AccessError):
            self.Audit.with_user(self.operator).action_seal_now()
        action = self.Audit.with_user(self.manager).action_seal_now()
        self.assertEqual(action["params"]["type"], "success")
        status = self.Audit.with_user(self.manager).get_sealing_status()
        self.assertEqual(status["unsealed"], 0)
        self.assertTrue(status["can_seal"])
        self.assertFalse(self.Audit.search([("is_sealed", "=", False)]))
        self.env.cr.execute("SELECT last_seq, last_hash FROM integration_audit_chain")
        self.assertEqual((status["head_seq"], status["head_hash"]), self.env.cr.fetchone())
        self.assertEqual(json.loads(self.audit_rows(event="audit.verified")[:1].details)["checked"], 0)
