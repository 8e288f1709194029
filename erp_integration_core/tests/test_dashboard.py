"""The dashboard's figures, the lists behind them, the exception queue's SLA and fixes, and the alerts."""

import itertools
import json
from collections import Counter
from datetime import datetime, timedelta

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from ..lib.webhook import WebhookRequest
from .common import IntegrationCase, make_toy_backend

# The figures are taken at this time: the charts' week starts at 13:00 seven days before.
NOW = datetime(2026, 3, 10, 12, 30)
AS_OF = fields.Datetime.to_string(NOW)
SERIAL = itertools.count()


def ago(**delta):
    return NOW - timedelta(**delta)


def slot(at):
    """The hour of the charts ``at`` falls in."""
    return int((at - datetime(2026, 3, 3, 13, 0)).total_seconds() // 3600)


def _nonzero(counts):
    return Counter({hour: count for hour, count in enumerate(counts) if count})


class DashboardCase(IntegrationCase):
    def exchange(self, received, state="done", processed=None, failed=None, backend=None, **values):
        """An exchange of the toy backend as it would be after its story: received, processed, stopped."""
        backend = backend or self.backend
        exchange = self.env["integration.exchange"].create(
            dict(
                {"backend_id": backend.id, "flow": "contact", "idempotency_key": f"dash:{next(SERIAL)}"},
                payload=json.dumps(self.contact()),
                **values,
            )
        )
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE integration_exchange SET create_date = %s, state = %s, processed_at = %s, failed_at = %s "
            "WHERE id = %s",
            [received, state, processed, failed, exchange.id],
        )
        exchange.invalidate_recordset()
        return exchange

    def figures(self, backend=None, user=None):
        Backend = self.env["integration.backend"].with_user(user) if user else self.env["integration.backend"]
        data = Backend._dashboard_data(NOW)
        return next(entry for entry in data["backends"] if entry["id"] == (backend or self.backend).id)

    def listed(self, key, arg=None, backend=None):
        """The exchanges the figure ``key`` opens."""
        action = self.env["integration.backend"].action_dashboard_open((backend or self.backend).id, key, arg, AS_OF)
        return self.env[action["res_model"]].search(action["domain"])


