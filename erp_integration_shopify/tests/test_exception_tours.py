"""An operator works a Shopify exception in the browser: Fix, complete the mapping, Retry, done."""

from odoo.tests import HttpCase, tagged

from odoo.addons.erp_integration_core.tests.common import work_exception_in_browser

from .common import ShopifyCase, order_payload


@tagged("post_install", "-at_install")
class TestShopifyExceptionTour(HttpCase, ShopifyCase):
    def test_an_operator_maps_the_missing_tax_and_retries_the_order(self):
        self.backend.name = "Fix tour shop"
        self.backend.value_mapping_ids.filtered(lambda m: m.map_type == "tax").unlink()
        exchange = self.deliver(order_payload(7001))
        self.assertEqual(
            (exchange.state, exchange.error_category, exchange.fix_key),
            ("needs_attention", "tax", "mapping:tax:GB VAT"),
        )
        work_exception_in_browser(self, "erp_integration_shopify_exception")
        exchange.invalidate_recordset()
        self.assertEqual(exchange.state, "done", exchange.message)
        self.assertEqual(self.sale_order(exchange).state, "sale")
        mapping = self.backend.value_mapping_ids.filtered(lambda m: m.map_type == "tax")
        self.assertEqual(mapping.odoo_record, self.vat)
