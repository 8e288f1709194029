"""Deliveries out and despatches back through Odoo over the warehouse's files and its SOAP service: end to end."""

import shutil
import tempfile
from pathlib import Path

import requests

from odoo.tests import tagged

from .test_sandbox import API_KEY, WarehouseCase

DESPATCH_HEADER = (
    "OrderNumber,ExternalOrderReference,OrderId,DespatchDate,CourierName,TrackingNumber,TrackingURL,SKU,Quantity\n"
)


class ReadCase(WarehouseCase):
    """The REST case's set-up (warehouse, customer, carrier mapping) on another transport."""

    def mine(self, picking):
        """The despatches read of ``picking``'s shipment (the warehouse's own orders are read too)."""
        return self.exchanges("shipment.despatched").filtered(lambda exchange: exchange.external_id == picking.name)

    def read(self):
        return self.run_flow("despatches.read")

    def binding(self, picking):
        return self.env["integration.binding"].search(
            [("backend_id", "=", self.backend.id), ("res_model", "=", "stock.picking"), ("res_id", "=", picking.id)]
        )

    def warehouse_order(self, number):
        [order] = requests.get(
            f"{self.sandbox_url}/threepl/api/Order/Search",
            params={"OrderNumber": number},
            headers={"ms-apikey": API_KEY},
            timeout=5,
        ).json()
        return order

    def check_goods_in(self):
        """A receipt announced as an ASN, counted in by the warehouse's clock, read back: the receipt validated."""
        self.act("configure", receipt_variance_rate=0)
        pen = self.product("PEN-BRASS", on_hand=0)
        receipt = self.receipt((pen, 6))
        self.run_jobs()
        [sent] = self.exchanges("asn.create")
        self.assertEqual(sent.state, "done", sent.message)
        self.assertEqual(receipt.threepl_status, "AWAITINGDELIVERY")
        self.act("advance", hours=1)
        flow = self.run_flow("receipts.read")
        [booked] = self.exchanges("receipt.booked_in")
        self.assertEqual(booked.state, "done", booked.message)
        self.assertEqual((receipt.state, receipt.threepl_status, pen.qty_available), ("done", "BOOKEDIN", 6))
        self.run_flow("receipts.read")
        self.assertEqual(self.exchanges("receipt.booked_in"), booked, "read again: applied once")
        return flow

    def check_cancellations(self):
        """A delivery cancelled in Odoo is cancelled at the warehouse; one it has picked is refused, with why."""
        picked = self.delivery((self.product("TEE-L-BLK"), 1))
        self.run_jobs()
        self.act("advance", hours=3)
        self.assertEqual(self.warehouse_order(picked.name)["OrderStatus"], "PICKED")
        picking = self.delivery((self.product("TEE-S-BLK"), 1))
        self.run_jobs()
        (picking | picked).action_cancel()
        self.run_jobs()
        self.act("advance", hours=0.25)
        self.read()
        self.assertEqual(self.warehouse_order(picking.name)["OrderStatus"], "CANCELLED")
        self.assertEqual(self.warehouse_order(picked.name)["OrderStatus"], "PICKED")
        return self.exchanges("shipment.cancel") | self.exchanges("shipment.refused")


