import re

import pytest
import requests

from sandbox.hubspot import HubSpotSystem
from sandbox.hubspot.schema import ACCOUNT_CREATED, PROPERTIES

from .conftest import SEED
from .test_objects import invalid_properties
from .test_webhooks import received_events, subscribe

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
KINDS = [{"label": "Goods", "value": "goods"}, {"label": "Services", "value": "services"}]


def definition(name, type_="string", field_type="text", **extra) -> dict:
    """A ``PropertyCreate`` body in the deal information group."""
    body = {"name": name, "label": name.replace("_", " ").title(), "type": type_, "fieldType": field_type}
    return {**body, "groupName": "dealinformation", **extra}


def create(api, body, kind="deals"):
    return api.post(f"/crm/v3/properties/{kind}", json=body)


def first_deal(api) -> str:
    return api.get("/crm/v3/objects/deals", params={"limit": 1}).json()["results"][0]["id"]


@pytest.fixture
def erp_properties(api):
    """Three custom deal properties as an ERP integration would make them: a number, a date and a choice."""
    for body in (
        definition("erp_invoiced_total", "number", "number", description="Invoiced in the ERP"),
        definition("erp_delivery_date", "date", "date"),
        definition(
            "erp_invoice_state", "enumeration", "select", options=KINDS[:1] + [{"label": "Paid", "value": "paid"}]
        ),
    ):
        assert create(api, body).status_code == 201
    return ("erp_invoiced_total", "erp_delivery_date", "erp_invoice_state")


def test_create_a_property(api):
    answer = create(api, definition("erp_order_ref", description="The sale order in the ERP"))
    assert answer.status_code == 201
    created = answer.json()
    built_in = api.get("/crm/v3/properties/deals/dealname").json()
    assert set(created) == set(built_in)
    assert (created["name"], created["label"], created["type"], created["fieldType"]) == (
        "erp_order_ref",
        "Erp Order Ref",
        "string",
        "text",
    )
    assert created["groupName"] == "dealinformation" and created["description"] == "The sale order in the ERP"
    assert created["hubspotDefined"] is False and created["archived"] is False
    assert created["modificationMetadata"] == {"archivable": True, "readOnlyDefinition": False, "readOnlyValue": False}
    assert ISO.match(created["createdAt"]) and created["createdAt"] != ACCOUNT_CREATED
    assert created["updatedAt"] == created["createdAt"]

    assert api.get("/crm/v3/properties/deals/erp_order_ref").json() == created
    listed = api.get("/crm/v3/properties/deals").json()["results"]
    assert listed[-1]["name"] == "erp_order_ref" and "dealname" in [p["name"] for p in listed]
    assert api.get("/crm/v3/properties/companies/erp_order_ref").status_code == 404


def test_a_taken_name_is_a_conflict(api):
    assert create(api, definition("erp_order_ref")).status_code == 201
    for kind, name in (("deals", "erp_order_ref"), ("deals", "dealname"), ("companies", "vat_number")):
        answer = create(api, definition(name), kind)
        assert answer.status_code == 409
        error = answer.json()
        assert error["category"] == "OBJECT_ALREADY_EXISTS"
        assert error["message"] == f"Property named '{name}' already exists."
    assert create(api, definition("erp_order_ref"), "companies").status_code == 201


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({k: v for k, v in definition("erp_ref").items() if k != "groupName"}, "groupName"),
        ({"name": "erp_ref"}, "label, type, fieldType, groupName"),
        (definition("erp_ref", type_="currency"), "type"),
        (definition("erp_ref", field_type="dropdown"), "fieldType"),
        (definition("erp_ref", "number", "text"), "fieldType"),
        (definition("erp_ref", "enumeration", "select"), "options"),
        (definition("erp_ref", "enumeration", "select", options=[{"label": "No value"}]), "option"),
        (definition("erp_ref", "bool", "booleancheckbox", options=KINDS), "true and false"),
        (definition("Erp Ref"), "Property name 'Erp Ref'"),
        (definition("1st_ref"), "Property name '1st_ref'"),
        (definition("erp_ref", "date", "date", hasUniqueValue=True), "unique"),
        (definition("erp_ref", label=" "), "label"),
    ],
)
def test_an_invalid_definition_is_refused(api, body, named):
    answer = create(api, body)
    assert answer.status_code == 400
    error = answer.json()
    assert error["category"] == "VALIDATION_ERROR" and named in error["message"]
    assert api.get("/crm/v3/properties/deals/erp_ref").status_code == 404


