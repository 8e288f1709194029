"""Deliveries out to the sandbox warehouse over REST, and its despatch callbacks back: end to end."""

import time

import requests

from odoo.tests import tagged

from odoo.addons.erp_integration_core.tests.common import SandboxCase

API_KEY = "ms-sandbox-demo-key"
SECRET = "warehouse-callback-secret"


@tagged("post_install", "-at_install")
class TestWarehouseSandbox(SandboxCase):
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

    def product(self, sku, on_hand=10):
        product = self.env["product.product"].create({"name": sku, "default_code": sku, "is_storable": True})
        self.env["stock.quant"]._update_available_quantity(product, self.warehouse.lot_stock_id, on_hand)
        return product

    def delivery(self, *lines):
        sale = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "warehouse_id": self.warehouse.id,
                "order_line": [(0, 0, {"product_id": product.id, "product_uom_qty": qty}) for product, qty in lines],
            }
        )
        sale.action_confirm()
        return sale.picking_ids

    def exchanges(self, flow):
        return self.env["integration.exchange"].search([("backend_id", "=", self.backend.id), ("flow", "=", flow)])

    def wait_for_callback(self, flow, count=1, timeout=20):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = requests.get(f"{self.sandbox_url}/_sandbox/webhooks?system=threepl", timeout=5).json()
            if not state["threepl"]["pending"] and len(self.exchanges(flow)) >= count:
                return self.exchanges(flow)
            time.sleep(0.3)
        self.fail(f"no {flow} callback arrived")

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
        self.assertEqual(picking.backorder_ids.move_ids.product_uom_qty, 2)

    def test_a_refused_shipment_waits_with_the_warehouse_s_reason(self):
        unknown = self.product("NOT-AT-3PL")
        self.delivery((unknown, 1))
        self.run_jobs()
        [sent] = self.exchanges("shipment.create")
        self.assertEqual(sent.state, "needs_attention")
        self.assertIn("product with SKU 'NOT-AT-3PL' not found", sent.message)

    def test_a_despatch_of_an_order_odoo_never_sent_waits_for_a_person(self):
        order = requests.put(
            f"{self.sandbox_url}/threepl/api/Order",
            headers={"ms-apikey": API_KEY},
            json={
                "OrderNumber": "PHONE-1",
                "Warehouse": "MAIN",
                "PostCode": "LS1 4AB",
                "OrderItems": [{"SKU": "MUG-BLU", "Quantity": 1}],
            },
            timeout=5,
        ).json()[0]
        with self.allow_requests(all_requests=True):
            self.act("set_callback", url=self.webhook_url(self.backend), secret=SECRET)
            self.act("despatch", order_id=order["OrderId"])
            [callback] = self.wait_for_callback("order.despatched")
        self.run_jobs()
        self.assertEqual(callback.state, "needs_attention")
        self.assertIn("which Odoo never sent", callback.message)

    def test_connection_describes_the_warehouse(self):
        message = self.backend.action_test_connection()["params"]["message"]
        self.assertIn("REST API answering", message)

    def follow(self):
        flow = self.backend.flow_ids.filtered(lambda flow: flow.code == "shipments.follow") or self.env[
            "integration.flow"
        ].create({"backend_id": self.backend.id, "code": "shipments.follow", "name": "Follow", "mode": "scheduled"})
        flow._run()
        self.run_jobs()
        return flow

    def test_a_query_raised_by_the_warehouse_shows_on_the_delivery_and_waits_with_its_text(self):
        self.customer.zip = "NOT A POSTCODE"
        picking = self.delivery((self.product("MUG-GRN"), 1))
        self.run_jobs()
        self.follow()
        self.assertEqual(picking.threepl_status, "QUERYRAISED")
        [query] = self.exchanges("order.query")
        self.assertEqual(query.state, "needs_attention")
        self.assertIn("'NOT A POSTCODE' is not a valid UK postcode", query.message)
        self.follow()
        self.assertEqual(len(self.exchanges("order.query")), 1, "the same query is one exchange")

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
        self.assertEqual(len(self.exchanges("order.despatched")), 1)

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
