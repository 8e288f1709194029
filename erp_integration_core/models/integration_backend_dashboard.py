"""The integration dashboard's figures: one call, a few aggregate queries, and the list behind every figure.

Every figure is counted over the domain of the list it opens (``_domain``),
read through the ORM's ``_search``, so access rights and the multi-company
rules apply to the counts exactly as they do to the list. The backlog and SLA
counts share one pass over the open exchanges, their conditions written to
match their lists' domains (the tests hold each count equal to its list).
"""

from datetime import timedelta
from functools import partial

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, format_datetime

from ..lib.states import DONE, EXCEPTIONS, FAILED, NEEDS_ATTENTION, QUEUED

DAYS = 7
HOURS = DAYS * 24
SERIES = ("received", DONE, NEEDS_ATTENTION, FAILED)
# The column that dates each series: when it arrived, was done, or stopped for a person.
SERIES_COLUMNS = {"received": "create_date", DONE: "processed_at", NEEDS_ATTENTION: "failed_at", FAILED: "failed_at"}
BACKLOG_STATES = (QUEUED, NEEDS_ATTENTION)
OPEN_STATES = (QUEUED, NEEDS_ATTENTION, FAILED)
# Backlog age buckets: key, from and to (hours of age; None has no end).
AGE_BUCKETS = (("hour", 0, 1), ("day", 1, 24), ("week", 24, HOURS), ("older", HOURS, None))
LATENCY_HOURS = 24
# Most exchanges a latency figure opens, the slowest first.
SLOWEST_LIMIT = 5000
REJECTION_STATUSES = ("400", "401", "413")


