"""An operator works a HubSpot exception in the browser: Fix, complete the mapping, Retry, done."""

from odoo.tests import tagged

from odoo.addons.erp_integration_core.tests.common import work_exception_in_browser

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
        work_exception_in_browser(self, "erp_integration_hubspot_exception")
        exchange.invalidate_recordset()
        self.assertEqual(exchange.state, "done", exchange.message)
        sale = self.env["integration.binding"]._find(self.backend, "sale.order", deal["id"], "deal")
        self.assertEqual(sale.payment_term_id, self.env.ref("account.account_payment_term_30days"))
