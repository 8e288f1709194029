import base64
import csv
import io
import re
from datetime import timedelta

import pytest
import requests
import zeep
from zeep.exceptions import Fault

from sandbox.threepl import ThreePLSystem
from sandbox.threepl.seed import CATALOGUE

SALES_ORDERS = (
    "SalesOrderNumber,CustomerEmail,FirstName,LastName,ShippingAddressLine1,ShippingAddressCity,"
    "ShippingAddressPostcode,ShippingAddressCountry,ShippingServiceReference,Sku,Quantity,SalePrice\r\n"
    "PVX-1,ada@example.co.uk,Ada,Lovelace,1 Dock Street,Hull,HU1 1AA,GB,DPD Next Day,MUG-BLU,2,9.99\r\n"
    "PVX-1,ada@example.co.uk,Ada,Lovelace,1 Dock Street,Hull,HU1 1AA,GB,DPD Next Day,TEE-S-WHT,1,15.00\r\n"
    "PVX-2,alan@example.co.uk,Alan,Turing,2 Wilmslow Road,Manchester,M14 5TQ,GB,Royal Mail Tracked 48,CAP-NVY,1,12\r\n"
)


def rows(detail):
    return list(csv.DictReader(io.StringIO(detail)))


@pytest.fixture
def client(base_url):
    return zeep.Client(f"{base_url}/threepl/soap?wsdl")


@pytest.fixture
def session(client):
    password = base64.b64encode(ThreePLSystem.soap_password.encode()).decode()
    result = client.service.Authenticate(clientId="sandbox", username="integration", password=password)
    return result.SessionId


def test_wsdl_points_at_the_server_that_served_it(base_url):
    wsdl = requests.get(f"{base_url}/threepl/soap?wsdl", timeout=5).text
    assert f'location="{base_url}/threepl/soap"' in wsdl


def test_authenticate_returns_a_session(client, session):
    assert len(session) == 32
    with pytest.raises(Fault, match="Authentication failed"):
        client.service.Authenticate(clientId="sandbox", username="integration", password="d3Jvbmc=")
    with pytest.raises(Fault, match="base64"):
        client.service.Authenticate(clientId="sandbox", username="integration", password="not base64!")


def test_save_sales_orders_then_read_despatches(client, session, threepl):
    saved = client.service.SaveData(SessionId=session, TemplateName="Sales orders", CsvData=SALES_ORDERS)
    assert saved.TotalCount == 2
    orders = {o["OrderNumber"]: o for o in threepl.state.records("orders")}
    assert [(i["SKU"], i["Quantity"]) for i in orders["PVX-1"]["OrderItems"]] == [("MUG-BLU", 2), ("TEE-S-WHT", 1)]
    assert orders["PVX-1"]["Email"] == "ada@example.co.uk"
    assert orders["PVX-1"]["Channel"] == "Peoplevox"
    again = client.service.SaveData(SessionId=session, TemplateName="Sales orders", CsvData=SALES_ORDERS)
    assert again.TotalCount == 0
    assert "PVX-1, PVX-2" in again.Detail
    threepl.advance(hours=4)
    clause = 'SalesOrderNumber.StartsWith("PVX-")'
    despatches = client.service.GetData(SessionId=session, TemplateName="Despatches", SearchClause=clause)
    lines = rows(despatches.Detail)
    assert despatches.TotalCount == 3
    assert {(line["SalesOrderNumber"], line["Sku"], line["Quantity"]) for line in lines} == {
        ("PVX-1", "MUG-BLU", "2"),
        ("PVX-1", "TEE-S-WHT", "1"),
        ("PVX-2", "CAP-NVY", "1"),
    }
    assert {line["CarrierName"] for line in lines if line["SalesOrderNumber"] == "PVX-1"} == {"DPD"}


def test_get_data_item_stock_with_clause_and_paging(client, session, threepl):
    stock = client.service.GetData(SessionId=session, TemplateName="Item stock", SearchClause='Sku.Equals("MUG-BLU")')
    lines = rows(stock.Detail)
    assert [line["Warehouse"] for line in lines] == ["MAIN", "SOUTH"]
    assert int(lines[0]["OnHand"]) == threepl.warehouse.stock_levels(1, "MUG-BLU")[0]["Level"]
    page = client.service.GetData(SessionId=session, TemplateName="Items", PageNo=2, ItemsPerPage=10)
    assert page.TotalCount == 30
    assert [line["Sku"] for line in rows(page.Detail)] == [sku for sku, _ in CATALOGUE[10:20]]
    today = threepl.clock.now.strftime("DateTime(%Y,%m,%d)")
    seeded = client.service.GetData(
        SessionId=session, TemplateName="Despatches", SearchClause=f"DespatchDate >= {today}"
    )
    assert {line["SalesOrderNumber"] for line in rows(seeded.Detail)} == {"SO-1001"}
    future = client.service.GetData(
        SessionId=session, TemplateName="Despatches", SearchClause="DespatchDate > DateTime(2999,1,1)"
    )
    assert future.TotalCount == 0


