import csv
import io
import shutil
from datetime import timedelta

import pytest
import requests

from sandbox.threepl.files import FOLDERS

ORDER_FILE = (
    "OrderNumber,SKU,Quantity,FirstName,LastName,Address1,Town,PostCode,Country,CourierService\r\n"
    "FILE-1,MUG-BLU,2,Grace,Hopper,5 Quay Street,Bristol,BS1 4DJ,GB,Royal Mail Tracked 24\r\n"
    "FILE-1,TEE-L-BLK,1,Grace,Hopper,5 Quay Street,Bristol,BS1 4DJ,GB,Royal Mail Tracked 24\r\n"
    "FILE-2,CAP-NVY,1,Tim,Berners-Lee,9 Strand,London,WC2N 5HR,GB,DPD Next Day\r\n"
)


def read_rows(path):
    return list(csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline="")))


def test_order_file_with_bom_and_crlf_is_taken_in(threepl):
    inbox = threepl.root / "in/orders"
    (inbox / "orders_001.csv").write_bytes("\ufeff".encode() + ORDER_FILE.encode())
    threepl.clock.tick()
    assert not (inbox / "orders_001.csv").exists()
    assert (inbox / "processed/orders_001.csv").exists()
    assert not list((threepl.root / "out/errors").iterdir())
    (order,) = threepl.warehouse.find_orders("FILE-1")
    assert order["Channel"] == "File"
    assert order["PostCode"] == "BS1 4DJ"
    assert [(i["SKU"], i["Quantity"]) for i in order["OrderItems"]] == [("MUG-BLU", 2), ("TEE-L-BLK", 1)]
    assert threepl.warehouse.find_orders("FILE-2")


def test_bad_rows_are_reported_and_their_orders_not_created(threepl):
    rows = (
        "OrderNumber,SKU,Quantity\n"
        "FILE-3,MUG-BLU,1\n"
        "FILE-4,MUG-BLU,1\n"
        "FILE-4,MUG-PINK,1\n"
        "FILE-5,MUG-RED,none\n"
        "FILE-6,MUG-RED\n"
        "SO-1001,MUG-RED,1\n"
    )
    (threepl.root / "in/orders/orders_002.csv").write_text(rows)
    threepl.clock.tick()
    report = read_rows(threepl.root / "out/errors/orders_002_errors.csv")
    assert [(r["Line"], r["OrderNumber"]) for r in report] == [
        ("3", "FILE-4"),
        ("4", "FILE-4"),
        ("5", "FILE-5"),
        ("6", ""),
        ("7", "SO-1001"),
    ]
    assert report[1]["Error"] == "Unknown SKU 'MUG-PINK'"
    assert report[3]["Error"] == "2 fields, expected 3"
    assert "already exists" in report[4]["Error"]
    assert threepl.warehouse.find_orders("FILE-3")
    assert not threepl.warehouse.find_orders("FILE-4")


def test_unfinished_uploads_wait_for_their_rename(threepl):
    part = threepl.root / "in/orders/orders_003.csv.part"
    part.write_text(ORDER_FILE)
    threepl.clock.tick()
    assert part.exists()
    part.rename(part.with_suffix(""))
    threepl.clock.tick()
    assert threepl.warehouse.find_orders("FILE-1")


def test_despatch_file_carries_tracking(threepl):
    threepl.advance(hours=4)
    rows = [row for path in sorted((threepl.root / "out/despatches").iterdir()) for row in read_rows(path)]
    despatched = {o["OrderNumber"]: o for o in threepl.state.records("orders") if o["OrderStatus"] == "DESPATCHED"}
    assert {row["OrderNumber"] for row in rows} == set(despatched) - {"SO-1001"}
    for row in rows:
        assert row["TrackingNumber"] == despatched[row["OrderNumber"]]["TrackingNumber"]
        assert row["TrackingURL"].endswith(row["TrackingNumber"])


