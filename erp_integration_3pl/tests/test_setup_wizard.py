"""The guided set-up of a REST warehouse backend against the sandbox warehouse, over real HTTP."""

import requests

from odoo.tests import tagged

from ..setup import FOLLOW, RECONCILE
from .test_sandbox import API_KEY, WarehouseCase


@tagged("post_install", "-at_install")
class TestWarehouseGuidedSetup(WarehouseCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The sandbox's stock levels name the site by its id.
        cls.backend.threepl_stock_site = "1"

    def open_wizard(self):
        action = self.backend.action_guided_setup()
        return self.env[action["res_model"]].browse(action["res_id"])

    def states(self):
        return {step.step: step.state for step in self.backend.setup_step_ids}

    def test_a_refused_key_stops_at_the_connection_test_and_the_set_up_resumes_there(self):
        self.backend.threepl_warehouse_id = False
        wizard = self.open_wizard()
        wizard.action_next()
        self.assertEqual(wizard.step_state, "failed")
        self.assertIn("Fill in Odoo warehouse run by the 3PL", wizard.step_message)
        wizard.threepl_warehouse_id = self.warehouse  # where it is asked for
        self.assertEqual(self.backend.threepl_warehouse_id, self.warehouse)
        wizard.api_token = "not-the-key"
        wizard.action_next()
        wizard.action_next()
        self.assertEqual((wizard.step, wizard.step_state), ("connection", "failed"))
        self.assertIn("HTTP 401", wizard.step_message)
        self.assertEqual([self.states()[step] for step in ("mappings", "webhooks", "flows")], ["todo"] * 3)

        wizard = self.open_wizard()
        self.assertEqual(wizard.step, "connection")
        wizard.api_token = API_KEY
        wizard.action_next()
        self.assertEqual(wizard.step, "mappings")
        self.assertIn("0 value mappings proposed", wizard.step_message, "a REST warehouse has none to propose")
        wizard.action_next()
        wizard.action_next()
        self.assertIn("callbacks to", wizard.previous_message)
        self.assertIn(self.backend.webhook_url, wizard.previous_message)
        wizard.action_next()
        self.assertEqual(wizard.step, "done")
        self.assertEqual(set(self.backend.flow_ids.mapped("code")), {FOLLOW[0], RECONCILE[0]})
        self.assertEqual(set(self.states().values()), {"done"})

    def stock_reads(self):
        log = requests.get(f"{self.sandbox_url}/_sandbox/requests?system=threepl", timeout=5).json()["requests"]
        return sum(1 for entry in log if entry["path"].endswith("/api/Product/StockLevels"))

    def test_a_site_the_stock_levels_never_name_stops_the_connection_test(self):
        self.backend.threepl_stock_site = False
        wizard = self.open_wizard()
        wizard.action_next()
        requests.delete(f"{self.sandbox_url}/_sandbox/requests?system=threepl", timeout=5).raise_for_status()
        wizard.action_next()
        self.assertEqual(self.stock_reads(), 1, "the description and the site check share one read")
        self.assertEqual((wizard.step, wizard.step_state), ("connection", "failed"))
        self.assertIn("name site(s) 1, 2, not MAIN", wizard.step_message)
        self.assertIn("set Site in stock reports", wizard.step_message)
        self.backend.threepl_stock_site = "1"
        wizard.action_next()
        self.assertEqual(wizard.step, "mappings")

    def test_an_admin_runs_the_guided_set_up_in_the_browser(self):
        self.backend.write({"name": "Set-up tour warehouse", "api_token": False})
        self.start_tour("/odoo", "erp_integration_threepl_guided_setup", login="admin")
        self.assertEqual(set(self.states().values()), {"done"})
        self.assertEqual(self.backend.sudo().api_token, API_KEY)
        steps = {step.step: step.message for step in self.backend.setup_step_ids}
        self.assertRegex(steps["connection"], r"^REST API answering, [1-9]\d* stock levels")
        self.assertIn(self.backend.webhook_url, steps["webhooks"], "where to point the warehouse's callbacks")
        # A REST warehouse calls back: nothing to read on a schedule but its shipments and stock.
        self.assertEqual(set(self.backend.flow_ids.mapped("code")), {FOLLOW[0], RECONCILE[0]})
        self.assertTrue(all(self.backend.flow_ids.mapped("enabled")))
        self.assertEqual(self.backend.setup_progress, "Done")
