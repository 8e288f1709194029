"""What Shopify charged against what Odoo's fiscal position for the buyer would charge, in a UK company."""

from decimal import Decimal

from odoo.tests import tagged

from ..lib.order import NO_TAX
from .common import ShopifyCase, order_payload


def without_vat(payload):
    """``payload`` as Shopify sends it when it charged no VAT: no tax lines, the total the net amount."""
    net = Decimal(0)
    for line in payload["line_items"]:
        line["tax_lines"] = []
        net += Decimal(line["price"]) * line["quantity"] - sum(
            Decimal(allocation["amount"]) for allocation in line["discount_allocations"]
        )
    for line in payload["shipping_lines"]:
        line["tax_lines"] = []
        net += Decimal(line["price"])
    payload.update(total_price=str(net), total_tax="0.00")
    return payload


def shipped_to(payload, country_code, city="Lyon", zip_code="69002"):
    address = dict(payload["billing_address"], country_code=country_code, city=city, zip=zip_code)
    payload.update(billing_address=address, shipping_address=address)
    return payload


@tagged("post_install", "-at_install")
class TestFiscalPositions(ShopifyCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        gbp = cls.env.ref("base.GBP")
        gbp.active = True
        cls.uk = cls.env["res.company"].create(
            {"name": "Brightwater UK Ltd", "country_id": cls.env.ref("base.uk").id, "currency_id": gbp.id}
        )
        cls.env["account.chart.template"].try_loading("uk", cls.uk, install_demo=False)
        cls.uk.tax_calculation_rounding_method = "round_per_line"
        cls.env.user.company_ids |= cls.uk
        template = cls.env["account.chart.template"].with_company(cls.uk)
        cls.st20, cls.st0, cls.st0_export = (template.ref(xmlid) for xmlid in ("ST11", "ST0", "ST_0_EX"))
        cls.fpos_uk = template.ref("account_fiscal_position_domestic")
        cls.fpos_world = template.ref("account_fiscal_position_rest_of_world_b2b")
        cls.backend.company_id = cls.uk
        cls.backend.value_mapping_ids.filtered(lambda mapping: mapping.map_type == "tax_included").unlink()
        Mapping = cls.env["integration.value.mapping"]
        Mapping.search(
            [("backend_id", "=", cls.backend.id), ("map_type", "=", "tax")]
        ).odoo_record = f"account.tax,{cls.st20.id}"
        Mapping.create(
            {
                "backend_id": cls.backend.id,
                "map_type": "tax",
                "external_value": NO_TAX,
                "odoo_record": f"account.tax,{cls.st0.id}",
            }
        )
        (cls.mug | cls.tee).write({"company_id": cls.uk.id, "taxes_id": [(6, 0, cls.st20.ids)]})

    def test_the_uk_chart_maps_standard_rate_to_zero_for_exports(self):
        self.assertEqual(self.fpos_world.map_tax(self.st20), self.st0_export, "the ground the checks stand on")
        self.assertEqual(self.fpos_uk.map_tax(self.st20), self.st20)

    def test_an_export_shopify_charged_uk_vat_on_waits_as_a_vat_anomaly(self):
        exchange = self.deliver(shipped_to(order_payload(7001, email="lea@example.fr"), "FR"))
        self.assertEqual((exchange.state, exchange.error_category), ("needs_attention", "tax"), exchange.message)
        message = exchange.message
        for words in ("VAT anomaly", "order #7001", "France", "20%", "'Rest of the world'", "0% EX", "Replay"):
            self.assertIn(words, message)
        self.assertFalse(self.env["sale.order"].search([("client_order_ref", "=", "#7001")]))

    def test_a_uk_order_shopify_charged_no_vat_on_a_standard_rated_product_waits_as_a_vat_anomaly(self):
        exchange = self.deliver(without_vat(order_payload(7002, email="sam@example.co.uk")))
        self.assertEqual((exchange.state, exchange.error_category), ("needs_attention", "tax"), exchange.message)
        for words in ("order #7002", "United Kingdom", "no VAT", "'United Kingdom'", "20%", "'Mug-Blu'"):
            self.assertIn(words, exchange.message)
        self.assertFalse(self.env["sale.order"].search([("client_order_ref", "=", "#7002")]))

    def test_orders_charged_as_the_fiscal_position_would_go_through_unchanged(self):
        uk = self.deliver(order_payload(7003, email="kim@example.co.uk"))
        self.assertEqual(uk.state, "done", uk.message)
        sale = self.sale_order(uk)
        self.assertEqual(sale.fiscal_position_id, self.fpos_uk)
        self.assertEqual(sale.order_line.tax_ids, self.st20)
        self.assertEqual(f"{sale.amount_total:.2f}", order_payload(7003)["total_price"], "to the penny")

        export = self.deliver(without_vat(shipped_to(order_payload(7004, email="luc@example.fr"), "FR")))
        self.assertEqual(export.state, "done", export.message)
        sale = self.sale_order(export)
        self.assertEqual(sale.fiscal_position_id, self.fpos_world)
        self.assertEqual(sale.order_line.tax_ids, self.st0, "the mapped tax, as before")
        self.assertEqual(f"{sale.amount_total:.2f}", without_vat(order_payload(7004))["total_price"])

    def test_a_uk_customer_s_order_shipped_abroad_is_judged_by_where_it_goes(self):
        self.assertEqual(self.deliver(order_payload(7005, email="ann@example.co.uk")).state, "done")
        payload = order_payload(7006, email="ann@example.co.uk")
        payload["shipping_address"] = dict(payload["billing_address"], city="Paris", zip="75001", country_code="FR")
        exchange = self.deliver(payload)
        self.assertEqual((exchange.state, exchange.error_category), ("needs_attention", "tax"), exchange.message)
        self.assertIn("order #7006 (shipped to France)", exchange.message)
        self.assertIn("'Rest of the world'", exchange.message)
