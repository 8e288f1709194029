"""Units the warehouse counts in, and deliveries changed after the warehouse has them: end to end over REST."""

import requests

from odoo.tests import tagged

from .test_sandbox import API_KEY, SECRET, WarehouseCase


@tagged("post_install", "-at_install")
class TestUnitsAndChanges(WarehouseCase):
    def order(self, order_id):
        return requests.get(
            f"{self.sandbox_url}/threepl/api/Order/{order_id}", headers={"ms-apikey": API_KEY}, timeout=5
        ).json()

    def sent(self, picking):
        self.run_jobs()
        [sent] = self.exchanges("shipment.create").filtered(lambda exchange: exchange.external_id == picking.name)
        self.assertEqual(sent.state, "done", sent.message)
        return sent.result["warehouse_id"]

    def test_a_delivery_in_dozens_goes_out_in_the_product_s_unit_and_its_despatch_comes_back_in_dozens(self):
        mug = self.product("MUG-BLU", on_hand=30)
        picking_type = self.warehouse.out_type_id
        picking = self.env["stock.picking"].create(
            {
                "partner_id": self.customer.id,
                "picking_type_id": picking_type.id,
                "location_id": picking_type.default_location_src_id.id,
                "location_dest_id": self.env.ref("stock.stock_location_customers").id,
                "move_ids": [
                    (
                        0,
                        0,
                        {"product_id": mug.id, "product_uom_qty": 2, "product_uom": self.ref("uom.product_uom_dozen")},
                    )
                ],
            }
        )
        picking.action_confirm()
        picking.action_assign()
        order = self.order(self.sent(picking))
        self.assertEqual([(line["SKU"], line["Quantity"]) for line in order["OrderItems"]], [("MUG-BLU", 24)])
        with self.allow_requests(all_requests=True):
            self.act("set_callback", url=self.webhook_url(self.backend), secret=SECRET)
            self.act("despatch", order_id=int(order["ID"]))
            [callback] = self.wait_for_callback("order.despatched")
        self.run_jobs()
        self.assertEqual(callback.state, "done", callback.message)
        self.assertEqual(picking.state, "done")
        self.assertEqual(picking.move_ids.quantity, 2, "two dozen, in the move's own unit")
        self.assertEqual(mug.qty_available, 6)

    def test_half_a_unit_is_not_sent_and_the_message_names_the_line(self):
        picking = self.delivery((self.product("TEE-M-BLK"), 1.5))
        self.run_jobs()
        [sent] = self.exchanges("shipment.create")
        self.assertEqual((sent.state, sent.error_category), ("needs_attention", "business"))
        self.assertIn(f"{picking.name} has 1.5 Units of TEE-M-BLK", sent.message)
        self.assertIn("the warehouse counts whole Units", sent.message)

    def test_a_product_kept_in_an_unmapped_unit_waits_for_its_unit_mapping(self):
        dozen = self.env.ref("uom.product_uom_dozen")
        eggs = self.env["product.product"].create(
            {"name": "Eggs", "default_code": "EGG-BOX", "is_storable": True, "uom_id": dozen.id}
        )
        self.env["stock.quant"]._update_available_quantity(eggs, self.warehouse.lot_stock_id, 5)
        picking = self.delivery((eggs, 1))
        self.run_jobs()
        [sent] = self.exchanges("shipment.create")
        self.assertEqual(sent.state, "needs_attention")
        self.assertIn("EGG-BOX (Product EGG-BOX is kept in Dozens, which has no warehouse unit", sent.message)
        self.assertIn("value mapping of type 'unit'", sent.message)
        self.env["integration.value.mapping"].create(
            {
                "backend_id": self.backend.id,
                "map_type": "unit",
                "external_value": "DOZEN",
                "odoo_record": f"uom.uom,{dozen.id}",
            }
        )
        sent.action_retry()
        self.run_jobs()
        self.assertEqual(sent.state, "done", sent.message)
        self.assertEqual(picking.threepl_status, "NEW")

    def test_a_quantity_changed_before_picking_replaces_the_warehouse_s_order_and_its_despatch_applies(self):
        mug = self.product("MUG-RED")
        picking = self.delivery((mug, 2))
        first = self.sent(picking)
        with self.allow_requests(all_requests=True):
            self.act("set_callback", url=self.webhook_url(self.backend), secret=SECRET)
        # The warehouse's cancellation callback is turned away while the test works, and tried again after.
        picking.sale_id.order_line.product_uom_qty = 3
        self.run_jobs()
        [change] = self.exchanges("shipment.change")
        self.assertEqual(change.state, "done", change.message)
        with self.allow_requests(all_requests=True):
            [cancelled] = self.wait_for_callback("order.cancelled")
        self.run_jobs()
        self.assertEqual(cancelled.state, "ignored", "the warehouse cancelled it to take Odoo's change")
        self.assertIn("confirmed it already", cancelled.ignore_reason, "when it answered the cancellation")
        self.assertEqual(self.order(first)["OrderStatus"], "CANCELLED")
        second = self.order(change.result["warehouse_id"])
        self.assertEqual(second["OrderNumber"], f"{picking.name}-2")
        self.assertEqual([line["Quantity"] for line in second["OrderItems"]], [3])
        self.assertEqual(self.env["integration.binding"]._find(self.backend, "stock.picking", second["ID"]), picking)
        binding = self.env["integration.binding"].search([("external_id", "=", second["ID"])])
        self.assertEqual(list(binding.synced_values["cancel_confirmed"]), [first])
        with self.allow_requests(all_requests=True):
            self.act("despatch", order_id=int(second["ID"]))
            self.wait_for_callback("order.despatched")
        self.run_jobs()
        self.assertEqual((picking.state, picking.move_ids.quantity), ("done", 3))
        self.assertEqual(len(self.exchanges("shipment.create")), 1)

    def test_a_new_address_replaces_the_order_and_a_change_undone_sends_nothing(self):
        picking = self.delivery((self.product("CAP-NVY"), 1))
        self.sent(picking)
        moved = self.customer.copy({"street": "9 Dock Road", "city": "Hull", "zip": "HU1 1AA"})
        picking.partner_id = moved
        picking.partner_id = self.customer
        self.run_jobs()
        [undone] = self.exchanges("shipment.change")
        self.assertEqual(undone.state, "ignored", "changed back before it went: the warehouse has it as it is")
        picking.partner_id = moved
        self.run_jobs()
        change = self.exchanges("shipment.change").filtered(lambda exchange: exchange.state == "done")
        self.assertEqual(len(change), 1, self.exchanges("shipment.change").mapped("message"))
        self.assertEqual(self.order(change.result["warehouse_id"])["PostCode"], "HU1 1AA")

    def test_a_change_once_the_warehouse_has_picked_waits_for_a_person(self):
        mug = self.product("MUG-WHT")
        picking = self.delivery((mug, 1))
        order_id = self.sent(picking)
        self.act("advance", hours=3)
        self.assertEqual(self.order(order_id)["OrderStatus"], "PICKED")
        picking.sale_id.order_line.product_uom_qty = 2
        self.run_jobs()
        [change] = self.exchanges("shipment.change")
        self.assertEqual((change.state, change.error_category), ("needs_attention", "business"))
        self.assertIn("after the warehouse had picked it", change.message)
        self.assertEqual(self.order(order_id)["OrderStatus"], "PICKED", "the warehouse's order is left alone")

    def partly_despatched(self, sku, quantity, shipped):
        """A delivery of ``quantity`` sent, ``shipped`` of it despatched: the delivery, its backorder, the order."""
        picking = self.delivery((self.product(sku), quantity))
        order_id = self.sent(picking)
        with self.allow_requests(all_requests=True):
            self.act("set_callback", url=self.webhook_url(self.backend), secret=SECRET)
            self.act("despatch", order_id=int(order_id), lines={sku: shipped})
            self.wait_for_callback("order.despatched")
        self.run_jobs()
        backorder = picking.backorder_ids
        self.assertEqual((picking.state, backorder.move_ids.product_uom_qty), ("done", quantity - shipped))
        self.assertEqual(self.order(order_id)["OrderStatus"], "ONBACKORDER")
        return picking, backorder, order_id

    def test_a_backorder_changed_before_picking_goes_as_its_own_shipment_and_its_despatch_applies(self):
        picking, backorder, first = self.partly_despatched("MUG-RED", 3, 1)
        self.assertEqual(backorder.threepl_status, "ONBACKORDER", "the warehouse keeps the rest on backorder")
        picking.sale_id.order_line.product_uom_qty = 4
        self.assertEqual(backorder.move_ids.product_uom_qty, 3)
        self.run_jobs()
        [change] = self.exchanges("shipment.change")
        self.assertEqual(change.state, "done", change.message)
        self.assertEqual(self.order(first)["OrderStatus"], "CANCELLED", "the rest kept on the first order is cancelled")
        second = self.order(change.result["warehouse_id"])
        self.assertEqual(second["OrderNumber"], backorder.name)
        self.assertEqual([(line["SKU"], line["Quantity"]) for line in second["OrderItems"]], [("MUG-RED", 3)])
        Binding = self.env["integration.binding"]
        self.assertEqual(Binding._find(self.backend, "stock.picking", second["ID"]), backorder)
        self.assertEqual(Binding._find(self.backend, "stock.picking", first), picking, "the first part keeps its order")
        # Changed again: the backorder's own order is replaced, under the next revision of its number.
        backorder.move_ids.product_uom_qty = 2
        self.run_jobs()
        again = self.exchanges("shipment.change") - change
        self.assertEqual(again.state, "done", again.message)
        third = self.order(again.result["warehouse_id"])
        self.assertEqual((third["OrderNumber"], third["OrderItems"][0]["Quantity"]), (f"{backorder.name}-2", 2))
        self.follow()
        self.assertEqual(backorder.threepl_status, "NEW", "followed by its own order, not the first one's")
        with self.allow_requests(all_requests=True):
            self.act("set_callback", url=self.webhook_url(self.backend), secret=SECRET)
            self.act("despatch", order_id=int(third["ID"]))
            self.wait_for_callback("order.despatched", count=2)
        self.run_jobs()
        self.assertEqual((backorder.state, backorder.move_ids.quantity), ("done", 2))
        self.assertEqual(len(self.exchanges("shipment.create")), 1, "sent as changes, never as a second delivery")

    def test_a_backorder_changed_once_the_warehouse_has_picked_it_waits_for_a_person(self):
        picking, backorder, first = self.partly_despatched("MUG-WHT", 3, 1)
        self.act("advance", hours=2.5)
        self.assertEqual(self.order(first)["OrderStatus"], "PICKED")
        backorder.move_ids.product_uom_qty = 1
        self.run_jobs()
        [change] = self.exchanges("shipment.change")
        self.assertEqual((change.state, change.error_category), ("needs_attention", "business"))
        self.assertIn(
            f"{backorder.name} changed in Odoo after the warehouse had picked it ({picking.name})", change.message
        )
        self.assertEqual(self.order(first)["OrderStatus"], "PICKED", "the warehouse's order is left alone")

    def test_a_backorder_cancelled_in_odoo_cancels_the_rest_kept_on_the_first_part_s_order(self):
        picking, backorder, first = self.partly_despatched("MUG-BLU", 3, 1)
        tracking = picking.carrier_tracking_ref
        backorder.action_cancel()
        self.run_jobs()
        [cancel] = self.exchanges("shipment.cancel")
        self.assertEqual(cancel.state, "done", cancel.message)
        self.assertEqual(cancel.result["cancelled"], first, "the order that keeps the rest on backorder")
        self.assertEqual(self.order(first)["OrderStatus"], "CANCELLED")
        self.assertEqual(backorder.threepl_status, "CANCELLED")
        self.assertEqual((picking.state, picking.carrier_tracking_ref), ("done", tracking), "the part shipped stays")
        self.assertEqual(len(self.exchanges("shipment.create")), 1, "nothing sent again")

    def test_an_address_edited_on_the_customer_replaces_the_orders_of_its_deliveries_not_yet_despatched(self):
        customer = self.customer.copy({"name": "Grace Lovell"})
        waiting = self.delivery((self.product("CAP-NVY"), 1), partner=customer)
        waiting_order = self.sent(waiting)
        gone = self.delivery((self.product("BEANIE-MUS"), 1), partner=customer)
        with self.allow_requests(all_requests=True):
            self.act("set_callback", url=self.webhook_url(self.backend), secret=SECRET)
            self.act("despatch", order_id=int(self.sent(gone)))
            self.wait_for_callback("order.despatched")
        self.run_jobs()
        self.assertEqual(gone.state, "done")
        other = self.delivery((self.product("TOTE-NAT"), 1))
        self.sent(other)
        customer.write({"website": "https://lovell.example", "comment": "Leave with a neighbour"})
        self.run_jobs()
        self.assertFalse(self.exchanges("shipment.change"), "nothing the warehouse is told of changed")
        customer.write({"street": "9 Dock Road", "city": "Hull", "zip": "HU1 1AA"})
        self.run_jobs()
        [change] = self.exchanges("shipment.change")
        self.assertEqual((change.state, change.external_id), ("done", waiting_order), change.message)
        moved = self.order(change.result["warehouse_id"])
        self.assertEqual((moved["OrderNumber"], moved["Address1"]), (f"{waiting.name}-2", "9 Dock Road"))
        self.assertEqual((moved["Town"], moved["PostCode"]), ("Hull", "HU1 1AA"))
        self.assertEqual(self.order(waiting_order)["OrderStatus"], "CANCELLED")

    def test_a_company_renamed_is_told_for_the_deliveries_to_its_contacts(self):
        company = self.env["res.partner"].create(
            {"name": "Lovell Mills Ltd", "is_company": True, "street": "1 Mill Lane", "city": "Leeds", "zip": "LS1 4AB"}
        )
        contact = self.env["res.partner"].create({"name": "Ada Lovell", "parent_id": company.id, "type": "contact"})
        picking = self.delivery((self.product("TOTE-BLK"), 1), partner=contact)
        order_id = self.sent(picking)
        self.assertEqual(self.order(order_id)["CompanyName"], "Lovell Mills Ltd")
        company.name = "Lovell Mills Group Ltd"
        self.run_jobs()
        [change] = self.exchanges("shipment.change")
        self.assertEqual(change.state, "done", change.message)
        self.assertEqual(self.order(change.result["warehouse_id"])["CompanyName"], "Lovell Mills Group Ltd")