class IntegrationBackend(models.Model):
    _inherit = "integration.backend"

    # Figures -------------------------------------------------------------------

    @api.model
    def get_dashboard_data(self):
        """Every figure of the dashboard, for the backends the user may read, in the companies selected.

        Returns ``as_of`` (the time every figure and list is taken at, UTC),
        ``since`` (the first hour of the charts), the ``days`` of the
        rejection counters and one entry per backend. A call is a few grouped
        queries whatever the number of exchanges, each on an index.
        """
        return self._dashboard_data(fields.Datetime.now())

    @api.model
    def _dashboard_data(self, now):
        """The dashboard's figures taken at ``now`` (naive UTC), which the tests choose."""
        now = now.replace(microsecond=0)
        since = _since(now)
        backends = self.search([])
        data = {
            "as_of": fields.Datetime.to_string(now),
            "since": fields.Datetime.to_string(since),
            "hours": HOURS,
            "days": [fields.Date.to_string(day) for day in _days(now)],
            "backends": [],
        }
        if not backends:
            return data
        self.env["integration.exchange"].flush_model()
        hourly = backends._dashboard_hourly(now)
        waiting = backends._dashboard_waiting(now)
        latency = backends._dashboard_latency(now)
        flows = backends._dashboard_flows(now)
        rejected = backends._dashboard_rejections(now)
        channels = dict(self._fields["channel"]._description_selection(self.env))
        data["backends"] = [
            {
                "id": backend.id,
                "name": backend.name,
                "channel": channels.get(backend.channel, backend.channel),
                "company": backend.company_id.name,
                "sla_hours": backend.sla_hours,
                "alert": {
                    "state": backend.alert_state,
                    "reason": backend.alert_reason or "",
                    "raised_at": fields.Datetime.to_string(backend.alert_raised_at) or False,
                },
                "series": hourly[backend.id],
                "totals": {key: sum(counts) for key, counts in hourly[backend.id].items()},
                **waiting[backend.id],
                "latency": latency[backend.id],
                "last_success_at": fields.Datetime.to_string(backend._dashboard_last_success()) or False,
                "flows": flows[backend.id],
                "rejected": rejected[backend.id],
            }
            for backend in backends
        ]
        return data

    def _dashboard_query(self, domain):
        """The ORM's query of this backend's exchanges matching ``domain``, rights and company rules applied."""
        return self.env["integration.exchange"]._search([("backend_id", "in", self.ids), *domain])

    def _dashboard_hourly(self, now):
        """``{backend id: {series: [count per hour]}}`` over the last week, the oldest hour first."""
        since = _since(now)
        result = {backend.id: {key: [0] * HOURS for key in SERIES} for backend in self}
        for key in ("received", DONE, "stopped"):
            column = SERIES_COLUMNS.get(key, "failed_at")
            query = self._dashboard_query(_domain(key, now))
            hour = SQL("date_trunc('hour', %s)", SQL.identifier(query.table, column))
            state = SQL.identifier(query.table, "state") if key == "stopped" else SQL("%s", key)
            query.groupby = SQL("1, 2, 3")
            rows = self.env.execute_query(
                query.select(SQL.identifier(query.table, "backend_id"), state, hour, SQL("count(*)"))
            )
            for backend_id, series, start, count in rows:
                slot = int((start - since).total_seconds() // 3600)
                if 0 <= slot < HOURS:
                    result[backend_id][series][slot] = count
        return result

    def _dashboard_waiting(self, now):
        """Per backend: the backlog by age, the oldest waiting, the exceptions and those past the SLA.

        One pass over the open exchanges (few, and on the state index) with a
        count per figure; each count's condition is its list's domain.
        """
        query = self._dashboard_query([("state", "in", OPEN_STATES)])
        column = partial(SQL.identifier, query.table)

        def in_states(states):
            return SQL("%s IN %s", column("state"), tuple(states))

        figures = []
        for key, start, end in AGE_BUCKETS:
            condition = [
                in_states(BACKLOG_STATES),
                SQL("%s <= %s", column("create_date"), now - timedelta(hours=start)),
            ]
            if end is not None:
                condition.append(SQL("%s > %s", column("create_date"), now - timedelta(hours=end)))
            figures.append((key, SQL("count(*) FILTER (WHERE %s)", SQL(" AND ").join(condition))))
        deadlines = SQL(" ").join(
            SQL("WHEN %s THEN %s", backend.id, now - timedelta(hours=backend.sla_hours)) for backend in self
        ) or SQL("WHEN NULL THEN NULL")
        figures += [
            ("exceptions", SQL("count(*) FILTER (WHERE %s)", in_states(EXCEPTIONS))),
            (
                "overdue",
                SQL(
                    "count(*) FILTER (WHERE %s AND %s < CASE %s %s END)",
                    in_states(EXCEPTIONS),
                    column("failed_at"),
                    column("backend_id"),
                    deadlines,
                ),
            ),
            ("queued", SQL("count(*) FILTER (WHERE %s)", in_states([QUEUED]))),
            ("oldest_backlog_at", SQL("min(%s) FILTER (WHERE %s)", column("create_date"), in_states(BACKLOG_STATES))),
        ]
        query.groupby = SQL("1")
        rows = self.env.execute_query(query.select(column("backend_id"), *(sql for _key, sql in figures)))
        found = {row[0]: dict(zip([key for key, _sql in figures], row[1:], strict=True)) for row in rows}
        result = {}
        for backend in self:
            figure = found.get(backend.id) or {key: 0 for key, _sql in figures}
            backlog = {key: figure[key] for key, _start, _end in AGE_BUCKETS}
            oldest = figure["oldest_backlog_at"] or None
            result[backend.id] = {
                "backlog": backlog,
                "backlog_total": sum(backlog.values()),
                "oldest_backlog_at": fields.Datetime.to_string(oldest) if oldest else False,
                "exceptions": figure["exceptions"],
                "overdue": figure["overdue"],
                "queued": figure["queued"],
            }
        return result

    def _dashboard_latency(self, now):
        """Per backend: seconds from receipt to done, median and 95th percentile, over the last 24 hours."""
        query = self._dashboard_query(_domain("latency", now))
        table = query.table
        seconds = SQL(
            "extract(epoch FROM %s - %s)", SQL.identifier(table, "processed_at"), SQL.identifier(table, "create_date")
        )
        query.groupby = SQL("1")
        rows = self.env.execute_query(
            query.select(
                SQL.identifier(table, "backend_id"),
                SQL("percentile_cont(ARRAY[0.5, 0.95]) WITHIN GROUP (ORDER BY %s)", seconds),
                SQL("count(*)"),
            )
        )
        found = {backend_id: (percentiles, count) for backend_id, percentiles, count in rows}
        result = {}
        for backend in self:
            percentiles, count = found.get(backend.id, ([None, None], 0))
            p50, p95 = (round(value, 1) if value is not None else None for value in percentiles)
            result[backend.id] = {"p50": p50, "p95": p95, "count": count}
        return result

    def _dashboard_last_success(self):
        """When this backend last had an exchange done (one backward step of an index)."""
        self.ensure_one()
        query = self._dashboard_query([("state", "=", DONE)])
        [(last,)] = self.env.execute_query(query.select(SQL("max(%s)", SQL.identifier(query.table, "processed_at"))))
        return last

    def _dashboard_flows(self, now):
        """Per backend: its flows and the flows its exchanges of the week came by, with their last run and result.

        A scheduled flow's run that failed is an open exchange of the flow
        (``flow_id``): that is its result until it succeeds. Other flows
        are as good as their exchanges of the week.
        """
        query = self._dashboard_query(_domain("received", now))
        table = query.table
        query.groupby = SQL("1, 2")
        rows = self.env.execute_query(
            query.select(
                SQL.identifier(table, "backend_id"),
                SQL.identifier(table, "flow"),
                SQL("count(*)"),
                SQL("max(%s)", SQL.identifier(table, "create_date")),
                SQL("count(*) FILTER (WHERE %s IN %s)", SQL.identifier(table, "state"), EXCEPTIONS),
            )
        )
        seen = {(backend_id, flow): (count, last, stopped) for backend_id, flow, count, last, stopped in rows}
        records = self.env["integration.flow"].search([("backend_id", "in", self.ids)])
        runs = {
            exchange.flow_id.id: exchange
            for exchange in self.env["integration.exchange"].search(
                [("flow_id", "in", records.ids), ("state", "in", OPEN_STATES)], order="id"
            )
        }
        result = {backend.id: {} for backend in self}
        for flow in records:
            count, last, stopped = seen.get((flow.backend_id.id, flow.code), (0, None, 0))
            run = runs.get(flow.id)
            result[flow.backend_id.id][flow.code] = {
                "code": flow.code,
                "name": flow.name,
                "mode": flow.mode,
                "enabled": flow.enabled,
                "last_run_at": fields.Datetime.to_string(max(filter(None, (flow.last_run_at, last)), default=None))
                or False,
                "received": count,
                "exceptions": stopped,
                "run": {"id": run.id, "state": run.state, "message": run.message or ""} if run else False,
            }
        for (backend_id, code), (count, last, stopped) in seen.items():
            result[backend_id].setdefault(
                code,
                {
                    "code": code,
                    "name": code,
                    "mode": False,
                    "enabled": True,
                    "last_run_at": fields.Datetime.to_string(last),
                    "received": count,
                    "exceptions": stopped,
                    "run": False,
                },
            )
        return {backend_id: sorted(flows.values(), key=lambda f: f["code"]) for backend_id, flows in result.items()}

    def _dashboard_rejections(self, now):
        """Per backend: deliveries its webhook address refused, per day of the week and status."""
        days = _days(now)
        groups = self.env["integration.webhook.rejection"]._read_group(
            [("backend_id", "in", self.ids), ("day", ">=", days[0])], ["backend_id", "day:day", "status"], ["count:sum"]
        )
        result = {
            backend.id: {
                "days": [dict.fromkeys(REJECTION_STATUSES, 0) | {"day": fields.Date.to_string(day)} for day in days],
                "total": 0,
            }
            for backend in self
        }
        for backend, day, status, count in groups:
            entry = result[backend.id]
            index = (day - days[0]).days
            if 0 <= index < len(days):
                entry["days"][index][status] += count
                entry["total"] += count
        return result

    # The lists behind the figures -------------------------------------------

    @api.model
    def action_dashboard_open(self, backend_id, key, arg=None, as_of=None):
        """The list behind one figure of the dashboard, taken at the figures' time ``as_of``.

        ``key`` names the figure (a series, ``backlog``, ``exceptions``,
        ``overdue``, ``latency``, ``last_success``, ``flow``, ``flow_exceptions``,
        ``rejected``) and ``arg`` narrows it (an hour of the chart, an age
        bucket, a percentile's seconds, a flow's code, a day).
        """
        backend = self.browse(backend_id).exists()
        if not backend:
            raise UserError(_("This backend no longer exists."))
        backend.check_access("read")
        now = fields.Datetime.to_datetime(as_of) if as_of else fields.Datetime.now()
        if key == "rejected":
            return backend._dashboard_rejections_action(arg)
        domain = [("backend_id", "=", backend.id), *_domain(key, now, arg, backend)]
        if key == "latency":
            domain = [("id", "in", backend._dashboard_slowest(now, arg))]
        return {
            "type": "ir.actions.act_window",
            "name": f"{backend.name}: {_figure_label(self.env, key, arg, now)}",
            "res_model": "integration.exchange",
            "views": [(False, "list"), (False, "form")],
            "domain": domain,
            "context": {"create": False},
        }

    def _dashboard_slowest(self, now, seconds):
        """Ids of the exchanges done in the last 24 hours that took at least ``seconds``, the slowest first."""
        query = self._dashboard_query(_domain("latency", now))
        table = query.table
        took = SQL("%s - %s", SQL.identifier(table, "processed_at"), SQL.identifier(table, "create_date"))
        query.add_where(SQL("%s >= %s", took, timedelta(seconds=float(seconds or 0))))
        query.order = SQL("%s DESC", took)
        query.limit = SLOWEST_LIMIT
        return [row[0] for row in self.env.execute_query(query.select())]

    def _dashboard_rejections_action(self, day=None):
        domain = [("backend_id", "=", self.id)]
        if day:
            domain.append(("day", "=", day))
        return {
            "type": "ir.actions.act_window",
            "name": _("%(backend)s: refused deliveries", backend=self.name),
            "res_model": "integration.webhook.rejection",
            "views": [(False, "list")],
            "domain": domain,
            # A day's refusals may be counted on several rows (one per server process).
            "context": {"create": False, "group_by": ["day:day", "status"]},
        }


def _since(now):
    """The first hour of the charts: the current hour and the 167 before it."""
    return now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=HOURS - 1)


