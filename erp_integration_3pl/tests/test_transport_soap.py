"""The SOAP transport against the sandbox's Peoplevox-like service, in its own process."""

import base64
import csv
import io
import logging
import re
import socket
from datetime import datetime

import pytest
import requests

from odoo.addons.erp_integration_core.lib.errors import AuthError, BusinessError, TransientError, ValidationError

from sandbox.testing import sandbox_process

from ..lib.soap import SoapTransport
from ..lib.soap_csv import despatch_rows, order_of
from ..lib.transport import Accepted

PASSWORD = "peoplevox-sandbox"
API_KEY = "ms-sandbox-demo-key"
ADDRESS = {
    "FirstName": "Ada",
    "LastName": "Lovell",
    "CompanyName": "",
    "Address1": "1 Mill Lane",
    "Address2": "Flat 2",
    "Town": "Leeds",
    "PostCode": "LS1 4AB",
    "Country": "GB",
    "Email": "ada@example.co.uk",
    "Phone": "",
}


@pytest.fixture(scope="module")
def sandbox():
    with sandbox_process(seed=11) as url:
        yield url


class Warehouse:
    """The sandbox's warehouse as a test steers it: reset, actions, faults, and its REST view to check against."""

    def __init__(self, url):
        self.url = url
        requests.post(f"{url}/_sandbox/reset?system=threepl", timeout=10).raise_for_status()

    def act(self, action, **params):
        response = requests.post(f"{self.url}/_sandbox/systems/threepl/actions/{action}", json=params, timeout=30)
        response.raise_for_status()
        return response.json()["result"]

    def faults(self, **knobs):
        requests.put(f"{self.url}/_sandbox/faults", json={"threepl": knobs}, timeout=10).raise_for_status()

    def rest(self, path, **params):
        response = requests.get(f"{self.url}/threepl/api/{path}", params=params, headers={"ms-apikey": API_KEY})
        response.raise_for_status()
        return response.json()

    def order(self, number):
        [order] = self.rest("Order/Search", OrderNumber=number)
        return order

    def calls(self):
        """The SOAP operations called since the last ``forget_calls``."""
        log = requests.get(f"{self.url}/_sandbox/requests?system=threepl", timeout=10).json()["requests"]
        operation = re.compile(r":(Authenticate|SaveData|GetData)\b")
        return [operation.search(entry["body"]).group(1) for entry in log if entry["body"]]

    def forget_calls(self):
        requests.delete(f"{self.url}/_sandbox/requests", timeout=10).raise_for_status()


@pytest.fixture
def warehouse(sandbox):
    warehouse = Warehouse(sandbox)
    warehouse.forget_calls()
    return warehouse


@pytest.fixture
def transport(sandbox, warehouse):
    return SoapTransport(f"{sandbox}/threepl", "sandbox", "integration", PASSWORD, timeout=5)


def shipment(number, *lines, site="MAIN", service="Royal Mail Tracked 48"):
    return {
        "number": number,
        "site": site,
        "service": service,
        "address": ADDRESS,
        "lines": [{"sku": sku, "quantity": quantity} for sku, quantity in lines],
    }


def test_items_then_a_shipment_are_saved_and_read_back(transport, warehouse):
    items = [
        {"sku": "MUG-PNK", "name": 'Enamel mug, pink, 12" "tall"', "barcode": "5060123400999"},
        {"sku": "MUG-YLW", "name": "Enamel mug, yellow", "barcode": ""},
    ]
    assert transport.push_items(items) == 2
    assert transport.push_item({"sku": "MUG-ORG", "name": "Enamel mug, orange", "barcode": ""}) == "MUG-ORG"
    assert transport.describe() == "SOAP service answering as client sandbox, 33 items"

    accepted = transport.push_shipment(shipment("WH/OUT/00001", ("MUG-BLU", 2.0), ("TEA-EARLGREY", 1)))

    assert accepted == Accepted("WH/OUT/00001", "Saved 1 sales order(s)")
    order = transport.shipment("WH/OUT/00001")
    assert (order["id"], order["number"], order["status"]) == ("WH/OUT/00001", "WH/OUT/00001", "NEW")
    assert (order["lines"], order["parcels"], order["query"]) == ([], [], None)
    held = warehouse.order("WH/OUT/00001")
    assert [(line["SKU"], line["Quantity"]) for line in held["OrderItems"]] == [("MUG-BLU", 2), ("TEA-EARLGREY", 1)]
    assert (held["Address1"], held["Town"], held["PostCode"]) == ("1 Mill Lane, Flat 2", "Leeds", "LS1 4AB")
    assert (held["Email"], held["CourierService"], held["WarehouseId"]) == (
        "ada@example.co.uk",
        "Royal Mail Tracked 48",
        1,
    )


