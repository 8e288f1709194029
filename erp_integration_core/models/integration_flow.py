import json
import uuid
from datetime import timedelta

from odoo import api, fields, models
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY

from odoo.addons.queue_job.exception import RetryableJobError

from ..lib import errors
from ..lib.states import EXCEPTIONS


class IntegrationFlow(models.Model):
    """One kind of data movement on a backend, e.g. ``order.import``.

    Real-time flows are driven by webhooks; scheduled flows are polled by the
    cron, which enqueues one job per due flow. The cursor only moves when a
    run succeeds, so a failed run is repeated from the same place.
    """

    _name = "integration.flow"
    _description = "Integration Flow"
    _order = "backend_id, code"

    backend_id = fields.Many2one("integration.backend", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="backend_id.company_id", store=True)
    code = fields.Char(required=True, help="Technical name the connector knows, e.g. order.import.")
    name = fields.Char(required=True)
    enabled = fields.Boolean(default=True)
    mode = fields.Selection(
        [("realtime", "Real-time"), ("scheduled", "Scheduled"), ("manual", "Manual")],
        default="realtime",
        required=True,
    )
    interval_minutes = fields.Integer(default=15)
    cursor = fields.Char(readonly=True, help="Where the next scheduled run starts (set by the connector).")
    last_run_at = fields.Datetime(readonly=True)
    last_result = fields.Json(readonly=True, help="What the last run reported (counts, drift found…).")
    next_run_at = fields.Datetime(default=fields.Datetime.now)

    _code_unique = models.Constraint("UNIQUE(backend_id, code)", "A backend has each flow once.")

    @api.model
    def _cron_run_due_flows(self):
        due = self.search(
            [
                ("enabled", "=", True),
                ("mode", "=", "scheduled"),
                ("backend_id.active", "=", True),
                ("next_run_at", "<=", fields.Datetime.now()),
            ]
        )
        for flow in due:
            flow.with_delay(
                channel=flow.backend_id._job_channel(),
                identity_key=f"integration-flow-{flow.id}-{flow.next_run_at}",
                description=f"{flow.backend_id.name}: {flow.name}",
            )._run()
            flow.next_run_at = fields.Datetime.now() + timedelta(minutes=max(flow.interval_minutes, 1))

    def _trigger(self, delay=30):
        """Run the flow soon, once, however many changes ask for it in the meantime.

        The identity key makes every trigger inside the delay collapse into the
        one pending job: changes are debounced and pushed in one batch.
        """
        for flow in self.filtered("enabled"):
            flow.with_delay(
                channel=flow.backend_id._job_channel(),
                eta=delay,
                identity_key=f"integration-flow-{flow.id}-trigger",
                description=f"{flow.backend_id.name}: {flow.name}",
            )._run()

    def action_run_now(self):
        for flow in self:
            flow._run()
        return True

    def _run(self):
        """Queue job: run the flow and advance its cursor; a failure leaves the cursor where it was.

        A remote system that is briefly away makes queue_job try again later.
        Any other failure lands in the exception queue as an exchange of the
        run, with its message (or traceback), where Retry runs the flow again.
        """
        self.ensure_one()
        try:
            with self.env.cr.savepoint():
                return self._execute()
        except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
            raise
        except Exception as err:
            self.env.invalidate_all()
            classified = self.backend_id._connector().classify(err)
            if isinstance(classified, errors.TransientError):
                raise RetryableJobError(classified.message, seconds=classified.retry_after) from err
            return self._record_failure(err, classified)

    def _execute(self):
        """Run the connector's flow; returns what the run reported."""
        backend = self.backend_id
        new_cursor = backend._connector().run_flow(self)
        self.write({"cursor": new_cursor, "last_run_at": fields.Datetime.now()})
        self.env["integration.audit.log"]._log(
            "flow.run", record=self, backend=backend, details={"flow": self.code, "cursor": new_cursor}
        )
        return self.last_result or {"cursor": new_cursor}

    def _on_job_failed(self, exc_info=None, exc_name=None, exc_message=None, **_kwargs):
        """queue_job gave up retrying the run (the remote system stayed away): say so in the exception queue."""
        for flow in self:
            reason = errors.TransientError(exc_message or exc_name or "the run kept failing")
            flow._record_failure(None, reason, traceback=exc_info)

    def _record_failure(self, err, classified, traceback=None):
        """Put a failed run in the exception queue: one open exchange per flow, with the latest reason."""
        self.ensure_one()
        Exchange = self.env["integration.exchange"]
        run = Exchange.search([("flow_id", "=", self.id), ("state", "in", ("queued", *EXCEPTIONS))], limit=1)
        if not run:
            run = Exchange.create(
                {
                    "backend_id": self.backend_id.id,
                    "flow": self.code,
                    "flow_id": self.id,
                    "direction": "out",
                    "idempotency_key": f"flow-run:{self.id}:{uuid.uuid4().hex}",
                    "payload": json.dumps({"flow": self.code, "cursor": self.cursor}),
                }
            )
        elif run.state != "queued":
            run._set_state("queued")
        message = run._record_failure(err, classified, run.attempts + 1, retry=False)
        if traceback:
            run.error_traceback = traceback
        return message