def test_batch_create_makes_the_valid_inputs(api):
    inputs = [definition("erp_ref"), definition("erp_total", "number", "text"), definition("dealname")]
    answer = api.post("/crm/v3/properties/deals/batch/create", json={"inputs": inputs})
    assert answer.status_code == 207
    batch = answer.json()
    assert batch["status"] == "COMPLETE" and batch["startedAt"] and batch["completedAt"]
    assert [p["name"] for p in batch["results"]] == ["erp_ref"]
    assert batch["numErrors"] == 2
    assert [(e["category"], e["context"]) for e in batch["errors"]] == [
        ("VALIDATION_ERROR", {"name": ["erp_total"]}),
        ("OBJECT_ALREADY_EXISTS", {"name": ["dealname"]}),
    ]
    assert api.get("/crm/v3/properties/deals/erp_ref").status_code == 200

    inputs = [definition("erp_total", "number", "number"), definition("erp_paid", "bool", "booleancheckbox")]
    inputs[1]["options"] = [{"label": "Yes", "value": "true"}, {"label": "No", "value": "false"}]
    answer = api.post("/crm/v3/properties/deals/batch/create", json={"inputs": inputs})
    assert answer.status_code == 201 and "errors" not in answer.json()
    assert [p["type"] for p in answer.json()["results"]] == ["number", "bool"]


def test_values_of_a_created_property_are_validated_by_type(api, erp_properties):
    path = f"/crm/v3/objects/deals/{first_deal(api)}"
    written = api.patch(
        path,
        json={
            "properties": {
                "erp_invoiced_total": "1250.50",
                "erp_delivery_date": "2026-12-01",
                "erp_invoice_state": "paid",
            }
        },
    )
    assert written.status_code == 200
    assert {k: written.json()["properties"][k] for k in erp_properties} == {
        "erp_invoiced_total": "1250.5",
        "erp_delivery_date": "2026-12-01",
        "erp_invoice_state": "paid",
    }
    answer = api.patch(
        path,
        json={
            "properties": {"erp_invoiced_total": "lots", "erp_delivery_date": "01/12/2026", "erp_invoice_state": "x"}
        },
    )
    errors = {e["name"]: e["error"] for e in invalid_properties(answer)}
    assert errors == {
        "erp_invoiced_total": "INVALID_FLOAT",
        "erp_delivery_date": "INVALID_DATE",
        "erp_invoice_state": "INVALID_OPTION",
    }

    fetched = api.get(path, params={"properties": "erp_invoiced_total,erp_invoice_state,dealname"}).json()
    assert fetched["properties"]["erp_invoiced_total"] == "1250.5"
    assert fetched["properties"]["erp_invoice_state"] == "paid" and fetched["properties"]["dealname"]
    assert "erp_invoiced_total" not in api.get(path).json()["properties"]


def test_search_and_sort_on_a_created_property(api, erp_properties):
    deals = [d["id"] for d in api.get("/crm/v3/objects/deals", params={"limit": 3}).json()["results"]]
    for deal_id, total in zip(deals, ("10", "300", "2000")):
        api.patch(f"/crm/v3/objects/deals/{deal_id}", json={"properties": {"erp_invoiced_total": total}})
    over = {"propertyName": "erp_invoiced_total", "operator": "GT", "value": "100"}
    body = {
        "filterGroups": [{"filters": [over]}],
        "sorts": [{"propertyName": "erp_invoiced_total", "direction": "DESCENDING"}],
        "properties": ["erp_invoiced_total"],
    }
    found = api.post("/crm/v3/objects/deals/search", json=body).json()
    assert found["total"] == 2
    assert [r["properties"]["erp_invoiced_total"] for r in found["results"]] == ["2000", "300"]
    assert [r["id"] for r in found["results"]] == [deals[2], deals[1]]


def test_a_created_property_announces_its_changes(api, hubspot, receiver, erp_properties):
    subscribe(hubspot, receiver, types=["deal.propertyChange"], property_name="erp_invoice_state")
    api.patch(f"/crm/v3/objects/deals/{first_deal(api)}", json={"properties": {"erp_invoice_state": "paid"}})
    hubspot.flush_webhooks()
    [event] = received_events(receiver)
    assert (event["propertyName"], event["propertyValue"], event["changeSource"]) == (
        "erp_invoice_state",
        "paid",
        "INTEGRATION",
    )


