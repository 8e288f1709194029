import base64
import csv
import io

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
