"""Deliveries out to the sandbox warehouse over REST, and its despatch callbacks back: end to end."""

import time

import requests

from odoo.tests import tagged

from odoo.addons.erp_integration_core.tests.common import SandboxCase

API_KEY = "ms-sandbox-demo-key"
SECRET = "warehouse-callback-secret"


class WarehouseCase(SandboxCase):
    """A backend on the sandbox warehouse (REST unless a subclass changes it), a customer, deliveries and receipts."""

    sandbox_system = "threepl"
    sandbox_seed = 5

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.warehouse = cls.env["stock.warehouse"].search([("company_id", "=", cls.env.company.id)], limit=1)
        cls.backend = cls.env["integration.backend"].create(
            {
                "name": "Sandbox warehouse",
                "channel": "3pl",
                "api_url": f"{cls.sandbox_url}/threepl",
                "api_token": API_KEY,
                "webhook_secret": SECRET,
                "threepl_warehouse_id": cls.warehouse.id,
                "threepl_site": "MAIN",
            }
        )
        cls.customer = cls.env["res.partner"].create(
            {
                "name": "Ada Lovell",
                "street": "1 Mill Lane",
                "city": "Leeds",
                "zip": "LS1 4AB",
                "country_id": cls.env.ref("base.uk").id,
            }
        )

        product = cls.env["product.product"].create({"name": "Royal Mail", "type": "service"})
        cls.royal_mail = cls.env["delivery.carrier"].create({"name": "Royal Mail 48", "product_id": product.id})
        cls.env["integration.value.mapping"].create(
            {
                "backend_id": cls.backend.id,
                "map_type": "carrier",
                "external_value": "Royal Mail",
                "odoo_record": f"delivery.carrier,{cls.royal_mail.id}",
            }
        )

    def product(self, sku, on_hand=10):
        product = self.env["product.product"].create({"name": sku, "default_code": sku, "is_storable": True})
        if on_hand:
            self.env["stock.quant"]._update_available_quantity(product, self.warehouse.lot_stock_id, on_hand)
        return product

    def delivery(self, *lines, partner=None):
        sale = self.env["sale.order"].create(
            {
                "partner_id": (partner or self.customer).id,
                "warehouse_id": self.warehouse.id,
                "order_line": [(0, 0, {"product_id": product.id, "product_uom_qty": qty}) for product, qty in lines],
            }
        )
        sale.action_confirm()
        return sale.picking_ids

    def exchanges(self, flow):
        return self.env["integration.exchange"].search([("backend_id", "=", self.backend.id), ("flow", "=", flow)])

    def order_placed_at_the_warehouse(self, number, **address):
        """An order of one blue mug, as someone (or an earlier push whose answer was lost) put it at the warehouse."""
        return requests.put(
            f"{self.sandbox_url}/threepl/api/Order",
            headers={"ms-apikey": API_KEY},
            json={
                "OrderNumber": number,
                "Warehouse": "MAIN",
                **address,
                "OrderItems": [{"SKU": "MUG-BLU", "Quantity": 1}],
            },
            timeout=5,
        ).json()[0]

    def despatched_at_the_warehouse(self, order):
        with self.allow_requests(all_requests=True):
            self.act("set_callback", url=self.webhook_url(self.backend), secret=SECRET)
            self.act("despatch", order_id=order["OrderId"])
            [callback] = self.wait_for_callback("order.despatched")
        return callback

    def wait_for_callback(self, flow, count=1, timeout=20):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = requests.get(f"{self.sandbox_url}/_sandbox/webhooks?system=threepl", timeout=5).json()
            if not state["threepl"]["pending"] and len(self.exchanges(flow)) >= count:
                return self.exchanges(flow)
            time.sleep(0.3)
        self.fail(f"no {flow} callback arrived")

    def run_flow(self, code):
        """Run the backend's scheduled flow ``code`` (made if missing), then the jobs it queued."""
        flow = self.backend.flow_ids.filtered(lambda flow: flow.code == code) or self.env["integration.flow"].create(
            {"backend_id": self.backend.id, "code": code, "name": code, "mode": "scheduled"}
        )
        flow._run()
        self.run_jobs()
        return flow

    def follow(self):
        return self.run_flow("shipments.follow")

    def receipt(self, *lines):
        supplier = self.env["res.partner"].create({"name": "Kiln & Co"})
        picking_type = self.warehouse.in_type_id
        receipt = self.env["stock.picking"].create(
            {
                "partner_id": supplier.id,
                "picking_type_id": picking_type.id,
                "location_id": self.env.ref("stock.stock_location_suppliers").id,
                "location_dest_id": picking_type.default_location_dest_id.id,
                "move_ids": [(0, 0, {"product_id": product.id, "product_uom_qty": qty}) for product, qty in lines],
            }
        )
        receipt.action_confirm()
        return receipt

    def book_in(self, asn_id, received):
        with self.allow_requests(all_requests=True):
            self.act("set_callback", url=self.webhook_url(self.backend), secret=SECRET)
            self.act("book_in", asn_id=int(asn_id), received=received)
            [booked] = self.wait_for_callback("asn.booked_in")
        self.run_jobs()
        return booked


