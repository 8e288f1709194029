"""An operator works a Shopify exception in the browser: Fix, complete the mapping, Retry, done."""

import os
from unittest.mock import patch

from odoo.tests import HttpCase, new_test_user, tagged

from .common import ShopifyCase, order_payload


@tagged("post_install", "-at_install")
class TestShopifyExceptionTour(HttpCase, ShopifyCase):
    def test_an_operator_maps_the_missing_tax_and_retries_the_order(self):
        self.backend.name = "Fix tour shop"
        # What set-up makes beforehand, so that no job has to create products.
        self.backend._shopify_service_product("shopify_shipping_product_id", "Shopify shipping")
        self.backend._shopify_service_product("shopify_discount_product_id", "Shopify discount")
        self.backend.value_mapping_ids.filtered(lambda m: m.map_type == "tax").unlink()
        exchange = self.deliver(order_payload(7001))
        self.assertEqual(
            (exchange.state, exchange.error_category, exchange.fix_key),
            ("needs_attention", "tax", "mapping:tax:GB VAT"),
        )
        # Changing value mappings is an integration manager's right, and the job Retry queues runs as the
        # person who pressed it: the operator has both, and the sales rights an order import needs.
        new_test_user(
            self.env,
            "olive_ops",
            name="Olive Ops",
            groups="erp_integration_core.group_integration_manager,sales_team.group_sale_manager,stock.group_stock_user",
        )
        # Retry's job runs in the request, as the runner would run it in a moment.
        with patch.dict(os.environ, {"QUEUE_JOB__NO_DELAY": "1"}):
            self.start_tour("/odoo", "erp_integration_shopify_exception", login="olive_ops")
        exchange.invalidate_recordset()
        self.assertEqual(exchange.state, "done", exchange.message)
        self.assertEqual(self.sale_order(exchange).state, "sale")
        mapping = self.backend.value_mapping_ids.filtered(lambda m: m.map_type == "tax")
        self.assertEqual(mapping.odoo_record, self.vat)