def test_an_item_name_with_quotes_and_commas_arrives_whole(transport, warehouse):
    transport.push_items([{"sku": "PRINT-A2", "name": 'Print, "Fells", A2', "barcode": "5060123400111"}])
    answer = transport.client.service.GetData(SessionId=transport.session_id, TemplateName="Items")
    [item] = [row for row in csv.DictReader(io.StringIO(answer.Detail)) if row["Sku"] == "PRINT-A2"]
    assert (item["Name"], item["Barcode"]) == ('Print, "Fells", A2', "5060123400111")


def test_an_item_the_warehouse_refuses_is_named(transport, warehouse):
    items = [{"sku": "MUG-PNK", "name": "Enamel mug, pink", "barcode": ""}, {"sku": "MUG-NUL", "name": ""}]
    with pytest.raises(BusinessError, match=r"refused product 'MUG-NUL': CsvData line 3: Sku and Name are required"):
        transport.push_items(items)


def test_a_shipment_with_an_unknown_sku_is_refused_with_the_warehouses_reason(transport, warehouse):
    with pytest.raises(BusinessError) as refused:
        transport.push_shipment(shipment("WH/OUT/00002", ("MUG-BLU", 1), ("NOPE", 1)))
    message = refused.value.message
    assert "WH/OUT/00002" in message
    assert "line 3: unknown Sku 'NOPE'" in message
    assert "in Odoo" in message
    with pytest.raises(BusinessError, match="no order WH/OUT/00002"):
        transport.shipment("WH/OUT/00002")


def test_a_shipment_sent_again_is_accepted_once_more_without_a_second_order(transport, warehouse):
    first = transport.push_shipment(shipment("WH/OUT/00003", ("CAP-NVY", 1)))
    again = transport.push_shipment(shipment("WH/OUT/00003", ("CAP-NVY", 1)))
    assert first.warehouse_id == again.warehouse_id == "WH/OUT/00003"
    assert again.message == "Saved 0 sales order(s); already existing, skipped: WH/OUT/00003"
    assert len(warehouse.rest("Order/Search", OrderNumber="WH/OUT/00003")) == 1


def test_despatches_are_read_from_the_cursor_on(transport, warehouse):
    transport.push_shipment(shipment("WH/OUT/00004", ("MUG-BLU", 2), ("TOTE-NAT", 1)))
    warehouse.act("advance", hours=4)

    [batch] = transport.read_despatches()

    by_number = {record["number"]: record for record in batch.records}
    assert set(by_number) == {"SO-1001", "SO-1002", "SO-1004", "WH/OUT/00004"}, "the seeded orders left too"
    ours = by_number["WH/OUT/00004"]
    held = warehouse.order("WH/OUT/00004")
    assert (ours["status"], ours["id"]) == ("DESPATCHED", "WH/OUT/00004")
    assert ours["despatch"].startswith("D")
    assert ours["lines"] == [
        {"sku": "MUG-BLU", "quantity": None, "despatched": 2},
        {"sku": "TOTE-NAT", "quantity": None, "despatched": 1},
    ]
    assert ours["parcels"] == [
        {"carrier": "Royal Mail", "tracking": held["TrackingNumber"], "url": held["TrackingURL"]}
    ]
    assert batch.cursor == held["DespatchDate"] == ours["despatched_at"]
    assert batch.problems == []
    assert b"WH/OUT/00004" in batch.raw and batch.raw.startswith(b"DespatchNumber,SalesOrderNumber")

    at_cursor = {record["despatch"] for record in batch.records if record["despatched_at"] == batch.cursor}
    assert {by_number["SO-1004"]["despatch"], ours["despatch"]} == at_cursor
    [again] = transport.read_despatches(batch.cursor)
    assert {record["despatch"] for record in again.records} == at_cursor, "only the cursor's instant comes again"
    assert again.cursor == batch.cursor
    assert b"SO-1001" in again.raw, "the search reads the whole day; earlier despatches are dropped from the records"

    warehouse.act("advance", hours=2)
    [later] = transport.read_despatches(again.cursor)
    assert {record["despatch"] for record in later.records} == at_cursor
    assert later.cursor == batch.cursor