@tagged("post_install", "-at_install")
class TestDashboardFigures(DashboardCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Backend = cls.env["integration.backend"]

    def setUp(self):
        super().setUp()
        make = self.exchange
        self.quick = make(ago(hours=2, minutes=15), processed=ago(hours=2, minutes=14, seconds=56))  # 4 s
        self.slow = make(ago(hours=1, minutes=50), processed=ago(hours=1, minutes=20))  # 30 min
        self.yesterday = make(ago(hours=22, minutes=30), processed=ago(hours=22, minutes=29))  # 60 s
        self.older_done = make(ago(days=3), processed=ago(days=3) + timedelta(seconds=5))
        self.stuck = make(ago(hours=1, minutes=10), "needs_attention", failed=ago(hours=1, minutes=9, seconds=55))
        self.waiting = make(ago(minutes=20), "queued")
        self.gave_up = make(ago(days=2, hours=3, minutes=30), "failed", failed=ago(days=2, hours=3, minutes=29))
        self.forgotten = make(ago(days=9), "needs_attention", failed=ago(days=9))
        self.week_old = make(ago(days=4, minutes=30), "needs_attention", failed=ago(days=4, minutes=30))

    def test_counts_per_hour_of_each_series(self):
        figures = self.figures()
        series = figures["series"]
        self.assertEqual(len(series["received"]), 168)

        def per_hour(dates):
            return Counter(slot(at) for at in dates if at >= datetime(2026, 3, 3, 13, 0))

        everything = self.env["integration.exchange"].search([("backend_id", "=", self.backend.id)])
        self.assertEqual(len(everything), 9)
        self.assertEqual(_nonzero(series["received"]), per_hour(everything.mapped("create_date")))
        self.assertEqual(
            _nonzero(series["done"]),
            per_hour((self.quick | self.slow | self.yesterday | self.older_done).mapped("processed_at")),
            "done by the hour they were done in",
        )
        self.assertEqual(
            _nonzero(series["needs_attention"]), per_hour((self.stuck | self.week_old).mapped("failed_at"))
        )
        self.assertEqual(_nonzero(series["failed"]), per_hour(self.gave_up.mapped("failed_at")))
        self.assertEqual(_nonzero(series["received"])[slot(ago(hours=2))], 2, "two arrived between 10:00 and 11:00")
        self.assertEqual(figures["totals"], {"received": 8, "done": 4, "needs_attention": 2, "failed": 1})

    def test_every_figure_opens_the_exchanges_it_counts(self):
        figures = self.figures()
        for key in ("received", "done", "needs_attention", "failed"):
            with self.subTest(key):
                self.assertEqual(len(self.listed(key)), figures["totals"][key])
                for hour, count in enumerate(figures["series"][key]):
                    if count:
                        self.assertEqual(len(self.listed(key, hour)), count, f"{key} in hour {hour}")
        self.assertEqual(self.listed("needs_attention", 166), self.stuck)
        for bucket, count in figures["backlog"].items():
            with self.subTest(bucket):
                self.assertEqual(len(self.listed("backlog", bucket)), count)
        self.assertEqual(self.listed("exceptions"), self.stuck | self.gave_up | self.forgotten | self.week_old)
        self.assertEqual(self.listed("overdue"), self.gave_up | self.forgotten | self.week_old)
        self.assertEqual(self.listed("flow", "contact"), self.listed("received"))

    def test_backlog_by_age_oldest_first_waiting_and_past_the_sla(self):
        figures = self.figures()
        self.assertEqual(figures["backlog"], {"hour": 1, "day": 1, "week": 1, "older": 1})
        self.assertEqual(self.listed("backlog", "hour"), self.waiting)
        self.assertEqual(self.listed("backlog", "day"), self.stuck)
        self.assertEqual(self.listed("backlog", "week"), self.week_old)
        self.assertEqual(self.listed("backlog", "older"), self.forgotten)
        self.assertEqual(figures["backlog_total"], 4)
        self.assertEqual(figures["oldest_backlog_at"], fields.Datetime.to_string(self.forgotten.create_date))
        self.assertEqual((figures["exceptions"], figures["overdue"], figures["queued"]), (4, 3, 1))
        self.backend.sla_hours = 200
        self.assertEqual(self.figures()["overdue"], 1, "only the one waiting nine days is past a 200 h SLA")

    def test_latency_median_and_95th_percentile_of_the_last_24_hours(self):
        latency = self.figures()["latency"]
        # 4 s, 60 s and 1800 s: the median is the middle one, the 95th percentile interpolated.
        self.assertEqual(latency["count"], 3)
        self.assertEqual(latency["p50"], 60.0)
        self.assertEqual(latency["p95"], 1626.0)
        self.assertEqual(self.listed("latency", latency["p95"]), self.slow)
        self.assertEqual(self.listed("latency", latency["p50"]), self.slow | self.yesterday)

    def test_last_success_and_flows(self):
        figures = self.figures()
        self.assertEqual(figures["last_success_at"], fields.Datetime.to_string(self.slow.processed_at))
        flow = self.env["integration.flow"].create(
            {"backend_id": self.backend.id, "code": "contact.push", "name": "Push contacts", "mode": "scheduled"}
        )
        self.backend.api_url = "refused"
        flow._run()
        flows = {entry["code"]: entry for entry in self.figures()["flows"]}
        self.assertEqual((flows["contact"]["received"], flows["contact"]["exceptions"]), (8, 3))
        self.assertEqual(flows["contact"]["last_run_at"], fields.Datetime.to_string(self.waiting.create_date))
        self.assertEqual(self.listed("flow_exceptions", "contact"), self.stuck | self.gave_up | self.week_old)
        run = self.env["integration.exchange"].search([("flow_id", "=", flow.id)])
        self.assertEqual(flows["contact.push"]["run"]["id"], run.id, "the failed run is the flow's result")
        self.assertIn("refuses contacts", flows["contact.push"]["run"]["message"])

    def test_a_user_of_another_company_sees_nothing_of_this_one(self):
        company_b = self.env["res.company"].create({"name": "Other Ltd"})
        backend_b = make_toy_backend(self.env, name="Other shop", company_id=company_b.id)
        mine = self.exchange(ago(minutes=30), "needs_attention", failed=ago(minutes=29), backend=backend_b)
        user_b = new_test_user(
            self.env,
            login="dashboard_b",
            groups="erp_integration_core.group_integration_user",
            company_id=company_b.id,
            company_ids=[company_b.id],
        )
        data = self.Backend.with_user(user_b)._dashboard_data(NOW)
        self.assertEqual([entry["id"] for entry in data["backends"]], [backend_b.id])
        self.assertEqual(data["backends"][0]["totals"]["needs_attention"], 1)
        with self.assertRaises(AccessError):
            self.Backend.with_user(user_b).action_dashboard_open(self.backend.id, "received", None, AS_OF)
        action = self.Backend.with_user(user_b).action_dashboard_open(backend_b.id, "exceptions", None, AS_OF)
        self.assertEqual(self.env["integration.exchange"].with_user(user_b).search(action["domain"]), mine)

    def test_a_company_without_backends_has_an_empty_dashboard(self):
        company_c = self.env["res.company"].create({"name": "Quiet Ltd"})
        user_c = new_test_user(
            self.env,
            login="dashboard_c",
            groups="erp_integration_core.group_integration_user",
            company_id=company_c.id,
            company_ids=[company_c.id],
        )
        data = self.Backend.with_user(user_c)._dashboard_data(NOW)
        self.assertEqual((data["backends"], data["as_of"]), ([], AS_OF))

    def test_counts_follow_the_exchanges_record_rules_not_only_the_backends(self):
        company_b = self.env["res.company"].create({"name": "Other Ltd"})
        self.exchange(ago(minutes=30), company_id=company_b.id)
        user_a = new_test_user(
            self.env,
            login="dashboard_a",
            groups="erp_integration_core.group_integration_user",
            company_id=self.env.company.id,
            company_ids=[self.env.company.id, company_b.id],
        )
        only_a = self.Backend.with_user(user_a).with_context(allowed_company_ids=[self.env.company.id])
        entry = next(e for e in only_a._dashboard_data(NOW)["backends"] if e["id"] == self.backend.id)
        self.assertEqual(entry["totals"]["received"], 8, "company B's exchange on this backend is not counted")
        both = self.Backend.with_user(user_a).with_context(allowed_company_ids=[self.env.company.id, company_b.id])
        entry = next(e for e in both._dashboard_data(NOW)["backends"] if e["id"] == self.backend.id)
        self.assertEqual(entry["totals"]["received"], 9)

    def test_refused_deliveries_are_counted_per_day_and_status(self):
        Exchange = self.env["integration.exchange"]
        row = Exchange._webhook_backend(self.backend.sudo().webhook_token)
        body = json.dumps(self.contact()).encode()
        forged = WebhookRequest.build(body, self.signed_headers(body, secret="forged"))
        malformed = WebhookRequest.build(b"{not json", self.signed_headers(b"{not json"))
        large = b'{"pad": "' + b"x" * 5000 + b'"}'
        too_large = WebhookRequest.build(large, self.signed_headers(large))
        for request, status in ((forged, 401), (forged, 401), (malformed, 400), (too_large, 413)):
            self.assertEqual(Exchange._intake(row, request)[0], status)
        today = fields.Date.to_string(fields.Datetime.now().date())
        rejected = self.backend._dashboard_rejections(fields.Datetime.now())[self.backend.id]
        self.assertEqual(rejected["total"], 4)
        self.assertEqual(rejected["days"][-1], {"day": today, "400": 1, "401": 2, "413": 1})
        action = self.Backend.action_dashboard_open(self.backend.id, "rejected", today, AS_OF)
        self.assertEqual(sum(self.env[action["res_model"]].search(action["domain"]).mapped("count")), 4)


@tagged("post_install", "-at_install")
class TestExceptionQueue(DashboardCase):
    def stopped(self, external_id, country="XX", event=None):
        """A contact whose country has no value mapping: processed for real, it waits for that mapping."""
        self.receive(self.contact(external_id, country=country), event_id=event or f"evt-{external_id}")
        self.perform_jobs()
        return self.exchanges().filtered(lambda e: e.external_id == external_id)

    def test_a_missing_value_mapping_is_the_exchange_s_fix_key_and_fix_opens_it_prefilled(self):
        exchange = self.stopped("C1")
        self.assertEqual((exchange.state, exchange.fix_key), ("needs_attention", "mapping:country:XX"))
        self.assertTrue(exchange.failed_at)
        action = exchange.action_fix()
        self.assertEqual(
            (action["res_model"], action["res_id"], action["target"]), ("integration.value.mapping", False, "new")
        )
        self.assertEqual(
            action["context"],
            {"default_backend_id": self.backend.id, "default_map_type": "country", "default_external_value": "XX"},
        )
        proposed = self.env["integration.value.mapping"].create(
            {"backend_id": self.backend.id, "map_type": "country", "external_value": "XX"}
        )
        self.assertEqual(exchange.action_fix()["res_id"], proposed.id, "a mapping left to complete is opened")

    def test_fix_names_who_may_change_mappings(self):
        exchange = self.stopped("C1")
        operator = new_test_user(self.env, login="operator", groups="erp_integration_core.group_integration_user")
        with self.assertRaisesRegex(Exception, "Only an integration manager"):
            exchange.with_user(operator).action_fix()

    def test_bulk_retry_after_the_fix_retries_those_waiting_and_leaves_the_others(self):
        waiting = self.stopped("C1") | self.stopped("C2") | self.stopped("C3")
        done = self.stopped("C4", country="GB")
        self.assertEqual(set(waiting.mapped("fix_key")), {"mapping:country:XX"})
        self.env["integration.value.mapping"].create(
            {
                "backend_id": self.backend.id,
                "map_type": "country",
                "external_value": "XX",
                "odoo_record": f"res.country,{self.gb.id}",
            }
        )
        answer = (waiting | done).action_retry_selected()
        self.assertEqual(answer["params"]["type"], "success")
        self.assertIn("3 exchanges queued again", answer["params"]["message"])
        self.assertIn("1 were not waiting", answer["params"]["message"])
        self.assertEqual(set(waiting.mapped("state")), {"queued"})
        self.assertEqual(len(self.audit_rows(event="exchange.retry")), 3)
        self.perform_jobs()
        self.assertEqual(set(waiting.mapped("state")), {"done"})

    def test_a_transient_failure_that_retries_by_itself_has_nothing_to_fix(self):
        self.backend.api_url = "http://127.0.0.1:9"
        self.receive(self.contact("C9", remote_check=True), event_id="evt-c9")
        self.perform_job(self.pending_jobs()[0])
        exchange = self.exchanges()
        self.assertEqual(exchange.state, "queued")
        self.assertFalse(exchange.fix_key)
        self.assertFalse(exchange.failed_at)

    def test_age_and_sla_status_and_the_overdue_filter(self):
        exchange = self.stopped("C1")
        self.assertEqual(exchange.sla_status, "ok")
        self.assertTrue(exchange.age.endswith("min"))
        Exchange = self.env["integration.exchange"]
        self.assertNotIn(exchange, Exchange.search([("sla_status", "=", "overdue")]))
        self.env.cr.execute(
            "UPDATE integration_exchange SET failed_at = failed_at - interval '5 hours' WHERE id = %s", [exchange.id]
        )
        exchange.invalidate_recordset()
        self.assertEqual(exchange.sla_status, "overdue")
        self.assertTrue(exchange.age.startswith("5 h"))
        self.assertIn(exchange, Exchange.search([("sla_status", "=", "overdue")]))
        self.assertNotIn(exchange, Exchange.search([("sla_status", "=", "ok")]))
        self.backend.sla_hours = 8
        exchange.invalidate_recordset()
        self.assertEqual(exchange.sla_status, "ok")
        self.assertIn(
            exchange, Exchange.search([("sla_status", "!=", "overdue"), ("backend_id", "=", self.backend.id)])
        )


@tagged("post_install", "-at_install")
class TestAlerts(DashboardCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.responsible = new_test_user(
            cls.env, login="ops_lead", groups="erp_integration_core.group_integration_user", email="ops@example.com"
        )
        cls.backend.write({"alert_failures_per_hour": 2, "alert_backlog_hours": 0, "alert_user_id": cls.responsible.id})
        cls.Backend = cls.env["integration.backend"]

    def alert_mails(self, subject):
        return self.env["mail.mail"].search(
            [("model", "=", "integration.backend"), ("res_id", "=", self.backend.id), ("subject", "=", subject)]
        )

    def alert_activities(self):
        return self.backend.activity_ids.filtered(
            lambda activity: (
                activity.activity_type_id == self.env.ref("erp_integration_core.mail_activity_type_integration_alert")
            )
        )

    def test_failures_raise_one_activity_and_one_digest_then_one_mail_when_cleared(self):
        for minutes in (20, 10):
            self.exchange(
                ago(minutes=minutes + 1), "needs_attention", failed=ago(minutes=minutes), fix_key="mapping:tax:GB VAT"
            )
        self.Backend._check_alerts(NOW)
        self.assertEqual(self.backend.alert_state, "raised")
        self.assertIn("2 exchanges stopped for a person in the last hour", self.backend.alert_reason)
        [activity] = self.alert_activities()
        self.assertEqual(activity.user_id, self.responsible)
        [digest] = self.alert_mails("Integration alert: Toy shop")
        self.assertEqual(digest.recipient_ids, self.responsible.partner_id)
        self.assertIn("mapping:tax:GB VAT", digest.body_html, "the digest says what the exceptions wait for")
        self.assertFalse(
            self.env["mail.mail"]
            .search([("model", "=", "mail.activity")])
            .filtered(lambda mail: self.responsible.partner_id in mail.recipient_ids),
            "the activity sends no e-mail of its own",
        )

        self.Backend._check_alerts(NOW + timedelta(minutes=5))
        self.assertEqual(len(self.alert_activities()), 1, "still past the threshold: nothing new")
        self.assertEqual(len(self.alert_mails("Integration alert: Toy shop")), 1)

        self.Backend._check_alerts(NOW + timedelta(hours=1))
        self.assertEqual(self.backend.alert_state, "clear")
        self.assertFalse(self.alert_activities(), "the activity is done")
        self.assertEqual(len(self.alert_mails("Integration alert cleared: Toy shop")), 1)
        self.Backend._check_alerts(NOW + timedelta(hours=1, minutes=5))
        self.assertEqual(len(self.alert_mails("Integration alert cleared: Toy shop")), 1, "cleared once")
        self.assertEqual(len(self.alert_mails("Integration alert: Toy shop")), 1)

    def test_an_old_backlog_raises_the_alert_until_it_is_worked(self):
        self.backend.write({"alert_failures_per_hour": 0, "alert_backlog_hours": 4})
        old = self.exchange(ago(hours=5), "queued")
        self.Backend._check_alerts(NOW)
        self.assertEqual(self.backend.alert_state, "raised")
        self.assertIn("arrived 5.0 hours ago (alert at 4 hours)", self.backend.alert_reason)
        self.env.cr.execute("UPDATE integration_exchange SET state = 'done' WHERE id = %s", [old.id])
        self.Backend._check_alerts(NOW)
        self.assertEqual(self.backend.alert_state, "clear")

    def test_no_threshold_no_alert(self):
        self.backend.write({"alert_failures_per_hour": 0, "alert_backlog_hours": 0})
        self.exchange(ago(days=3), "needs_attention", failed=ago(minutes=1))
        self.Backend._check_alerts(NOW)
        self.assertEqual(self.backend.alert_state, "clear")
        self.assertFalse(self.alert_mails("Integration alert: Toy shop"))
