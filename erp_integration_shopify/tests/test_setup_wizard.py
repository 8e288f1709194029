"""The guided set-up of a Shopify backend against the sandbox store, over real HTTP."""

import requests

from odoo.tests import HttpCase, tagged

from sandbox.testing import sandbox_process

from ..setup import FLOWS, TOPICS
from .common import ShopifyCase


@tagged("post_install", "-at_install")
class TestShopifyGuidedSetup(HttpCase, ShopifyCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sandbox_url = cls.enterClassContext(sandbox_process(seed=5))
        cls.backend.write({"api_url": f"{cls.sandbox_url}/shopify", "webhook_secret": "sandbox-shopify-secret"})

    def setUp(self):
        super().setUp()
        requests.post(f"{self.sandbox_url}/_sandbox/reset?system=shopify", timeout=10).raise_for_status()
        self.env["ir.config_parameter"].set_param("web.base.url", self.base_url())

    def open_wizard(self):
        action = self.backend.action_guided_setup()
        return self.env[action["res_model"]].browse(action["res_id"])

    def states(self):
        return {step.step: step.state for step in self.backend.setup_step_ids}

    def test_a_refused_token_stops_at_the_connection_test_and_the_set_up_resumes_there(self):
        wizard = self.open_wizard()
        wizard.api_token = "shpat_not_the_right_one"
        wizard.action_next()
        self.assertEqual(wizard.step, "connection")
        wizard.action_next()
        self.assertEqual((wizard.step, wizard.step_state), ("connection", "failed"))
        self.assertIn("refused with HTTP 401. Check the backend's credentials", wizard.step_message)
        self.assertEqual(
            self.states(),
            {"credentials": "done", "connection": "failed", "mappings": "todo", "webhooks": "todo", "flows": "todo"},
        )
        self.assertFalse(self.backend.flow_ids, "nothing after the failed step was done")

        wizard = self.open_wizard()
        self.assertEqual(wizard.step, "connection", "reopened at the step that failed")
        wizard.api_token = "shpat_sandbox_demo_token"
        self.assertEqual(self.states()["connection"], "todo", "new credentials: to test again")
        self.env.company.tax_calculation_rounding_method = "round_globally"
        wizard.action_next()
        self.assertEqual(wizard.step, "mappings")
        self.assertIn("currency GBP", wizard.previous_message)
        self.assertIn("Round per Line", wizard.previous_message)

        locations = wizard.value_mapping_ids.filtered(lambda m: m.map_type == "location")
        self.assertEqual(len(locations), 2, "the shop's locations proposed for review")
        untaxed = wizard.value_mapping_ids.filtered(lambda m: m.external_value == "(no tax)")
        self.assertTrue(untaxed and not any(untaxed.mapped("odoo_record")), "proposed empty, never guessed")
        self.assertEqual(wizard.mappings_to_complete, self.backend.mappings_to_complete)
        self.assertIn(f"{wizard.mappings_to_complete} without an Odoo side", wizard.step_message)
        wizard.action_next()

        self.assertEqual(wizard.step, "webhooks")
        wizard.action_next()
        store = requests.get(f"{self.sandbox_url}/_sandbox/systems/shopify", timeout=10).json()
        self.assertGreaterEqual(store["collections"]["webhook_subscriptions"], len(TOPICS))
        self.assertIn(f"{len(TOPICS)} webhooks subscribed", wizard.previous_message)

        self.backend.flow_ids.create(
            {"backend_id": self.backend.id, "code": "stock.push", "name": "Push", "enabled": False}
        )
        wizard.action_next()
        self.assertEqual(wizard.step, "done")
        self.assertEqual(set(self.backend.flow_ids.mapped("code")), {code for code, *_rest in FLOWS})
        self.assertTrue(all(self.backend.flow_ids.mapped("enabled")), "every flow switched on")
        self.assertEqual(set(self.states().values()), {"done"})
        self.assertTrue(self.backend.shopify_shipping_product_id and self.backend.shopify_guest_partner_id)

    def test_an_admin_runs_the_guided_set_up_in_the_browser(self):
        self.backend.name = "Set-up tour shop"
        self.start_tour("/odoo", "erp_integration_shopify_guided_setup", login="admin")
        self.assertEqual(set(self.states().values()), {"done"})
        self.assertEqual(self.backend.sudo().api_token, "shpat_sandbox_demo_token")
        self.assertTrue(all(self.backend.flow_ids.mapped("enabled")))
