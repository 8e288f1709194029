import base64
import csv

import psycopg2

from odoo import SUPERUSER_ID
from odoo.exceptions import UserError
from odoo.tools import mute_logger

from ..lib import audit_chain
from .common import API_TOKEN, SECRET, IntegrationCase


class TestAuditLog(IntegrationCase):
    def setUp(self):
        super().setUp()
        self.receive(self.contact())
        self.perform_jobs()
        self.Audit = self.env["integration.audit.log"]

    def test_orm_refuses_changes_even_for_the_superuser(self):
        row = self.Audit.search([], limit=1)
        superuser_row = row.with_user(SUPERUSER_ID).sudo()
        with self.assertRaises(UserError):
            superuser_row.write({"event": "forged"})
        with self.assertRaises(UserError):
            superuser_row.unlink()
        with self.assertRaises(UserError):
            self.Audit.sudo().create({"event": "forged"})

    @mute_logger("odoo.sql_db")
    def test_sql_update_and_delete_are_refused_by_the_database(self):
        self.Audit._seal()
        row = self.Audit.search([], limit=1)
        for statement in (
            "UPDATE integration_audit_log SET event = 'forged' WHERE id = %s",
            "UPDATE integration_audit_log SET hash = 'x' WHERE id = %s",
            "DELETE FROM integration_audit_log WHERE id = %s",
        ):
            with self.subTest(statement), self.assertRaises(psycopg2.Error), self.env.cr.savepoint():
                self.env.cr.execute(statement, [row.id])
        with self.assertRaises(psycopg2.Error), self.env.cr.savepoint():
            self.env.cr.execute("TRUNCATE integration_audit_log CASCADE")

    def test_an_unsealed_row_can_only_be_sealed_not_edited(self):
        row = self.Audit.search([("hash", "=", False)], limit=1)
        with self.assertRaises(psycopg2.Error), self.env.cr.savepoint():
            self.env.cr.execute("UPDATE integration_audit_log SET event = 'forged', hash = 'x' WHERE id = %s", [row.id])

    def test_sealed_chain_verifies(self):
        sealed = self.Audit._seal()
        self.assertGreater(sealed, 5)
        self.assertEqual(self.Audit._seal(), 0, "sealing twice seals nothing new")
        result = self.Audit._verify_chain()
        self.assertIsNone(result["broken"])
        self.assertGreaterEqual(result["checked"], sealed)
        action = self.Audit.action_verify_chain()
        self.assertEqual(action["params"]["type"], "success")

    def test_verify_finds_a_row_changed_behind_the_trigger(self):
        self.Audit._seal()
        victim = self.Audit.search([("event", "=", "exchange.done")], limit=1)
        cr = self.env.cr
        cr.execute("ALTER TABLE integration_audit_log DISABLE TRIGGER integration_audit_log_guard")
        cr.execute("UPDATE integration_audit_log SET details = '{\"forged\":true}' WHERE id = %s", [victim.id])
        cr.execute("ALTER TABLE integration_audit_log ENABLE TRIGGER integration_audit_log_guard")
        result = self.Audit._verify_chain()
        self.assertEqual(result["broken"]["id"], victim.id)
        self.assertEqual(result["broken"]["reason"], "row content does not match its hash")
        action = self.Audit.action_verify_chain()
        self.assertEqual(action["params"]["type"], "danger")
        self.assertIn(str(victim.id), action["params"]["message"])

    def test_verify_finds_a_deleted_row(self):
        self.Audit._seal()
        victim = self.Audit.search([("event", "=", "exchange.queued")], limit=1)
        cr = self.env.cr
        cr.execute("ALTER TABLE integration_audit_log DISABLE TRIGGER integration_audit_log_guard")
        cr.execute("DELETE FROM integration_audit_log WHERE id = %s", [victim.id])
        cr.execute("ALTER TABLE integration_audit_log ENABLE TRIGGER integration_audit_log_guard")
        self.assertIn("missing", self.Audit._verify_chain()["broken"]["reason"])

    def test_no_secret_or_personal_data_in_audit_rows(self):
        self.backend.write({"api_token": "rotated-" + API_TOKEN, "webhook_secret": "rotated-" + SECRET})
        self.Audit._seal()
        self.env.cr.execute("SELECT string_agg(row_to_json(l)::text, ' ') FROM integration_audit_log l")
        everything = self.env.cr.fetchone()[0]
        for secret in (API_TOKEN, SECRET, self.backend.webhook_token, "ada@example.com", "Ada Lovelace"):
            self.assertNotIn(secret, everything)
        change = self.audit_rows(event="backend.changed", backend_id=self.backend.id)
        self.assertIn("api_token", change[0].details)

    def test_configuration_changes_are_audited(self):
        mapping = self.backend.field_mapping_ids[:1]
        mapping.required = False
        self.assertTrue(self.audit_rows(event="field_mapping.changed", res_id=mapping.id))
        self.backend.value_mapping_ids[:1].unlink()
        self.assertTrue(self.audit_rows(event="value_mapping.deleted", backend_id=self.backend.id))

    def test_csv_export_rows_recheck_from_the_file(self):
        wizard = self.env["integration.audit.export"].create({})
        wizard.action_export()
        lines = base64.b64decode(wizard.file_data).decode().splitlines()
        # Lines that begin with '#' are the chain proof around the CSV.
        rows = list(csv.DictReader(line for line in lines if not line.startswith("#")))
        self.assertTrue(any(row["event"] == "exchange.done" for row in rows))
        row = rows[-1]
        values = {name: row[name] for name in audit_chain.FIELDS}
        for name in ("chain_seq", "id", "company_id", "backend_id", "exchange_id", "res_id", "user_id"):
            values[name] = int(values[name]) if values[name] else None
        for name in ("res_model",):
            values[name] = values[name] or None
        self.assertEqual(audit_chain.link_hash(row["prev_hash"], values), row["hash"])