def test_save_items_creates_products(client, session, threepl):
    saved = client.service.SaveData(
        SessionId=session, TemplateName="Items", CsvData="Sku,Name,Barcode\nMUG-PNK,Enamel mug pink,5060123400999\n"
    )
    assert saved.TotalCount == 1
    assert threepl.warehouse.has_product("MUG-PNK")


def test_faults_name_the_problem(client, session):
    with pytest.raises(Fault, match="call Authenticate again"):
        client.service.GetData(SessionId="expired", TemplateName="Despatches")
    with pytest.raises(Fault, match="no template 'Purchase orders'"):
        client.service.GetData(SessionId=session, TemplateName="Purchase orders")
    broken = SALES_ORDERS + "PVX-3,x@example.co.uk,X\r\n"
    with pytest.raises(Fault, match="CsvData line 5: 3 fields, expected 12") as fault:
        client.service.SaveData(SessionId=session, TemplateName="Sales orders", CsvData=broken)
    assert fault.value.code.endswith("Client")
    with pytest.raises(Fault, match="line 2: unknown Sku 'NOPE'"):
        client.service.SaveData(
            SessionId=session, TemplateName="Sales orders", CsvData="SalesOrderNumber,Sku,Quantity\nA,NOPE,1"
        )
    with pytest.raises(Fault, match="not understood"):
        client.service.GetData(SessionId=session, TemplateName="Despatches", SearchClause="drop table")


def test_a_fault_saves_nothing(client, session, threepl):
    broken = SALES_ORDERS.replace("CAP-NVY,1", "CAP-NVY,lots")
    with pytest.raises(Fault, match="line 4: Quantity 'lots'"):
        client.service.SaveData(SessionId=session, TemplateName="Sales orders", CsvData=broken)
    assert not threepl.warehouse.find_orders("PVX-1")


PURCHASE_ORDERS = (
    "PurchaseOrderNumber,Sku,Quantity,ExpectedDate,Warehouse\r\n"
    "WH/IN/00001,MUG-BLU,24,,\r\n"
    "WH/IN/00001,TEE-S-WHT,12,,\r\n"
    "WH/IN/00002,CAP-NVY,6,{tomorrow},SOUTH\r\n"
)


def purchase_orders(threepl):
    return PURCHASE_ORDERS.format(tomorrow=(threepl.clock.now + timedelta(days=1)).date().isoformat())


def save(client, session, template, csv_data):
    return client.service.SaveData(SessionId=session, TemplateName=template, CsvData=csv_data)


def saved_ids(detail):
    """``{number: id}`` from a SaveData answer such as ``Saved 2 purchase order(s): A=1, B=2``."""
    pairs = detail.partition(": ")[2].split(", ")
    return {number: int(record_id) for number, _, record_id in (pair.partition("=") for pair in pairs)}


def goods_in(client, session, clause=None, **paging):
    return client.service.GetData(SessionId=session, TemplateName="Goods in", SearchClause=clause, **paging)


def test_save_purchase_orders_creates_one_asn_per_number(client, session, threepl):
    saved = save(client, session, "Purchase orders", purchase_orders(threepl))
    first, second = threepl.state.records("asns")[-2:]
    assert saved.TotalCount == 2
    assert saved.Detail == f"Saved 2 purchase order(s): WH/IN/00001={first['id']}, WH/IN/00002={second['id']}"
    assert saved_ids(saved.Detail) == {"WH/IN/00001": first["id"], "WH/IN/00002": second["id"]}
    assert (first["Reference"], first["WarehouseId"], first["Status"]) == ("WH/IN/00001", 1, "AWAITINGDELIVERY")
    assert [(i["SKU"], i["Quantity"]) for i in first["Items"]] == [("MUG-BLU", 24), ("TEE-S-WHT", 12)]
    tomorrow = (threepl.clock.now + timedelta(days=1)).replace(hour=0)
    assert (second["WarehouseId"], second["EstimatedDelivery"]) == (2, tomorrow.isoformat())
    assert threepl.warehouse.asn(second["id"])["Items"] == [{"SKU": "CAP-NVY", "Quantity": 6, "QuantityReceived": None}]


