"""An operator works a warehouse exception in the browser: Fix, complete the mapping, Retry, done."""

import os
from unittest.mock import patch

from odoo.tests import new_test_user, tagged

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
        # Changing value mappings is an integration manager's right, and the job Retry queues runs as the
        # person who pressed it: the operator has both, and the stock rights a delivery needs.
        new_test_user(
            self.env,
            "olive_ops",
            name="Olive Ops",
            groups="erp_integration_core.group_integration_manager,stock.group_stock_user",
        )
        # Retry's job runs in the request, as the runner would run it in a moment.
        with patch.dict(os.environ, {"QUEUE_JOB__NO_DELAY": "1"}):
            self.start_tour("/odoo", "erp_integration_threepl_exception", login="olive_ops")
        sent.invalidate_recordset()
        self.assertEqual(sent.state, "done", sent.message)
        self.assertEqual(picking.threepl_status, "NEW")
        mapping = self.backend.value_mapping_ids.filtered(lambda m: m.map_type == "unit")
        self.assertEqual((mapping.external_value, mapping.odoo_record), ("DOZEN", dozen))
