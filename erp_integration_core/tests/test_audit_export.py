"""Verify and export a period: the period's rows with their hashes, and the chain proof around them."""

import base64
import csv
from datetime import date

from ..lib import audit_chain
from ..wizards.integration_audit_export import period_dates
from .common import SECRET, IntegrationCase

INTEGER_COLUMNS = ("chain_seq", "id", "company_id", "backend_id", "exchange_id", "res_id", "user_id")


def parse(wizard):
    """``(header lines, rows, footer lines)`` of an export: '#' lines around a CSV."""
    lines = base64.b64decode(wizard.file_data).decode().splitlines()
    header = []
    while lines and lines[0].startswith("#"):
        header.append(lines.pop(0))
    footer = []
    while lines and lines[-1].startswith("#"):
        footer.insert(0, lines.pop())
    return header, list(csv.DictReader(lines)), footer


def recheck(row):
    """The row's hash, recomputed from the file alone."""
    values = {name: row[name] for name in audit_chain.FIELDS}
    for name in INTEGER_COLUMNS:
        values[name] = int(values[name]) if values[name] else None
    values["res_model"] = values["res_model"] or None
    return audit_chain.link_hash(row["prev_hash"], values)


class TestAuditExport(IntegrationCase):
    def setUp(self):
        super().setUp()
        self.env = self.env(context=dict(self.env.context, tz="UTC"))
        self.other = self.env["integration.backend"].create(
            {"name": "Other shop", "channel": "toy", "webhook_secret": SECRET}
        )
        self.jan = self.insert("2020-01-15 10:00:00")
        self.feb_first = self.insert("2020-02-01 00:00:00")
        self.feb_other = self.insert("2020-02-14 12:00:00", backend=self.other)
        self.feb_last = self.insert("2020-02-29 23:59:59.5")
        self.mar = self.insert("2020-03-01 00:00:00")
        self.receive(self.contact())
        self.perform_jobs()

    def insert(self, logged_at, backend=None, event="flow.run"):
        """An entry logged at a given time: straight into the table, as the suite's inserts are."""
        backend = backend or self.backend
        self.env.cr.execute(
            """
            INSERT INTO integration_audit_log (event, company_id, backend_id, details, user_id, create_uid,
                                               create_date, logged_at)
            VALUES (%s, %s, %s, '{"flow":"contact.pull"}', 1, 1, now() at time zone 'UTC', %s) RETURNING id
            """,
            [event, backend.company_id.id, backend.id, logged_at],
        )
        return self.env.cr.fetchone()[0]

    def export(self, **values):
        wizard = self.env["integration.audit.export"].create(
            dict({"period": "custom", "date_from": "2020-02-01", "date_to": "2020-02-29"}, **values)
        )
        action = wizard.action_export()
        self.assertEqual((action["res_model"], action["res_id"]), (wizard._name, wizard.id))
        return wizard

    def head(self):
        self.env.cr.execute("SELECT last_seq, last_hash FROM integration_audit_chain WHERE id = 1")
        return self.env.cr.fetchone()

    def test_the_export_holds_the_period_s_rows_with_their_hashes_and_the_chain_head(self):
        wizard = self.export()
        header, rows, footer = parse(wizard)
        self.assertEqual([int(row["id"]) for row in rows], [self.feb_first, self.feb_other, self.feb_last])
        for row in rows:
            self.assertEqual(recheck(row), row["hash"], "each row re-checks from the file alone")
            self.assertEqual(row["event_label"], "Flow run completed")
            self.assertEqual(row["summary"], "flow: contact.pull")
            self.assertEqual(row["actor"], "Integration (automatic)")
        positions = [int(row["chain_seq"]) for row in rows]
        self.assertEqual(positions, sorted(positions))
        self.assertEqual(rows[1]["prev_hash"], rows[0]["hash"], "rows next to each other in the chain link up")
        head_seq, head_hash = self.head()
        self.assertEqual((wizard.head_seq, wizard.head_hash), (head_seq, head_hash))
        self.assertEqual((wizard.first_seq, wizard.last_seq, wizard.row_count), (positions[0], positions[-1], 3))
        self.assertTrue(wizard.verified)
        text = "\n".join(header)
        self.assertIn(f"Chain head at export: position {head_seq}; hash {head_hash}", text)
        self.assertIn(f"Rows in this file: 3; chain positions {positions[0]} to {positions[-1]}", text)
        self.assertIn("Chain verification: Passed: the chain verifies from its start", text)
        self.assertIn("from 2020-02-01 to 2020-02-29 inclusive (UTC)", text)
        [end] = footer
        self.assertIn(f"first position {positions[0]}; last position {positions[-1]}", end)
        self.assertIn(f"chain head position {head_seq} hash {head_hash}; verification passed", end)
        [exported] = self.audit_rows(event="audit.exported")
        self.assertIn(head_hash, exported.details)
        self.assertEqual(exported.event_label, "Audit trail exported")
        self.assertEqual(wizard.action_download()["type"], "ir.actions.act_url")

    def test_one_backend_s_rows(self):
        header, rows, _footer = parse(self.export(backend_id=self.other.id))
        self.assertEqual([int(row["id"]) for row in rows], [self.feb_other])
        self.assertIn("backend: Other shop", "\n".join(header))

    def test_the_period_is_the_user_s_days(self):
        june_night = self.insert("2020-06-30 23:30:00")  # 00:30 on 1 July in London (BST)
        self.env = self.env(context=dict(self.env.context, tz="Europe/London"))
        _header, rows, _footer = parse(self.export(date_from="2020-07-01", date_to="2020-07-31"))
        self.assertEqual([int(row["id"]) for row in rows], [june_night])
        _header, rows, _footer = parse(self.export(date_from="2020-06-01", date_to="2020-06-30"))
        self.assertFalse(rows)

    def test_an_empty_period_still_states_the_chain(self):
        wizard = self.export(date_from="2019-01-01", date_to="2019-01-31")
        header, rows, footer = parse(wizard)
        self.assertFalse(rows)
        self.assertIn("Rows in this file: 0; no chain position", "\n".join(header))
        self.assertIn("verification passed", footer[0])

    def test_verification_reports_a_row_changed_behind_the_trigger(self):
        self.env["integration.audit.log"]._seal()
        cr = self.env.cr
        cr.execute("SELECT chain_seq FROM integration_audit_log WHERE id = %s", [self.feb_other])
        position = cr.fetchone()[0]
        cr.execute("ALTER TABLE integration_audit_log DISABLE TRIGGER integration_audit_log_guard")
        cr.execute("UPDATE integration_audit_log SET details = '{\"forged\":true}' WHERE id = %s", [self.feb_other])
        cr.execute("ALTER TABLE integration_audit_log ENABLE TRIGGER integration_audit_log_guard")
        wizard = self.export()
        header, rows, footer = parse(wizard)
        self.assertFalse(wizard.verified)
        broken = f"FAILED: the chain is broken at entry {self.feb_other} (chain position {position})"
        self.assertIn(broken, "\n".join(header))
        self.assertIn(broken, wizard.verify_message)
        self.assertIn("verification FAILED", footer[0])
        forged = next(row for row in rows if int(row["id"]) == self.feb_other)
        self.assertNotEqual(recheck(forged), forged["hash"], "the file shows which row no longer matches")
        self.assertTrue(all(recheck(row) == row["hash"] for row in rows if row is not forged))

    def test_named_periods(self):
        today = date(2026, 12, 1)
        self.assertEqual(period_dates("this_month", today), (date(2026, 12, 1), date(2026, 12, 31)))
        self.assertEqual(period_dates("last_month", today), (date(2026, 11, 1), date(2026, 11, 30)))
        self.assertEqual(period_dates("this_quarter", today), (date(2026, 10, 1), date(2026, 12, 31)))
        self.assertEqual(period_dates("last_quarter", today), (date(2026, 7, 1), date(2026, 9, 30)))
        self.assertEqual(period_dates("last_quarter", date(2026, 2, 10)), (date(2025, 10, 1), date(2025, 12, 31)))
        self.assertIsNone(period_dates("custom", today))
