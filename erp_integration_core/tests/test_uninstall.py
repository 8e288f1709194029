import psycopg2

from odoo.modules.module import get_manifest
from odoo.tests import TransactionCase
from odoo.tools import mute_logger

from .. import uninstall_hook


class TestUninstall(TransactionCase):
    """Uninstalling the core leaves nothing of it behind in tables it does not own."""

    def leftovers(self):
        cr = self.env.cr
        cr.execute("SELECT to_regclass('queue_job_pending_integration_exchange_index') IS NOT NULL")
        index = cr.fetchone()[0]
        cr.execute("SELECT to_regclass('integration_audit_chain') IS NOT NULL")
        chain = cr.fetchone()[0]
        cr.execute("SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'integration_audit_log_guard%%'")
        guards = cr.fetchone()[0]
        cr.execute("SELECT count(*) FROM pg_proc WHERE proname = 'integration_audit_log_guard'")
        return {"index": index, "chain": chain, "guards": guards, "function": cr.fetchone()[0]}

    def test_the_uninstall_hook_removes_the_queue_job_index_and_the_audit_guard(self):
        self.assertEqual(get_manifest("erp_integration_core")["uninstall_hook"], "uninstall_hook")
        self.assertEqual(self.leftovers(), {"index": True, "chain": True, "guards": 2, "function": 1})
        self.env["integration.audit.log"]._log("test.uninstall", company=self.env.company, details={})
        # Guarded until then.
        refused = self.assertRaises(psycopg2.errors.InsufficientPrivilege)
        with refused, mute_logger("odoo.sql_db"), self.env.cr.savepoint():
            self.env.cr.execute("DELETE FROM integration_audit_log")
        uninstall_hook(self.env)
        self.assertEqual(self.leftovers(), {"index": False, "chain": False, "guards": 0, "function": 0})
        self.env.cr.execute("DELETE FROM integration_audit_log")
        self.assertGreater(self.env.cr.rowcount, 0, "the rows are no longer guarded")
