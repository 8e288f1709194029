import functools
import json
import logging
import math
import time
import traceback
from datetime import timedelta

from psycopg2 import errors as pg_errors

from odoo import SUPERUSER_ID, _, api, fields, models
from odoo.exceptions import UserError
from odoo.exceptions import ValidationError as OdooValidationError
from odoo.fields import Domain
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY
from odoo.tools.sql import create_index

from odoo.addons.queue_job.exception import RetryableJobError

from ..connector import installed_connectors
from ..lib import errors, fix_keys, payload, states
from ..lib.events import Delivery
from ..personal_data import PersonalData
from ..work import DEFERRED, EXCHANGE, Deferred

_logger = logging.getLogger(__name__)

OPEN_STATES = states.OPEN
EXCEPTION_STATES = states.EXCEPTIONS
# Fields that identify what was received: kept verbatim for finance and replays.
IMMUTABLE_FIELDS = ("backend_id", "direction", "idempotency_key", "payload", "payload_sha256", "delivery_id")
DEFAULT_RETRY_PATTERN = {1: 10, 2: 30, 3: 120, 4: 600, 5: 1800}
# A backlog batch stops taking exchanges after this long, well within a worker's time limit.
BATCH_SECONDS = 10
# Fewer exchanges waiting than this are left to their own jobs.
BACKLOG_MIN = 3
# A backlog batch looks at this many times its size of the newest candidates
# (others may be held by other jobs, or have no job waiting).
BACKLOG_CANDIDATES = 5
# What another transaction doing the same work causes: a batch leaves such an
# exchange to its own job, which starts afresh and sees what the other committed.
CONFLICTS = (*PG_CONCURRENCY_EXCEPTIONS_TO_RETRY, pg_errors.UniqueViolation)


# SQL: an exchange ``e`` not waiting for a retry. Its job's ETA is not the
# test: queue_job puts a job off by a few seconds when the object's lock is
# held, and a batch may take its exchange all the same.
DUE = "(e.next_retry_at IS NULL OR e.next_retry_at <= now() at time zone 'UTC')"


def pending_job(table="q."):
    """SQL: a pending job of ``_process``; the condition of the index ``init`` makes, for the queries using it."""
    return (
        f"{table}state = 'pending' AND {table}model_name = 'integration.exchange' AND {table}method_name = '_process'"
    )


def job_exchange(records="q.records"):
    """SQL: the exchange a job of ``_process`` is for, read from its ``records`` column.

    queue_job stores a job's records as JSON text inside its jsonb column.
    """
    return (
        f"((CASE jsonb_typeof({records}) WHEN 'string' THEN ({records} #>> '{{}}')::jsonb "
        f"ELSE {records} END) -> 'ids' ->> 0)::integer"
    )


