"""What must be fixed, read from the errors the channels really raise while processing real exchanges.

Each channel's test case (its sandbox where it has one) delivers what an
operator meets in the exception queue: a SKU Odoo does not know, a tax,
payment gateway or payment terms with no mapping, a unit the warehouse has no
name for. The exchange's ``fix_key`` names it, Fix opens it prefilled, and
after the fix a bulk Retry puts the exchanges through.
"""

import unittest

from odoo.tests import tagged

try:
    from odoo.addons.erp_integration_3pl.tests.test_sandbox import WarehouseCase
    from odoo.addons.erp_integration_hubspot.tests.common import HubSpotSandboxCase
    from odoo.addons.erp_integration_shopify.tests.common import ShopifyCase, order_payload
except ImportError:  # the channels' addons are not on the addons path
    WarehouseCase = HubSpotSandboxCase = ShopifyCase = order_payload = None


def _require(case, addon):
    installed = case.env["ir.module.module"].search_count([("name", "=", addon), ("state", "=", "installed")])
    if not installed:
        raise unittest.SkipTest(f"{addon} is not installed: its connector raises these errors")


@tagged("post_install", "-at_install")
class TestShopifyFixKeys(ShopifyCase or unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if ShopifyCase is None:
            raise unittest.SkipTest("erp_integration_shopify is not on the addons path")
        super().setUpClass()
        _require(cls, "erp_integration_shopify")

    def test_an_unknown_sku_is_the_product_to_make_and_fix_searches_for_it(self):
        first = self.deliver(order_payload(8101, lines=[("LAMP-01", 1, "30.00", "0.00")]))
        second = self.deliver(order_payload(8102, lines=[("LAMP-01", 2, "30.00", "0.00")]))
        self.assertEqual((first | second).mapped("fix_key"), ["product:LAMP-01", "product:LAMP-01"])
        action = first.action_fix()
        self.assertEqual(action["res_model"], "product.product")
        self.assertEqual(action["context"], {"search_default_name": "LAMP-01", "default_default_code": "LAMP-01"})
        self.env["product.product"].create({"name": "Lamp", "default_code": "LAMP-01", "taxes_id": []})
        (first | second).action_retry_selected()
        self.run_jobs()
        self.assertEqual((first | second).mapped("state"), ["done", "done"])

    def test_an_unmapped_tax_is_the_mapping_to_add_through_the_tax_error(self):
        payload = order_payload(8103)
        for item in payload["line_items"] + payload["shipping_lines"]:
            item["tax_lines"][0]["title"] = "VAT 20%"
        exchange = self.deliver(payload)
        self.assertEqual((exchange.error_category, exchange.fix_key), ("tax", "mapping:tax:VAT 20%"))
        context = exchange.action_fix()["context"]
        self.assertEqual((context["default_map_type"], context["default_external_value"]), ("tax", "VAT 20%"))

    def test_an_operator_s_retry_runs_with_the_integration_s_rights_not_theirs(self):
        """An Integration User has no sales or stock rights: the job their Retry queues still imports the order."""
        mapping = self.backend.value_mapping_ids.filtered(lambda m: m.map_type == "tax")
        tax = mapping.odoo_record
        mapping.odoo_record = False
        exchange = self.deliver(order_payload(8105))
        self.assertEqual(exchange.state, "needs_attention")
        groups = [self.env.ref("base.group_user").id, self.env.ref("erp_integration_core.group_integration_user").id]
        operator = self.env["res.users"].create({"name": "Operator", "login": "operator.retry", "group_ids": groups})
        mapping.odoo_record = tax
        exchange.with_user(operator).action_retry()
        self.run_jobs()
        self.assertEqual(exchange.state, "done", exchange.message)
        retry = self.env["integration.audit.log"].search(
            [("exchange_id", "=", exchange.id), ("event", "=", "exchange.retry")]
        )
        self.assertEqual(retry.user_id, operator, "the Retry is still theirs in the audit trail")

    def test_a_tax_mapping_left_empty_opens_that_mapping(self):
        mapping = self.backend.value_mapping_ids.filtered(lambda m: m.map_type == "tax")
        mapping.odoo_record = False
        exchange = self.deliver(order_payload(8104))
        self.assertEqual(exchange.fix_key, "mapping:tax:GB VAT")
        self.assertEqual(exchange.action_fix()["res_id"], mapping.id)

    def test_an_unmapped_payment_gateway_is_the_mapping_to_add(self):
        self.backend.shopify_order_policy = "invoice"
        exchange = self.deliver(order_payload(8105, payment_gateway_names=["paypal"]))
        self.assertEqual(exchange.fix_key, "mapping:payment_gateway:paypal")


@tagged("post_install", "-at_install")
class TestHubSpotFixKeys(HubSpotSandboxCase or unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if HubSpotSandboxCase is None:
            raise unittest.SkipTest("erp_integration_hubspot is not on the addons path")
        super().setUpClass()
        _require(cls, "erp_integration_hubspot")

    def won_deal(self, deal, **properties):
        """The ``deal`` won in HubSpot, its properties first changed; its exchange once processed."""
        if properties:
            self.client.request("PATCH", f"crm/v3/objects/deals/{deal['id']}", json={"properties": properties})
        self.win(deal["id"])
        [exchange] = self.exchanges()
        return exchange

    def test_an_unknown_sku_of_a_deal_is_the_product_to_make(self):
        self.subscribe("deal.propertyChange", property_name="dealstage")
        deal = self.deals("presentationscheduled")[0]
        record = self.client.get_object("deals", deal["id"], associations=("line_items",))
        line_ids = [item["id"] for item in record["associations"]["line_items"]["results"]]
        sku = self.client.batch_read("line_items", line_ids[:1], ("hs_sku",))[0]["properties"]["hs_sku"]
        self.products.filtered(lambda p: p.default_code == sku).default_code = f"{sku}-OLD"
        exchange = self.won_deal(deal)
        self.assertEqual((exchange.state, exchange.fix_key), ("needs_attention", f"product:{sku}"))
        self.assertEqual(exchange.action_fix()["context"]["search_default_name"], sku)

    def test_unmapped_payment_terms_are_the_mapping_to_add(self):
        self.subscribe("deal.propertyChange", property_name="dealstage")
        exchange = self.won_deal(self.deals("presentationscheduled")[0], payment_terms="90 days")
        self.assertEqual((exchange.state, exchange.fix_key), ("needs_attention", "mapping:payment_terms:90 days"))
        context = exchange.action_fix()["context"]
        self.assertEqual(context["default_external_value"], "90 days")


@tagged("post_install", "-at_install")
class TestWarehouseFixKeys(WarehouseCase or unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if WarehouseCase is None:
            raise unittest.SkipTest("erp_integration_3pl is not on the addons path")
        super().setUpClass()
        _require(cls, "erp_integration_3pl")

    def test_a_unit_the_warehouse_has_no_name_for_is_the_mapping_of_that_unit(self):
        dozen = self.env.ref("uom.product_uom_dozen")
        eggs = self.env["product.product"].create(
            {"name": "Eggs", "default_code": "EGG-BOX", "is_storable": True, "uom_id": dozen.id}
        )
        self.env["stock.quant"]._update_available_quantity(eggs, self.warehouse.lot_stock_id, 5)
        self.delivery((eggs, 1))
        self.run_jobs()
        stopped = self.exchanges("item.create") | self.exchanges("shipment.create")
        self.assertEqual(set(stopped.mapped("state")), {"needs_attention"})
        self.assertEqual(set(stopped.mapped("fix_key")), {f"unit:{dozen.name}"})
        action = stopped[0].action_fix()
        self.assertEqual(action["res_model"], "integration.value.mapping")
        self.assertEqual(action["context"]["default_odoo_record"], f"uom.uom,{dozen.id}")
        self.assertEqual(action["context"]["default_map_type"], "unit")
        self.env["integration.value.mapping"].create(
            {
                "backend_id": self.backend.id,
                "map_type": "unit",
                "external_value": "DOZEN",
                "odoo_record": f"uom.uom,{dozen.id}",
            }
        )
        stopped.action_retry_selected()
        self.run_jobs()
        self.assertEqual(set(stopped.mapped("state")), {"done"}, stopped.mapped("message"))