def _days(now):
    """The seven days (UTC) of the rejection counters, the oldest first."""
    today = now.date()
    return [today - timedelta(days=DAYS - 1 - number) for number in range(DAYS)]


def _domain(key, now, arg=None, backend=None):
    """The exchanges behind a figure, without the backend; ``arg`` narrows it (see ``action_dashboard_open``)."""
    since = _since(now)
    if key in (*SERIES, "stopped"):
        column = SERIES_COLUMNS.get(key, "failed_at")
        start, end = since, now
        if arg is not None:
            start = since + timedelta(hours=int(arg))
            end = min(start + timedelta(hours=1), now)
        states = {"received": [], "stopped": [("state", "in", EXCEPTIONS)]}.get(key, [("state", "=", key)])
        return [*states, (column, ">=", start), (column, "<" if arg is not None else "<=", end)]
    if key == "backlog":
        return [("state", "in", BACKLOG_STATES), *_age(now, arg)]
    if key == "exceptions":
        return [("state", "in", EXCEPTIONS)]
    if key == "overdue":
        return [("state", "in", EXCEPTIONS), ("failed_at", "<", now - timedelta(hours=backend.sla_hours))]
    if key == "queued":
        return [("state", "=", QUEUED)]
    if key == "latency":
        start = now - timedelta(hours=LATENCY_HOURS)
        return [("state", "=", DONE), ("processed_at", ">=", start), ("processed_at", "<=", now)]
    if key == "last_success":
        return [("state", "=", DONE)]
    if key == "flow":
        return [("flow", "=", arg), ("create_date", ">=", since), ("create_date", "<=", now)]
    if key == "flow_exceptions":
        return [("state", "in", EXCEPTIONS), *_domain("flow", now, arg)]
    raise UserError(_("The dashboard has no figure '%s'.", key))


