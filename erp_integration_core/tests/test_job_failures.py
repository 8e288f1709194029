from odoo import fields

from odoo.addons.queue_job.job import Job

from ..lib.states import InvalidTransition
from .common import IntegrationCase


class TestJobFailures(IntegrationCase):
    """No exchange stays 'queued' without a live job, and none moves in a way the states do not allow."""

    def backdate(self, exchange, minutes=60):
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE integration_exchange SET write_date = write_date - make_interval(mins => %s) WHERE id = %s",
            [minutes, exchange.id],
        )
        exchange.invalidate_recordset()

    def test_a_job_queue_job_gives_up_on_marks_its_exchange_failed_and_retry_works(self):
        self.receive(self.contact())
        exchange = self.exchanges()
        job = Job.load(self.env, self.pending_jobs().uuid)
        failure = {
            "exc_info": "Traceback (most recent call last): ... SerializationFailure",
            "exc_name": "odoo.addons.queue_job.exception.FailedJobError",
            "exc_message": "Max. retries (5) reached: could not serialize access due to concurrent update",
        }
        job.set_failed(**failure)
        job.store()
        # What queue_job's runner does after storing the failure: the job
        # function's on_fail_method, declared in data, is called.
        job.on_fail(failure)
        self.assertEqual(exchange.state, "failed")
        self.assertEqual(exchange.error_category, "transient")
        self.assertIn("gave up: Max. retries (5) reached", exchange.message)
        self.assertIn("press Retry", exchange.message)
        self.assertIn("SerializationFailure", exchange.error_traceback)
        exchange.action_retry()
        self.perform_jobs()
        self.assertEqual(exchange.state, "done")

    def test_a_wait_the_other_side_was_not_asked_for_uses_up_no_attempt(self):
        self.backend.max_attempts = 2
        self.receive(self.contact(held_back=True))
        exchange = self.exchanges()
        for _wait in range(3):
            self.perform_job(self.pending_jobs())
            self.assertEqual((exchange.state, exchange.attempts), ("queued", 0), "more waits than attempts, none used")
            [job] = self.pending_jobs()
            self.assertAlmostEqual((job.eta - fields.Datetime.now()).total_seconds(), 5, delta=2)
        self.assertIn("The rate limit is used up. Tried again in 5 s, without using up an attempt", exchange.message)

    def test_an_exchange_whose_job_was_cancelled_is_queued_again(self):
        self.receive(self.contact())
        exchange = self.exchanges()
        self.pending_jobs().button_cancelled()
        self.backdate(exchange)
        Exchange = self.env["integration.exchange"]
        self.assertEqual(Exchange._cron_requeue_orphans(), exchange)
        self.assertEqual(len(self.pending_jobs()), 1)
        self.assertTrue(self.audit_rows(event="exchange.requeued", exchange_id=exchange.id))
        self.assertFalse(Exchange._cron_requeue_orphans(), "an exchange with a live job is no orphan")
        self.perform_jobs()
        self.assertEqual(exchange.state, "done")

    def test_an_exchange_just_queued_or_finished_is_left_alone(self):
        self.receive(self.contact())
        exchange = self.exchanges()
        self.pending_jobs().unlink()
        Exchange = self.env["integration.exchange"]
        self.assertFalse(Exchange._cron_requeue_orphans(), "its job may still be on its way")
        self.receive(self.contact("C2"), event_id="evt-2")
        self.perform_jobs()
        finished = self.exchanges() - exchange
        self.backdate(finished)
        self.assertFalse(Exchange._cron_requeue_orphans(minutes=0) - exchange, "done is not queued")

    def test_a_move_the_state_machine_does_not_allow_is_refused(self):
        self.receive(self.contact())
        self.perform_jobs()
        exchange = self.exchanges()
        with self.assertRaisesRegex(InvalidTransition, "from 'done' to 'queued'"):
            exchange._set_state("queued")
        self.assertEqual(exchange.state, "done")
