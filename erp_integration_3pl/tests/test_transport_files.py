"""The file transport against the sandbox warehouse's drop folder, on a local path and over SFTP."""

import csv
import io
import os
import socket
import time

import pytest
import requests

from odoo.addons.erp_integration_core.lib.errors import AuthError, BusinessError, TransientError

from sandbox.testing import sandbox_process

from ..lib.files import FileTransport
from ..lib.folders import LocalFolder, SftpFolder
from ..lib.transport import Accepted

API_KEY = "ms-sandbox-demo-key"
DESPATCH_HEADER = (
    "OrderNumber,ExternalOrderReference,OrderId,DespatchDate,CourierName,TrackingNumber,TrackingURL,SKU,Quantity"
)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Warehouse:
    """The sandbox warehouse in its own process: its actions, its REST API and its drop folder."""

    def __init__(self, url, root, sftp_port):
        self.url, self.root, self.sftp_port = url, root, sftp_port

    def act(self, action, **params):
        answer = requests.post(f"{self.url}/_sandbox/systems/threepl/actions/{action}", json=params, timeout=30)
        answer.raise_for_status()
        return answer.json()["result"]

    def api(self, path, **params):
        answer = requests.get(
            f"{self.url}/threepl/api/{path}", params=params, headers={"ms-apikey": API_KEY}, timeout=10
        )
        answer.raise_for_status()
        return answer.json()

    def order(self, number):
        [order] = self.api("Order/Search", OrderNumber=number)
        return order

    def names(self, folder):
        return sorted(path.name for path in (self.root / folder).iterdir() if path.is_file())

    def sftp(self, password="sandbox", timeout=5):
        return SftpFolder("127.0.0.1", self.sftp_port, "threepl", password, timeout=timeout)


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    root, port = tmp_path_factory.mktemp("drop"), free_port()
    env = {"SANDBOX_THREEPL_ROOT": str(root), "SANDBOX_THREEPL_SFTP_PORT": str(port), "SANDBOX_THREEPL_SPEED": "0"}
    with sandbox_process(seed=7, env=env) as url:
        yield Warehouse(url, root, port)


@pytest.fixture
def warehouse(sandbox):
    requests.post(f"{sandbox.url}/_sandbox/reset?system=threepl", timeout=10).raise_for_status()
    return sandbox


@pytest.fixture(params=["local", "sftp"])
def transport(request, warehouse):
    folder = LocalFolder(warehouse.root) if request.param == "local" else warehouse.sftp()
    return FileTransport(folder, settle_seconds=0)


def shipment(number, *lines, postcode="BS1 4DJ"):
    return {
        "number": number,
        "site": "MAIN",
        "service": "Royal Mail Tracked 24",
        "address": {
            "FirstName": "Grace",
            "LastName": "Hopper",
            "Address1": "5 Quay Street",
            "Town": "Bristol",
            "PostCode": postcode,
            "Country": "GB",
            "Email": "grace@example.co.uk",
        },
        "lines": [{"sku": sku, "quantity": quantity} for sku, quantity in lines],
    }


def rows(data):
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def by_number(batches):
    return {record["number"]: (batch, record) for batch in batches for record in batch.records}


def test_a_shipment_is_written_whole_and_taken_in_by_the_warehouse(warehouse, transport):
    accepted = transport.push_shipment(shipment("WH/OUT/00012", ("MUG-BLU", 2), ("TEE-M-BLK", 1.0)))
    assert accepted == Accepted("WH/OUT/00012", "written as in/orders/WH_OUT_00012.csv")
    assert warehouse.names("in/orders") == ["WH_OUT_00012.csv"]
    written = rows((warehouse.root / "in/orders/WH_OUT_00012.csv").read_bytes())
    assert [(r["OrderNumber"], r["SKU"], r["Quantity"], r["PostCode"]) for r in written] == [
        ("WH/OUT/00012", "MUG-BLU", "2", "BS1 4DJ"),
        ("WH/OUT/00012", "TEE-M-BLK", "1", "BS1 4DJ"),
    ]
    warehouse.act("advance", hours=0.25)
    assert warehouse.names("in/orders") == []
    assert warehouse.names("in/orders/processed") == ["WH_OUT_00012.csv"]
    order = warehouse.order("WH/OUT/00012")
    assert (order["Channel"], order["Town"], order["CourierService"]) == ("File", "Bristol", "Royal Mail Tracked 24")
    assert [(item["SKU"], item["Quantity"]) for item in order["OrderItems"]] == [("MUG-BLU", 2), ("TEE-M-BLK", 1)]


