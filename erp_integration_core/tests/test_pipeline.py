import json

import psycopg2

from odoo.exceptions import UserError, ValidationError
from odoo.tools import mute_logger

from .common import IntegrationCase, SimulatedCrash, ToyConnector, make_toy_backend


class TestPipeline(IntegrationCase):
    def test_webhook_is_stored_queued_and_processed_once(self):
        self.env = self.env(context=dict(self.env.context, tracking_disable=False))
        status, answer = self.receive(self.contact())
        self.assertEqual((status, answer["status"]), (200, "accepted"))
        exchange = self.exchanges()
        self.assertEqual(exchange.state, "queued")
        self.assertEqual(exchange.flow, "contact")
        self.assertEqual(len(self.pending_jobs()), 1)
        self.perform_jobs()
        self.assertEqual(exchange.state, "done")
        partner = exchange.link_ids
        self.assertEqual(partner.res_model, "res.partner")
        self.assertEqual(self.env["res.partner"].browse(partner.res_id).country_id, self.gb)
        self.assertTrue(self.backend.last_success_at)
        self.assertFalse(self.tracked_states(exchange), "a first-attempt success is in the audit log, not the chatter")
        self.assertTrue(self.audit_rows(event="exchange.done", exchange_id=exchange.id))

    def test_an_exchange_s_jobs_belong_to_its_backend_s_company(self):
        # queue.job's record rules show a job to its company's users only.
        other = self.env["res.company"].create({"name": "Other Trading Ltd"})
        backend = make_toy_backend(self.env, name="Other shop", company_id=other.id)
        self.receive(self.contact(country="XX"), backend=backend)
        self.assertEqual(self.pending_jobs().company_id, other)
        self.perform_jobs()
        exchange = self.exchanges(backend)
        self.assertEqual(exchange.state, "needs_attention")
        exchange.action_retry()
        self.assertEqual(self.pending_jobs().company_id, other, "a retry's job too")

    def test_duplicate_webhook_creates_one_exchange_and_one_partner(self):
        self.receive(self.contact(), event_id="evt-dup")
        status, answer = self.receive(self.contact(), event_id="evt-dup")
        self.assertEqual((status, answer), (200, {"status": "duplicate"}))
        self.assertEqual(len(self.exchanges()), 1)
        self.perform_jobs()
        self.assertEqual(self.env["res.partner"].search_count([("email", "=", "ada@example.com")]), 1)

    def test_second_event_updates_the_bound_partner(self):
        self.receive(self.contact(), event_id="evt-a")
        self.receive(self.contact(name="Ada King"), event_id="evt-b")
        self.perform_jobs()
        partners = self.env["res.partner"].search([("email", "=", "ada@example.com")])
        self.assertEqual(partners.name, "Ada King")

    def test_crash_mid_job_resumes_without_duplicate(self):
        self.receive(self.contact())
        job = self.pending_jobs()
        ToyConnector.crash_next = True
        with self.assertRaises(SimulatedCrash), self.env.cr.savepoint():
            self.perform_job(job)
        # The crashed transaction is gone: nothing was created, the job is still due.
        self.env.invalidate_all()
        self.assertEqual(self.exchanges().state, "queued")
        self.assertFalse(self.env["res.partner"].search([("email", "=", "ada@example.com")]))
        self.assertEqual(job.state, "pending")
        self.perform_jobs()
        self.assertEqual(self.exchanges().state, "done")
        self.assertEqual(self.env["res.partner"].search_count([("email", "=", "ada@example.com")]), 1)

    def test_missing_value_mapping_needs_attention_then_retry_completes(self):
        self.env = self.env(context=dict(self.env.context, tracking_disable=False))
        self.receive(self.contact(country="FR"))
        self.perform_jobs()
        exchange = self.exchanges()
        self.assertEqual(exchange.state, "needs_attention")
        self.assertEqual(exchange.error_category, "mapping")
        self.assertIn("country 'FR' has no Odoo mapping on backend 'Toy shop'", exchange.message)
        self.assertIn("Value mappings", exchange.message)
        self.assertFalse(exchange.link_ids, "a failed attempt leaves no record behind")
        self.env["integration.value.mapping"].create(
            {
                "backend_id": self.backend.id,
                "map_type": "country",
                "external_value": "FR",
                "odoo_record": f"res.country,{self.env.ref('base.fr').id}",
            }
        )
        exchange.action_retry()
        self.perform_jobs()
        self.assertEqual(exchange.state, "done")
        self.assertFalse(exchange.message)
        self.assertTrue(self.audit_rows(event="exchange.retry", exchange_id=exchange.id))
        self.assertIn("Done", self.tracked_states(exchange), "an exception's resolution shows in the chatter")

    def tracked_states(self, exchange):
        # Tracking messages are written when the transaction commits.
        exchange.env.flush_all()
        exchange.env.cr.precommit.run()
        values = exchange.message_ids.tracking_value_ids
        return values.filtered(lambda value: value.field_id.name == "state").mapped("new_value_char")

    def test_required_mapping_names_itself(self):
        self.receive(self.contact(name=""))
        self.perform_jobs()
        exchange = self.exchanges()
        self.assertEqual(exchange.state, "needs_attention")
        self.assertIn("Mapping 'Name' (name → name)", exchange.message)

    def test_validation_error_needs_attention(self):
        self.receive({"name": "no id"})
        self.perform_jobs()
        self.assertEqual(self.exchanges().error_category, "validation")

    def test_unexpected_error_keeps_payload_and_traceback(self):
        self.receive(self.contact(bug=True))
        self.perform_jobs()
        exchange = self.exchanges()
        self.assertEqual(exchange.state, "failed")
        self.assertEqual(exchange.error_category, "bug")
        self.assertIn("Traceback", exchange.error_traceback)
        self.assertIn("KeyError", exchange.message)
        self.assertTrue(json.loads(exchange.payload)["bug"])

    def test_replay_with_edited_payload_keeps_original(self):
        self.receive(self.contact(country="XX"))
        self.perform_jobs()
        original = self.exchanges()
        fixed = json.dumps(self.contact(country="GB"))
        wizard = self.env["integration.exchange.replay"].with_context(default_exchange_id=original.id).create({})
        self.assertEqual(wizard.payload, original.payload)
        wizard.payload = fixed
        wizard.action_replay()
        self.perform_jobs()
        child = original.child_ids
        self.assertEqual(len(child), 1)
        self.assertEqual(child.parent_id, original)
        self.assertEqual(child.state, "done")
        self.assertEqual(child.payload, fixed)
        self.assertIn('"XX"', original.payload)
        self.assertEqual(original.state, "ignored")
        self.assertIn(str(child.id), original.ignore_reason)

    def test_payload_is_never_edited_or_deleted(self):
        self.receive(self.contact())
        exchange = self.exchanges()
        with self.assertRaises(UserError):
            exchange.payload = "{}"
        with self.assertRaises(UserError):
            exchange.unlink()

    def test_ignore_needs_a_reason_and_is_audited(self):
        self.receive(self.contact(country="XX"))
        self.perform_jobs()
        exchange = self.exchanges()
        wizard = self.env["integration.exchange.ignore"].create({"exchange_ids": exchange.ids, "reason": " "})
        with self.assertRaises(UserError):
            wizard.action_ignore()
        wizard.reason = "Test order placed by staff"
        wizard.action_ignore()
        self.assertEqual(exchange.state, "ignored")
        self.assertTrue(self.audit_rows(event="exchange.ignore", exchange_id=exchange.id))
        with self.assertRaises(UserError):
            exchange.action_retry()

    def test_assign_to_me_schedules_an_activity(self):
        self.receive(self.contact(country="XX"))
        self.perform_jobs()
        exchange = self.exchanges()
        exchange.action_assign_to_me()
        self.assertEqual(exchange.user_id, self.env.user)
        self.assertEqual(exchange.activity_ids.user_id, self.env.user)
        exchange._ignore("Duplicate of a manual entry")
        self.assertFalse(exchange.activity_ids)

    def test_links_and_audit_name_the_created_record(self):
        self.receive(self.contact())
        self.perform_jobs()
        exchange = self.exchanges()
        link = exchange.link_ids
        created = self.audit_rows(event="record.created", exchange_id=exchange.id)
        self.assertEqual((created.res_model, created.res_id), ("res.partner", link.res_id))
        self.assertIn('"email"', created.details)
        self.assertNotIn("ada@example.com", created.details)
        events = self.audit_rows(exchange_id=exchange.id).mapped("event")
        for event in ("exchange.received", "exchange.queued", "exchange.done"):
            self.assertIn(event, events)

    def test_binding_is_unique_both_ways(self):
        self.receive(self.contact())
        self.perform_jobs()
        binding = self.env["integration.binding"].search([("backend_id", "=", self.backend.id)])
        self.assertEqual(binding.external_id, "C1")
        with self.assertRaises(psycopg2.errors.UniqueViolation), self.env.cr.savepoint(), mute_logger("odoo.sql_db"):
            binding.copy({"res_id": binding.res_id + 1})
        with self.assertRaises(psycopg2.errors.UniqueViolation), self.env.cr.savepoint(), mute_logger("odoo.sql_db"):
            binding.copy({"external_id": "C2"})

    def test_oversized_payload_is_refused_by_the_orm_too(self):
        with self.assertRaises(ValidationError):
            self.env["integration.exchange"].create(
                {"backend_id": self.backend.id, "flow": "contact", "idempotency_key": "big", "payload": "x" * 5000}
            )
