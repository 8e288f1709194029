"""An operator works a HubSpot exception in the browser: Fix, complete the mapping, Retry, done."""

import os
from unittest.mock import patch

from odoo.tests import new_test_user, tagged

from .common import HubSpotSandboxCase


@tagged("post_install", "-at_install")
class TestHubSpotExceptionTour(HubSpotSandboxCase):
    def test_an_operator_maps_the_deal_s_payment_terms_and_retries_it(self):
        self.backend.name = "Fix tour portal"
        self.backend.value_mapping_ids.filtered(lambda m: m.map_type == "payment_terms").unlink()
        deal = self.deals("presentationscheduled")[0]
        self.client.request(
            "PATCH", f"crm/v3/objects/deals/{deal['id']}", json={"properties": {"payment_terms": "30 days"}}
        )
        self.subscribe("deal.propertyChange", property_name="dealstage")
        self.assertFalse(self.win(deal["id"]))
        [exchange] = self.exchanges()
        self.assertEqual((exchange.state, exchange.fix_key), ("needs_attention", "mapping:payment_terms:30 days"))
        # Changing value mappings is an integration manager's right, and the job Retry queues runs as the
        # person who pressed it: the operator has both, and the sales rights a deal import needs.
        new_test_user(
            self.env,
            "olive_ops",
            name="Olive Ops",
            groups="erp_integration_core.group_integration_manager,sales_team.group_sale_manager,project.group_project_manager",
        )
        # Retry's job runs in the request, as the runner would run it in a moment.
        with patch.dict(os.environ, {"QUEUE_JOB__NO_DELAY": "1"}):
            self.start_tour("/odoo", "erp_integration_hubspot_exception", login="olive_ops")
        exchange.invalidate_recordset()
        self.assertEqual(exchange.state, "done", exchange.message)
        sale = self.env["integration.binding"]._find(self.backend, "sale.order", deal["id"])
        self.assertEqual(sale.payment_term_id, self.env.ref("account.account_payment_term_30days"))