def test_an_unknown_sku_comes_back_as_a_refusal_naming_the_shipment(warehouse, transport):
    transport.push_shipment(shipment("WH/OUT/00013", ("MUG-PINK", 1), ("MUG-BLU", 1)))
    assert transport.read_refusals() == []
    warehouse.act("advance", hours=0.25)
    [batch] = transport.read_refusals()
    assert batch.name == "out/errors/WH_OUT_00013_errors.csv"
    assert batch.records == [
        {"kind": "order", "number": "WH/OUT/00013", "line": 2, "error": "Unknown SKU 'MUG-PINK'"},
        {"kind": "order", "number": "WH/OUT/00013", "line": 3, "error": "Order not created: line 2 is invalid"},
    ]
    assert warehouse.api("Order/Search", OrderNumber="WH/OUT/00013") == []
    transport.acknowledge(batch)
    assert transport.read_refusals() == []
    assert warehouse.names("out/errors/processed") == ["WH_OUT_00013_errors.csv"]


def test_despatches_are_read_with_tracking_then_acknowledged_and_not_read_again(warehouse, transport):
    transport.push_shipment(shipment("WH/OUT/00014", ("MUG-BLU", 2), ("CAP-NVY", 1)))
    assert transport.read_despatches() == []
    warehouse.act("advance", hours=4)
    batches = transport.read_despatches()
    assert [batch.name for batch in batches] == [f"out/despatches/{name}" for name in warehouse.names("out/despatches")]
    despatched = by_number(batches)
    assert sorted(despatched) == ["SO-1002", "SO-1004", "WH/OUT/00014"]
    for number, (batch, record) in despatched.items():
        order = warehouse.order(number)
        assert batch.raw == (warehouse.root / batch.name).read_bytes()
        assert batch.problems == []
        assert (record["id"], record["status"], record["despatch"]) == (
            str(order["ID"]),
            "DESPATCHED",
            order["TrackingNumber"],
        )
        assert record["parcels"] == [
            {"carrier": order["CourierName"], "tracking": order["TrackingNumber"], "url": order["TrackingURL"]}
        ]
        assert [(line["sku"], line["despatched"]) for line in record["lines"]] == [
            (item["SKU"], item["QuantityDespatched"]) for item in order["OrderItems"]
        ]
    for batch in batches:
        transport.acknowledge(batch)
    assert transport.read_despatches() == []
    assert warehouse.names("out/despatches") == []
    assert len(warehouse.names("out/despatches/processed")) == 3


def test_a_part_file_is_not_read_until_renamed(warehouse, transport):
    name = warehouse.act("drop_file_problem", kind="part")["file"]
    levels = {(level["SKU"], str(level["WarehouseId"])): level for level in warehouse.api("Product/StockLevels")}
    assert warehouse.names("out/stock") == [name.split("/")[-1] + ".part"]
    assert transport.read_stock() is None
    warehouse.act("advance", hours=1)
    batch = transport.read_stock()
    assert batch.name == name
    assert len(batch.records) == len(levels) == 60
    for record in batch.records:
        level = levels[record["sku"], record["site"]]
        assert (record["level"], record["allocated"], record["available"]) == (
            level["Level"],
            level["Allocated"],
            level["Available"],
        )


def test_a_truncated_file_is_not_read_until_complete(warehouse, transport):
    name = warehouse.act("drop_file_problem", kind="truncated")["file"]
    half = (warehouse.root / name).read_bytes()
    assert transport.read_stock() is None
    warehouse.act("advance", hours=1)
    full = (warehouse.root / name).read_bytes()
    assert full.startswith(half) and len(full) > len(half)
    assert transport.read_stock() is None, "changed since the last look: left for the next read"
    batch = transport.read_stock()
    assert (batch.name, batch.raw, len(batch.records), batch.problems) == (name, full, 60, [])