def test_a_cursor_moves_on_only_past_what_was_read(transport, warehouse):
    [seeded] = transport.read_despatches()
    transport.push_shipment(shipment("WH/OUT/00005", ("CAP-NVY", 1)))
    warehouse.act("advance", hours=4)

    [batch] = transport.read_despatches(seeded.cursor)

    assert [record["number"] for record in batch.records] == ["SO-1001", "SO-1002", "SO-1004", "WH/OUT/00005"]
    assert seeded.cursor == seeded.records[0]["despatched_at"]
    assert datetime.fromisoformat(batch.cursor) > datetime.fromisoformat(seeded.cursor)


def test_pages_are_batches_and_a_despatch_straddling_two_comes_whole(transport, warehouse):
    transport.push_shipment(shipment("WH/OUT/00006", ("MUG-RED", 1), ("MUG-GRN", 1)))
    transport.push_shipment(shipment("WH/OUT/00007", ("MUG-WHT", 1)))
    warehouse.act("advance", hours=4)
    transport.page_size = 3

    batches = transport.read_despatches()

    # Rows: SO-1001 x2, SO-1002 x2, SO-1004, WH/OUT/00006 x2, WH/OUT/00007: pages of 3, 3 and 2.
    assert [batch.raw.count(b"\n") - 1 for batch in batches] == [3, 3, 2]
    assert [[record["number"] for record in batch.records] for batch in batches] == [
        ["SO-1001"],
        ["SO-1002", "SO-1004"],
        ["WH/OUT/00006", "WH/OUT/00007"],
    ]
    assert [line["sku"] for line in batches[1].records[0]["lines"]] == ["TEE-M-BLK", "TOTE-NAT"]
    assert [line["sku"] for line in batches[2].records[0]["lines"]] == ["MUG-RED", "MUG-GRN"]
    cursors = [batch.cursor for batch in batches]
    assert cursors[0] == batches[0].records[0]["despatched_at"], "a page's cursor stops before a carried despatch"
    assert cursors == sorted(cursors) and cursors[-1] == batches[2].records[-1]["despatched_at"]


def test_a_split_despatch_gives_two_parcels(transport, warehouse):
    transport.push_shipment(shipment("WH/OUT/00008", ("MUG-BLU", 3), ("TEE-M-BLK", 1), service="DPD Next Day"))
    order_id = warehouse.order("WH/OUT/00008")["ID"]
    warehouse.act("despatch", order_id=order_id, lines={"MUG-BLU": 2})
    assert transport.shipment("WH/OUT/00008")["status"] == "ONBACKORDER"
    warehouse.act("advance", hours=1)
    warehouse.act("despatch", order_id=order_id)

    order = transport.shipment("WH/OUT/00008")

    held = warehouse.order("WH/OUT/00008")
    assert order["status"] == "DESPATCHED"
    assert order["lines"] == [
        {"sku": "MUG-BLU", "quantity": None, "despatched": 3},
        {"sku": "TEE-M-BLK", "quantity": None, "despatched": 1},
    ]
    assert [parcel["tracking"] for parcel in order["parcels"]] == [d["TrackingNumber"] for d in held["Despatches"]]
    assert len({parcel["tracking"] for parcel in order["parcels"]}) == 2
    assert {parcel["carrier"] for parcel in order["parcels"]} == {"DPD"}
    [batch] = transport.read_despatches()
    ours = [record for record in batch.records if record["number"] == "WH/OUT/00008"]
    assert [[(line["sku"], line["despatched"]) for line in record["lines"]] for record in ours] == [
        [("MUG-BLU", 2)],
        [("MUG-BLU", 1), ("TEE-M-BLK", 1)],
    ]
    assert len({record["despatch"] for record in ours}) == 2


