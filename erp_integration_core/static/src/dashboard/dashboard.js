import { Component, onWillStart, onWillUnmount, useEffect, useRef, useState } from "@odoo/owl";
import { loadBundle } from "@web/core/assets";
import { deserializeDate, deserializeDateTime, formatDateTime } from "@web/core/l10n/dates";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { Layout } from "@web/search/layout";

// The chart's series: traffic as lines, what stopped for a person as bars stacked under them.
const SERIES = [
    { key: "received", label: _t("Received"), color: "#6c8ebf", type: "line", fill: true, tone: "" },
    { key: "done", label: _t("Done"), color: "#28a745", type: "line", fill: false, tone: "" },
    { key: "needs_attention", label: _t("Needs attention"), color: "#f0ad4e", type: "bar", tone: "warning" },
    { key: "failed", label: _t("Failed"), color: "#dc3545", type: "bar", tone: "danger" },
];
const AGE_BUCKETS = [
    { key: "hour", label: _t("< 1 h"), tone: "" },
    { key: "day", label: _t("1–24 h"), tone: "warning" },
    { key: "week", label: _t("1–7 days"), tone: "warning" },
    { key: "older", label: _t("Older"), tone: "danger" },
];
const REJECTION_STATUSES = [
    { key: "401", label: _t("401 signature") },
    { key: "400", label: _t("400 malformed") },
    { key: "413", label: _t("413 too large") },
];
// The figures are read again this often while the dashboard is open.
const REFRESH_MS = 60000;

/** A duration in seconds as an operator reads it: "0.8 s", "42 s", "3.5 min", "2.1 h". */
export function formatSeconds(seconds) {
    if (seconds === null || seconds === undefined) {
        return "–";
    }
    if (seconds < 10) {
        return _t("%(seconds)s s", { seconds: seconds.toFixed(1) });
    }
    if (seconds < 120) {
        return _t("%(seconds)s s", { seconds: Math.round(seconds) });
    }
    if (seconds < 7200) {
        return _t("%(minutes)s min", { minutes: (seconds / 60).toFixed(1) });
    }
    if (seconds < 172800) {
        return _t("%(hours)s h", { hours: (seconds / 3600).toFixed(1) });
    }
    return _t("%(days)s days", { days: (seconds / 86400).toFixed(1) });
}

/** A figure that opens the list behind it; coloured by its tone when it is not zero. */
export class IntegrationDashboardFigure extends Component {
    static template = "erp_integration_core.DashboardFigure";
    static props = {
        name: String,
        value: { optional: true },
        label: { optional: true },
        tone: { type: String, optional: true },
        open: Function,
    };

    get colour() {
        return this.props.tone && this.props.value ? `text-${this.props.tone} fw-bold` : "text-reset";
    }
}

/** One backend's week, hour by hour: a click on a point opens that hour's exchanges of that series. */
export class IntegrationDashboardChart extends Component {
    static template = "erp_integration_core.DashboardChart";
    static props = { backend: Object, since: String, onOpen: Function };

    setup() {
        this.canvasRef = useRef("canvas");
        this.chart = null;
        useEffect(
            () => {
                this.renderChart();
                return () => this.chart?.destroy();
            },
            () => [this.props.backend]
        );
    }

    get labels() {
        const since = deserializeDateTime(this.props.since);
        const hours = this.props.backend.series.received.length;
        return Array.from({ length: hours }, (_v, hour) => since.plus({ hours: hour }).toFormat("ccc HH:mm"));
    }