@tagged("post_install", "-at_install")
class TestWarehouseFiles(ReadCase):
    root = None

    @classmethod
    def sandbox_env(cls):
        cls.root = tempfile.mkdtemp(prefix="threepl-")
        cls.addClassCleanup(shutil.rmtree, cls.root, ignore_errors=True)
        return {"SANDBOX_THREEPL_ROOT": cls.root}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.backend.write({"threepl_transport": "folder", "threepl_folder": cls.root, "threepl_settle_seconds": 0})

    def despatch_file(self, name, rows):
        path = Path(self.root, "out/despatches", name)
        path.write_text(DESPATCH_HEADER + "".join(f"{row}\n" for row in rows), encoding="utf-8")
        return path

    def test_a_delivery_goes_out_as_a_file_and_the_despatch_file_validates_it_once(self):
        picking = self.delivery((self.product("MUG-BLU"), 2))
        self.run_jobs()
        [sent] = self.exchanges("shipment.create")
        self.assertEqual(sent.state, "done", sent.message)
        self.assertEqual(self.exchanges("item.create"), self.env["integration.exchange"], "files set up no items")
        self.act("advance", hours=5)
        self.read()
        despatched = self.mine(picking)
        self.assertEqual(despatched.mapped("state"), ["done"], despatched.mapped("payload"))
        self.assertEqual((picking.state, picking.tracking_carrier), ("done", "Royal Mail"))
        self.assertTrue(picking.carrier_tracking_ref)
        self.assertEqual(despatched.delivery_id.name.split("/")[:2], ["out", "despatches"], "the file, kept")
        processed = Path(self.root, "out/despatches/processed", Path(despatched.delivery_id.name).name)
        self.assertTrue(processed.is_file(), "moved aside once read")
        # The same file delivered again: nothing applied twice.
        shutil.copy(processed, Path(self.root, "out/despatches", processed.name))
        self.read()
        self.assertEqual(self.mine(picking), despatched)
        self.assertEqual(picking.move_ids.quantity, 2)

    def test_a_bad_row_waits_naming_file_and_line_and_the_good_rows_are_applied(self):
        picking = self.delivery((self.product("MUG-RED"), 1))
        self.run_jobs()
        self.despatch_file(
            "despatch_manual.csv",
            [
                f"{picking.name},,77,2026-01-05T10:00:00,Royal Mail,AB123456789GB,,MUG-RED,1",
                "SO-ELSE,,78,2026-01-05T10:00:00,DPD,1550012345,,MUG-RED,two",
            ],
        )
        self.read()
        [problem] = self.exchanges("file.problem")
        self.assertEqual((problem.state, problem.error_category), ("needs_attention", "validation"))
        self.assertIn("out/despatches/despatch_manual.csv: line 3", problem.message)
        self.assertEqual((picking.state, picking.carrier_tracking_ref), ("done", "AB123456789GB"))

    def test_a_file_with_a_bad_row_is_held_whole_by_policy_and_left_in_place(self):
        self.backend.threepl_file_policy = "file"
        picking = self.delivery((self.product("MUG-GRN"), 1))
        self.run_jobs()
        path = self.despatch_file(
            "despatch_held.csv",
            [
                f"{picking.name},,79,2026-01-05T10:00:00,Royal Mail,AB223456789GB,,MUG-GRN,1",
                "SO-ELSE,,80,2026-01-05T10:00:00,DPD,1550012346,,MUG-GRN,-1",
            ],
        )
        self.read()
        self.read()
        [problem] = self.exchanges("file.problem")
        self.assertIn("None of the file was applied", problem.message)
        self.assertEqual(picking.state, "assigned")
        self.assertTrue(path.exists(), "left for the warehouse to replace")

    def test_a_shipment_the_warehouse_refuses_in_its_error_file_waits_with_the_reason(self):
        self.delivery((self.product("NOT-AT-3PL-FILES"), 1))
        self.run_jobs()
        self.act("advance", hours=1)
        self.read()
        [refused] = self.exchanges("shipment.refused")
        self.assertEqual((refused.state, refused.error_category), ("needs_attention", "business"))
        self.assertIn("Unknown SKU 'NOT-AT-3PL-FILES'", refused.message)

    def test_the_stock_file_is_reconciled_and_kept_as_the_report(self):
        self.backend.threepl_stock_site = "1"
        pen = self.product("PEN-BRASS", on_hand=0)
        self.act("stock_count")
        self.run_flow("stock.reconcile")
        [report] = self.exchanges("stock.report")
        self.assertEqual(report.state, "done", report.message)
        self.assertTrue(report.delivery_id.name.startswith("out/stock/stock_"), report.delivery_id.name)
        self.assertEqual(report.result["compared"], 30)
        self.assertIn("PEN-BRASS", report.result["held"])
        self.assertEqual(pen.qty_available, 0, "a large difference waits for approval")

    def test_a_receipt_goes_out_as_an_asn_file_and_the_booking_in_file_validates_it_once(self):
        self.check_goods_in()
        [asn_file] = Path(self.root, "in/asns/processed").glob("*.csv")
        self.assertTrue(asn_file.read_text().startswith("Reference,Warehouse,ExpectedDate,SKU,Quantity"))

    def test_a_cancellation_goes_out_as_a_file_and_one_the_warehouse_refuses_waits_with_its_reason(self):
        exchanges = self.check_cancellations()
        self.assertEqual(exchanges.filtered(lambda e: e.flow == "shipment.cancel").mapped("state"), ["done", "done"])
        [refused] = exchanges.filtered(lambda e: e.flow == "shipment.refused")
        self.assertEqual((refused.state, refused.error_category), ("needs_attention", "business"))
        self.assertIn("The warehouse would not cancel", refused.message)
        self.assertIn("is PICKED and cannot be cancelled", refused.message)

    def test_the_warehouse_s_cancellation_file_confirms_a_cancelled_delivery_on_its_binding_and_exchange(self):
        picking = self.delivery((self.product("TEE-S-BLK"), 1))
        self.run_jobs()
        picking.action_cancel()
        self.run_jobs()
        [cancel] = self.exchanges("shipment.cancel")
        self.assertEqual((cancel.state, cancel.result["confirmed"]), ("done", False), cancel.message)
        self.assertFalse((self.binding(picking).synced_values or {}).get("cancel_confirmed"))
        self.assertNotEqual(picking.threepl_status, "CANCELLED", "not until the warehouse says so")
        self.act("advance", hours=0.25)
        self.read()
        [confirmed] = self.exchanges("shipment.cancelled")
        self.assertEqual((confirmed.state, confirmed.external_id), ("done", picking.name), confirmed.message)
        self.assertTrue(confirmed.delivery_id.name.startswith("out/cancellations/cancelled_"), "the file, kept")
        self.assertEqual(list(self.binding(picking).synced_values["cancel_confirmed"]), [picking.name])
        self.assertEqual(cancel.result["confirmation"], confirmed.id, "the exchange that asked shows the answer")
        self.assertEqual(picking.threepl_status, "CANCELLED")
        self.assertEqual(confirmed.link_ids.res_id, picking.id)
        self.read()
        self.assertEqual(self.exchanges("shipment.cancelled"), confirmed, "moved aside once read")

    def test_an_order_replaced_to_take_a_change_is_confirmed_cancelled_by_the_warehouse_s_file(self):
        picking = self.delivery((self.product("MUG-RED"), 1))
        self.run_jobs()
        picking.sale_id.order_line.product_uom_qty = 2
        self.run_jobs()
        [change] = self.exchanges("shipment.change")
        self.assertEqual(change.state, "done", change.message)
        self.act("advance", hours=0.25)
        self.read()
        [confirmed] = self.exchanges("shipment.cancelled")
        self.assertEqual(confirmed.state, "done", confirmed.message)
        self.assertEqual(confirmed.result["asked_by"], change.id)
        binding = self.binding(picking)
        self.assertEqual(binding.external_id, f"{picking.name}-2")
        self.assertEqual(list(binding.synced_values["cancel_confirmed"]), [picking.name])
        self.assertTrue(change.result["cancel_confirmed"])
        self.assertEqual(self.warehouse_order(picking.name)["OrderStatus"], "CANCELLED")
        self.assertNotEqual(self.warehouse_order(f"{picking.name}-2")["OrderStatus"], "CANCELLED")
        self.assertEqual(picking.threepl_status, "NEW", "its new order stands")

    def test_a_cancellation_confirmed_that_odoo_never_asked_for_waits_for_a_person(self):
        picking = self.delivery((self.product("MUG-GRN"), 1))
        self.run_jobs()
        Path(self.root, "out/cancellations", "cancelled_by_hand.csv").write_text(
            "OrderNumber,OrderId,CancelledDate\n"
            "SO-NEVER-SENT,99,2026-01-05T10:00:00\n"
            f"{picking.name},5,2026-01-05T10:00:00\n"
        )
        self.read()
        confirmations = self.exchanges("shipment.cancelled")
        never = confirmations.filtered(lambda exchange: exchange.external_id == "SO-NEVER-SENT")
        self.assertEqual((never.state, never.error_category), ("needs_attention", "business"))
        self.assertIn("its order SO-NEVER-SENT, which Odoo never asked it to cancel", never.message)
        [held] = confirmations - never
        self.assertEqual(held.state, "needs_attention")
        self.assertIn(f"The warehouse cancelled {picking.name}, which Odoo still has to deliver", held.message)
        self.assertEqual(picking.state, "assigned")

    def test_another_warehouse_s_file_layout_is_field_mappings_not_code(self):
        self.backend.action_threepl_setup()
        self.assertIn("despatches.read", self.backend.flow_ids.mapped("code"))
        mappings = self.backend.field_mapping_ids.filtered(lambda mapping: mapping.flow == "file.despatches")
        self.assertEqual(mappings.filtered(lambda m: m.target == "tracking").source, "TrackingNumber")
        mappings.filtered(lambda m: m.target == "tracking").source = "Consignment"
        mappings.filtered(lambda m: m.target == "number").source = "Reference"
        picking = self.delivery((self.product("TOTE-BLK"), 1))
        self.run_jobs()
        path = Path(self.root, "out/despatches", "their_layout.csv")
        path.write_text(f"Reference,SKU,Quantity,Consignment\r\n{picking.name},TOTE-BLK,1,JD0002211\r\n")
        self.read()
        self.assertEqual((picking.state, picking.carrier_tracking_ref), ("done", "JD0002211"))


