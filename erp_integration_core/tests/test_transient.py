import requests

from odoo import fields

from sandbox import build_app, running_server

from .common import IntegrationCase


class TestTransientFailures(IntegrationCase):
    """The connector calls the sandbox during import; the sandbox misbehaves on demand."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sandbox = build_app(seed=7)
        cls.sandbox_url = cls.enterClassContext(running_server(cls.sandbox))
        cls.addClassCleanup(cls.sandbox.close)
        cls.backend.api_url = f"{cls.sandbox_url}/echo"

    def setUp(self):
        super().setUp()
        requests.post(f"{self.sandbox_url}/_sandbox/reset", timeout=5)

    def faults(self, **knobs):
        requests.put(f"{self.sandbox_url}/_sandbox/faults", json={"echo": knobs}, timeout=5).raise_for_status()

    def seconds_until_next_try(self, exchange):
        return (exchange.next_retry_at - fields.Datetime.now()).total_seconds()

    def test_server_errors_retry_with_growing_delay_then_succeed(self):
        self.faults(error_rate=1.0)
        self.receive(self.contact(remote_check=True))
        exchange = self.exchanges()
        delays = []
        for _attempt in range(3):
            self.perform_job(self.pending_jobs())
            self.assertEqual(exchange.state, "queued")
            self.assertEqual(exchange.error_category, "transient")
            delays.append(self.seconds_until_next_try(exchange))
            job = self.pending_jobs()
            self.assertEqual(len(job), 1, "one job is waiting for the next attempt")
            self.assertAlmostEqual((job.eta - fields.Datetime.now()).total_seconds(), delays[-1], delta=2)
        self.assertEqual(exchange.attempts, 3)
        self.assertLess(delays[0], delays[1])
        self.assertLess(delays[1], delays[2])
        self.assertIn("HTTP 5", exchange.message)
        self.faults()
        self.perform_jobs()
        self.assertEqual(exchange.state, "done")
        self.assertEqual(exchange.attempts, 4)
        self.assertEqual(len(exchange.link_ids), 1, "the failed attempts left nothing behind")

    def test_an_exchange_ignored_after_a_retry_says_only_why_it_is_ignored(self):
        self.faults(error_rate=1.0)
        self.receive(self.contact(remote_check=True, gone=True))
        exchange = self.exchanges()
        self.perform_job(self.pending_jobs())
        self.assertEqual((exchange.state, exchange.error_category), ("queued", "transient"))
        self.faults(error_rate=0.0)
        self.perform_job(self.pending_jobs().filtered("eta"))
        self.assertEqual(exchange.state, "ignored")
        self.assertEqual(exchange.ignore_reason, "The contact was deleted in the toy system.")
        self.assertEqual((exchange.error_category, exchange.message, exchange.next_retry_at), (False, False, False))

    def test_retry_after_is_honoured(self):
        self.faults(rate_limit_rate=1.0, retry_after=90)
        self.receive(self.contact(remote_check=True))
        self.perform_job(self.pending_jobs())
        exchange = self.exchanges()
        self.assertEqual(exchange.state, "queued")
        self.assertAlmostEqual(self.seconds_until_next_try(exchange), 90, delta=3)

    def test_exhausted_retries_fail_visibly_and_retry_recovers(self):
        self.backend.max_attempts = 2
        self.faults(error_rate=1.0)
        self.receive(self.contact(remote_check=True))
        self.perform_jobs()
        exchange = self.exchanges()
        self.assertEqual(exchange.state, "failed")
        self.assertIn("Gave up after 2 attempts", exchange.message)
        self.assertEqual(self.backend.consecutive_failures, 1)
        self.assertIn("Gave up", self.backend.last_error)
        exceptions = self.env["integration.exchange"].search([("state", "in", ("needs_attention", "failed"))])
        self.assertIn(exchange, exceptions)
        self.faults()
        exchange.action_retry()
        self.perform_jobs()
        self.assertEqual(exchange.state, "done")
        self.backend.invalidate_recordset()
        self.assertEqual(self.backend.consecutive_failures, 0)
