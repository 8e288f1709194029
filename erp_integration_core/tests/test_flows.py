from datetime import timedelta

from odoo import fields

from odoo.addons.queue_job.exception import RetryableJobError

from .common import IntegrationCase


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