@tagged("post_install", "-at_install")
class TestWarehouseSoap(ReadCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.backend.write(
            {
                "threepl_transport": "soap",
                "threepl_client_id": "sandbox",
                "threepl_username": "integration",
                "api_secret": "peoplevox-sandbox",
            }
        )

    def test_a_delivery_goes_out_over_soap_and_the_despatch_read_back_validates_it(self):
        picking = self.delivery((self.product("TEE-S-WHT"), 1), (self.product("MUG-BLU"), 1))
        self.run_jobs()
        self.assertEqual(self.exchanges("item.create").mapped("state"), ["done", "done"])
        [sent] = self.exchanges("shipment.create")
        self.assertEqual((sent.state, sent.result["warehouse_id"]), ("done", picking.name), sent.message)
        self.act("advance", hours=5)
        flow = self.read()
        self.assertTrue(flow.cursor)
        [despatched] = self.mine(picking)
        self.assertEqual(despatched.state, "done", despatched.message)
        self.assertEqual(picking.state, "done")
        self.read()
        self.assertEqual(self.mine(picking), despatched, "read again from the cursor: applied once")

    def test_wrong_credentials_are_an_authentication_problem(self):
        self.backend.api_secret = "wrong"
        picking = self.delivery((self.product("MUG-BLU"), 1))
        self.run_jobs()
        [sent] = self.exchanges("shipment.create")
        self.assertEqual(sent.error_category, "auth", sent.message)
        self.assertNotIn("wrong", sent.message)
        self.assertEqual(picking.threepl_status, False)

    def test_set_up_gives_a_soap_warehouse_the_flows_that_read_its_despatches_and_goods_in(self):
        message = self.backend.action_threepl_setup()["params"]["message"]
        self.assertIn("SOAP service answering as client sandbox", message)
        self.assertTrue({"despatches.read", "receipts.read"} <= set(self.backend.flow_ids.mapped("code")))

    def test_a_receipt_goes_out_as_an_asn_over_soap_and_its_goods_in_are_read_from_a_cursor(self):
        flow = self.check_goods_in()
        self.assertTrue(flow.cursor, "the latest booking in read")

    def test_a_cancellation_over_soap_is_done_at_once_and_one_the_warehouse_refuses_waits_with_its_reason(self):
        cancels = self.check_cancellations().filtered(lambda e: e.flow == "shipment.cancel")
        self.assertEqual(sorted(cancels.mapped("state")), ["done", "needs_attention"], cancels.mapped("message"))
        refused = cancels.filtered(lambda e: e.state == "needs_attention")
        self.assertIn("would not cancel", refused.message)
        self.assertIn("is PICKED and cannot be cancelled", refused.message)
        done = cancels.filtered(lambda e: e.state == "done")
        self.assertTrue(done.result["confirmed"], "the warehouse cancels as it answers")
        binding = self.env["integration.binding"].search(
            [("backend_id", "=", self.backend.id), ("external_id", "=", done.external_id)]
        )
        self.assertEqual(list(binding.synced_values["cancel_confirmed"]), [done.external_id])