def test_byte_order_marks_and_windows_line_endings_are_read(warehouse, transport):
    warehouse.act("configure", bom=True, crlf=True)
    warehouse.act("advance", hours=4)
    batches = transport.read_despatches()
    assert all(batch.raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in batch.raw for batch in batches)
    despatched = by_number(batches)
    assert sorted(despatched) == ["SO-1002", "SO-1004"]
    assert despatched["SO-1002"][1]["lines"] == [
        {"sku": "TEE-M-BLK", "quantity": None, "despatched": 1},
        {"sku": "TOTE-NAT", "quantity": None, "despatched": 1},
    ]
    assert all(batch.problems == [] for batch in batches)


def test_a_windows_1252_file_is_read(warehouse, transport):
    text = f"{DESPATCH_HEADER}\r\nSO-1002,#1002,2,2026-02-02T11:00:00,DPD – Next Day,15501234567890,,TEE-M-BLK,1\r\n"
    (warehouse.root / "out/despatches/despatch_manual.csv").write_bytes(text.encode("cp1252"))
    [batch] = transport.read_despatches()
    [record] = batch.records
    assert record["parcels"] == [{"carrier": "DPD – Next Day", "tracking": "15501234567890", "url": None}]
    assert record["lines"] == [{"sku": "TEE-M-BLK", "quantity": None, "despatched": 1}]


def test_a_malformed_row_is_a_problem_with_its_line_and_the_other_rows_are_read(warehouse, transport):
    warehouse.act("configure", malformed_row=True)
    warehouse.act("advance", hours=4)
    despatched = by_number(transport.read_despatches())
    batch, record = despatched["SO-1002"]
    assert batch.problems == [(3, "1 field(s), expected 9")]
    assert [(line["sku"], line["despatched"]) for line in record["lines"]] == [("TEE-M-BLK", 1), ("TOTE-NAT", 1)]
    batch, record = despatched["SO-1004"]
    assert batch.problems == [(2, "1 field(s), expected 9")]
    assert [(line["sku"], line["despatched"]) for line in record["lines"]] == [("HOOD-L-NVY", 1)]


def test_the_same_file_delivered_twice_gives_two_batches_with_the_same_bytes(warehouse, transport):
    warehouse.act("configure", duplicate=True)
    warehouse.act("advance", hours=3.5)
    first = transport.read_despatches()
    assert len(first) == 2
    for batch in first:
        transport.acknowledge(batch)
    warehouse.act("advance", hours=1)
    again = transport.read_despatches()
    assert [(b.name, b.raw) for b in again] == [(b.name, b.raw) for b in first]
    assert [r["despatch"] for b in again for r in b.records] == [r["despatch"] for b in first for r in b.records]
    for batch in again:
        transport.acknowledge(batch)
    assert len(warehouse.names("out/despatches/processed")) == 4


def test_describe_counts_the_files_waiting(warehouse, transport):
    transport.push_shipment(shipment("WH/OUT/00015", ("MUG-BLU", 1)))
    warehouse.act("stock_count")
    place = f"over SFTP at 127.0.0.1:{warehouse.sftp_port}" if isinstance(transport.folder, SftpFolder) else ""
    place = place or f"at {warehouse.root}"
    assert transport.describe() == (
        f"Drop folder answering {place}: 1 order file(s) waiting, 0 despatch file(s), 0 refusal file(s), "
        "1 stock file(s)"
    )


def test_sftp_refusing_connections_is_transient(warehouse):
    warehouse.act("configure", refuse_connections=True)
    with pytest.raises(TransientError, match=f"127.0.0.1:{warehouse.sftp_port}"):
        FileTransport(warehouse.sftp()).read_despatches()


def test_a_stalled_sftp_transfer_is_transient(warehouse):
    warehouse.act("configure", transfer_delay_ms=1500)
    transport = FileTransport(warehouse.sftp(timeout=0.5))
    with pytest.raises(TransientError, match="did not answer within 0.5 s"):
        transport.push_shipment(shipment("WH/OUT/00016", ("MUG-BLU", 1)))


def test_a_wrong_sftp_password_is_an_auth_error_that_does_not_show_it(warehouse):
    folder = warehouse.sftp(password="guess-me-not")
    with pytest.raises(AuthError, match="refused user 'threepl'") as refused:
        FileTransport(folder).describe()
    assert "guess-me-not" not in refused.value.message
    assert "guess-me-not" not in repr(folder)


