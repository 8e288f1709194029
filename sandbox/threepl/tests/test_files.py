import csv
import io

import pytest
import requests

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
