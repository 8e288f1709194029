from odoo import fields

from .common import SECRET, IntegrationCase


class TestBacklogBatches(IntegrationCase):
    """A backlog is worked through several exchanges per job, each in a savepoint of its own."""

    def deliver(self, *contacts):
        """One delivery per contact, as separate webhooks arrive: each exchange with its own job."""
        for number, contact in enumerate(contacts):
            self.receive(contact, event_id=f"evt-{number}")
        return self.exchanges().sorted("id")

    def job_of(self, exchange):
        return self.pending_jobs().filtered(lambda job: job.records == exchange)

    def test_one_job_processes_the_waiting_exchanges_of_its_flow(self):
        exchanges = self.deliver(*(self.contact(f"L{n}", name=f"Backlog {n}") for n in range(4)))
        result = self.perform_job(self.job_of(exchanges[0])).result
        self.assertEqual(result, "Done; and 3 more of the backlog")
        self.assertEqual(exchanges.mapped("state"), ["done"] * 4)
        self.assertEqual(self.env["res.partner"].search_count([("name", "=like", "Backlog %")]), 4)
        # The other jobs are closed after the commit; until then, or if that
        # never happens, they run and change nothing.
        for exchange in exchanges[1:]:
            self.assertEqual(self.perform_job(self.job_of(exchange)).result, "Nothing to do: exchange is done")
        self.assertEqual(self.env["res.partner"].search_count([("name", "=like", "Backlog %")]), 4)

    def test_a_bad_exchange_in_a_batch_is_recorded_alone(self):
        exchanges = self.deliver(
            self.contact("G1", name="Good one"),
            self.contact("G2", name="Good two"),
            {"name": "No id"},
            self.contact("G3", name="Good three"),
            self.contact("G4", name="Broken", bug=True),
        )
        self.perform_job(self.job_of(exchanges[0]))
        self.assertEqual(exchanges.mapped("state"), ["done", "done", "needs_attention", "done", "failed"])
        self.assertEqual(exchanges[2].message, "A contact needs an 'id'.")
        self.assertEqual(exchanges[4].error_category, "bug")
        self.assertIn("KeyError", exchanges[4].error_traceback, "the unexpected error keeps its traceback")
        self.assertEqual(self.env["res.partner"].search_count([("name", "like", "Good %")]), 3)
        self.assertFalse(self.env["res.partner"].search_count([("name", "=", "Broken")]), "nothing half-applied")

    def test_events_about_one_object_keep_their_order(self):
        exchanges = self.deliver(
            self.contact("O1", name="Other"),
            self.contact("S1", name="Second name, first event"),
            self.contact("S1", name="Second name, second event"),
            self.contact("O2", name="Other two"),
            self.contact("O3", name="Other three"),
        )
        self.perform_job(self.job_of(exchanges[0]))
        # The first event about S1 is taken; the second waits for it, in its own job.
        self.assertEqual(exchanges.mapped("state"), ["done", "done", "queued", "done", "done"])
        self.perform_job(self.job_of(exchanges[2]))
        self.assertEqual(
            self.env["integration.binding"]._find(self.backend, "res.partner", "S1").name, "Second name, second event"
        )

    def test_the_events_waiting_behind_one_about_the_same_object_are_applied_by_its_job_in_order(self):
        exchanges = self.deliver(*(self.contact("S1", name=f"Name {n}") for n in range(1, 6)))
        self.assertEqual(len(set(exchanges.mapped("lock_key"))), 1)
        result = self.perform_job(self.job_of(exchanges[0])).result
        self.assertEqual(result, "Done; and 4 more of the backlog")
        self.assertEqual(exchanges.mapped("state"), ["done"] * 5)
        partner = self.env["integration.binding"]._find(self.backend, "res.partner", "S1")
        self.assertEqual(partner.name, "Name 5", "the last event is applied last")
        links = exchanges.link_ids.sorted("id")
        self.assertEqual(links.exchange_id, exchanges, "each event applied in its turn")
        self.assertEqual(links.mapped("operation"), ["created"] + ["updated"] * 4)

    def test_events_whose_jobs_were_put_off_by_the_object_s_lock_are_taken_all_the_same(self):
        exchanges = self.deliver(*(self.contact("P1", name=f"Put off {n}") for n in range(1, 5)))
        # queue_job postpones a job that finds the object's lock held by a few seconds.
        for exchange in exchanges[1:]:
            self.job_of(exchange).eta = fields.Datetime.add(fields.Datetime.now(), seconds=2)
        self.assertEqual(self.perform_job(self.job_of(exchanges[0])).result, "Done; and 3 more of the backlog")
        self.assertEqual(self.env["integration.binding"]._find(self.backend, "res.partner", "P1").name, "Put off 4")

    def test_an_event_to_be_tried_again_holds_back_the_events_behind_it(self):
        self.backend.api_url = "http://127.0.0.1:9/unreachable"
        exchanges = self.deliver(
            self.contact("R1", name="First"),
            self.contact("R1", name="Second", remote_check=True),
            self.contact("R1", name="Third"),
            self.contact("R1", name="Fourth"),
        )
        self.perform_job(self.job_of(exchanges[0]))
        self.assertEqual(exchanges.mapped("state"), ["done", "queued", "queued", "queued"])
        self.assertEqual(exchanges[1].error_category, "transient")
        self.assertEqual(self.env["integration.binding"]._find(self.backend, "res.partner", "R1").name, "First")
        # Its own job, first again, holds back those behind it too while it waits.
        self.perform_job(self.pending_jobs().filtered(lambda job: job.records == exchanges[1] and job.eta))
        self.assertEqual(exchanges.mapped("state"), ["done", "queued", "queued", "queued"])
        self.assertEqual(exchanges[1].attempts, 2)

    def test_an_event_of_another_flow_holds_back_the_events_behind_it(self):
        exchanges = self.deliver(*(self.contact("M1", name=f"Mixed {n}") for n in range(1, 5)))
        exchanges[2].flow = "contact.merge"
        self.assertEqual(self.perform_job(self.job_of(exchanges[0])).result, "Done; and 1 more of the backlog")
        self.assertEqual(exchanges.mapped("state"), ["done", "done", "queued", "queued"], "its own job applies it")

    def test_only_exchanges_of_the_same_flow_and_backend_are_taken(self):
        other = self.backend.copy({"name": "Other toy", "webhook_secret": SECRET})
        exchanges = self.deliver(self.contact("F1"), self.contact("F2"), self.contact("F3"), self.contact("F4"))
        self.receive(self.contact("F3"), event_id="evt-other", backend=other)
        push = self.env["integration.exchange"].create(
            {
                "backend_id": self.backend.id,
                "company_id": self.backend.company_id.id,
                "flow": "contact",
                "direction": "out",
                "idempotency_key": "push-1",
                "payload": "{}",
            }
        )
        push._enqueue()
        self.perform_job(self.job_of(exchanges[0]))
        self.assertEqual(exchanges.mapped("state"), ["done"] * 4)
        self.assertEqual(self.exchanges(other).state, "queued", "another backend's exchange waits for its own job")
        self.assertEqual(push.state, "queued", "outbound exchanges are not batched")

    def test_what_a_batch_defers_is_done_once_for_all(self):
        exchanges = self.deliver(
            self.contact("D0"),
            *(self.contact(f"D{n}", name=f"Deferred {n}", later="action_archive") for n in (1, 2, 3)),
        )
        self.perform_job(self.job_of(exchanges[0]))
        self.assertEqual(exchanges.mapped("state"), ["done"] * 4)
        partners = self.env["res.partner"].with_context(active_test=False).search([("name", "=like", "Deferred %")])
        self.assertEqual(partners.mapped("active"), [False] * 3)

    def test_when_the_deferred_work_fails_each_exchange_is_applied_alone(self):
        exchanges = self.deliver(
            self.contact("E0"),
            self.contact("E1", name="Alone 1", later="action_archive"),
            self.contact("E2", name="Alone 2", later="no_such_method"),
            self.contact("E3", name="Alone 3", later="action_archive"),
        )
        self.perform_job(self.job_of(exchanges[0]))
        self.assertEqual(exchanges.mapped("state"), ["done", "done", "failed", "done"])
        self.assertIn("no_such_method", exchanges[2].message)
        Partner = self.env["res.partner"].with_context(active_test=False)
        self.assertEqual(Partner.search([("name", "=like", "Alone %")]).mapped("name"), ["Alone 1", "Alone 3"])
        self.assertFalse(any(Partner.search([("name", "=like", "Alone %")]).mapped("active")))

    def test_one_or_two_waiting_are_not_a_backlog(self):
        exchanges = self.deliver(self.contact("W1"), self.contact("W2"), self.contact("W3"))
        self.assertEqual(self.perform_job(self.job_of(exchanges[0])).result, "Done")
        self.assertEqual(exchanges.mapped("state"), ["done", "queued", "queued"], "their jobs start in a moment")

    def test_a_backlog_batch_of_one_processes_each_exchange_alone(self):
        self.backend.batch_size = 1
        exchanges = self.deliver(self.contact("A1"), self.contact("A2"))
        self.assertEqual(self.perform_job(self.job_of(exchanges[0])).result, "Done")
        self.assertEqual(exchanges.mapped("state"), ["done", "queued"])

    def test_a_transient_failure_in_a_batch_is_retried_by_a_job_of_its_own(self):
        self.backend.api_url = "http://127.0.0.1:9/unreachable"
        exchanges = self.deliver(
            self.contact("T1"), self.contact("T2", remote_check=True), self.contact("T3"), self.contact("T4")
        )
        self.perform_job(self.job_of(exchanges[0]))
        self.assertEqual(exchanges.mapped("state"), ["done", "queued", "done", "done"])
        self.assertEqual((exchanges[1].attempts, exchanges[1].error_category), (1, "transient"))
        retry = self.pending_jobs().filtered(lambda job: job.records == exchanges[1] and job.eta)
        self.assertEqual(len(retry), 1, "the retry is a job with its ETA, as for any job")

    def test_an_exchange_held_back_in_a_batch_keeps_its_attempts_and_a_live_job(self):
        exchanges = self.deliver(
            self.contact("H1"), self.contact("H2", held_back=True), self.contact("H3"), self.contact("H4")
        )
        # Its first attempt failed earlier: its pending job is keyed by that attempt.
        held = exchanges[1]
        self.job_of(held).state = "cancelled"
        held.attempts = 1
        held._enqueue(attempt=1)
        self.assertEqual(self.perform_job(self.job_of(exchanges[0])).result, "Done; and 3 more of the backlog")
        self.assertEqual((held.state, held.attempts), ("queued", 1), "held back: no attempt used")
        with self.enter_registry_test_mode():
            self.env.cr.postcommit.run()  # the batch closes the jobs of the exchanges it took
        self.env["queue.job"].invalidate_model()
        waiting = self.pending_jobs().filtered(lambda job: job.records == held)
        self.assertEqual(len(waiting), 1, "a job of its own, with its ETA, not the one the batch closed")
        self.assertTrue(waiting.eta)

    def test_a_conflict_in_a_batch_leaves_the_exchange_to_its_own_job(self):
        exchanges = self.deliver(
            self.contact("K1"), self.contact("K2", conflict=True), self.contact("K3"), self.contact("K4")
        )
        self.assertEqual(self.perform_job(self.job_of(exchanges[0])).result, "Done; and 2 more of the backlog")
        self.assertEqual((exchanges[1].state, exchanges[1].attempts), ("queued", 0), "not an attempt of its own")
        own_job = self.job_of(exchanges[1])
        self.assertEqual(len(own_job), 1)
        # Alone, the conflict is what it always was: retried shortly.
        self.perform_job(own_job)
        self.assertEqual((exchanges[1].state, exchanges[1].error_category), ("queued", "transient"))
        self.assertIn("integration_binding_external_id_unique", exchanges[1].message)

    def test_the_batched_jobs_are_closed_after_the_commit_with_their_own_times(self):
        exchanges = self.deliver(*(self.contact(f"C{n}") for n in range(1, 6)))
        jobs = [self.job_of(exchange) for exchange in exchanges]
        started_elsewhere = jobs[2]
        started_elsewhere.state = "enqueued"  # the runner took it meanwhile
        self.perform_job(jobs[0])
        with self.enter_registry_test_mode():
            self.env.cr.postcommit.run()
        jobs[1].invalidate_recordset()
        self.assertEqual(jobs[1].state, "done")
        self.assertRegex(jobs[1].result, r"^Done \(in the backlog batch of job [0-9a-f-]{36}\)$")
        self.assertGreater(jobs[1].exec_time, 0)
        self.assertLess(jobs[1].exec_time, 30)
        self.assertEqual(started_elsewhere.state, "enqueued", "a job the runner took is left to run")