def test_what_files_cannot_do_is_refused_with_what_to_do_instead(tmp_path):
    transport = FileTransport(LocalFolder(tmp_path))
    with pytest.raises(BusinessError, match="Set it up at the warehouse another way"):
        transport.push_item({"sku": "MUG-BLU", "name": "Mug", "barcode": ""})
    with pytest.raises(BusinessError, match="no in/orders folder"):
        transport.push_shipment(shipment("WH/OUT/00018", ("MUG-BLU", 1)))
    with pytest.raises(BusinessError, match="no in/asns folder"):
        transport.push_asn(
            {"reference": "PO-7", "site": "MAIN", "expected": None, "lines": [{"sku": "A", "quantity": 1}]}
        )
    with pytest.raises(BusinessError, match=f"The drop folder at {tmp_path} has no in/orders folder"):
        transport.describe()


def test_an_asn_file_is_taken_in_and_its_booking_in_file_read_back_whole(warehouse, transport):
    asn = {"reference": "WH/IN/00004", "site": "MAIN", "expected": None, "lines": [{"sku": "PEN-BRASS", "quantity": 5}]}
    assert transport.push_asn(asn) == Accepted("WH/IN/00004", "written as in/asns/WH_IN_00004.csv")
    warehouse.act("configure", receipt_variance_rate=0)
    warehouse.act("advance", hours=30)
    batches = transport.read_receipts()
    assert [problem for batch in batches for problem in batch.problems] == []
    [mine] = [record for batch in batches for record in batch.records if record["reference"] == "WH/IN/00004"]
    assert mine == {
        "id": "WH/IN/00004",
        "reference": "WH/IN/00004",
        "status": "BOOKEDIN",
        "lines": [{"sku": "PEN-BRASS", "quantity": 5, "received": 5}],
    }
    for batch in batches:
        transport.acknowledge(batch)
    assert transport.read_receipts() == []


def test_a_cancellation_file_cancels_and_a_refused_one_comes_back_as_a_cancel_refusal(warehouse, transport):
    transport.push_shipment(shipment("WH/OUT/00030", ("MUG-BLU", 1)))
    transport.push_shipment(shipment("WH/OUT/00031", ("MUG-RED", 1)))
    warehouse.act("advance", hours=0.25)
    assert transport.cancel_shipment("WH/OUT/00030", "WH/OUT/00030").startswith(
        "written as in/cancellations/cancel_WH_OUT_00030.csv"
    )
    transport.cancel_shipment("WH/OUT/00404", "WH/OUT/00404")
    warehouse.act("advance", hours=0.25)
    [order] = warehouse.api("Order/Search", OrderNumber="WH/OUT/00030")
    assert order["OrderStatus"] == "CANCELLED"
    refusals = [record for batch in transport.read_refusals() for record in batch.records]
    assert [(record["kind"], record["number"]) for record in refusals] == [("cancel", "WH/OUT/00404")]


def test_refused_asn_rows_are_told_apart_from_refused_orders(tmp_path):
    write(tmp_path / "out/errors/WH_IN_00009_errors.csv", "Line,Reference,Error\n2,WH/IN/00009,Unknown SKU 'X'\n")
    write(tmp_path / "out/errors/WH_OUT_00009_errors.csv", "Line,OrderNumber,Error\n2,WH/OUT/00009,Unknown SKU 'X'\n")
    batches = FileTransport(LocalFolder(tmp_path), settle_seconds=0).read_refusals()
    kinds = sorted((record["kind"], record["number"]) for batch in batches for record in batch.records)
    assert kinds == [("asn", "WH/IN/00009"), ("order", "WH/OUT/00009")]


def write(path, text, age=0):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode())
    if age:
        os.utime(path, (time.time() - age, time.time() - age))


def test_rows_without_an_order_number_or_a_whole_quantity_are_problems(tmp_path):
    write(
        tmp_path / "out/despatches/despatch_1.csv",
        f"{DESPATCH_HEADER}\n"
        ",,,2026-02-02T11:00:00,Royal Mail,AB1,,MUG-BLU,1\n"
        "SO-9,,9,2026-02-02T11:00:00,Royal Mail,AB2,,MUG-BLU,1.5\n"
        "SO-9,,9,2026-02-02T11:00:00,Royal Mail,AB2,,MUG-RED,1\n"
        "SO-8,,8,2026-02-02T11:00:00,Royal Mail,AB3,,MUG-RED,2\n",
    )
    [batch] = FileTransport(LocalFolder(tmp_path), settle_seconds=0).read_despatches()
    assert batch.problems == [
        (2, "OrderNumber is empty"),
        (3, "Despatch of SO-9 left out: line 3 cannot be read"),
        (3, "Quantity '1.5' is not a whole number"),
    ]
    assert [(r["number"], r["lines"], r["despatch"]) for r in batch.records] == [
        ("SO-8", [{"sku": "MUG-RED", "quantity": None, "despatched": 2}], "AB3")
    ]