def test_a_unique_created_property_identifies_objects(api):
    assert create(api, definition("erp_order_ref", hasUniqueValue=True)).status_code == 201
    deal_id = first_deal(api)
    api.patch(f"/crm/v3/objects/deals/{deal_id}", json={"properties": {"erp_order_ref": "SO042"}})
    found = api.get("/crm/v3/objects/deals/SO042", params={"idProperty": "erp_order_ref"})
    assert found.status_code == 200 and found.json()["id"] == deal_id
    taken = api.post("/crm/v3/objects/deals", json={"properties": {"dealname": "Copy", "erp_order_ref": "SO042"}})
    assert taken.status_code == 409 and taken.json()["category"] == "CONFLICT"


def test_multiple_checkboxes_take_several_options(api):
    assert create(api, definition("erp_channels", "enumeration", "checkbox", options=KINDS)).status_code == 201
    path = f"/crm/v3/objects/deals/{first_deal(api)}"
    assert api.patch(path, json={"properties": {"erp_channels": "goods;services"}}).status_code == 200
    [error] = invalid_properties(api.patch(path, json={"properties": {"erp_channels": "goods;gifts"}}))
    assert error["error"] == "INVALID_OPTION" and error["message"].startswith("gifts was not one")


def test_update_and_archive_a_created_property(api):
    assert create(api, definition("erp_state", "enumeration", "select", options=KINDS)).status_code == 201
    path = "/crm/v3/properties/deals/erp_state"
    options = [*KINDS, {"label": "Both", "value": "both", "displayOrder": 5, "hidden": False}]
    updated = api.patch(path, json={"label": "ERP state", "description": "Kept by the ERP", "options": options})
    assert updated.status_code == 200
    changed = updated.json()
    assert (changed["label"], changed["description"], changed["name"]) == ("ERP state", "Kept by the ERP", "erp_state")
    assert [(o["value"], o["displayOrder"]) for o in changed["options"]] == [("goods", 0), ("services", 1), ("both", 5)]
    deal = f"/crm/v3/objects/deals/{first_deal(api)}"
    assert api.patch(deal, json={"properties": {"erp_state": "both"}}).status_code == 200
    assert api.patch(path, json={"fieldType": "text"}).status_code == 400

    assert api.delete(path).status_code == 204
    assert api.get(path).status_code == 404
    archived = api.get(path, params={"archived": "true"}).json()
    assert archived["archived"] is True and archived["archivedAt"]
    assert [p["name"] for p in api.get("/crm/v3/properties/deals", params={"archived": "true"}).json()["results"]] == [
        "erp_state"
    ]
    [error] = invalid_properties(api.patch(deal, json={"properties": {"erp_state": "goods"}}))
    assert error["error"] == "PROPERTY_DOESNT_EXIST"
    assert "erp_state" not in api.get(deal, params={"properties": "erp_state"}).json()["properties"]
    assert create(api, definition("erp_state")).status_code == 409
    assert api.delete(path).status_code == 404


def test_hubspot_defined_properties_are_read_only(api):
    for name in ("dealname", "hs_is_closed"):
        path = f"/crm/v3/properties/deals/{name}"
        refused = api.delete(path)
        assert refused.status_code == 400 and refused.json()["category"] == "VALIDATION_ERROR"
        refused = api.patch(path, json={"label": "Name"})
        assert refused.status_code == 400 and "read only definition" in refused.json()["message"]
        assert api.get(path).json()["archived"] is False
    assert api.delete("/crm/v3/properties/deals/erp_missing").status_code == 404
    archive = {"inputs": [{"name": "payment_terms"}, {"name": "dealname"}]}
    assert api.post("/crm/v3/properties/deals/batch/archive", json=archive).status_code == 400
    assert api.get("/crm/v3/properties/deals/payment_terms").status_code == 200