def test_a_session_the_service_forgot_is_opened_again_once(transport, warehouse):
    transport.describe()
    opened = transport.session_id
    transport.session_id = "0123456789abcdef-expired"
    warehouse.forget_calls()

    levels = transport.read_stock()

    assert len(levels.records) == 60
    assert transport.session_id not in (opened, "0123456789abcdef-expired", None)
    assert warehouse.calls() == ["GetData", "Authenticate", "GetData"]
    transport.read_stock()
    assert warehouse.calls() == ["GetData", "Authenticate", "GetData", "GetData"], "the new session is kept"


def test_a_wrong_password_is_an_auth_error_that_neither_shows_nor_logs_it(sandbox, warehouse, caplog):
    caplog.set_level(logging.DEBUG)
    transport = SoapTransport(f"{sandbox}/threepl", "sandbox", "integration", "hunter2-wrong", timeout=5)
    with pytest.raises(AuthError) as refused:
        transport.read_stock()
    message = refused.value.message
    assert "Authentication failed" in message and "'integration'" in message
    assert "/threepl/soap" in caplog.text, "requests were logged"
    for secret in ("hunter2-wrong", base64.b64encode(b"hunter2-wrong").decode()):
        assert secret not in message
        assert secret not in caplog.text


def test_a_warehouse_that_is_down_is_transient():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    transport = SoapTransport(f"http://127.0.0.1:{port}/threepl", "sandbox", "integration", PASSWORD, timeout=2)
    with pytest.raises(TransientError, match="did not answer"):
        transport.describe()


def test_a_slow_answer_is_transient(sandbox, warehouse):
    transport = SoapTransport(f"{sandbox}/threepl", "sandbox", "integration", PASSWORD, timeout=1)
    transport.describe()
    warehouse.faults(timeout_rate=1.0, timeout_seconds=3)
    with pytest.raises(TransientError, match="did not answer GetData .ReadTimeout."):
        transport.read_stock()


def test_throttling_is_transient_with_the_wait_asked_for(transport, warehouse):
    transport.describe()
    warehouse.faults(rate_limit_rate=1.0, retry_after=120)
    with pytest.raises(TransientError) as throttled:
        transport.read_stock()
    assert throttled.value.retry_after == 120
    assert "HTTP 429" in throttled.value.message


def test_server_errors_and_web_pages_are_transient(transport, warehouse):
    transport.describe()
    warehouse.faults(error_rate=1.0, error_statuses=[503])
    with pytest.raises(TransientError, match="HTTP 503"):
        transport.read_stock()
    warehouse.faults(malformed_rate=1.0, malformed_kind="content_type")
    with pytest.raises(TransientError, match="web page, not SOAP"):
        transport.read_stock()
    warehouse.faults(malformed_rate=1.0, malformed_kind="truncated")
    with pytest.raises(TransientError, match="not a SOAP envelope"):
        transport.read_stock()


def test_an_address_with_no_soap_service_is_a_validation_error(sandbox, warehouse):
    transport = SoapTransport(f"{sandbox}/threepl/api", "sandbox", "integration", PASSWORD, timeout=5)
    with pytest.raises(ValidationError, match="Check the backend's URL"):
        transport.describe()


def test_stock_is_read_as_whole_numbers_per_site(transport, warehouse):
    batch = transport.read_stock()

    assert batch.problems == []
    assert len(batch.records) == 60
    levels = {(level["sku"], level["site"]): level for level in batch.records}
    for expected in warehouse.rest("Product/StockLevels", SKU="MUG-BLU"):
        site = {1: "MAIN", 2: "SOUTH"}[expected["WarehouseId"]]
        assert levels["MUG-BLU", site] == {
            "sku": "MUG-BLU",
            "site": site,
            "level": expected["Level"],
            "allocated": expected["Allocated"],
            "available": expected["Available"],
        }
    assert levels["CANDLE-FIG", "MAIN"]["available"] == 0
    assert batch.raw.startswith(b"Sku,Warehouse,OnHand,Allocated,Available")


def test_a_cancellation_is_done_at_once_and_a_picked_order_is_refused_with_why(transport, warehouse):
    transport.push_shipment(shipment("WH/OUT/00040", ("MUG-BLU", 1)))
    assert "WH/OUT/00040" in transport.cancel_shipment("WH/OUT/00040", "WH/OUT/00040")
    assert transport.shipment("WH/OUT/00040")["status"] == "CANCELLED"
    transport.push_shipment(shipment("WH/OUT/00041", ("MUG-RED", 1)))
    warehouse.act("advance", hours=3)
    with pytest.raises(BusinessError, match=r"would not cancel WH/OUT/00041: .*PICKED and cannot be cancelled"):
        transport.cancel_shipment("WH/OUT/00041", "WH/OUT/00041")


