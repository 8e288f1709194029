import json
import threading
from unittest.mock import patch

from odoo import SUPERUSER_ID, api
from odoo.service.model import retrying
from odoo.tests import common, tagged

from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.job import Job

from ..lib.webhook import WebhookRequest
from .common import SECRET, IntegrationCase, make_toy_backend, perform_job


@tagged("post_install", "-at_install")
class TestParallelDuplicates(common.BaseCase):
    """Eight senders deliver one event at once, each in its own transaction.

    This case commits for real (each thread has its own cursor) and removes
    what it made afterwards: only real concurrent transactions prove that the
    database, not a search before insert, keeps the event unique.
    """

    def setUp(self):
        super().setUp()
        self.registry = common.Registry(common.get_db_name())
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            self.backend_id = make_toy_backend(env, name="Parallel toy").id
            self.token = env["integration.backend"].browse(self.backend_id).webhook_token

    def tearDown(self):
        with self.registry.cursor() as cr:
            cr.execute("ALTER TABLE integration_audit_log DISABLE TRIGGER integration_audit_log_guard")
            cr.execute(
                "DELETE FROM integration_audit_log WHERE backend_id = %s OR exchange_id IN "
                "(SELECT id FROM integration_exchange WHERE backend_id = %s)",
                [self.backend_id, self.backend_id],
            )
            cr.execute("ALTER TABLE integration_audit_log ENABLE TRIGGER integration_audit_log_guard")
            cr.execute(
                "DELETE FROM queue_job WHERE model_name = 'integration.exchange' AND records::text LIKE %s",
                [f"%{self.backend_id}%"],
            )
            cr.execute("DELETE FROM integration_exchange WHERE backend_id = %s", [self.backend_id])
            cr.execute("DELETE FROM integration_delivery WHERE backend_id = %s", [self.backend_id])
            cr.execute("DELETE FROM integration_backend WHERE id = %s", [self.backend_id])
            cr.execute("DELETE FROM res_partner WHERE email = 'parallel@example.com'")
        super().tearDown()

    def test_two_events_about_one_object_are_never_applied_side_by_side(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            Exchange = env["integration.exchange"]
            row = Exchange._webhook_backend(self.token)
            for event in ("evt-create", "evt-paid"):
                body = json.dumps(IntegrationCase.contact("P2", email="parallel@example.com", event=event)).encode()
                Exchange._intake(row, WebhookRequest.build(body, IntegrationCase.signed_headers(body, event_id=event)))
        with self.registry.cursor() as first, self.registry.cursor() as second:
            created, paid = (
                api.Environment(cr, SUPERUSER_ID, {})["integration.exchange"].search(
                    [("backend_id", "=", self.backend_id), ("idempotency_key", "=", f"contact:{event}")]
                )
                for cr, event in ((first, "evt-create"), (second, "evt-paid"))
            )
            created._lock_for_processing()
            with self.assertRaisesRegex(RetryableJobError, "Another job is applying P2") as contended:
                paid._lock_for_processing()
            self.assertTrue(contended.exception.ignore_retry, "contention does not use up the job's retries")
            first.rollback()
            paid._lock_for_processing()
            second.rollback()

    def test_an_event_another_transaction_holds_holds_back_the_events_behind_it(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            Exchange = env["integration.exchange"]
            row = Exchange._webhook_backend(self.token)
            for number in range(1, 5):
                data = IntegrationCase.contact("B1", name=f"Busy {number}", email="parallel@example.com")
                body = json.dumps(data).encode()
                Exchange._intake(row, WebhookRequest.build(body, IntegrationCase.signed_headers(body, f"evt-{number}")))
        with self.registry.cursor() as other, self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            exchanges = env["integration.exchange"].search([("backend_id", "=", self.backend_id)], order="id")
            other.execute("SELECT id FROM integration_exchange WHERE id = %s FOR NO KEY UPDATE", [exchanges[2].id])
            job = (
                env["queue.job"]
                .search([("model_name", "=", "integration.exchange")])
                .filtered(lambda job: job.records == exchanges[0] and job.state == "pending")
            )
            self.assertEqual(perform_job(env, job).result, "Done; and 1 more of the backlog")
            self.assertEqual(exchanges.mapped("state"), ["done", "done", "queued", "queued"], "none out of turn")
            cr.rollback()
            other.rollback()

    def test_refusals_served_side_by_side_do_not_wait_for_one_another(self):
        with self.registry.cursor() as first, self.registry.cursor() as second:
            for cr, pid in ((first, 4000), (second, 4001)):
                with patch("os.getpid", return_value=pid):
                    cr.execute("SET LOCAL lock_timeout = '1s'")
                    api.Environment(cr, SUPERUSER_ID, {})["integration.exchange"]._count_rejection(self.backend_id, 401)
            # Neither waited for the other's row: both commit.
            first.commit()
            second.commit()
        with self.registry.cursor() as cr:
            backend = api.Environment(cr, SUPERUSER_ID, {})["integration.backend"].browse(self.backend_id)
            self.assertEqual(backend.webhook_rejected_count, 2)

    def test_parallel_overlapping_batches_store_each_event_once(self):
        senders = 4
        barrier = threading.Barrier(senders)
        answers = []

        def deliver(number):
            events = [
                IntegrationCase.contact("S1", email="parallel@example.com", event="shared-1"),
                IntegrationCase.contact("S2", email="parallel@example.com", event="shared-2"),
                IntegrationCase.contact(f"O{number}", email="parallel@example.com", event=f"own-{number}"),
            ]
            body = json.dumps(events).encode()
            delivery = WebhookRequest.build(body, IntegrationCase.signed_headers(body, event_id=f"batch-{number}"))
            with self.registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                Exchange = env["integration.exchange"]
                row = Exchange._webhook_backend(self.token)
                barrier.wait()
                answers.append(retrying(lambda: Exchange._intake(row, delivery), env)[1])

        threads = [threading.Thread(target=deliver, args=(number,)) for number in range(senders)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        self.assertEqual(len(answers), senders)
        self.assertEqual(sum(len(answer["exchanges"]) for answer in answers), 2 + senders)
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            exchanges = env["integration.exchange"].search([("backend_id", "=", self.backend_id)])
            keys = sorted(exchanges.mapped("idempotency_key"))
            expected = sorted(["contact:shared-1", "contact:shared-2", *(f"contact:own-{n}" for n in range(senders))])
            self.assertEqual(keys, expected)
            self.assertTrue(all(exchanges.mapped("delivery_id")), "every event points at the delivery that brought it")

    def test_eight_parallel_deliveries_store_one_exchange(self):
        body = json.dumps(IntegrationCase.contact("P1", email="parallel@example.com")).encode()
        headers = IntegrationCase.signed_headers(body, event_id="evt-parallel", secret=SECRET)
        barrier = threading.Barrier(8)
        answers = []

        def deliver():
            with self.registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                Exchange = env["integration.exchange"]
                row = Exchange._webhook_backend(self.token)
                barrier.wait()
                delivery = WebhookRequest.build(body, headers)
                # As in the controller: Odoo retries a request whose transaction
                # lost a serialization race, and the retry sees the winner's row.
                answers.append(retrying(lambda: Exchange._intake(row, delivery), env)[1]["status"])

        threads = [threading.Thread(target=deliver) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        self.assertEqual(sorted(answers), ["accepted"] + ["duplicate"] * 7)

        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            exchanges = env["integration.exchange"].search([("backend_id", "=", self.backend_id)])
            self.assertEqual(len(exchanges), 1)
            jobs = (
                env["queue.job"]
                .search([("model_name", "=", "integration.exchange")])
                .filtered(lambda job: job.records == exchanges)
            )
            self.assertEqual(len(jobs), 1)
            job = Job.load(env, jobs.uuid)
            job.perform()
            self.assertEqual(exchanges.state, "done")
            self.assertEqual(env["res.partner"].search_count([("email", "=", "parallel@example.com")]), 1)
            cr.rollback()