def test_stock_file_every_morning(threepl):
    threepl.advance(hours=24)
    (path,) = (threepl.root / "out/stock").iterdir()
    assert path.name == f"stock_{threepl.clock.now:%Y%m%d}.csv"
    rows = read_rows(path)
    assert len(rows) == 60
    assert list(rows[0]) == ["SKU", "WarehouseId", "Level", "Allocated", "Available"]


def test_duplicate_file_is_delivered_again(threepl):
    threepl.configure(duplicate=True)
    despatches = threepl.root / "out/despatches"
    while not any(despatches.iterdir()):
        threepl.clock.tick()
    (first,) = despatches.iterdir()
    content = first.read_bytes()
    first.unlink()
    threepl.advance(hours=1)
    assert first.read_bytes() == content


def test_same_name_overwritten_day_after_day(threepl):
    threepl.configure(same_name=True, shrinkage_rate=1.0)
    path = threepl.root / "out/stock/stock.csv"
    threepl.advance(hours=24)
    monday = path.read_bytes()
    threepl.advance(hours=24)
    assert [p.name for p in path.parent.iterdir()] == ["stock.csv"]
    assert path.read_bytes() != monday
    writes = [f["Time"] for f in threepl.state.records("files") if f["Path"] == "out/stock/stock.csv"]
    assert len({time[:10] for time in writes}) == 2


def test_part_file_renamed_later(threepl):
    name = threepl.drop_file_problem("part_hours")["file"]
    final = threepl.root / name
    assert not final.exists()
    assert final.with_name(final.name + ".part").exists()
    threepl.advance(hours=1)
    assert final.exists()
    assert not final.with_name(final.name + ".part").exists()
    assert len(read_rows(final)) == 60


def test_truncated_file_completed_later(threepl):
    final = threepl.root / threepl.drop_file_problem("truncated")["file"]
    half = final.read_bytes()
    threepl.advance(hours=1)
    full = final.read_bytes()
    assert full.startswith(half)
    assert len(half) == len(full) // 2


@pytest.mark.parametrize(
    ("kind", "check"),
    [
        ("bom", lambda data: data.startswith(b"\xef\xbb\xbf")),
        ("crlf", lambda data: data.count(b"\r\n") == 61),
        ("malformed_row", lambda data: any(len(row) == 1 for row in csv.reader(io.StringIO(data.decode())))),
    ],
)
def test_encoding_and_row_problems(threepl, kind, check):
    data = (threepl.root / threepl.drop_file_problem(kind)["file"]).read_bytes()
    assert check(data)


def test_problems_persist_when_asked_through_the_control_api(base_url, threepl):
    url = f"{base_url}/_sandbox/systems/threepl/actions/drop_file_problem"
    assert requests.post(url, json={"kind": "bom", "persist": True}, timeout=5).ok
    threepl.advance(hours=4)
    files = list((threepl.root / "out/despatches").iterdir())
    assert files
    assert all(path.read_bytes().startswith(b"\xef\xbb\xbf") for path in files)
    refused = requests.post(url, json={"kind": "gremlins"}, timeout=5)
    assert refused.status_code == 400
    assert "Unknown file problem" in refused.json()["error"]


ASN_FILE = (
    "Reference,SKU,Quantity,ExpectedDate,Warehouse\r\n"
    "PO-FILE-1,MUG-BLU,24,,\r\n"
    "PO-FILE-1,TEE-L-BLK,12,,\r\n"
    "PO-FILE-2,CAP-NVY,6,{tomorrow},SOUTH\r\n"
)


def asn_file(threepl):
    return ASN_FILE.format(tomorrow=(threepl.clock.now + timedelta(days=1)).date().isoformat())


def receipt_rows(threepl):
    return [row for path in sorted((threepl.root / "out/receipts").iterdir()) for row in read_rows(path)]