    renderChart() {
        const series = this.props.backend.series;
        this.chart = new Chart(this.canvasRef.el, {
            type: "bar",
            data: {
                labels: this.labels,
                datasets: SERIES.map((item) => ({
                    type: item.type,
                    label: item.label,
                    data: series[item.key],
                    borderColor: item.color,
                    backgroundColor: item.fill ? `${item.color}33` : item.color,
                    fill: item.fill,
                    stack: item.type === "bar" ? "stopped" : item.key,
                    order: item.type === "bar" ? 0 : 1,
                    pointRadius: 0,
                    pointHitRadius: 4,
                    borderWidth: item.type === "bar" ? 0 : 1.5,
                    tension: 0.2,
                })),
            },
            options: {
                animation: false,
                maintainAspectRatio: false,
                interaction: { mode: "index", intersect: false },
                scales: {
                    x: { ticks: { maxTicksLimit: 14, autoSkip: true } },
                    y: { beginAtZero: true, ticks: { precision: 0 } },
                },
                plugins: {
                    legend: {
                        position: "bottom",
                        labels: { sort: (first, second) => first.datasetIndex - second.datasetIndex },
                    },
                },
                onClick: (event, _elements, chart) => this.onClick(event, chart),
            },
        });
    }

    onClick(event, chart) {
        const [point] = chart.getElementsAtEventForMode(event, "nearest", { intersect: false }, true);
        if (point) {
            this.props.onOpen(SERIES[point.datasetIndex].key, point.index);
        }
    }
}

/** Client action: per backend, the week's traffic, the backlog, latency, refused deliveries and flows. */
export class IntegrationDashboard extends Component {
    static template = "erp_integration_core.Dashboard";
    static components = { Layout, IntegrationDashboardChart, Figure: IntegrationDashboardFigure };
    static props = ["*"];

    setup() {
        this.orm = useService("orm");
        this.actionService = useService("action");
        this.state = useState({ data: null, loading: false });
        this.series = SERIES;
        this.ageBuckets = AGE_BUCKETS;
        this.rejectionStatuses = REJECTION_STATUSES;
        this.formatSeconds = formatSeconds;
        onWillStart(async () => {
            await loadBundle("web.chartjs_lib");
            await this.load();
        });
        const timer = setInterval(() => this.load(), REFRESH_MS);
        onWillUnmount(() => clearInterval(timer));
    }

    get display() {
        return { controlPanel: {} };
    }

    async load() {
        this.state.loading = true;
        try {
            this.state.data = await this.orm.call("integration.backend", "get_dashboard_data", []);
        } finally {
            this.state.loading = false;
        }
    }

    /** The list behind a figure, taken at the time the figures were read. */
    async open(backend, key, arg = null) {
        const action = await this.orm.call("integration.backend", "action_dashboard_open", [
            backend.id,
            key,
            arg,
            this.state.data.as_of,
        ]);
        await this.actionService.doAction(action);
    }

    openRun(run) {
        return this.actionService.doAction({
            type: "ir.actions.act_window",
            res_model: "integration.exchange",
            res_id: run.id,
            views: [[false, "form"]],
        });
    }

    dateTime(value) {
        return value ? formatDateTime(deserializeDateTime(value)) : _t("never");
    }

    relative(value) {
        return value ? deserializeDateTime(value).toRelative() : _t("never");
    }

    day(value) {
        return deserializeDate(value).toFormat("ccc d");
    }

    ageOf(value) {
        if (!value) {
            return "–";
        }
        const seconds = (Date.now() - deserializeDateTime(value).toMillis()) / 1000;
        return formatSeconds(Math.max(seconds, 0));
    }

    overdueLabel(backend) {
        return _t("%(count)s past the %(hours)s h SLA", { count: backend.overdue, hours: backend.sla_hours });
    }

    rejectedLabel(backend) {
        return _t("%(count)s in 7 days", { count: backend.rejected.total });
    }

    flowResult(flow) {
        if (flow.run) {
            return { label: flow.run.message || flow.run.state, tone: "danger" };
        }
        if (flow.exceptions) {
            return { label: _t("Waiting for a person: %(count)s", { count: flow.exceptions }), tone: "warning" };
        }
        if (!flow.last_run_at) {
            // Nothing has run to be called a success yet.
            return { label: _t("Not run yet"), tone: "muted" };
        }
        return { label: _t("OK"), tone: "success" };
    }
}

registry.category("actions").add("erp_integration_core.dashboard", IntegrationDashboard);