def test_a_file_still_changing_or_too_recent_waits_for_the_next_read(tmp_path):
    path = tmp_path / "out/despatches/despatch_2.csv"
    write(path, f"{DESPATCH_HEADER}\nSO-7,,7,2026-02-02,DPD,155,,MUG-BLU,1\nSO-7,,7,2026-02-02,DPD,155,,MUG-RED")
    write(tmp_path / "out/despatches/.despatch_2.csv", path.read_text() + ",1\n")
    transport = FileTransport(LocalFolder(tmp_path), settle_seconds=0)
    assert transport.read_despatches() == [], "a short last row"
    write(path, path.read_text() + ",1")
    assert transport.read_despatches() == [], "changed since the last look"
    assert transport.read_despatches() == [], "no final line break"
    write(path, path.read_text() + "0\n")
    assert transport.read_despatches() == [], "changed since the last look"
    [batch] = transport.read_despatches()
    assert batch.name == "out/despatches/despatch_2.csv"
    assert [(line["sku"], line["despatched"]) for line in batch.records[0]["lines"]] == [
        ("MUG-BLU", 1),
        ("MUG-RED", 10),
    ]
    assert FileTransport(LocalFolder(tmp_path), settle_seconds=60).read_despatches() == []
    write(path, path.read_text(), age=120)
    assert len(FileTransport(LocalFolder(tmp_path), settle_seconds=60).read_despatches()) == 1


def test_the_newest_stock_file_is_read(tmp_path):
    header = "SKU,WarehouseId,Level,Allocated,Available\n"
    write(tmp_path / "out/stock/stock_20260201.csv", header + "MUG-BLU,1,9,2,7\n", age=86400)
    write(tmp_path / "out/stock/stock_20260202.csv", header + "MUG-BLU,1,8,2,6\nMUG-RED,1,x,0,0\n", age=60)
    batch = FileTransport(LocalFolder(tmp_path), settle_seconds=0).read_stock()
    assert batch.name == "out/stock/stock_20260202.csv"
    assert batch.records == [{"sku": "MUG-BLU", "site": "1", "level": 8, "allocated": 2, "available": 6}]
    assert batch.problems == [(3, "Level not readable")]


def test_another_warehouse_layout_is_configuration(tmp_path):
    (tmp_path / "to_3pl").mkdir()
    layouts = {
        "orders": {"number": "Reference", "sku": "Item", "quantity": "Qty", "PostCode": "Postcode"},
        "despatches": {"number": "Reference", "tracking": "Consignment", "sku": "Item", "quantity": "Shipped"},
    }
    transport = FileTransport(LocalFolder(tmp_path), layouts, settle_seconds=0, folders={"orders": "to_3pl"})
    transport.push_shipment(shipment("WH/OUT/00019", ("MUG-BLU", 3)))
    written = (tmp_path / "to_3pl/WH_OUT_00019.csv").read_bytes()
    assert written == b"Reference,Item,Qty,Postcode\r\nWH/OUT/00019,MUG-BLU,3,BS1 4DJ\r\n"
    write(tmp_path / "out/despatches/shipped.csv", "Item;x,Reference,Shipped,Consignment\nMUG-BLU,WH/OUT/00019,3,C9\n")
    [batch] = transport.read_despatches()
    assert batch.problems == [(1, "The header lacks column(s) Item")]
    write(tmp_path / "out/despatches/shipped.csv", "Item,Reference,Shipped,Consignment\nMUG-BLU,WH/OUT/00019,3,C9\n")
    transport.acknowledge(batch)
    assert (tmp_path / "out/despatches/shipped.csv").exists(), "changed since it was read: not moved aside"
    transport.read_despatches()
    [batch] = transport.read_despatches()
    [record] = batch.records
    assert (record["id"], record["despatch"], record["lines"]) == (
        "WH/OUT/00019",
        "C9",
        [{"sku": "MUG-BLU", "quantity": None, "despatched": 3}],
    )
    assert record["parcels"] == [{"carrier": None, "tracking": "C9", "url": None}]