def test_every_folder_exists_after_a_reset(threepl):
    shutil.rmtree(threepl.root / "in/asns")
    threepl.reset()
    assert all((threepl.root / folder).is_dir() for folder in FOLDERS)
    assert {"in/asns/processed", "in/cancellations/processed", "out/receipts", "out/cancellations"} <= set(FOLDERS)


def test_asn_file_with_bom_and_crlf_is_taken_in_and_its_receipt_written(threepl):
    threepl.configure(receipt_variance_rate=0)
    inbox = threepl.root / "in/asns"
    (inbox / "asns_001.csv").write_bytes("\ufeff".encode() + asn_file(threepl).encode())
    threepl.clock.tick()
    assert (inbox / "processed/asns_001.csv").exists()
    assert not (inbox / "asns_001.csv").exists()
    assert not list((threepl.root / "out/errors").iterdir())
    asns = {asn["Reference"]: asn for asn in threepl.state.records("asns")}
    assert [(i["SKU"], i["Quantity"]) for i in asns["PO-FILE-1"]["Items"]] == [("MUG-BLU", 24), ("TEE-L-BLK", 12)]
    assert asns["PO-FILE-2"]["WarehouseId"] == 2
    assert asns["PO-FILE-2"]["EstimatedDelivery"].endswith("T00:00:00")
    assert not list((threepl.root / "out/receipts").iterdir())
    threepl.advance(hours=24)
    rows = receipt_rows(threepl)
    assert list(rows[0]) == ["Reference", "AsnId", "BookedInDate", "SKU", "Quantity", "QuantityReceived"]
    assert [(r["Reference"], r["SKU"], r["Quantity"], r["QuantityReceived"]) for r in rows] == [
        ("PO-FILE-2", "CAP-NVY", "6", "6"),
        ("PO-2001", "CANDLE-FIG", "24", "24"),
        ("PO-2001", "PRINT-A3-MAP", "10", "10"),
        ("PO-FILE-1", "MUG-BLU", "24", "24"),
        ("PO-FILE-1", "TEE-L-BLK", "12", "12"),
    ]
    booked = threepl.warehouse.asn(int(rows[0]["AsnId"]))
    assert (booked["Reference"], rows[0]["BookedInDate"]) == ("PO-FILE-2", booked["BookedInDate"])
    times = sorted(path.stem[-4:] for path in (threepl.root / "out/receipts").iterdir())
    assert times == ["0000", "0800", "0815"]


def test_asn_file_in_windows_1252_and_unfinished_uploads(threepl):
    inbox = threepl.root / "in/asns"
    for name in ("asns_002.csv.part", "asns_002.csv.tmp", ".asns_002.csv", "asns_002.txt"):
        (inbox / name).write_text(asn_file(threepl))
    (inbox / "asns_003.csv").write_bytes("Reference,SKU,Quantity\nPO-CAFÉ,MUG-RED,2\n".encode("cp1252"))
    threepl.clock.tick()
    assert [asn["Reference"] for asn in threepl.state.records("asns")] == ["PO-2001", "PO-CAFÉ"]
    assert sorted(path.name for path in inbox.iterdir()) == [
        ".asns_002.csv",
        "asns_002.csv.part",
        "asns_002.csv.tmp",
        "asns_002.txt",
        "processed",
    ]