@tagged("post_install", "-at_install")
class TestWarehouseSandbox(WarehouseCase):
    def test_a_ready_delivery_is_sent_and_its_despatch_validates_it_with_tracking(self):
        mug, tee = self.product("MUG-BLU"), self.product("TEE-M-BLK")
        picking = self.delivery((mug, 2), (tee, 1))
        self.assertEqual(picking.state, "assigned")
        self.run_jobs()
        [sent] = self.exchanges("shipment.create")
        self.assertEqual((sent.state, sent.direction), ("done", "out"), sent.message)
        order_id = sent.result["warehouse_id"]
        order = requests.get(
            f"{self.sandbox_url}/threepl/api/Order/{order_id}", headers={"ms-apikey": API_KEY}, timeout=5
        ).json()
        self.assertEqual(order["OrderNumber"], picking.name)
        self.assertEqual(
            {line["SKU"]: line["Quantity"] for line in order["OrderItems"]}, {"MUG-BLU": 2, "TEE-M-BLK": 1}
        )
        self.assertEqual((order["PostCode"], order["Town"]), ("LS1 4AB", "Leeds"))
        # Confirmed again (another reservation run): still one shipment.
        picking.action_assign()
        self.run_jobs()
        self.assertEqual(len(self.exchanges("shipment.create")), 1)
        with self.allow_requests(all_requests=True):
            self.act("set_callback", url=self.webhook_url(self.backend), secret=SECRET)
            self.act("despatch", order_id=int(order_id))
            [callback] = self.wait_for_callback("order.despatched")
        self.run_jobs()
        self.assertEqual(callback.state, "done", callback.message)
        self.assertEqual(picking.state, "done")
        self.assertTrue(picking.carrier_tracking_ref, "the warehouse's tracking number")
        self.assertEqual(picking.move_ids.mapped("quantity"), [2.0, 1.0])
        self.assertEqual(picking.tracking_carrier, "Royal Mail")
        self.assertEqual(picking.carrier_id, self.royal_mail, "the carrier value mapping")
        self.assertIn(picking.carrier_tracking_ref, picking.tracking_url)

    def test_a_partial_despatch_leaves_a_backorder(self):
        mug = self.product("MUG-RED")
        picking = self.delivery((mug, 3))
        self.run_jobs()
        order_id = self.exchanges("shipment.create").result["warehouse_id"]
        with self.allow_requests(all_requests=True):
            self.act("set_callback", url=self.webhook_url(self.backend), secret=SECRET)
            self.act("despatch", order_id=int(order_id), lines={"MUG-RED": 1})
            self.wait_for_callback("order.despatched")
        self.run_jobs()
        self.assertEqual(picking.state, "done", self.exchanges("order.despatched").mapped("message"))
        self.assertEqual(picking.move_ids.quantity, 1)
        backorder = picking.backorder_ids
        self.assertEqual(backorder.move_ids.product_uom_qty, 2)
        self.run_jobs()
        self.assertEqual(len(self.exchanges("shipment.create")), 1, "the warehouse keeps the rest on its order")
        with self.allow_requests(all_requests=True):
            self.act("despatch", order_id=int(order_id), lines={"MUG-RED": 2})
            self.wait_for_callback("order.despatched", count=2)
        self.run_jobs()
        self.assertEqual(backorder.state, "done", self.exchanges("order.despatched").mapped("message"))
        self.assertEqual(backorder.move_ids.quantity, 2)
        self.assertNotEqual(backorder.carrier_tracking_ref, picking.carrier_tracking_ref, "each parcel its number")
        self.assertFalse(backorder.backorder_ids)
        # Read again by following the shipment: nothing more to deliver.
        self.follow()
        states = self.exchanges("shipment.despatched").mapped("state")
        self.assertTrue(set(states) <= {"done", "ignored"}, states)

    def test_a_refused_shipment_waits_with_the_warehouse_s_reason(self):
        self.backend.threepl_site = "LEEDS"
        self.delivery((self.product("MUG-BLU"), 1))
        self.run_jobs()
        [sent] = self.exchanges("shipment.create")
        self.assertEqual((sent.state, sent.error_category), ("needs_attention", "business"))
        self.assertIn("Warehouse 'LEEDS' does not exist", sent.message)

    def test_a_product_the_warehouse_does_not_know_is_set_up_there_first_and_once(self):
        lamp = self.product("LAMP-OAK-01")
        first = self.delivery((lamp, 1))
        self.run_jobs()
        [item] = self.exchanges("item.create")
        self.assertEqual((item.state, item.result["warehouse_id"]), ("done", "LAMP-OAK-01"), item.message)
        [sent] = self.exchanges("shipment.create")
        self.assertEqual(sent.state, "done", sent.message)
        self.assertEqual(first.threepl_status, "NEW")
        self.delivery((lamp, 2))
        self.run_jobs()
        self.assertEqual(len(self.exchanges("item.create")), 1, "a product is set up at the warehouse once")
        self.assertEqual(self.exchanges("shipment.create").mapped("state"), ["done", "done"])

    def test_a_shipment_whose_answer_was_lost_is_bound_to_the_order_the_warehouse_holds(self):
        picking = self.delivery((self.product("MUG-BLU"), 1))
        held = self.order_placed_at_the_warehouse(picking.name)
        self.run_jobs()
        [sent] = self.exchanges("shipment.create")
        self.assertEqual((sent.state, sent.result["warehouse_id"]), ("done", str(held["OrderId"])), sent.message)

    def test_a_despatch_of_an_order_odoo_never_sent_waits_for_a_person(self):
        callback = self.despatched_at_the_warehouse(self.order_placed_at_the_warehouse("PHONE-1", PostCode="LS1 4AB"))
        self.run_jobs()
        self.assertEqual(callback.state, "needs_attention")
        self.assertIn("which Odoo never sent", callback.message)

    def test_a_despatch_before_odoo_heard_back_from_sending_the_shipment_waits_for_it(self):
        """The warehouse took the shipment and despatched it while the answer to Odoo's push was lost."""
        picking = self.delivery((self.product("MUG-BLU"), 1))
        [sent] = self.exchanges("shipment.create")
        order = self.order_placed_at_the_warehouse(picking.name, PostCode="LS1 4AB")
        callback = self.despatched_at_the_warehouse(order)
        callback._process()
        self.assertEqual(callback.state, "queued", callback.message)
        self.assertIn("before Odoo heard back", callback.message)
        sent._process()
        self.assertEqual(sent.state, "done", sent.message)
        self.assertEqual(sent.result["warehouse_id"], str(order["OrderId"]), "the order it already held")
        callback._process()
        self.assertEqual(callback.state, "done", callback.message)
        self.assertEqual(picking.state, "done")

    def test_connection_describes_the_warehouse(self):
        message = self.backend.action_test_connection()["params"]["message"]
        self.assertIn("REST API answering", message)

    def test_a_query_raised_by_the_warehouse_shows_on_the_delivery_and_waits_with_its_text(self):
        self.customer.zip = "NOT A POSTCODE"
        picking = self.delivery((self.product("MUG-GRN"), 1))
        self.run_jobs()
        self.follow()
        self.assertEqual(picking.threepl_status, "QUERYRAISED")
        [query] = self.exchanges("shipment.query")
        self.assertEqual(query.state, "needs_attention")
        self.assertIn("'NOT A POSTCODE' is not a valid UK postcode", query.message)
        self.follow()
        self.assertEqual(len(self.exchanges("shipment.query")), 1, "the same query is one exchange")

    def test_a_despatch_no_callback_brought_is_found_by_following_the_shipment_and_applied_once(self):
        picking = self.delivery((self.product("MUG-WHT"), 2))
        self.run_jobs()
        order_id = self.exchanges("shipment.create").result["warehouse_id"]
        self.act("advance", hours=1)
        self.follow()
        self.assertEqual(picking.threepl_status, "AWAITINGPICKING")
        self.assertEqual(picking.state, "assigned")
        self.act("despatch", order_id=int(order_id))
        self.follow()
        self.assertEqual((picking.state, picking.threepl_status), ("done", "DESPATCHED"))
        self.assertTrue(picking.carrier_tracking_ref)
        self.follow()
        self.assertEqual(len(self.exchanges("shipment.despatched")), 1)

    def test_a_delivery_cancelled_in_odoo_is_cancelled_at_the_warehouse(self):
        picking = self.delivery((self.product("TEE-S-BLK"), 1))
        self.run_jobs()
        order_id = self.exchanges("shipment.create").result["warehouse_id"]
        picking.action_cancel()
        self.run_jobs()
        [cancel] = self.exchanges("shipment.cancel")
        self.assertEqual(cancel.state, "done", cancel.message)
        self.assertEqual(picking.threepl_status, "CANCELLED")
        order = requests.get(
            f"{self.sandbox_url}/threepl/api/Order/{order_id}", headers={"ms-apikey": API_KEY}, timeout=5
        ).json()
        self.assertEqual(order["OrderStatus"], "CANCELLED")

    def test_a_delivery_cancelled_after_the_warehouse_despatched_it_waits_for_a_person(self):
        picking = self.delivery((self.product("TEE-L-BLK"), 1))
        self.run_jobs()
        self.act("despatch", order_id=int(self.exchanges("shipment.create").result["warehouse_id"]))
        picking.action_cancel()
        self.run_jobs()
        [cancel] = self.exchanges("shipment.cancel")
        self.assertEqual((cancel.state, cancel.error_category), ("needs_attention", "business"))
        self.assertIn("is DESPATCHED and cannot be cancelled", cancel.message)

    def test_a_receipt_goes_out_as_an_asn_and_what_is_booked_in_validates_it_with_a_backorder(self):
        pen, lamp = self.product("PEN-BRASS", on_hand=0), self.product("LAMP-NEW-02", on_hand=0)
        receipt = self.receipt((pen, 10), (lamp, 4))
        self.assertEqual(receipt.state, "assigned")
        self.run_jobs()
        [sent] = self.exchanges("asn.create")
        self.assertEqual(sent.state, "done", sent.message)
        self.assertEqual(receipt.threepl_status, "AWAITINGDELIVERY")
        self.assertEqual(len(self.exchanges("item.create")), 2, "both products set up before the ASN names them")
        self.assertEqual(len(self.exchanges("shipment.create")), 0, "a receipt is not a shipment")
        booked = self.book_in(sent.result["warehouse_id"], {"PEN-BRASS": 7, "LAMP-NEW-02": 4})
        self.assertEqual(booked.state, "done", booked.message)
        self.assertEqual((receipt.state, receipt.threepl_status), ("done", "BOOKEDIN"))
        self.assertEqual(sorted(receipt.move_ids.mapped("quantity")), [4.0, 7.0])
        backorder = receipt.backorder_ids
        self.assertEqual(backorder.move_ids.product_uom_qty, 3)
        self.assertEqual(pen.qty_available, 7)
        self.run_jobs()
        [again] = self.exchanges("asn.create").filtered(lambda exchange: exchange.external_id == backorder.name)
        self.assertEqual(again.state, "done", "the backorder is announced as an ASN of its own")

    def test_a_receipt_whose_answer_was_lost_is_bound_to_the_asn_the_warehouse_holds(self):
        receipt = self.receipt((self.product("PEN-BRASS", on_hand=0), 10))
        held = requests.put(
            f"{self.sandbox_url}/threepl/api/ASN",
            headers={"ms-apikey": API_KEY},
            json={"Reference": receipt.name, "Warehouse": "MAIN", "Items": [{"SKU": "PEN-BRASS", "Quantity": 10}]},
            timeout=5,
        ).json()[0]
        self.assertTrue(held["Success"], held)
        self.run_jobs()
        [sent] = self.exchanges("asn.create")
        self.assertEqual((sent.state, sent.result["warehouse_id"]), ("done", str(held["ASNId"])), sent.message)
        self.assertEqual(receipt.threepl_status, "AWAITINGDELIVERY")

    def test_a_receipt_booked_in_with_differences_waits_for_a_person_by_policy(self):
        self.backend.threepl_receipt_policy = "exception"
        pen = self.product("PEN-BRASS", on_hand=0)
        receipt = self.receipt((pen, 10))
        self.run_jobs()
        booked = self.book_in(self.exchanges("asn.create").result["warehouse_id"], {"PEN-BRASS": 12})
        self.assertEqual((booked.state, booked.error_category), ("needs_attention", "business"))
        self.assertIn("PEN-BRASS: expected 10, counted 12", booked.message)
        self.assertEqual(receipt.state, "assigned", "nothing validated")
        self.assertEqual(pen.qty_available, 0)

    def test_a_shipment_the_warehouse_cancelled_waits_for_a_person(self):
        picking = self.delivery((self.product("CAP-NVY"), 1))
        self.run_jobs()
        order_id = int(self.exchanges("shipment.create").result["warehouse_id"])
        with self.allow_requests(all_requests=True):
            self.act("set_callback", url=self.webhook_url(self.backend), secret=SECRET)
            requests.put(
                f"{self.sandbox_url}/threepl/api/Order/{order_id}/Cancel", headers={"ms-apikey": API_KEY}, timeout=5
            )
            [cancelled] = self.wait_for_callback("order.cancelled")
        self.run_jobs()
        self.assertEqual((cancelled.state, cancelled.error_category), ("needs_attention", "business"))
        self.assertIn(f"The warehouse cancelled {picking.name}", cancelled.message)
        self.assertEqual(picking.state, "assigned", "Odoo's delivery is left to the person")
        self.follow()
        self.assertEqual(picking.threepl_status, "CANCELLED")

    def test_stock_reconciliation_applies_small_differences_and_holds_large_ones_for_approval(self):
        self.backend.threepl_stock_site = "1"
        levels = requests.get(
            f"{self.sandbox_url}/threepl/api/Product/StockLevels",
            headers={"ms-apikey": API_KEY},
            params={"WarehouseId": 1},
            timeout=5,
        ).json()
        level = {line["SKU"]: line["Level"] for line in levels}
        same = self.product("CANDLE-SEA", on_hand=level["CANDLE-SEA"])
        near = self.product("PEN-BRASS", on_hand=level["PEN-BRASS"] - 1)
        far = self.product("NOTE-A5-LIN", on_hand=level["NOTE-A5-LIN"] + 10)
        self.run_flow("stock.reconcile")
        [report] = self.exchanges("stock.report")
        self.assertEqual(report.state, "done", report.message)
        self.assertEqual(report.result["adjusted"], {"PEN-BRASS": 1})
        self.assertEqual(report.result["held"], {"NOTE-A5-LIN": -10})
        self.assertIn("CANDLE-FIG", report.result["unknown_to_odoo"])
        self.assertEqual((same.qty_available, near.qty_available), (level["CANDLE-SEA"], level["PEN-BRASS"]))
        adjustment = self.env["stock.move"].search([("product_id", "=", near.id), ("is_inventory", "=", True)])
        self.assertEqual(adjustment.reference, "Warehouse stock: api/Product/StockLevels")
        [drift] = self.exchanges("stock.drift")
        self.assertEqual((drift.state, drift.error_category), ("needs_attention", "business"))
        self.assertIn(f"Odoo has {level['NOTE-A5-LIN'] + 10} (-10)", drift.message)
        self.assertEqual(far.qty_available, level["NOTE-A5-LIN"] + 10, "never overwritten unasked")
        drift.action_threepl_approve_drift()
        self.run_jobs()
        self.assertEqual(drift.child_ids.state, "done", drift.child_ids.message)
        self.assertEqual(far.qty_available, level["NOTE-A5-LIN"])
        # The same report read again changes nothing.
        self.run_flow("stock.reconcile")
        self.assertEqual(len(self.exchanges("stock.report")), 1)

    def test_set_up_tests_the_connection_creates_the_flows_and_names_the_callback_address(self):
        message = self.backend.action_threepl_setup()["params"]["message"]
        self.assertIn("REST API answering", message)
        self.assertIn(self.backend.webhook_url, message)
        self.assertEqual(
            sorted(self.backend.flow_ids.mapped("code")), ["shipments.follow", "stock.reconcile"], "REST calls back"
        )
        self.backend.action_threepl_setup()
        self.assertEqual(len(self.backend.flow_ids), 2, "set up twice: the same flows")

    def faults(self, **knobs):
        requests.put(f"{self.sandbox_url}/_sandbox/faults", json={"threepl": knobs}, timeout=5).raise_for_status()

    def test_a_warehouse_down_throttling_or_garbling_is_retried_and_the_shipment_goes_once(self):
        # One attempt per Retry, so that each fault is seen as the exception queue shows it.
        self.backend.max_attempts = 1
        picking = self.delivery((self.product("BEANIE-MUS"), 1))
        for knobs in (
            {"error_rate": 1, "error_statuses": [503]},
            {"rate_limit_rate": 1},
            {"malformed_rate": 1},
        ):
            self.faults(**knobs)
            self.run_jobs()
            [sent] = self.exchanges("shipment.create")
            self.assertEqual((sent.state, sent.error_category), ("failed", "transient"), (knobs, sent.message))
            self.assertFalse(picking.threepl_status)
            sent.action_retry()
        self.faults()
        self.run_jobs()
        self.assertEqual(sent.state, "done", sent.message)
        found = requests.get(
            f"{self.sandbox_url}/threepl/api/Order/Search",
            headers={"ms-apikey": API_KEY},
            params={"OrderNumber": picking.name},
            timeout=5,
        ).json()
        self.assertEqual(len(found), 1, "one order at the warehouse, however often it was tried")
        self.assertEqual(sent.result["warehouse_id"], str(found[0]["ID"]))
