from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import IntegrationCase


@tagged("post_install", "-at_install")
class TestSetupWizard(IntegrationCase):
    def open_wizard(self, backend=None):
        action = (backend or self.backend).action_guided_setup()
        return self.env[action["res_model"]].browse(action["res_id"])

    def states(self, backend=None):
        return {step.step: step.state for step in (backend or self.backend).setup_step_ids}

    def test_missing_credentials_stop_the_wizard_and_reopening_starts_at_the_first_step_not_done(self):
        wizard = self.open_wizard()
        self.assertEqual(wizard.step, "credentials")
        wizard.action_next()
        self.assertEqual(wizard.step, "credentials", "a step that fails keeps the wizard on it")
        self.assertEqual(wizard.step_state, "failed")
        self.assertIn("Fill in API URL on backend 'Toy shop'", wizard.step_message)
        self.assertEqual(set(self.states().values()), {"todo", "failed"})
        self.assertIn("0 of 5 steps done; next: Credentials (failed)", self.backend.setup_progress)

        wizard.api_url = "https://toy.example.com"
        self.assertEqual(self.backend.api_url, "https://toy.example.com", "the wizard fills in the backend")
        wizard.action_next()
        self.assertEqual(wizard.step, "connection")
        self.assertEqual(self.open_wizard().step, "connection", "reopened at the first step not done")

        wizard.action_next()
        self.assertEqual(wizard.step, "mappings")
        self.assertEqual(wizard.previous_message, "Toy system answers")
        self.assertTrue(wizard.proposed)
        self.assertEqual(wizard.value_mapping_ids, self.backend.value_mapping_ids, "mappings shown for review")
        for _step in ("mappings", "webhooks", "flows"):
            wizard.action_next()
        self.assertEqual(wizard.step, "done")
        self.assertEqual(set(self.states().values()), {"done"})
        self.assertEqual(self.backend.setup_progress, "Done")
        self.assertEqual(self.open_wizard().step, "done")

    def test_changed_credentials_send_the_connection_test_back_to_do(self):
        self.backend.api_url = "https://toy.example.com"
        wizard = self.open_wizard()
        wizard.action_next()
        wizard.action_next()
        self.assertEqual(self.states()["connection"], "done")
        self.backend.api_token = "another-token"
        self.assertEqual(self.states()["connection"], "todo")
        self.assertIn("test the connection again", self.backend.setup_step_ids[1].message)
        self.assertEqual(self.open_wizard().step, "connection")
        self.backend.action_regenerate_webhook_token()
        self.assertEqual(self.states()["webhooks"], "todo")

    def test_only_managers_run_the_set_up_and_see_its_credentials(self):
        operator = new_test_user(self.env, "setup_operator", groups="erp_integration_core.group_integration_user")
        with self.assertRaises(AccessError):
            self.backend.with_user(operator).action_guided_setup()
        for name in ("api_token", "api_secret", "webhook_secret"):
            field = self.env["integration.setup.wizard"]._fields[name]
            self.assertEqual(field.groups, "erp_integration_core.group_integration_manager")
        self.backend.action_guided_setup()
        steps = self.backend.with_user(operator).setup_step_ids
        self.assertEqual(len(steps), 5, "users see where the set-up stands")

    def test_another_company_s_backend_is_out_of_reach(self):
        other = self.env["res.company"].create({"name": "Other Ltd"})
        manager = new_test_user(
            self.env,
            "setup_manager",
            groups="erp_integration_core.group_integration_manager",
            company_id=self.env.company.id,
            company_ids=[(6, 0, self.env.company.ids)],
        )
        backend = self.env["integration.backend"].create(
            {"name": "Other shop", "channel": "toy", "company_id": other.id}
        )
        with self.assertRaises(AccessError):
            backend.with_user(manager).action_guided_setup()