def test_the_accounts_custom_properties_can_be_changed_until_reset(api, hubspot):
    path = "/crm/v3/properties/companies/payment_terms"
    assert api.patch(path, json={"label": "Terms of payment"}).json()["label"] == "Terms of payment"
    assert api.delete(path).status_code == 204
    assert "payment_terms" not in hubspot.registry.definitions("companies")
    hubspot.reset()
    assert api.get(path).json()["label"] == "Payment terms"
    assert PROPERTIES["companies"]["payment_terms"].label == "Payment terms"


def test_batch_read(api):
    assert create(api, definition("erp_ref")).status_code == 201
    inputs = [{"name": "erp_ref"}, {"name": "dealname"}, {"name": "erp_missing"}]
    answer = api.post("/crm/v3/properties/deals/batch/read", json={"inputs": inputs})
    assert answer.status_code == 207
    assert [p["name"] for p in answer.json()["results"]] == ["erp_ref", "dealname"]
    [error] = answer.json()["errors"]
    assert error["category"] == "OBJECT_NOT_FOUND" and error["context"] == {"name": ["erp_missing"]}


def test_created_properties_belong_to_one_portal_until_reset(api, hubspot):
    assert create(api, definition("erp_order_ref")).status_code == 201
    other = HubSpotSystem(seed=SEED)
    try:
        assert other.registry.get("deals", "erp_order_ref") is None
        assert hubspot.registry.get("deals", "erp_order_ref").custom
        assert "erp_order_ref" not in PROPERTIES["deals"]
    finally:
        other.close()

    hubspot.reset()
    assert api.get("/crm/v3/properties/deals/erp_order_ref").status_code == 404
    deal = f"/crm/v3/objects/deals/{first_deal(api)}"
    [error] = invalid_properties(api.patch(deal, json={"properties": {"erp_order_ref": "SO1"}}))
    assert error["error"] == "PROPERTY_DOESNT_EXIST"
    assert create(api, definition("erp_order_ref")).status_code == 201


def test_status_page_shows_the_created_properties(base_url, api, hubspot, erp_properties):
    assert create(api, definition("erp_customer_ref", groupName="companyinformation"), "companies").status_code == 201
    deal_id = first_deal(api)
    api.patch(f"/crm/v3/objects/deals/{deal_id}", json={"properties": {"erp_invoice_state": "paid"}})
    tables = hubspot.status_tables()
    [row] = [r for r in tables["Deals"] if r["id"] == deal_id]
    assert list(row)[-4:] == ["purchase_order_number", *erp_properties]
    assert row["erp_invoice_state"] == "paid" and row["erp_invoiced_total"] == ""
    assert list(tables["Companies"][0])[-1] == "erp_customer_ref"
    assert "erp_invoice_state" not in tables["Contacts"][0]
    page = requests.get(f"{base_url}/_sandbox/systems/hubspot/page")
    assert page.status_code == 200 and "erp_invoice_state" in page.text and "erp_customer_ref" in page.text


def test_sdk_creates_and_reads_properties(host, hubspot):
    sdk = pytest.importorskip("hubspot")
    from hubspot.crm.properties import BatchInputPropertyCreate, OptionInput, PropertyCreate

    client = sdk.HubSpot(access_token=hubspot.access_token, host=host)
    options = [OptionInput(label="Goods", value="goods", display_order=0, hidden=False)]
    body = PropertyCreate(
        name="erp_kind", label="ERP kind", type="enumeration", field_type="select", group_name="dealinformation"
    )
    body.options = options
    created = client.crm.properties.core_api.create("deals", property_create=body)
    assert created.name == "erp_kind" and created.hubspot_defined is False and created.options[0].value == "goods"
    assert client.crm.properties.core_api.get_by_name("deals", "erp_kind").label == "ERP kind"
    batch = client.crm.properties.batch_api.create(
        "deals",
        batch_input_property_create=BatchInputPropertyCreate(
            inputs=[
                PropertyCreate(
                    name="erp_total",
                    label="ERP total",
                    type="number",
                    field_type="number",
                    group_name="dealinformation",
                ),
                PropertyCreate(
                    name="erp_kind", label="Again", type="string", field_type="text", group_name="dealinformation"
                ),
            ]
        ),
    )
    assert [p.name for p in batch.results] == ["erp_total"]
    assert batch.errors[0].category == "OBJECT_ALREADY_EXISTS"
    client.crm.properties.core_api.archive("deals", "erp_total")
    assert "erp_total" not in [p.name for p in client.crm.properties.core_api.get_all("deals").results]