def test_goods_in_lists_each_line_booked_in_whichever_way_it_was_announced(client, session, threepl, api):
    threepl.configure(receipt_variance_rate=0)
    save(client, session, "Purchase orders", purchase_orders(threepl))
    assert goods_in(client, session).TotalCount == 0
    rest = api.put("/ASN", json={"Reference": "PO-REST", "Items": [{"SKU": "PEN-BRASS", "Quantity": 5}]}).json()[0]
    threepl.book_in(rest["ASNId"], {"PEN-BRASS": 4})
    threepl.advance(hours=25)
    answer = goods_in(client, session)
    lines = rows(answer.Detail)
    assert answer.TotalCount == 6
    assert list(lines[0]) == ["PurchaseOrderNumber", "AsnId", "BookedInDate", "Sku", "Quantity", "QuantityReceived"]
    assert [(line["PurchaseOrderNumber"], line["Sku"], line["QuantityReceived"]) for line in lines] == [
        ("PO-REST", "PEN-BRASS", "4"),
        ("WH/IN/00002", "CAP-NVY", "6"),
        ("PO-2001", "CANDLE-FIG", "24"),
        ("PO-2001", "PRINT-A3-MAP", "10"),
        ("WH/IN/00001", "MUG-BLU", "24"),
        ("WH/IN/00001", "TEE-S-WHT", "12"),
    ]
    asn = threepl.warehouse.asn(int(lines[-1]["AsnId"]))
    assert lines[-1]["BookedInDate"] == asn["BookedInDate"]
    assert asn["Reference"] == "WH/IN/00001"
    receipts = [p.read_text() for p in sorted((threepl.root / "out/receipts").iterdir())]
    assert [(r["Reference"], r["AsnId"]) for text in receipts for r in rows(text)] == [
        (line["PurchaseOrderNumber"], line["AsnId"]) for line in lines
    ]


def booked_since(client, session, moment):
    clause = f"BookedInDate >= DateTime({moment:%Y,%m,%d,%H,%M})"
    return [(line["PurchaseOrderNumber"], line["Sku"]) for line in rows(goods_in(client, session, clause).Detail)]


def test_goods_in_is_read_on_from_a_cursor_and_paged(client, session, threepl):
    first_day = threepl.clock.now.replace(hour=0)
    saved = save(client, session, "Purchase orders", purchase_orders(threepl))
    threepl.book_in(saved_ids(saved.Detail)["WH/IN/00001"])
    threepl.advance(hours=24)
    second_day = first_day + timedelta(days=1)
    assert len(booked_since(client, session, first_day)) == 5
    assert booked_since(client, session, second_day) == [
        ("WH/IN/00002", "CAP-NVY"),
        ("PO-2001", "CANDLE-FIG"),
        ("PO-2001", "PRINT-A3-MAP"),
    ]
    cursor = threepl.clock.now
    save(
        client,
        session,
        "Purchase orders",
        "PurchaseOrderNumber,Sku,Quantity,ExpectedDate\nWH/IN/3,TOTE-BLK,3,2000-01-01\n",
    )
    assert booked_since(client, session, cursor) == [("PO-2001", "CANDLE-FIG"), ("PO-2001", "PRINT-A3-MAP")]
    threepl.clock.tick()
    assert booked_since(client, session, cursor + timedelta(minutes=1)) == [("WH/IN/3", "TOTE-BLK")]
    one = goods_in(client, session, 'PurchaseOrderNumber.Equals("WH/IN/00001")')
    assert [line["Sku"] for line in rows(one.Detail)] == ["MUG-BLU", "TEE-S-WHT"]
    page = goods_in(client, session, 'PurchaseOrderNumber.StartsWith("WH/IN/")', PageNo=2, ItemsPerPage=2)
    assert page.TotalCount == 4
    assert [(line["PurchaseOrderNumber"], line["Sku"]) for line in rows(page.Detail)] == [
        ("WH/IN/00002", "CAP-NVY"),
        ("WH/IN/3", "TOTE-BLK"),
    ]
    with pytest.raises(Fault, match="unknown field 'DespatchDate'"):
        goods_in(client, session, "DespatchDate >= DateTime(2026,1,1)")


