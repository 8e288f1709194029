"""The guided set-up of a HubSpot backend against the sandbox portal, over real HTTP."""

from odoo.tests import tagged

from ..billing import PROPERTIES
from ..setup import FLOWS, READ_SCOPES, WRITE_SCOPES
from .common import HubSpotSandboxCase


@tagged("post_install", "-at_install")
class TestHubSpotGuidedSetup(HubSpotSandboxCase):
    def open_wizard(self):
        action = self.backend.action_guided_setup()
        return self.env[action["res_model"]].browse(action["res_id"])

    def states(self):
        return {step.step: step.state for step in self.backend.setup_step_ids}

    def test_missing_scopes_stop_at_the_connection_test_and_the_set_up_resumes_there(self):
        self.act("set_scopes", scopes=list(READ_SCOPES))
        wizard = self.open_wizard()
        wizard.action_next()
        wizard.action_next()
        self.assertEqual((wizard.step, wizard.step_state), ("connection", "failed"))
        self.assertIn("lacks the scopes crm.objects.companies.write", wizard.step_message)
        self.assertEqual(
            self.states(),
            {"credentials": "done", "connection": "failed", "mappings": "todo", "webhooks": "todo", "flows": "todo"},
        )
        self.assertIn("1 of 5 steps done; next: Test connection (failed)", self.backend.setup_progress)

        self.act("set_scopes", scopes=[*READ_SCOPES, *WRITE_SCOPES])
        wizard = self.open_wizard()
        self.assertEqual(wizard.step, "connection", "reopened at the step that failed")
        wizard.action_next()
        self.assertEqual(wizard.step, "mappings")
        self.assertIn("HubSpot portal 62515", wizard.previous_message)

        stages = wizard.value_mapping_ids.filtered(lambda m: m.map_type == "deal_stage")
        self.assertTrue(stages, "the portal's deal stages proposed for review")
        self.assertTrue(set(stages.mapped("odoo_value")) <= {"won", "lost", "open"})
        wizard.action_next()

        self.assertEqual(wizard.step, "webhooks")
        wizard.action_next()
        self.assertIn(self.backend.webhook_url, wizard.previous_message, "where to point the private app's webhooks")
        self.assertIn("deal.propertyChange", wizard.previous_message)

        wizard.action_next()
        self.assertEqual(wizard.step, "done")
        self.assertEqual(set(self.backend.flow_ids.mapped("code")), {code for code, *_rest in FLOWS})
        self.assertTrue(all(self.backend.flow_ids.mapped("enabled")))
        deal_properties = self.client.properties_of("deals")
        for object_type, name, *_rest in PROPERTIES:
            if object_type == "deals":
                self.assertIn(name, deal_properties, "the properties the invoice status flows write into")
        self.assertEqual(self.backend.setup_progress, "Done")
