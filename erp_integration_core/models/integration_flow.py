from datetime import timedelta

from odoo import SUPERUSER_ID, api, fields, models

from odoo.addons.queue_job.exception import RetryableJobError

from ..lib import errors


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

    @api.model
    def _trigger_realtime(self, channel, code, delay=30, companies=None):
        """Trigger the enabled real-time flows ``code`` of the active backends of ``channel``.

        ``companies``, when given, limits it to their backends (a stock move
        of one company says nothing to another's shop). Called from business
        events (a delivery validated, a price changed) by users who need no
        integration rights: the integration reacts as itself, the superuser,
        as the webhook intake does, and so do its jobs.
        """
        domain = [
            ("code", "=", code),
            ("enabled", "=", True),
            ("mode", "=", "realtime"),
            ("backend_id.channel", "=", channel),
            ("backend_id.active", "=", True),
        ]
        if companies is not None:
            domain.append(("backend_id.company_id", "in", companies.ids))
        self.with_user(SUPERUSER_ID).search(domain)._trigger(delay=delay)

    def action_run_now(self):
        for flow in self:
            flow._run()
        return True

    def _run(self):
        """Run the flow and advance its cursor; an exception leaves the cursor where it was."""
        self.ensure_one()
        backend = self.backend_id
        try:
            new_cursor = backend._connector().run_flow(self)
        except errors.TransientError as err:
            raise RetryableJobError(err.message, seconds=err.retry_after) from err
        self.write({"cursor": new_cursor, "last_run_at": fields.Datetime.now()})
        self.env["integration.audit.log"]._log(
            "flow.run", record=self, backend=backend, details={"flow": self.code, "cursor": new_cursor}
        )
