import secrets
from urllib.parse import urlencode

from odoo import SUPERUSER_ID, _, api, fields, models
from odoo.exceptions import UserError

from ..connector import get_connector_class, installed_connectors
from ..lib import errors, fix_keys
from ..lib.events import Event
from ..lib.mapping import apply_mappings

MANAGER = "erp_integration_core.group_integration_manager"
OWNER = [("odoo", "Odoo"), ("external", "External system")]
SECRET_FIELDS = ("api_token", "api_secret", "webhook_secret", "webhook_token")
AUDITED_FIELDS = (
    "name",
    "channel",
    "active",
    "company_id",
    "api_url",
    "max_payload_kb",
    "max_attempts",
    "batch_size",
    "owner_customers",
    "owner_products",
    "owner_prices",
    "owner_stock",
    "owner_taxes",
    "owner_invoices",
    *SECRET_FIELDS,
)


class IntegrationBackend(models.Model):
    _name = "integration.backend"
    _description = "Integration Backend"
    _inherit = ["mail.thread", "mail.activity.mixin", "integration.audited.mixin"]
    _audit_prefix = "backend"
    _audit_fields = AUDITED_FIELDS
    _order = "sequence, name"

    name = fields.Char(required=True, tracking=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    channel = fields.Selection(selection="_selection_channel", required=True)
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    api_url = fields.Char(string="API URL", help="Base URL of the external system's API.")
    api_token = fields.Char(string="API token", groups=MANAGER, copy=False)
    api_secret = fields.Char(string="API secret", groups=MANAGER, copy=False)
    webhook_secret = fields.Char(
        groups=MANAGER,
        copy=False,
        help="Shared secret the external system signs its webhooks with.",
    )
    webhook_token = fields.Char(
        groups=MANAGER,
        copy=False,
        readonly=True,
        default=lambda self: secrets.token_urlsafe(32),
        help="Unguessable part of the webhook address; regenerate it if it leaked.",
    )
    webhook_url = fields.Char(compute="_compute_webhook_url", groups=MANAGER)
    webhook_rejected_count = fields.Integer(
        compute="_compute_webhook_rejected_count",
        help="Deliveries refused for a bad signature, a malformed or an oversize body.",
    )
    max_payload_kb = fields.Integer(string="Payload size limit (KiB)", default=1024, required=True)
    max_attempts = fields.Integer(
        default=6, required=True, help="Processing attempts before a transient failure becomes 'Failed'."
    )
    batch_size = fields.Integer(
        string="Backlog batch",
        default=20,
        required=True,
        help="When exchanges wait in the queue (a burst, a catch-up after an outage), one job processes up to this "
        "many of the same flow, each in a savepoint of its own. 1 processes every exchange in a job of its own.",
    )
    flow_ids = fields.One2many("integration.flow", "backend_id", string="Flows")
    field_mapping_ids = fields.One2many("integration.field.mapping", "backend_id", string="Field mappings")
    value_mapping_ids = fields.One2many("integration.value.mapping", "backend_id", string="Value mappings")
    mappings_to_complete = fields.Integer(
        compute="_compute_mappings_to_complete",
        help="Value mappings proposed or created without an Odoo record or value: what needs them waits.",
    )

    owner_customers = fields.Selection(OWNER, string="Customers owned by", default="odoo", required=True)
    owner_products = fields.Selection(OWNER, string="Products owned by", default="odoo", required=True)
    owner_prices = fields.Selection(OWNER, string="Prices owned by", default="odoo", required=True)
    owner_stock = fields.Selection(OWNER, string="Stock owned by", default="odoo", required=True)
    owner_taxes = fields.Selection(OWNER, string="Tax logic owned by", default="odoo", required=True)
    owner_invoices = fields.Selection(OWNER, string="Invoices owned by", default="odoo", required=True)

    # Health is derived from the exchanges rather than stored: a counter on
    # the backend row would make every job of a backend write the same row.
    last_success_at = fields.Datetime(compute="_compute_health")
    consecutive_failures = fields.Integer(
        compute="_compute_health",
        string="Failures since last success",
        help="Exchanges failing since the last success.",
    )
    last_error = fields.Text(compute="_compute_health")

    exchange_ids = fields.One2many("integration.exchange", "backend_id")
    received_today = fields.Integer(compute="_compute_dashboard")
    done_today = fields.Integer(compute="_compute_dashboard")
    needs_attention_count = fields.Integer(compute="_compute_dashboard")
    failed_count = fields.Integer(compute="_compute_dashboard")
    oldest_open_hours = fields.Float(compute="_compute_dashboard", string="Oldest open item (hours)")

    sla_hours = fields.Float(
        string="Exception SLA (hours)",
        default=4.0,
        required=True,
        help="How long an exchange may wait for a person in the exception queue before it shows as overdue.",
    )
    alert_failures_per_hour = fields.Integer(
        string="Alert at failures in an hour",
        default=10,
        required=True,
        help="Exchanges stopping for a person (needs attention or failed) within the last hour that raise an "
        "alert. 0 never alerts on failures.",
    )
    alert_backlog_hours = fields.Float(
        string="Alert at backlog age (hours)",
        default=4.0,
        required=True,
        help="Age of the oldest exchange waiting (queued or needing attention) that raises an alert. "
        "0 never alerts on the backlog.",
    )
    alert_user_id = fields.Many2one(
        "res.users",
        string="Responsible",
        domain=[("share", "=", False)],
        default=lambda self: self.env.user.filtered(lambda user: user._is_internal() and not user._is_superuser()),
        help="Gets an activity when an alert is raised, and its e-mails.",
    )
    alert_partner_ids = fields.Many2many(
        "res.partner", string="Alert recipients", help="Also told by e-mail when an alert is raised and cleared."
    )
    alert_state = fields.Selection(
        [("clear", "Clear"), ("raised", "Raised")], default="clear", required=True, readonly=True, copy=False
    )
    alert_raised_at = fields.Datetime(readonly=True, copy=False)
    alert_reason = fields.Text(readonly=True, copy=False, help="The thresholds passed when the alert was raised.")

    _webhook_token_unique = models.Constraint("UNIQUE(webhook_token)", "The webhook token must be unique.")
    _limits_positive = models.Constraint(
        "CHECK(max_payload_kb > 0 AND max_attempts > 0 AND batch_size > 0)",
        "The payload size limit, the number of attempts and the backlog batch must be positive.",
    )
    _alert_limits = models.Constraint(
        "CHECK(sla_hours > 0 AND alert_failures_per_hour >= 0 AND alert_backlog_hours >= 0)",
        "The SLA must be positive and the alert thresholds not negative.",
    )

    @api.model
    def _selection_channel(self):
        return sorted((code, cls.label or code) for code, cls in installed_connectors(self.env).items())

    def _compute_webhook_url(self):
        # System parameters are admin-only; the public base URL is no secret.
        base = self.env["ir.config_parameter"].sudo().get_param("web.base.url", "")
        for backend in self:
            backend.webhook_url = base + backend._webhook_path()

    def _webhook_path(self):
        """The webhook address without its host.

        It names the database, so Odoo need not list them to find it (``controllers/dispatch.py``).
        """
        self.ensure_one()
        return f"/integration/webhook/{self.webhook_token}?{urlencode({'db': self.env.cr.dbname})}"

    def _compute_webhook_rejected_count(self):
        counted = dict(
            self.env["integration.webhook.rejection"]._read_group(
                [("backend_id", "in", self.ids)], ["backend_id"], ["count:sum"]
            )
        )
        for backend in self:
            backend.webhook_rejected_count = counted.get(backend, 0)

    def _compute_health(self):
        self.env["integration.exchange"].flush_model(
            ["backend_id", "state", "processed_at", "error_category", "message"]
        )
        self.env.cr.execute(
            """
            WITH last_done AS (
                SELECT backend_id, max(processed_at) AS at FROM integration_exchange
                 WHERE backend_id IN %(ids)s AND state = 'done' GROUP BY backend_id
            )
            SELECT b.id, d.at,
                   (SELECT count(*) FROM integration_exchange e
                     WHERE e.backend_id = b.id AND e.error_category IS NOT NULL
                       AND e.state IN ('queued', 'needs_attention', 'failed')
                       AND e.write_date > COALESCE(d.at, '1970-01-01')),
                   (SELECT e.message FROM integration_exchange e
                     WHERE e.backend_id = b.id AND e.error_category IS NOT NULL
                       AND e.state IN ('queued', 'needs_attention', 'failed')
                     ORDER BY e.write_date DESC, e.id DESC LIMIT 1)
              FROM integration_backend b LEFT JOIN last_done d ON d.backend_id = b.id
             WHERE b.id IN %(ids)s
            """,
            {"ids": tuple(self.ids) or (0,)},
        )
        health = {row[0]: row[1:] for row in self.env.cr.fetchall()}
        for backend in self:
            backend.last_success_at, backend.consecutive_failures, backend.last_error = health.get(
                backend.id, (False, 0, False)
            )

    def _compute_dashboard(self):
        Exchange = self.env["integration.exchange"]
        today = fields.Datetime.to_datetime(fields.Date.context_today(self))
        counts = {}
        for state_domain, key in (
            ([("create_date", ">=", today)], "received_today"),
            ([("state", "=", "done"), ("write_date", ">=", today)], "done_today"),
            ([("state", "=", "needs_attention")], "needs_attention_count"),
            ([("state", "=", "failed")], "failed_count"),
        ):
            groups = Exchange._read_group([("backend_id", "in", self.ids), *state_domain], ["backend_id"], ["__count"])
            counts[key] = {backend.id: count for backend, count in groups}
        oldest = Exchange._read_group(
            [("backend_id", "in", self.ids), ("state", "in", ("queued", "needs_attention", "failed"))],
            ["backend_id"],
            ["create_date:min"],
        )
        oldest = {backend.id: date for backend, date in oldest}
        now = fields.Datetime.now()
        for backend in self:
            for key, by_backend in counts.items():
                backend[key] = by_backend.get(backend.id, 0)
            first = oldest.get(backend.id)
            backend.oldest_open_hours = (now - first).total_seconds() / 3600 if first else 0.0

    def _audit_backend(self):
        return self

    def _connector(self):
        self.ensure_one()
        return get_connector_class(self.env, self.channel)(self)

    def _job_channel(self):
        return self._job_channel_of(self.channel)

    @api.model
    def _job_channel_of(self, channel):
        """The queue_job channel of a channel's jobs, one per channel so each can be given its capacity."""
        return f"root.integration.{channel}"

    def action_test_connection(self):
        self.ensure_one()
        try:
            message = self._connector().test_connection()
        except errors.IntegrationError as err:
            raise UserError(err.message) from err
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {"title": _("Connection works"), "message": message, "type": "success"},
        }

    def _run_setup(self, setup, describe):
        """Run a channel's set-up component and say what it did in a notification that stays.

        ``describe(result)`` gives the title and message; a set-up that fails
        says why, in the words of the integration error.
        """
        self.ensure_one()
        try:
            result = setup(self._connector().work()).run()
        except errors.IntegrationError as err:
            raise UserError(err.message) from err
        title, message = describe(result)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {"title": title, "message": message, "type": "success", "sticky": True},
        }

    def action_regenerate_webhook_token(self):
        for backend in self:
            backend.webhook_token = secrets.token_urlsafe(32)

    def action_open_exceptions(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("erp_integration_core.action_integration_exception")
        action["domain"] = [("backend_id", "=", self.id), ("state", "in", ("needs_attention", "failed"))]
        return action

    @api.depends("value_mapping_ids.odoo_record", "value_mapping_ids.odoo_value")
    def _compute_mappings_to_complete(self):
        for backend in self:
            backend.mappings_to_complete = len(backend.value_mapping_ids.filtered(lambda m: not m._odoo_value()))

    def action_open_mappings_to_complete(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("erp_integration_core.action_integration_value_mapping")
        action["domain"] = [("backend_id", "=", self.id), ("odoo_record", "=", False), ("odoo_value", "=", False)]
        action["context"] = {"default_backend_id": self.id}
        return action

    def action_open_exchanges(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("erp_integration_core.action_integration_exchange")
        action["domain"] = [("backend_id", "=", self.id)]
        return action

    @api.model
    def _notify(self, event, records, companies=None):
        """Tell every active backend whose channel follows ``event`` that it happened to ``records``.

        Business events (``stock.moved``, ``product.changed``, ``picking.done``)
        come from users who need no integration rights: the integration hears
        them as itself, the superuser, as its webhook intake does, and so do the
        jobs it starts. ``companies``, when given, limits it to their backends (a
        stock move of one company says nothing to another's shop).
        """
        channels = [channel for channel, cls in installed_connectors(self.env).items() if event in cls.events]
        if not channels or not records:
            return
        domain = [("active", "=", True), ("channel", "in", channels)]
        if companies is not None:
            domain.append(("company_id", "in", companies.ids))
        for backend in self.with_user(SUPERUSER_ID).search(domain):
            backend._connector().on_event(event, records.with_user(SUPERUSER_ID))

    def _own_records(self):
        """Domain of the records this backend may use: its company's and shared ones.

        Jobs and business-event hooks act as the superuser and see every
        company, so connectors add this to their lookups (customers, products…).
        """
        self.ensure_one()
        return [("company_id", "in", [False, self.company_id.id])]

    def _send(self, flow, payload, idempotency_key, external_id=False, **event):
        """Create and enqueue an outbound exchange; a repeated key returns the existing one.

        The key says what the message is about (e.g. ``fulfillment:WH/OUT/00042``)
        so that the same business event is never sent twice.
        """
        event = Event.of(flow, idempotency_key, payload, external_id=external_id or None, **event)
        return self._queue_events("out", [event])

    def _receive(self, flow, payload, idempotency_key, external_id=False, **event):
        """Store and enqueue an inbound payload the suite fetched itself (polling, reconciliation)."""
        event = Event.of(flow, idempotency_key, payload, external_id=external_id or None, **event)
        return self._queue_events("in", [event])

    def _receive_events(self, events, delivery=None):
        """Store and enqueue many fetched events at once (a file's rows, a polled page), one exchange each.

        ``delivery`` (an ``events.Delivery``), when given, is the raw file or
        page, kept once beside the events. Returns the exchanges of every
        event, new or already received.
        """
        return self._queue_events("in", events, delivery)

    def _queue_events(self, direction, events, delivery=None):
        self.ensure_one()
        self.flush_recordset(["company_id"])
        Exchange = self.env["integration.exchange"]
        Exchange._store_events(self.id, events, direction=direction, delivery=delivery)
        return Exchange.search(
            [("backend_id", "=", self.id), ("idempotency_key", "in", [event.idempotency_key for event in events])]
        )

    def _apply_field_mappings(self, flow, data, defaults=()):
        """Map ``data`` with this backend's field mappings for ``flow``, or the channel's ``defaults``.

        A channel ships its default mappings as data (a list of specs, see
        ``lib/mapping.py``) and installs them on the backend at set-up, where
        they can be edited; until then the defaults apply as they are.
        """
        self.ensure_one()
        mappings = self.field_mapping_ids.filtered(lambda m: m.active and m.flow == flow)
        specs = [m._as_spec() for m in mappings] if mappings else list(defaults)
        return apply_mappings(data, specs, self._lookup_value, self._find_record)

    def _install_field_mappings(self, flow, defaults):
        """Give the backend the channel's default mappings for ``flow``, unless it has its own already."""
        self.ensure_one()
        if self.field_mapping_ids.filtered(lambda m: m.flow == flow):
            return self.env["integration.field.mapping"]
        return self.env["integration.field.mapping"].create(
            [
                {
                    key: value
                    for key, value in dict(spec, backend_id=self.id, flow=flow, sequence=number).items()
                    if value is not None
                }
                for number, spec in enumerate(defaults)
            ]
        )

    def _install_flows(self, specs):
        """Give the backend the flows ``specs`` names (``(code, name, mode, minutes)``) that it lacks; returns them."""
        self.ensure_one()
        have = set(self.flow_ids.mapped("code"))
        return self.env["integration.flow"].create(
            [
                {"backend_id": self.id, "code": code, "name": name, "mode": mode, "interval_minutes": minutes}
                for code, name, mode, minutes in specs
                if code not in have
            ]
        )

    def _propose_value_mappings(self, proposals):
        """Create the value mappings a set-up proposes: ``(type, external value, Odoo record or plain value or None)``.

        A proposal is filled in where there is one sensible Odoo match and left
        empty otherwise, so the admin only completes the blanks; a value the
        backend maps already is left as the admin set it. Returns the new mappings.
        """
        self.ensure_one()
        Mapping = self.env["integration.value.mapping"]
        existing = {(m.map_type, m.external_value) for m in self.value_mapping_ids}
        values = []
        for map_type, external, record in proposals:
            if (map_type, external) in existing:
                continue
            existing.add((map_type, external))
            entry = {"backend_id": self.id, "map_type": map_type, "external_value": external}
            if isinstance(record, str):
                entry["odoo_value"] = record
            elif record:
                entry["odoo_record"] = f"{record._name},{record.id}"
            values.append(entry)
        return Mapping.create(values)

    def _find_record(self, model, field, value, mapping=None):
        """The id of the ``model`` record whose ``field`` is ``value`` (any case), in this backend's reach."""
        if model not in self.env or field not in self.env[model]._fields or not isinstance(value, str | int):
            return None
        Model = self.env[model].with_context(active_test=False)
        domain = [(field, "=ilike", str(value).strip())]
        if "company_id" in Model._fields:
            domain += self._own_records()
        return Model.search(domain, limit=1).id or None

    def _lookup_value(self, map_type, external_value, mapping=None):
        """The Odoo side of a value map, or a ``MappingError`` that names the fix."""
        self.ensure_one()
        found = self.env["integration.value.mapping"].search(
            [("backend_id", "=", self.id), ("map_type", "=", map_type), ("external_value", "=", str(external_value))],
            limit=1,
        )
        if not found:
            raise errors.MappingError(
                _(
                    "%(type)s '%(value)s' has no Odoo mapping on backend '%(backend)s'. Add it under "
                    "Configuration > Value mappings, then press Retry.",
                    type=map_type,
                    value=external_value,
                    backend=self.name,
                ),
                fix_key=fix_keys.mapping_key(map_type, external_value),
            )
        return found._odoo_value()

    def _external_value(self, map_type, record):
        """The external value a value map gives Odoo's ``record`` (the reverse of ``_lookup_value``), or None."""
        self.ensure_one()
        if not record:
            return None
        found = self.env["integration.value.mapping"].search(
            [
                ("backend_id", "=", self.id),
                ("map_type", "=", map_type),
                ("odoo_record", "=", f"{record._name},{record.id}"),
            ],
            limit=1,
        )
        return found.external_value or None