def test_bad_asn_rows_are_reported_and_their_asns_not_created(threepl):
    rows = (
        "Reference,SKU,Quantity,ExpectedDate,Warehouse\n"
        "PO-OK,MUG-BLU,1,,\n"
        "PO-MIXED,MUG-BLU,1,,\n"
        "PO-MIXED,MUG-PINK,1,,\n"
        "PO-QTY,MUG-RED,none,,\n"
        "PO-DATE,MUG-RED,1,31/01/2026,\n"
        "PO-SITE,MUG-RED,1,,LEEDS\n"
        ",MUG-RED,1,,\n"
        "PO-SHORT,MUG-RED\n"
        "PO-2001,MUG-RED,1,,\n"
    )
    (threepl.root / "in/asns/asns_004.csv").write_text(rows)
    threepl.clock.tick()
    report = read_rows(threepl.root / "out/errors/asns_004_errors.csv")
    assert [(r["Line"], r["Reference"], r["Error"]) for r in report] == [
        ("3", "PO-MIXED", "ASN not created: line 4 is invalid"),
        ("4", "PO-MIXED", "Unknown SKU 'MUG-PINK'"),
        ("5", "PO-QTY", "Quantity 'none' is not a whole number above zero"),
        ("6", "PO-DATE", "ExpectedDate '31/01/2026' is not a date YYYY-MM-DD"),
        ("7", "PO-SITE", "Unknown Warehouse 'LEEDS'"),
        ("8", "", "Reference is empty"),
        ("9", "", "2 fields, expected 5"),
        ("10", "PO-2001", "An ASN with reference PO-2001 already exists"),
    ]
    assert [asn["Reference"] for asn in threepl.state.records("asns")] == ["PO-2001", "PO-OK"]
    assert (threepl.root / "in/asns/processed/asns_004.csv").exists()


def test_asn_file_without_its_columns_is_refused_whole(threepl):
    (threepl.root / "in/asns/asns_005.csv").write_text("PurchaseOrder,SKU,Qty\nPO-X,MUG-BLU,1\n")
    threepl.clock.tick()
    (error,) = read_rows(threepl.root / "out/errors/asns_005_errors.csv")
    assert error == {"Line": "1", "Reference": "", "Error": "Header lacks column(s) Reference, Quantity"}


def test_receipt_written_for_an_asn_announced_over_rest(api, threepl):
    answer = api.put("/ASN", json={"Reference": "PO-REST-1", "Items": [{"SKU": "PEN-BRASS", "Quantity": 10}]}).json()
    threepl.book_in(answer[0]["ASNId"], {"PEN-BRASS": 7})
    threepl.clock.tick()
    (path,) = (threepl.root / "out/receipts").iterdir()
    assert path.name == f"receipt_{threepl.clock.now:%Y%m%d_%H%M}.csv"
    (row,) = read_rows(path)
    assert row == {
        "Reference": "PO-REST-1",
        "AsnId": str(answer[0]["ASNId"]),
        "BookedInDate": threepl.warehouse.asn(answer[0]["ASNId"])["BookedInDate"],
        "SKU": "PEN-BRASS",
        "Quantity": "10",
        "QuantityReceived": "7",
    }
    threepl.advance(hours=2)
    assert len(list(path.parent.iterdir())) == 1


def book_in_now(threepl, reference):
    asn = threepl.warehouse.create_asn({"Reference": reference, "Items": [{"SKU": "TOTE-NAT", "Quantity": 5}]})
    threepl.book_in(asn["ID"], {"TOTE-NAT": 5})
    threepl.clock.tick()
    return threepl.root / f"out/receipts/receipt_{threepl.clock.now:%Y%m%d_%H%M}.csv"


@pytest.mark.parametrize(
    ("kind", "check"),
    [
        ("bom", lambda data: data.startswith(b"\xef\xbb\xbf")),
        ("crlf", lambda data: data.count(b"\r\n") == 2),
        ("malformed_row", lambda data: any(len(row) == 1 for row in csv.reader(io.StringIO(data.decode())))),
    ],
)
def test_encoding_and_row_problems_apply_to_receipts(threepl, kind, check):
    threepl.configure(**{kind: True})
    assert check(book_in_now(threepl, "PO-PROBLEM").read_bytes())


