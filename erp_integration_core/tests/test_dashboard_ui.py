from odoo.tests import HttpCase, tagged

from .common import IntegrationCase


@tagged("post_install", "-at_install")
class TestDashboardUi(HttpCase, IntegrationCase):
    def test_operator_opens_the_list_behind_a_figure_and_its_fix(self):
        self.receive(self.contact(country="XX"))
        self.perform_jobs()
        self.assertEqual(self.exchanges().fix_key, "mapping:country:XX")
        self.env["integration.flow"].create(
            {"backend_id": self.backend.id, "code": "contact.push", "name": "Push contacts", "mode": "scheduled"}
        )
        self.start_tour("/odoo", "erp_integration_dashboard", login="admin")
