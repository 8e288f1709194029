from datetime import timedelta

from odoo import fields

from odoo.addons.queue_job.exception import RetryableJobError

from .common import IntegrationCase, make_toy_backend


class TestScheduledFlows(IntegrationCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.flow = cls.env["integration.flow"].create(
            {
                "backend_id": cls.backend.id,
                "code": "contact.poll",
                "name": "Poll contacts",
                "mode": "scheduled",
                "interval_minutes": 15,
                "next_run_at": fields.Datetime.now() - timedelta(minutes=1),
            }
        )

    def test_due_flow_runs_and_advances_its_cursor(self):
        self.env["integration.flow"]._cron_run_due_flows()
        self.assertGreater(self.flow.next_run_at, fields.Datetime.now())
        self.env["integration.flow"]._cron_run_due_flows()
        self.assertEqual(len(self.pending_jobs()), 1, "a flow is enqueued once per due time")
        self.perform_jobs()
        self.assertTrue(self.flow.cursor)
        self.assertTrue(self.audit_rows(event="flow.run", res_id=self.flow.id))

    def test_failed_run_leaves_the_cursor(self):
        self.flow.cursor = "2026-01-01 00:00:00"
        self.backend.api_url = "broken"
        self.env["integration.flow"]._cron_run_due_flows()
        with self.assertRaises(RetryableJobError), self.env.cr.savepoint():
            self.perform_jobs()
        self.assertEqual(self.flow.cursor, "2026-01-01 00:00:00")

    def test_manual_flow_is_not_scheduled(self):
        self.flow.mode = "manual"
        self.env["integration.flow"]._cron_run_due_flows()
        self.assertFalse(self.pending_jobs())

    def test_a_run_refused_for_a_business_reason_waits_in_the_exception_queue(self):
        self.flow.cursor = "2026-01-01 00:00:00"
        self.backend.api_url = "refused"
        self.flow._run()
        self.flow._run()
        run = self.exchanges().filtered("flow_id")
        self.assertEqual(len(run), 1, "one open exception per flow, however often it fails")
        self.assertEqual((run.state, run.error_category, run.flow), ("needs_attention", "business", "contact.poll"))
        self.assertEqual(run.message, "The remote system refuses contacts without a country.")
        self.assertEqual(self.flow.cursor, "2026-01-01 00:00:00")
        self.backend.api_url = False
        run.action_retry()
        self.perform_jobs()
        self.assertEqual(run.state, "done")
        self.assertNotEqual(self.flow.cursor, "2026-01-01 00:00:00", "Retry ran the flow")

    def test_an_unexpected_error_in_a_run_keeps_its_traceback(self):
        self.backend.api_url = "bug"
        self.flow._run()
        run = self.exchanges().filtered("flow_id")
        self.assertEqual((run.state, run.error_category), ("failed", "bug"))
        self.assertIn("KeyError: 'cursor'", run.error_traceback)

    def test_a_run_queue_job_gave_up_on_is_an_exception_too(self):
        self.flow._on_job_failed(exc_info="Traceback …", exc_message="Max. retries (5) reached: remote down")
        run = self.exchanges().filtered("flow_id")
        self.assertEqual((run.state, run.error_category), ("failed", "transient"))
        self.assertIn("Max. retries (5) reached: remote down", run.message)
        self.assertEqual(run.error_traceback, "Traceback …")


class TestBusinessEvents(IntegrationCase):
    """Odoo's business events reach the flows of the channels that follow them, by flow code."""

    def test_an_event_runs_the_followed_flow_of_each_backend_of_the_company_once(self):
        Flow = self.env["integration.flow"]
        push = Flow.create({"backend_id": self.backend.id, "code": "contact.push", "name": "Push", "mode": "realtime"})
        other_company = self.env["res.company"].create({"name": "Elsewhere Ltd"})
        elsewhere = make_toy_backend(self.env, name="Elsewhere", company_id=other_company.id)
        other = Flow.create({"backend_id": elsewhere.id, "code": "contact.push", "name": "Push", "mode": "realtime"})
        partner = self.env["res.partner"].create({"name": "Grace Hopper"})
        Backend = self.env["integration.backend"]
        for _change in range(3):
            Backend._notify("partner.changed", partner, companies=self.env.company)
        jobs = self.pending_jobs()
        self.assertEqual([job.records for job in jobs], [push], "one debounced run, on this company's backend only")
        self.assertNotIn(other, [job.records for job in jobs])
        Backend._notify("partner.deleted", partner, companies=self.env.company)
        self.assertEqual(self.pending_jobs(), jobs, "an event no channel follows does nothing")
        push.mode = "manual"
        jobs.unlink()
        Backend._notify("partner.changed", partner, companies=self.env.company)
        self.assertFalse(self.pending_jobs(), "only real-time flows run on events")
