"""An operator works a warehouse exception in the browser: Fix, complete the mapping, Retry, done."""

from odoo.tests import tagged

from odoo.addons.erp_integration_core.tests.common import work_exception_in_browser

from .test_sandbox import WarehouseCase


@tagged("post_install", "-at_install")
class TestWarehouseExceptionTour(WarehouseCase):
    def test_an_operator_names_the_unit_for_the_warehouse_and_retries_the_delivery(self):
        self.backend.name = "Fix tour warehouse"
        dozen = self.env.ref("uom.product_uom_dozen")
        eggs = self.env["product.product"].create(
            {"name": "Eggs", "default_code": "EGG-BOX", "is_storable": True, "uom_id": dozen.id}
        )
        self.env["stock.quant"]._update_available_quantity(eggs, self.warehouse.lot_stock_id, 5)
        picking = self.delivery((eggs, 1))
        self.run_jobs()
        [sent] = self.exchanges("shipment.create")
        self.assertEqual(
            (sent.state, sent.error_category, sent.fix_key), ("needs_attention", "business", "unit:Dozens")
        )
        work_exception_in_browser(self, "erp_integration_threepl_exception")
        sent.invalidate_recordset()
        self.assertEqual(sent.state, "done", sent.message)
        self.assertEqual(picking.threepl_status, "NEW")
        mapping = self.backend.value_mapping_ids.filtered(lambda m: m.map_type == "unit")
        self.assertEqual((mapping.external_value, mapping.odoo_record), ("DOZEN", dozen))