def test_receipt_delivered_again_part_first_and_truncated(threepl):
    threepl.configure(duplicate=True)
    receipt = book_in_now(threepl, "PO-DUPLICATE")
    content = receipt.read_bytes()
    receipt.unlink()
    threepl.advance(hours=1)
    assert receipt.read_bytes() == content
    threepl.configure(duplicate=False, part_hours=1.0)
    receipt = book_in_now(threepl, "PO-PART")
    assert not receipt.exists()
    assert receipt.with_name(receipt.name + ".part").exists()
    threepl.advance(hours=1)
    assert read_rows(receipt)[0]["Reference"] == "PO-PART"
    threepl.configure(part_hours=0.0, truncated_hours=1.0)
    receipt = book_in_now(threepl, "PO-TRUNCATED")
    half = receipt.read_bytes()
    threepl.advance(hours=1)
    assert receipt.read_bytes().startswith(half)
    assert len(half) == len(receipt.read_bytes()) // 2


CANCELLATION_FILE = (
    "OrderNumber,Reason\r\n"
    "SO-1004,changed mind\r\n"
    "SO-1001,late\r\n"
    "SO-1002,late\r\n"
    "SO-404,typo\r\n"
    ",blank\r\n"
    "SO-1003,again\r\n"
    "SO-1004,twice\r\n"
    "SO-5\r\n"
    "SO-5,last\r\n"
)


def test_cancellation_file_cancels_each_order_it_can(threepl):
    ids = {o["OrderNumber"]: o["id"] for o in threepl.state.records("orders")}
    threepl.warehouse.cancel(ids["SO-1003"])
    threepl.advance(hours=2)
    ids["SO-5"] = threepl.warehouse.create_order(
        {"OrderNumber": "SO-5", "OrderItems": [{"SKU": "MUG-BLU", "Quantity": 1}]}
    )["ID"]
    (threepl.root / "in/cancellations/cancel_001.csv").write_bytes(CANCELLATION_FILE.encode())
    threepl.clock.tick()
    assert (threepl.root / "in/cancellations/processed/cancel_001.csv").exists()
    statuses = {o["OrderNumber"]: o["OrderStatus"] for o in threepl.state.records("orders")}
    assert statuses == {
        "SO-1001": "DESPATCHED",
        "SO-1002": "PICKED",
        "SO-1003": "CANCELLED",
        "SO-1004": "CANCELLED",
        "SO-5": "CANCELLED",
    }
    report = read_rows(threepl.root / "out/errors/cancel_001_errors.csv")
    assert [(r["Line"], r["OrderNumber"], r["Error"]) for r in report] == [
        ("3", "SO-1001", "Order SO-1001 is DESPATCHED and cannot be cancelled"),
        ("4", "SO-1002", "Order SO-1002 is PICKED and cannot be cancelled"),
        ("5", "SO-404", "There is no order numbered 'SO-404'"),
        ("6", "", "OrderNumber is empty"),
        ("7", "SO-1003", "Order SO-1003 is CANCELLED and cannot be cancelled"),
        ("8", "SO-1004", "Order SO-1004 is CANCELLED and cannot be cancelled"),
        ("9", "", "1 fields, expected 2"),
    ]
    (confirmation,) = (threepl.root / "out/cancellations").iterdir()
    assert confirmation.name == f"cancelled_{threepl.clock.now:%Y%m%d_%H%M}.csv"
    moment = threepl.clock.now.isoformat(timespec="seconds")
    assert read_rows(confirmation) == [
        {"OrderNumber": number, "OrderId": str(ids[number]), "CancelledDate": moment} for number in ("SO-1004", "SO-5")
    ]


def test_cancellation_file_with_nothing_cancelled_writes_no_confirmation(threepl):
    (threepl.root / "in/cancellations/cancel_002.csv").write_text("OrderNumber\nSO-1001\n")
    (threepl.root / "in/cancellations/cancel_003.csv.part").write_text("OrderNumber\nSO-1004\n")
    threepl.clock.tick()
    assert not list((threepl.root / "out/cancellations").iterdir())
    assert threepl.warehouse.find_orders("SO-1004")[0]["OrderStatus"] == "NEW"
    assert read_rows(threepl.root / "out/errors/cancel_002_errors.csv")[0]["Error"].endswith("cannot be cancelled")