@pytest.mark.parametrize(
    ("bad_row", "message"),
    [
        ("WH/IN/00009,NOPE,1,,", "CsvData line 3: unknown Sku 'NOPE'"),
        ("WH/IN/00009,MUG-RED,0,,", "CsvData line 3: Quantity '0' is not a whole number above zero"),
        ("WH/IN/00009,MUG-RED,2.5,,", "CsvData line 3: Quantity '2.5' is not a whole number above zero"),
        ("WH/IN/00009,MUG-RED,1,31/01/2026,", "CsvData line 3: ExpectedDate '31/01/2026' is not a date YYYY-MM-DD"),
        ("WH/IN/00009,MUG-RED,1,2026-02-30,", "CsvData line 3: ExpectedDate '2026-02-30' is not a date YYYY-MM-DD"),
        ("WH/IN/00009,MUG-RED,1,,LEEDS", "CsvData line 3: unknown Warehouse 'LEEDS'"),
        (",MUG-RED,1,,", "CsvData line 3: PurchaseOrderNumber is empty"),
        ("WH/IN/00009,MUG-RED", "CsvData line 3: 2 fields, expected 5"),
        ("PO-2001,MUG-RED,1,,", "CsvData line 3: An ASN with reference PO-2001 already exists"),
    ],
)
def test_a_bad_purchase_order_line_is_a_fault_and_saves_nothing(client, session, threepl, bad_row, message):
    csv_data = f"PurchaseOrderNumber,Sku,Quantity,ExpectedDate,Warehouse\nWH/IN/00008,MUG-BLU,1,,\n{bad_row}\n"
    with pytest.raises(Fault, match=re.escape(message)) as fault:
        save(client, session, "Purchase orders", csv_data)
    assert fault.value.code.endswith("Client")
    assert [asn["Reference"] for asn in threepl.state.records("asns")] == ["PO-2001"]


def test_a_purchase_order_sent_again_is_refused_naming_its_first_line(client, session, threepl):
    save(client, session, "Purchase orders", purchase_orders(threepl))
    again = "PurchaseOrderNumber,Sku,Quantity\nWH/IN/00005,MUG-RED,1\nWH/IN/00002,MUG-RED,1\nWH/IN/00002,MUG-BLU,1\n"
    with pytest.raises(Fault, match="CsvData line 3: An ASN with reference WH/IN/00002 already exists"):
        save(client, session, "Purchase orders", again)
    assert not [asn for asn in threepl.state.records("asns") if asn["Reference"] == "WH/IN/00005"]


def test_cancel_sales_orders_and_see_them_cancelled(client, session, threepl):
    before = threepl.warehouse.stock_levels(1, "TOTE-NAT")[0]
    ids = {number: threepl.warehouse.find_orders(number)[0]["ID"] for number in ("SO-1002", "SO-1004")}
    answer = save(client, session, "Sales order cancellations", "SalesOrderNumber\r\nSO-1002\r\nSO-1004\r\nSO-1002\r\n")
    assert answer.TotalCount == 2
    assert answer.Detail == f"Cancelled 2 sales order(s): SO-1002={ids['SO-1002']}, SO-1004={ids['SO-1004']}"
    after = threepl.warehouse.stock_levels(1, "TOTE-NAT")[0]
    assert after["Allocated"] == before["Allocated"] - 1
    listed = client.service.GetData(
        SessionId=session, TemplateName="Sales orders", SearchClause='Status.Equals("CANCELLED")'
    )
    assert {line["SalesOrderNumber"] for line in rows(listed.Detail)} == {"SO-1002", "SO-1004"}
    threepl.advance(hours=4)
    assert {o["OrderStatus"] for o in threepl.state.records("orders") if o["OrderNumber"] in ids} == {"CANCELLED"}


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("SO-1001", "CsvData line 3: Order SO-1001 is DESPATCHED and cannot be cancelled"),
        ("SO-1002", "CsvData line 3: Order SO-1002 is PICKED and cannot be cancelled"),
        ("SO-1003", "CsvData line 3: Order SO-1003 is CANCELLED and cannot be cancelled"),
        ("SO-404", "CsvData line 3: There is no order numbered 'SO-404'"),
        ("", "CsvData line 3: SalesOrderNumber is empty"),
    ],
)
def test_an_order_that_cannot_be_cancelled_is_a_fault_and_nothing_is_cancelled(
    client, session, threepl, number, message
):
    threepl.warehouse.cancel(threepl.warehouse.find_orders("SO-1003")[0]["ID"])
    threepl.advance(hours=2)
    assert threepl.warehouse.find_orders("SO-1002")[0]["OrderStatus"] == "PICKED"
    with pytest.raises(Fault, match=re.escape(message)):
        save(client, session, "Sales order cancellations", f"SalesOrderNumber,Reason\nSO-1004,x\n{number},y\n")
    assert threepl.warehouse.find_orders("SO-1004")[0]["OrderStatus"] == "AWAITINGPICKING"