def test_an_asn_gets_the_warehouse_s_id_and_its_goods_in_are_read_from_a_cursor(transport, warehouse):
    warehouse.act("configure", receipt_variance_rate=0)
    lines = [{"sku": "PEN-BRASS", "quantity": 4}, {"sku": "MUG-BLU", "quantity": 2}]
    accepted = transport.push_asn({"reference": "WH/IN/00005", "site": "MAIN", "expected": None, "lines": lines})
    assert accepted.warehouse_id.isdigit()
    assert transport.asn(accepted.warehouse_id)["status"] == "AWAITINGDELIVERY"
    warehouse.act("book_in", asn_id=int(accepted.warehouse_id))
    [batch] = transport.read_receipts()
    [record] = batch.records
    assert (record["id"], record["reference"], record["status"]) == (accepted.warehouse_id, "WH/IN/00005", "BOOKEDIN")
    assert {line["sku"]: line["received"] for line in record["lines"]} == {"PEN-BRASS": 4, "MUG-BLU": 2}
    assert batch.cursor == record["booked_at"]
    [again] = transport.read_receipts(batch.cursor)
    assert [r["id"] for r in again.records] == [accepted.warehouse_id], "the cursor's instant is read again"
    with pytest.raises(BusinessError, match=r"refused the ASN of WH/IN/00006: .*Sku 'NOPE'"):
        transport.push_asn(
            {"reference": "WH/IN/00006", "site": "MAIN", "expected": None, "lines": [{"sku": "NOPE", "quantity": 1}]}
        )


def test_unreadable_despatch_rows_are_named_and_their_despatch_left_out():
    detail = (
        "DespatchNumber,SalesOrderNumber,DespatchDate,CarrierName,TrackingNumber,TrackingUrl,Sku,Quantity\n"
        "D000010,WH/OUT/1,2026-01-31T11:30:00,DPD,15501234567890,https://dpd.example/1,MUG-BLU,2\n"
        "D000011,WH/OUT/2,2026-01-31T11:45:00,Royal Mail,AB123456785GB,,MUG-RED,1.5\n"
        "D000011,WH/OUT/2,2026-01-31T11:45:00,Royal Mail,AB123456785GB,,MUG-GRN,1\n"
        ",WH/OUT/3,2026-01-31T12:00:00,DPD,15501234567891,,CAP-NVY,1\n"
        "D000012,WH/OUT/4,yesterday,DPD,15501234567892,,CAP-NVY,2.00\n"
    )

    rows, problems, spoilt = despatch_rows(detail)

    assert problems == [
        (3, "Quantity '1.5' of MUG-RED is not a whole number; despatch D000011 of WH/OUT/2 is left out"),
        (5, "DespatchNumber is empty (order WH/OUT/3)"),
        (6, "DespatchDate 'yesterday' is not a date and time; despatch D000012 of WH/OUT/4 is left out"),
    ]
    assert spoilt == {("WH/OUT/2", "D000011"), ("WH/OUT/4", "D000012")}
    assert [(row["DespatchNumber"], row["Sku"], row["quantity"]) for row in rows] == [
        ("D000010", "MUG-BLU", 2),
        ("D000011", "MUG-GRN", 1),
    ]
    order = order_of("WH/OUT/1", "DESPATCHED", rows[:1], "D000010")
    assert order["despatched_at"] == "2026-01-31T11:30:00"
    assert order["parcels"] == [{"carrier": "DPD", "tracking": "15501234567890", "url": "https://dpd.example/1"}]
    assert order_of("WH/OUT/2", "DESPATCHED", rows[1:], "D000011")["parcels"] == [
        {"carrier": "Royal Mail", "tracking": "AB123456785GB", "url": ""}
    ]
    untracked = [{**rows[0], "TrackingNumber": ""}]
    assert order_of("WH/OUT/1", "DESPATCHED", untracked, "D000010")["parcels"] == [], "no tracking, no parcel"