class IntegrationExchange(models.Model):
    """One payload in or out, from its arrival to the records it produced."""

    _name = "integration.exchange"
    _description = "Integration Exchange"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "id desc"

    backend_id = fields.Many2one("integration.backend", required=True, ondelete="restrict", index=True)
    company_id = fields.Many2one("res.company", required=True, index=True)
    channel = fields.Selection(related="backend_id.channel")
    flow = fields.Char(required=True, index=True)
    direction = fields.Selection([("in", "Inbound"), ("out", "Outbound")], required=True, default="in")
    external_type = fields.Char(help="The kind of external object, e.g. 'contact' or 'Order'.")
    external_id = fields.Char(index=True)
    lock_key = fields.Char(
        help="Exchanges with the same key on a backend are never processed side by side (the same order, "
        "the same contact)."
    )
    flow_id = fields.Many2one(
        "integration.flow",
        string="Flow run",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
        help="The scheduled or real-time flow whose failed run this is: Retry runs it again.",
    )
    delivery_id = fields.Many2one(
        "integration.delivery",
        readonly=True,
        index="btree_not_null",
        help="The delivery that carried this event with others, kept verbatim.",
    )
    idempotency_key = fields.Char(required=True)
    payload = fields.Text(required=True)
    payload_sha256 = fields.Char(string="Payload SHA-256", readonly=True)
    payload_size = fields.Integer(readonly=True)
    payload_pretty = fields.Text(compute="_compute_payload_pretty", string="Payload (formatted)")
    headers = fields.Json(readonly=True, help="Request headers, with credentials and signatures masked.")
    state = fields.Selection(states.STATES, required=True, default=states.QUEUED, index=True, tracking=True)
    attempts = fields.Integer(readonly=True)
    next_retry_at = fields.Datetime(readonly=True)
    processed_at = fields.Datetime(readonly=True)
    error_category = fields.Selection(errors.CATEGORIES, readonly=True, index=True)
    message = fields.Text(readonly=True)
    error_traceback = fields.Text(
        readonly=True,
        groups="erp_integration_core.group_integration_manager,erp_integration_core.group_integration_auditor",
    )
    result = fields.Json(
        readonly=True,
        help="What processing produced: the records made, a skip reason, or the remote answer to an export.",
    )
    link_ids = fields.One2many("integration.exchange.link", "exchange_id", string="Odoo records")
    parent_id = fields.Many2one("integration.exchange", string="Replay of", readonly=True, index="btree_not_null")
    child_ids = fields.One2many("integration.exchange", "parent_id", string="Replays")
    user_id = fields.Many2one("res.users", string="Assigned to", tracking=True)
    ignore_reason = fields.Text(readonly=True)
    replay_reason = fields.Text(
        readonly=True,
        copy=False,
        help="Why a person replayed the original of this exchange, in their words; the audit trail seals its SHA-256.",
    )
    failed_at = fields.Datetime(
        string="Waiting since",
        readonly=True,
        index="btree_not_null",
        help="When processing last stopped for a person (needs attention or failed).",
    )
    fix_key = fields.Char(
        string="To fix",
        readonly=True,
        help="What must be fixed for the exchange to go through, e.g. 'mapping:tax:GB VAT' or 'product:SKU-123': "
        "exchanges with the same key are fixed once, then retried together.",
    )
    age = fields.Char(compute="_compute_sla", help="How long the exchange has been waiting for a person.")
    sla_status = fields.Selection(
        [("ok", "Within SLA"), ("overdue", "Overdue")],
        string="SLA",
        compute="_compute_sla",
        search="_search_sla_status",
        help="Overdue once it has waited longer than its backend's exception SLA.",
    )

    _idempotency_key_unique = models.Constraint(
        "UNIQUE(backend_id, idempotency_key)", "This backend already received an exchange with this idempotency key."
    )
    # Waiting exchanges of one object, found quickly when a backlog batch keeps their order.
    _queued_lock_key_index = models.Index("(backend_id, lock_key, id) WHERE state = 'queued'")
    # The dashboard's week by arrival, and by time done per backend (its last success too).
    _create_date_index = models.Index("(create_date)")
    _done_processed_index = models.Index("(backend_id, processed_at) WHERE state = 'done'")

    @api.depends("backend_id", "flow", "external_id")
    def _compute_display_name(self):
        for exchange in self:
            exchange.display_name = " / ".join(
                part for part in (exchange.backend_id.name, exchange.flow, exchange.external_id) if part
            ) or _("New exchange")

    @api.depends("payload")
    def _compute_payload_pretty(self):
        for exchange in self:
            exchange.payload_pretty = payload.pretty_json(exchange.payload or "")

    # Creation ---------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        backends = self.env["integration.backend"].browse([vals["backend_id"] for vals in vals_list])
        for vals, backend in zip(vals_list, backends, strict=True):
            body = vals.get("payload") or ""
            size = len(body.encode())
            if size > backend.max_payload_kb * 1024:
                raise OdooValidationError(
                    _(
                        "The payload is %(size)s bytes; backend '%(backend)s' accepts %(limit)s KiB at most.",
                        size=size,
                        backend=backend.name,
                        limit=backend.max_payload_kb,
                    )
                )
            vals.setdefault("company_id", backend.company_id.id)
            vals["payload_sha256"] = payload.sha256_hex(body)
            vals["payload_size"] = size
        exchanges = super().create(vals_list)
        for exchange in exchanges:
            exchange._audit("exchange.created", state=exchange.state)
        return exchanges

    def write(self, vals):
        if set(vals) & set(IMMUTABLE_FIELDS):
            raise UserError(_("A stored payload is never edited. Use Replay to process a corrected copy."))
        return super().write(vals)

    def _redact_payload(self, body):
        """Erase the personal data of a payload (``personal_data.PersonalData``); its SHA-256 stays."""
        return super().write({"payload": body, "payload_size": len(body.encode())})

    def unlink(self):
        raise UserError(_("Exchanges are kept for the audit trail. Ignore them instead of deleting them."))

    # Webhook intake ---------------------------------------------------------

    @api.model
    def _webhook_backend(self, token):
        """Return ``(id, channel, secret, max_payload_kb)`` of the active backend behind a token."""
        # Raw SQL: this runs for unauthenticated requests on the hot path and
        # must read the secret without loading the backend through the ORM.
        self.env.cr.execute(
            "SELECT id, channel, webhook_secret, max_payload_kb FROM integration_backend "
            "WHERE webhook_token = %s AND active",
            [token],
        )
        return self.env.cr.fetchone()

    @api.model
    def _count_rejection(self, backend_id, status):
        self.env["integration.webhook.rejection"]._count(backend_id, status)

    @api.model
    def _intake(self, backend_row, request):
        """Verify one webhook delivery (a ``WebhookRequest``), store its events and enqueue them.

        Returns ``(http_status, answer)``. Events already received answer 200
        and change nothing: the database's unique index on the idempotency key
        decides, so parallel deliveries of one event store it exactly once.
        """
        backend_id, channel, secret, max_payload_kb = backend_row
        body = request.body
        connector_class = installed_connectors(self.env).get(channel)
        if connector_class is None:
            return 404, {"error": "unknown webhook address"}
        if len(body) > max_payload_kb * 1024:
            self._count_rejection(backend_id, 413)
            return 413, {"error": f"payload larger than {max_payload_kb} KiB"}
        backend = self.env["integration.backend"].browse(backend_id)
        connector = connector_class(backend)
        if not connector.verify_request(request, secret):
            self._count_rejection(backend_id, 401)
            return 401, {"error": "invalid signature"}
        try:
            data = payload.parse_json(body)
            events = connector.describe_request(request, data)
        except errors.ValidationError as err:
            self._count_rejection(backend_id, 400)
            return 400, {"error": err.message}
        if not events:
            return 200, {"status": "accepted", "exchanges": []}
        text = body.decode()
        headers = payload.safe_headers(request.headers)
        # A body that is a single event is stored once, as that event's payload.
        single = len(events) == 1 and events[0].payload == text
        delivery = None if single else Delivery(text, headers=headers)
        new, known = self._store_events(
            backend_id, events, delivery=delivery, headers=headers if single else None, channel=channel
        )
        if not new:
            return 200, {"status": "duplicate"}
        if single:
            return 200, {"status": "accepted", "exchange": new.id}
        return 200, {"status": "accepted", "exchanges": new.ids, "duplicates": known}

    @api.model
    def _store_events(self, backend_id, events, direction="in", delivery=None, headers=None, channel=None):
        """Insert the exchanges of the ``events`` not seen before, in one statement, and enqueue them.

        With a ``Delivery``, its body is kept once as an ``integration.delivery``
        that every new exchange points to, in the same statement, and only if
        at least one event is new. Returns the new exchanges and how many
        events were already known. The intake passes the backend's
        ``channel``, which it has already read, so the backend record is not
        loaded on its hot path.
        """
        # An event repeated within one delivery counts once: the first one is kept.
        unique = {}
        for event in events:
            unique.setdefault(event.idempotency_key, event)
        unique = list(unique.values())
        if not unique:
            return self.browse(), 0
        params = {"backend": backend_id, "direction": direction, "uid": self.env.uid}
        params["headers"] = json.dumps(headers) if headers is not None else None
        rows = []
        for number, event in enumerate(unique):
            keys = [f"{column}{number}" for column in ("flow", "type", "ext", "lock", "key", "payload", "sha", "size")]
            # A hostile delivery's texts may hold NUL, which PostgreSQL cannot store.
            values = (
                payload.storable(event.flow),
                payload.storable(event.external_type),
                payload.storable(event.external_id),
                payload.storable(event.lock_key),
                payload.storable(event.idempotency_key),
                payload.storable(event.payload),
                event.payload_sha256,
                event.payload_size,
            )
            params.update(zip(keys, values, strict=True))
            rows.append("(" + ", ".join(f"%({key})s" for key in keys) + ")")
        insert = f"""
            INSERT INTO integration_exchange (
                backend_id, company_id, direction, flow, external_type, external_id, lock_key, idempotency_key,
                payload, payload_sha256, payload_size, headers, delivery_id, state, attempts,
                create_uid, write_uid, create_date, write_date
            )
            SELECT b.id, b.company_id, %(direction)s, v.flow, v.type, v.ext, v.lock, v.key,
                   v.payload, v.sha, v.size, %(headers)s::jsonb, {"delivery.id" if delivery else "NULL::int"},
                   'queued', 0, %(uid)s, %(uid)s, now() at time zone 'UTC', now() at time zone 'UTC'
              FROM integration_backend b{", delivery" if delivery else ""},
                   (VALUES {", ".join(rows)}) AS v(flow, type, ext, lock, key, payload, sha, size)
             WHERE b.id = %(backend)s
            ON CONFLICT (backend_id, idempotency_key) DO NOTHING
            RETURNING id, company_id, flow, payload_sha256
        """
        if delivery:
            # The delivery's id is drawn first so the exchanges can point at it;
            # its row is written only when an event is new.
            params.update(
                source=delivery.source,
                name=payload.storable(delivery.name),
                body=payload.storable(delivery.body),
                body_sha=delivery.sha256,
                body_size=delivery.size,
                delivery_headers=json.dumps(delivery.headers),
                count=len(events),
            )
            query = f"""
                WITH delivery AS (SELECT nextval('integration_delivery_id_seq') AS id),
                new AS ({insert}),
                stored AS (
                    INSERT INTO integration_delivery (
                        id, backend_id, company_id, source, name, body, body_sha256, body_size, headers,
                        event_count, create_uid, write_uid, create_date, write_date
                    )
                    SELECT delivery.id, b.id, b.company_id, %(source)s, %(name)s, %(body)s, %(body_sha)s,
                           %(body_size)s, %(delivery_headers)s::jsonb, %(count)s, %(uid)s, %(uid)s,
                           now() at time zone 'UTC', now() at time zone 'UTC'
                      FROM delivery, integration_backend b
                     WHERE b.id = %(backend)s AND EXISTS (SELECT 1 FROM new)
                )
                SELECT new.*, delivery.id FROM new, delivery
            """
        else:
            query = insert
        self.env.cr.execute(query, params)
        rows = self.env.cr.fetchall()
        if not rows:
            return self.browse(), len(events)
        audit = []
        for exchange_id, company_id, flow, sha256, *delivery_id in rows:
            details = {"flow": flow, "sha256": sha256}
            if delivery_id:
                details["delivery"] = delivery_id[0]
            common = {"company_id": company_id, "backend_id": backend_id, "exchange_id": exchange_id}
            first = "exchange.received" if direction == "in" else "exchange.created"
            audit += [
                dict(common, event=first, details=details),
                dict(common, event="exchange.queued", details={"attempt": 1}),
            ]
        self.env["integration.audit.log"]._log_many(audit)
        exchanges = self.browse(sorted(row[0] for row in rows))
        Backend = self.env["integration.backend"]
        job_channel = Backend._job_channel_of(channel) if channel else Backend.browse(backend_id)._job_channel()
        # Every row is the one backend's, so of its one company.
        exchanges._enqueue(channel=job_channel, attempt=0, company_id=rows[0][1])
        return exchanges, len(events) - len(rows)

    # Queue ------------------------------------------------------------------

    def _enqueue(self, channel=None, attempt=None, eta=None, company_id=None, keyed=True):
        """One queue job per exchange and attempt, belonging to the exchange's company.

        A brand-new exchange (attempt 0, from the intake) cannot have a job
        yet, so the identity lookup is skipped on that hot path; later attempts
        carry an identity key so a double click on Retry enqueues once. A wait
        that uses up no attempt is not ``keyed``: its attempt's key may still
        name the pending job a backlog batch took the exchange from, and is
        about to close. The intake passes the ``company_id`` it has just
        stored, so neither the exchange nor the user is read to find it.
        """
        for exchange in self:
            attempt = exchange.attempts if attempt is None else attempt
            # The job applies the exchange with the integration's rights, as
            # the intake's jobs do, whoever queued it: an operator pressing
            # Retry needs no sales or stock rights of their own (the Retry
            # itself is audited under their name). queue_job takes the job's
            # company from the ``company_id`` context key, else from the user.
            context = {"tracking_disable": True, "company_id": company_id or exchange.company_id.id}
            exchange.with_user(SUPERUSER_ID).with_context(**context).with_delay(
                channel=channel or exchange.backend_id._job_channel(),
                identity_key=f"integration-exchange-{exchange.id}-{attempt}" if attempt and keyed else None,
                eta=eta,
                description=f"Process exchange {exchange.id}",
            )._process()

    def _lock_for_processing(self):
        """Make sure nothing else is processing this exchange, or the same external object.

        Two events about one object (orders/create and orders/paid, say) must
        not be applied side by side: each would miss the other's records. On
        contention the job is retried shortly, in a new transaction that sees
        what the other one committed, rather than waiting and holding a worker.
        """
        cr = self.env.cr
        self.flush_recordset(["backend_id", "lock_key"])
        # Contention is not a failure: the retry does not count against the
        # job's attempts, which are kept for what queue_job itself retries.
        # SKIP LOCKED rather than NOWAIT: a busy row is an answer, not an error
        # in the server's log. Read under the lock, straight from the row: the
        # record itself is read afresh once the lock is held.
        cr.execute(
            "SELECT backend_id, lock_key FROM integration_exchange WHERE id = %s FOR NO KEY UPDATE SKIP LOCKED",
            [self.id],
        )
        row = cr.fetchone()
        if row is None:
            raise RetryableJobError("Exchange is being processed by another job", seconds=5, ignore_retry=True)
        backend_id, lock_key = row
        if lock_key:
            cr.execute("SELECT pg_try_advisory_xact_lock(%s, hashtext(%s))", [backend_id, lock_key])
            if not cr.fetchone()[0]:
                raise RetryableJobError(f"Another job is applying {lock_key}", seconds=2, ignore_retry=True)

    def _process(self):
        """Queue job: run the connector on this exchange and record the outcome.

        Idempotent: an exchange already done or set aside is left alone, so a
        job that runs twice (requeued after a crash, say) has no second effect.
        When a backlog of the same flow waits behind it, the job works through
        part of it too (``_process_backlog``).
        """
        self.ensure_one()
        self._lock_for_processing()
        message = self._apply()
        taken = self._process_backlog()
        if taken:
            message = _("%(message)s; and %(count)s more of the backlog", message=message, count=taken)
        return message

    def _apply(self, conflicts=PG_CONCURRENCY_EXCEPTIONS_TO_RETRY):
        """Run the connector on this exchange, already locked, and record the outcome; returns the message.

        ``conflicts`` are raised rather than recorded: queue_job retries the
        whole job on them, a backlog batch leaves the exchange to its own job.
        """
        self.invalidate_recordset()
        if self.state not in OPEN_STATES:
            return f"Nothing to do: exchange is {self.state}"
        backend = self.backend_id
        attempts = self.attempts + 1
        connector = None
        try:
            connector = backend.with_context(**{EXCHANGE: self.id})._connector()
            with self.env.cr.savepoint():
                if self.flow_id:
                    outcome = self.flow_id._execute()
                elif self.direction == "out":
                    outcome = connector.export(self)
                else:
                    outcome = connector.process(self)
        except conflicts:
            raise
        except Exception as err:  # noqa: BLE001 - every failure is recorded on the exchange
            self.env.invalidate_all()
            if connector is not None:
                classified = connector.classify(err)
            else:
                classified = err if isinstance(err, errors.IntegrationError) else None
            return self._record_failure(err, classified, attempts)
        # A first-attempt success has no story for the chatter: the audit log
        # records it. Anything that needed attention or a retry is tracked.
        quiet = attempts == 1 and not self.user_id
        self.with_context(mail_notrack=quiet)._set_state(
            "done",
            attempts=attempts,
            processed_at=fields.Datetime.now(),
            message=False,
            error_category=False,
            next_retry_at=False,
            result=outcome or False,
        )
        if self.user_id:
            # Only an assignment schedules a 'resolve' activity.
            self._close_activities()
        return "Done"

    # Backlog ----------------------------------------------------------------

    def _process_backlog(self):
        """Work through waiting exchanges of this one's flow; returns how many were taken.

        In a backlog most of an exchange's cost is the job around it: the
        runner's request, two commits, the job's own record. One job therefore
        takes up to the backend's *Backlog batch* of exchanges whose jobs are
        still waiting, each in a savepoint of its own, so one that fails is
        recorded alone and the others commit. Their jobs are closed after the
        commit (``_close_batched_jobs``); should that not happen, they run and
        find their exchange done.

        First come the exchanges waiting behind this one about the same
        object (``_waiting_successors``), in their order and each applied
        whole: this job holds the object's lock, which their own jobs would
        only queue for one by one. Then exchanges about other objects
        (``_waiting_backlog``), whose deferred work (``Work.later``:
        confirming their orders) is done once for all; should it fail, they
        are undone and each applied alone.
        """
        size = self.backend_id.batch_size
        if size <= 1 or self.direction != "in" or self.flow_id:
            return 0
        connector_class = installed_connectors(self.env).get(self.backend_id.channel)
        if connector_class and self.flow in connector_class.unbatched_flows:
            return 0
        deadline = time.monotonic() + BATCH_SECONDS
        closed = self._apply_batch(self._waiting_successors(size - 1), None, deadline, in_order=True)
        waiting = self._waiting_backlog(size - 1 - len(closed)) if time.monotonic() < deadline else []
        if waiting:
            try:
                with self.env.cr.savepoint():
                    closed += self._apply_batch(waiting, Deferred(), deadline)
            except Exception:
                # What the batch deferred failed (one order that cannot be confirmed,
                # a conflict): undone, and each exchange is applied alone instead.
                _logger.info("A backlog batch's deferred work failed; applying its exchanges one by one", exc_info=True)
                self.env.invalidate_all()
                closed += self._apply_batch(waiting, None, deadline)
        leader = self.env.context.get("job_uuid") or "unknown"
        closed = [
            (job_id, seconds, f"{result} (in the backlog batch of job {leader})") for job_id, seconds, result in closed
        ]
        if closed:
            self.env.cr.postcommit.add(functools.partial(self._close_batched_jobs, self.env.registry, closed))
        return len(closed)

    def _apply_batch(self, waiting, deferred, deadline, in_order=False):
        """Apply each waiting exchange in a savepoint of its own, then what they ``deferred`` at once.

        Returns ``(job id, seconds, result)`` of those applied; an exchange
        another transaction holds or conflicts with is left to its own job,
        and so is every one after it ``in_order``, or after one still waiting
        (to be tried again). At least one is applied before the ``deadline``
        (``time.monotonic()``) stops the batch.
        """
        cr = self.env.cr
        closed = []
        for job_id, exchange in waiting:
            started = time.monotonic()
            try:
                with cr.savepoint():
                    exchange._lock_for_processing()
                    result = exchange.with_context(**{DEFERRED: deferred})._apply(conflicts=CONFLICTS)
            except (RetryableJobError, *CONFLICTS):
                # Someone else holds it or conflicts with it: its own job will run.
                self.env.invalidate_all()
                if in_order:
                    break
                continue
            closed.append((job_id, time.monotonic() - started, result))
            if (in_order and exchange.state == "queued") or time.monotonic() > deadline:
                break
        if deferred is not None and closed:
            started = time.monotonic()
            deferred.run()
            share = (time.monotonic() - started) / len(closed)
            closed = [(job_id, seconds + share, result) for job_id, seconds, result in closed]
        return closed

    def _waiting_successors(self, limit):
        """``(job id, exchange)`` of the exchanges waiting behind this one about the same object, oldest first.

        Only the run of them that are of this flow and not waiting for a
        retry: the first that is not holds back every one after it, as this
        one does if it is to be tried again. Their jobs may have been put
        off meanwhile (queue_job postpones a job that finds the object's
        lock held), which is no reason to wait. Read through the lock-key
        index and the index of pending jobs by exchange ``init`` adds to
        queue_job's table, so ten thousand waiting about one order cost no
        more than ten.
        """
        if not self.lock_key or self.state == "queued" or limit <= 0:
            return []
        self.flush_model()
        self.env["queue.job"].flush_model()
        self.env.cr.execute(
            f"""
            SELECT e.id,
                   e.flow = %(flow)s AND e.direction = 'in' AND e.flow_id IS NULL AND {DUE},
                   (SELECT q.id FROM queue_job q WHERE {pending_job()} AND {job_exchange()} = e.id LIMIT 1)
              FROM integration_exchange e
             WHERE e.backend_id = %(backend)s AND e.lock_key = %(key)s AND e.state = 'queued' AND e.id != %(own)s
             ORDER BY e.id
             LIMIT %(limit)s
            """,
            {"backend": self.backend_id.id, "key": self.lock_key, "flow": self.flow, "own": self.id, "limit": limit},
        )
        waiting = []
        for exchange_id, takeable, job_id in self.env.cr.fetchall():
            if not (takeable and job_id):
                break
            waiting.append((job_id, self.browse(exchange_id)))
        return waiting

    def _waiting_backlog(self, limit):
        """``(job id, exchange)`` of waiting exchanges of this flow whose jobs the runner has not taken.

        Taken from the newest end of the backlog (the runner starts jobs from
        the oldest, so a batch and the next job it starts rarely want the same
        exchange) and applied oldest first. Exchanges another transaction
        holds are skipped, not waited for; if one changed since this
        transaction began, the batch is not worth a conflict and nothing is
        taken. Fewer than ``BACKLOG_MIN`` waiting is not a backlog: the runner
        has them started in a moment, and their locks are let go at once.
        """
        if limit <= 0:
            return []
        self.flush_model()
        self.env["queue.job"].flush_model()
        try:
            with self.env.cr.savepoint(flush=False) as savepoint:
                rows = self._select_backlog(limit)
                if len(rows) < min(BACKLOG_MIN, limit):
                    savepoint.close(rollback=True)
                    return []
        except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
            return []
        exchanges = self.browse([exchange_id for _job, exchange_id in rows])
        return list(zip([job_id for job_id, _exchange in rows], exchanges, strict=True))

    def _select_backlog(self, limit):
        # Only the oldest waiting exchange about each object is a candidate
        # (found from the lock-key index), so a batch never applies events
        # out of order, and one object's ten thousand events are not read
        # ten thousand times; exchanges about no particular object all are.
        # Two statements rather than one: a plan made while the backlog was
        # small once joined the candidates to themselves for minutes.
        wanted = f"e.flow = %(flow)s AND e.direction = 'in' AND e.flow_id IS NULL AND {DUE} AND e.id != %(own)s"
        params = {"backend": self.backend_id.id, "flow": self.flow, "own": self.id, "limit": limit}
        self.env.cr.execute(
            f"""
            SELECT id FROM (
                SELECT DISTINCT ON (lock_key) id, flow, direction, flow_id, next_retry_at FROM integration_exchange
                 WHERE backend_id = %(backend)s AND state = 'queued' AND lock_key IS NOT NULL
                 ORDER BY lock_key, id
            ) e WHERE {wanted}
            UNION ALL
            SELECT id FROM integration_exchange e
             WHERE backend_id = %(backend)s AND state = 'queued' AND lock_key IS NULL AND {wanted}
            ORDER BY id DESC
            LIMIT %(candidates)s
            """,
            dict(params, candidates=limit * BACKLOG_CANDIDATES),
        )
        heads = [row[0] for row in self.env.cr.fetchall()]
        if not heads:
            return []
        self.env.cr.execute(
            f"""
            SELECT job_id, exchange_id FROM (
                SELECT q.id AS job_id, e.id AS exchange_id
                  FROM integration_exchange e
                  JOIN queue_job q ON {job_exchange()} = e.id
                 WHERE e.id = ANY(%(heads)s) AND e.state = 'queued' AND {pending_job()}
                 ORDER BY e.id DESC, q.id DESC
                 LIMIT %(limit)s
                   FOR NO KEY UPDATE OF e SKIP LOCKED
            ) taken ORDER BY exchange_id
            """,
            dict(params, heads=heads),
        )
        return self.env.cr.fetchall()

    @staticmethod
    def _close_batched_jobs(registry, closed):
        """After the commit: mark the jobs of exchanges a batch processed as done.

        Plain SQL on purpose, and only for jobs still ``pending``: a job the
        runner started in the meantime is left to run (it finds its exchange
        done), and nothing waits on a row queue_job is writing. Each job gets
        its own exchange's processing time, so queue_job's figures stay true.
        """
        with registry.cursor() as cr:
            cr.execute(
                """
                UPDATE queue_job q
                   SET state = 'done',
                       date_done = now() at time zone 'UTC',
                       date_started = now() at time zone 'UTC' - make_interval(secs => c.seconds),
                       exec_time = c.seconds,
                       result = c.result
                  FROM unnest(%s::integer[], %s::float[], %s::varchar[]) AS c(id, seconds, result)
                 WHERE q.id = c.id AND q.state = 'pending'
                """,
                [
                    [job_id for job_id, _seconds, _result in closed],
                    [seconds for _job_id, seconds, _result in closed],
                    [result for _job_id, _seconds, result in closed],
                ],
            )

    def _record_failure(self, err, classified, attempts, retry=True):
        """Record why processing failed and what happens next; returns the message.

        ``retry=False`` (a flow run queue_job already retried) turns a
        transient failure into ``failed`` at once.
        """
        backend = self.backend_id
        if isinstance(classified, errors.Ignored):
            # What an earlier attempt met (a rate limit's wait, say) is over: the reason is what stays.
            self._set_state(
                "ignored",
                attempts=attempts,
                processed_at=fields.Datetime.now(),
                ignore_reason=classified.message,
                error_category=False,
                message=False,
                next_retry_at=False,
            )
            if isinstance(classified, errors.Suppressed):
                # It names someone erased at their request.
                PersonalData(backend).redact(self)
            return classified.message
        if classified is None:
            _logger.exception("Exchange %s failed unexpectedly", self.id)
            self._set_state(
                "failed",
                attempts=attempts,
                error_category=errors.BUG,
                message=_(
                    "Unexpected error: %(error)s. The payload is kept; fix the cause, then press Retry.",
                    error=f"{err.__class__.__name__}: {err}",
                ),
                error_traceback="".join(traceback.format_exception(err)),
            )
        elif (
            isinstance(classified, errors.TransientError)
            and retry
            and (not classified.attempted or attempts < backend.max_attempts)
        ):
            if classified.attempted:
                delay = self._retry_delay(attempts, classified.retry_after)
                message = _(
                    "%(message)s. Retry %(attempt)s of %(max)s in %(delay)s s.",
                    message=classified.message,
                    attempt=attempts,
                    max=backend.max_attempts - 1,
                    delay=delay,
                )
            else:
                # Nothing was asked of the other side (a rate limit the client keeps, another exchange still
                # on its way): the wait costs none of the attempts meant for the other side's failures.
                attempts = self.attempts
                delay = math.ceil(classified.retry_after) if classified.retry_after else self._retry_delay(attempts)
                message = _(
                    "%(message)s. Tried again in %(delay)s s, without using up an attempt.",
                    message=classified.message,
                    delay=delay,
                )
            self._set_state(
                "queued",
                attempts=attempts,
                error_category=errors.TRANSIENT,
                message=message,
                next_retry_at=fields.Datetime.add(fields.Datetime.now(), seconds=delay),
            )
            # A wait's job is not keyed: its attempt's key may still name the job a backlog batch is closing.
            self._enqueue(attempt=attempts, eta=delay, keyed=classified.attempted)
        elif isinstance(classified, errors.TransientError):
            self._set_state(
                "failed",
                attempts=attempts,
                error_category=errors.TRANSIENT,
                message=_(
                    "Gave up after %(attempts)s attempts: %(message)s. Press Retry once the other side is back.",
                    attempts=attempts,
                    message=classified.message,
                ),
                next_retry_at=False,
            )
        else:
            self._set_state(
                "needs_attention", attempts=attempts, error_category=classified.category, message=classified.message
            )
        self._store_fix_key(classified or err)
        return self.message

    def _on_job_failed(self, exc_info=None, exc_name=None, exc_message=None, **_kwargs):
        """queue_job gave up on this exchange's job: the exchange says so instead of staying queued.

        Called by queue_job (``on_fail_method`` of the job function) in a
        transaction of its own, after repeated database conflicts, say.
        """
        for exchange in self.filtered(lambda e: e.state in OPEN_STATES):
            exchange._set_state(
                "failed",
                error_category=errors.TRANSIENT,
                message=_(
                    "The job processing this exchange gave up: %(error)s. Nothing was applied; press Retry.",
                    error=exc_message or exc_name or _("unknown error"),
                ),
                error_traceback=exc_info or False,
                next_retry_at=False,
            )

    @api.model
    def _cron_requeue_orphans(self, minutes=10):
        """Queue again every exchange left ``queued`` without a live job to process it.

        A job cancelled or deleted by hand, or a database restored from an
        earlier backup, can leave such orphans; processing is idempotent, so
        enqueuing them again is safe. Returns the exchanges requeued.
        """
        self.env["queue.job"].flush_model(["state", "records", "model_name", "method_name"])
        self.flush_model(["state"])
        self.env.cr.execute(
            f"""
            SELECT e.id FROM integration_exchange e
             WHERE e.state = 'queued'
               AND e.write_date < (now() at time zone 'UTC') - make_interval(mins => %s)
               AND NOT EXISTS (
                   SELECT 1 FROM queue_job q
                    WHERE q.model_name = 'integration.exchange' AND q.method_name = '_process'
                      AND q.state IN ('wait_dependencies', 'pending', 'enqueued', 'started')
                      AND {job_exchange()} = e.id)
             ORDER BY e.id
            """,
            [minutes],
        )
        orphans = self.browse([row[0] for row in self.env.cr.fetchall()])
        for exchange in orphans:
            exchange._audit("exchange.requeued", reason="no live job")
        orphans._enqueue()
        if orphans:
            _logger.warning("Requeued %s exchanges that had no live job", len(orphans))
        return orphans

    def _retry_delay(self, attempts, retry_after=None):
        """Seconds before the next attempt: the retry pattern, or longer if the remote asked."""
        Function = self.env["queue.job.function"]
        pattern = Function.job_config(Function.job_function_name(self._name, "_process")).retry_pattern
        pattern = pattern or DEFAULT_RETRY_PATTERN
        delay = next((seconds for count, seconds in sorted(pattern.items(), reverse=True) if attempts >= count), 10)
        if isinstance(delay, list | tuple):
            delay = delay[0]
        return int(max(delay, retry_after or 0))

    # State and audit --------------------------------------------------------

    def _set_state(self, state, **vals):
        if state in EXCEPTION_STATES:
            vals.setdefault("failed_at", fields.Datetime.now())
        # Messages quote what was received, which may hold NUL.
        vals = {key: payload.storable(value) for key, value in vals.items()}
        for exchange in self:
            previous = exchange.state
            states.check(previous, state)
            exchange.write(dict(vals, state=state))
            exchange._audit(
                f"exchange.{state}",
                previous=previous,
                category=exchange.error_category or None,
                attempt=exchange.attempts,
            )

    def _audit(self, event, **details):
        self.ensure_one()
        self.env["integration.audit.log"]._log(
            event, backend=self.backend_id, exchange=self, company=self.company_id, details=details
        )

    def _link(self, records, operation="created", changed_fields=()):
        """Tie Odoo records to this exchange and audit what was done to them.

        Connectors call this for every record they create or change: it is the
        digital link from a posted document back to the payload behind it.
        """
        self.ensure_one()
        self.env["integration.exchange.link"].create(
            [
                {
                    "exchange_id": self.id,
                    "res_model": record._name,
                    "res_id": record.id,
                    "operation": operation,
                    "changed_fields": ",".join(sorted(changed_fields)) or False,
                }
                for record in records
            ]
        )
        if operation == "sent":
            # Nothing in Odoo changed: the links say what went out, the exchange's audit rows when.
            return
        # One statement for the lot: a page of a hundred partners is a hundred rows, not a hundred inserts.
        details = {"fields": sorted(changed_fields)}
        self.env["integration.audit.log"]._log_many(
            [
                {
                    "event": f"record.{operation}",
                    "company_id": self.company_id.id,
                    "backend_id": self.backend_id.id,
                    "exchange_id": self.id,
                    "res_model": record._name,
                    "res_id": record.id,
                    "details": details,
                }
                for record in records
            ]
        )

    def _close_activities(self):
        """The exception is resolved: its 'resolve' activities go; others (e.g. a data request's) stay."""
        self.activity_unlink(["erp_integration_core.mail_activity_type_resolve_exception"])

    # Operator actions -------------------------------------------------------

    def _check_state(self, allowed, action):
        wrong = self.filtered(lambda e: e.state not in allowed)
        if wrong:
            raise UserError(
                _(
                    "%(action)s only applies to exchanges in state %(states)s: %(names)s",
                    action=action,
                    states=", ".join(allowed),
                    names=", ".join(wrong.mapped("display_name")),
                )
            )

    def action_retry(self):
        self._check_state(EXCEPTION_STATES, _("Retry"))
        for exchange in self:
            exchange._audit("exchange.retry", user=self.env.uid)
            exchange._set_state("queued", next_retry_at=False)
            exchange._enqueue()
        return True

    def _replay(self, new_payload=None, reason=None):
        """Process a copy (optionally corrected) as a child exchange; the original is kept."""
        children = self.browse()
        for exchange in self:
            body = new_payload if new_payload is not None else exchange.payload
            child = self.create(
                {
                    "backend_id": exchange.backend_id.id,
                    "flow": exchange.flow,
                    "direction": exchange.direction,
                    "external_id": exchange.external_id,
                    "idempotency_key": f"{exchange.idempotency_key}#replay-{len(exchange.child_ids) + 1}",
                    "payload": body,
                    "headers": exchange.headers,
                    "parent_id": exchange.id,
                    "state": "queued",
                    "replay_reason": reason or False,
                }
            )
            exchange._audit(
                "exchange.replayed",
                user=self.env.uid,
                child=child.id,
                edited=body != exchange.payload,
                reason_sha256=payload.sha256_hex(reason) if reason else None,
            )
            if exchange.state in EXCEPTION_STATES:
                exchange._set_state("ignored", ignore_reason=_("Replayed as exchange %s.", child.id))
                exchange._close_activities()
            child._enqueue()
            children |= child
        return children

    def action_replay(self):
        children = self._replay()
        return children._action_open() if len(children) == 1 else True

    def _ignore(self, reason):
        if not (reason or "").strip():
            raise UserError(_("Say why the exchange is ignored: the reason is kept in the audit trail."))
        self._check_state((*OPEN_STATES, *EXCEPTION_STATES), _("Ignore"))
        for exchange in self:
            exchange._set_state("ignored", ignore_reason=reason)
            exchange._audit("exchange.ignore", user=self.env.uid, reason_sha256=payload.sha256_hex(reason))
            exchange._close_activities()

    def action_assign_to_me(self):
        for exchange in self:
            exchange.user_id = self.env.user
            exchange.activity_schedule(
                "erp_integration_core.mail_activity_type_resolve_exception",
                user_id=self.env.uid,
                note=exchange.message,
            )
        return True

    def _action_open(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
        }

    # Exception queue --------------------------------------------------------

    def init(self):
        # A batch finds the job of an exchange it takes through this index of
        # queue_job's table (dropped with it, or by hand: nothing else reads it).
        create_index(
            self.env.cr,
            "queue_job_pending_integration_exchange_index",
            "queue_job",
            [f"({job_exchange('records')})"],
            where=pending_job(""),
            comment="ERP Integration: pending jobs of an exchange",
        )
        # Exchanges that stopped before 'Waiting since' was recorded wait since their last change.
        self.env.cr.execute(
            "UPDATE integration_exchange SET failed_at = write_date "
            "WHERE failed_at IS NULL AND state IN ('needs_attention', 'failed')"
        )

    @api.depends("state", "failed_at", "backend_id.sla_hours")
    def _compute_sla(self):
        now = fields.Datetime.now()
        for exchange in self:
            waiting = exchange.state in EXCEPTION_STATES and exchange.failed_at
            if not waiting:
                exchange.age = exchange.sla_status = False
                continue
            hours = (now - exchange.failed_at).total_seconds() / 3600
            exchange.age = _format_age(self.env, hours)
            exchange.sla_status = "overdue" if hours > exchange.backend_id.sla_hours else "ok"

    def _search_sla_status(self, operator, value):
        if operator not in ("in", "not in"):
            return NotImplemented
        overdue = Domain.OR(
            Domain("backend_id", "in", ids) & Domain("failed_at", "<", fields.Datetime.now() - timedelta(hours=sla))
            for sla, ids in self._backends_by_sla().items()
        )
        waiting = Domain("state", "in", EXCEPTION_STATES)
        wanted = {
            "overdue": waiting & overdue,
            "ok": waiting & ~overdue,
            False: Domain("state", "not in", EXCEPTION_STATES),
        }
        found = Domain.OR(wanted[key] for key in value if key in wanted)
        return found if operator == "in" else ~found

    def _backends_by_sla(self):
        """Backend ids by their SLA hours: one condition per SLA rather than one per backend."""
        backends = self.env["integration.backend"].with_context(active_test=False).search_fetch([], ["sla_hours"])
        by_sla = {}
        for backend in backends:
            by_sla.setdefault(backend.sla_hours, []).append(backend.id)
        return by_sla

    def _store_fix_key(self, error):
        """Keep what must be fixed for this exchange, read from the error that stopped it.

        Only an exchange waiting for a person has one; a transient failure
        that will be retried by itself has none.
        """
        key = (fix_keys.fix_key(error) if error is not None else None) if self.state in EXCEPTION_STATES else None
        if (self.fix_key or None) != key:
            self.fix_key = key or False

    def action_fix(self):
        """Open what must be fixed: the value mapping to add or complete, or the products the SKUs should name."""
        self.ensure_one()
        parsed = fix_keys.parse(self.fix_key)
        if not parsed:
            raise UserError(_("This exchange names nothing to open: its message says what to fix."))
        kind, values = parsed
        opener = {
            fix_keys.MAPPING: self._fix_mapping,
            fix_keys.PRODUCT: self._fix_products,
            fix_keys.UNIT: self._fix_unit,
        }[kind]
        return opener(*values)

    def _fix_mapping(self, map_type, external_value, odoo_record=False):
        """The value mapping form: the backend's mapping of that value if it has one (to complete), else a new one."""
        Mapping = self.env["integration.value.mapping"]
        domain = [("backend_id", "=", self.backend_id.id), ("map_type", "=", map_type)]
        if external_value:
            domain.append(("external_value", "=", external_value))
        if odoo_record:
            domain.append(("odoo_record", "=", odoo_record))
        existing = Mapping.search(domain, limit=1)
        if not Mapping.has_access("write" if existing else "create"):
            raise UserError(
                _(
                    "Only an integration manager can change value mappings: ask one to map %(type)s '%(value)s' "
                    "on backend '%(backend)s', then Retry.",
                    type=map_type,
                    value=external_value or odoo_record,
                    backend=self.backend_id.name,
                )
            )
        context = {"default_backend_id": self.backend_id.id, "default_map_type": map_type}
        if external_value:
            context["default_external_value"] = external_value
        if odoo_record:
            context["default_odoo_record"] = odoo_record
        return {
            "type": "ir.actions.act_window",
            "name": _("Value mapping"),
            "res_model": "integration.value.mapping",
            "res_id": existing.id or False,
            "views": [(self.env.ref("erp_integration_core.integration_value_mapping_view_form").id, "form")],
            "target": "new",
            "context": context,
        }

    def _fix_products(self, *skus):
        """The product list searched for the SKU, with the SKU ready for a product created from it."""
        if "product.product" not in self.env:
            raise UserError(_("Products are not installed in this database."))
        return {
            "type": "ir.actions.act_window",
            "name": _("Products: %s", ", ".join(skus)),
            "res_model": "product.product",
            "views": [(False, "list"), (False, "form")],
            "context": {"search_default_name": skus[0], "default_default_code": skus[0]},
        }

    def _fix_unit(self, unit_name):
        """The value mapping form for the warehouse's name of an Odoo unit, the unit filled in."""
        Unit = self.env["uom.uom"].with_context(active_test=False) if "uom.uom" in self.env else None
        unit = Unit.search([("name", "=", unit_name)], limit=1) if Unit is not None else None
        return self._fix_mapping("unit", False, odoo_record=f"uom.uom,{unit.id}" if unit else False)

    def action_retry_selected(self):
        """Retry every selected exchange that waits for a person, typically all those a fix has just unblocked.

        Those already queued again, done or set aside are left as they are
        rather than refusing the whole selection.
        """
        waiting = self.filtered(lambda exchange: exchange.state in EXCEPTION_STATES)
        waiting.action_retry()
        skipped = len(self) - len(waiting)
        message = _("%(count)s exchanges queued again.", count=len(waiting))
        if skipped:
            message = _(
                "%(message)s %(skipped)s were not waiting for a person and were left as they are.",
                message=message,
                skipped=skipped,
            )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": _("Retry"),
                "message": message,
                "type": "success" if waiting else "warning",
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }


def _format_age(env, hours):
    """A waiting time as an operator reads it: '45 min', '5 h 10 min', '3 d 4 h'."""
    minutes = int(hours * 60)
    if minutes < 60:
        return env._("%(minutes)s min", minutes=minutes)
    if minutes < 24 * 60:
        return env._("%(hours)s h %(minutes)s min", hours=minutes // 60, minutes=minutes % 60)
    return env._("%(days)s d %(hours)s h", days=minutes // (24 * 60), hours=minutes % (24 * 60) // 60)