def _age(now, bucket):
    """The creation dates of a backlog age bucket (all of them without one)."""
    for key, start, end in AGE_BUCKETS:
        if key == bucket:
            domain = [("create_date", "<=", now - timedelta(hours=start))]
            if end is not None:
                domain.append(("create_date", ">", now - timedelta(hours=end)))
            return domain
    return []


def _figure_label(env, key, arg, now):
    """What a figure's list shows, in words: the list's title."""
    if key == "latency":
        return env._("done in the last 24 h taking %(seconds)s s or more", seconds=round(float(arg or 0), 1))
    if key == "flow":
        return env._("flow %(flow)s this week", flow=arg)
    if key == "flow_exceptions":
        return env._("exceptions of flow %(flow)s", flow=arg)
    labels = {
        "received": env._("received"),
        DONE: env._("done"),
        NEEDS_ATTENTION: env._("needing attention"),
        FAILED: env._("failed"),
        "backlog": env._("backlog"),
        "exceptions": env._("exceptions"),
        "overdue": env._("exceptions past the SLA"),
        "queued": env._("queued"),
        "last_success": env._("done"),
    }
    label = labels.get(key, key)
    buckets = {
        "hour": env._("under an hour old"),
        "day": env._("1 to 24 hours old"),
        "week": env._("1 to 7 days old"),
        "older": env._("over a week old"),
    }
    if key == "backlog" and arg in buckets:
        return f"{label}, {buckets[arg]}"
    if key in SERIES and arg is not None:
        start = _since(now) + timedelta(hours=int(arg))
        return f"{label}, {format_datetime(env, start, dt_format='EEE d MMM HH:mm')}"
    return label
