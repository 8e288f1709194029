import json
import re
import uuid

import pytest

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
INVALID = "Property values were not valid: "


def invalid_properties(answer) -> list[dict]:
    """The per-property details HubSpot puts, as JSON, inside a 400's message."""
    assert answer.status_code == 400
    message = answer.json()["message"]
    assert message.startswith(INVALID)
    return json.loads(message[len(INVALID) :])


def test_create_get_update_archive_contact(api):
    created = api.post("/crm/v3/objects/contacts", json={"properties": {"email": "ada@lovelace.co.uk", "age": None}})
    assert created.status_code == 400  # "age" is no contact property
    created = api.post(
        "/crm/v3/objects/contacts", json={"properties": {"email": "ada@lovelace.co.uk", "firstname": "Ada"}}
    )
    assert created.status_code == 201
    contact = created.json()
    assert set(contact) == {"id", "properties", "createdAt", "updatedAt", "archived"}
    assert contact["archived"] is False and ISO.match(contact["createdAt"])
    properties = contact["properties"]
    assert properties["hs_object_id"] == contact["id"]
    assert properties["email"] == "ada@lovelace.co.uk" and properties["lastname"] is None
    assert properties["createdate"] == contact["createdAt"] == properties["lastmodifieddate"]

    path = f"/crm/v3/objects/contacts/{contact['id']}"
    updated = api.patch(path, json={"properties": {"lastname": "Lovelace", "phone": 441174960123}})
    assert updated.status_code == 200
    assert updated.json()["properties"]["phone"] == "441174960123"
    fetched = api.get(path, params={"properties": "lastname,phone,jobtitle"}).json()
    assert fetched["properties"] == {"lastname": "Lovelace", "phone": "441174960123", "jobtitle": None}

    assert api.delete(path).status_code == 204
    assert api.get(path).status_code == 404
    archived = api.get(path, params={"archived": "true"}).json()
    assert archived["archived"] is True and archived["archivedAt"]
    assert api.patch(path, json={"properties": {"lastname": "L"}}).status_code == 404


def test_default_properties_per_type(api):
    deal = api.get("/crm/v3/objects/deals", params={"limit": 1}).json()["results"][0]
    assert set(deal["properties"]) == {
        "amount",
        "closedate",
        "createdate",
        "dealname",
        "dealstage",
        "hs_lastmodifieddate",
        "hs_object_id",
        "pipeline",
    }
    company = api.get("/crm/v3/objects/companies", params={"limit": 1, "properties": ["name", "vat_number"]}).json()
    assert set(company["results"][0]["properties"]) == {"name", "vat_number"}


def test_list_pages_with_after_cursor(api):
    seen, after = [], None
    while True:
        params = {"limit": 5, **({"after": after} if after else {})}
        page = api.get("/crm/v3/objects/contacts", params=params).json()
        seen += [r["id"] for r in page["results"]]
        if "paging" not in page:
            break
        after = page["paging"]["next"]["after"]
        assert page["paging"]["next"]["link"].endswith(f"/hubspot/crm/v3/objects/contacts?after={after}")
    assert len(seen) == len(set(seen)) == 16
    assert api.get("/crm/v3/objects/contacts", params={"limit": 101}).status_code == 400


def test_object_types_by_singular_name_and_type_id(api):
    assert len(api.get("/crm/v3/objects/0-7").json()["results"]) == 9
    assert api.get("/crm/v3/objects/product", params={"limit": 1}).status_code == 200
    unknown = api.get("/crm/v3/objects/tickets")
    assert unknown.status_code == 400 and "tickets" in unknown.json()["message"]


def test_unknown_and_invalid_properties_answer_validation_error(api):
    answer = api.post("/crm/v3/objects/deals", json={"properties": {"dealname": "X", "colour": "red"}})
    assert answer.status_code == 400
    body = answer.json()
    assert body["status"] == "error" and body["category"] == "VALIDATION_ERROR"
    uuid.UUID(body["correlationId"])
    assert invalid_properties(answer) == [
        {
            "isValid": False,
            "message": 'Property "colour" does not exist',
            "error": "PROPERTY_DOESNT_EXIST",
            "name": "colour",
            "localizedErrorMessage": 'Property "colour" does not exist',
        }
    ]
    bad_values = {"dealstage": "won", "amount": "lots", "deal_kind": " goods", "hs_is_closed_won": "true"}
    errors = invalid_properties(api.post("/crm/v3/objects/deals", json={"properties": bad_values}))
    assert {e["name"]: e["error"] for e in errors} == {
        "dealstage": "INVALID_OPTION",
        "amount": "INVALID_FLOAT",
        "deal_kind": "LEADING_TRAILING_WHITESPACE",
        "hs_is_closed_won": "READ_ONLY_VALUE",
    }
    email = api.post("/crm/v3/objects/contacts", json={"properties": {"email": "not-an-email"}}).json()
    assert "INVALID_EMAIL" in email["message"]


def test_values_are_normalised_to_strings(api):
    created = api.post(
        "/crm/v3/objects/deals",
        json={
            "properties": {"dealname": "Mugs", "amount": 120.50, "closedate": 1767225600000, "dealstage": "closedwon"}
        },
    ).json()["properties"]
    assert created["amount"] == "120.5"
    assert created["closedate"] == "2026-01-01T00:00:00.000Z"
    assert created["pipeline"] == "default"
    assert created["hs_is_closed_won"] == "true"
    line = api.post("/crm/v3/objects/line_items", json={"properties": {"quantity": 3, "price": "8.50"}}).json()
    assert line["properties"]["amount"] == "25.5"


def test_unique_email_is_case_insensitive(api):
    answer = api.post("/crm/v3/objects/contacts", json={"properties": {"email": "OLIVER.BENNETT@thornburytea.co.uk"}})
    assert answer.status_code == 409
    assert answer.json()["category"] == "CONFLICT"
    assert answer.json()["message"].startswith("Contact already exists. Existing ID: ")
    sku = api.post("/crm/v3/objects/products", json={"properties": {"name": "Mug", "sku": "MUG-STONE-350"}})
    assert sku.status_code == 409


def test_get_and_update_by_id_property(api):
    path = "/crm/v3/objects/products/SRV-TRAINING"
    product = api.get(path, params={"idProperty": "sku", "properties": "sku,price"}).json()
    assert product["properties"] == {"sku": "SRV-TRAINING", "price": "350"}
    api.patch(path, params={"idProperty": "sku"}, json={"properties": {"price": 375}})
    assert api.get(f"/crm/v3/objects/products/{product['id']}").json()["properties"]["price"] == "375"
    not_unique = api.get("/crm/v3/objects/products/Gift", params={"idProperty": "name"})
    assert not_unique.status_code == 400


@pytest.mark.parametrize("body", ["not json", "[]"])
def test_body_must_be_a_json_object(api, body):
    answer = api.post("/crm/v3/objects/contacts", data=body, headers={"Content-Type": "application/json"})
    assert answer.status_code == 400
    assert answer.json()["category"] == "VALIDATION_ERROR"


def test_unknown_paths_and_methods_answer_hubspot_errors(api):
    missing = api.get("/crm/v3/nothing")
    assert missing.status_code == 404 and missing.json()["status"] == "error"
    assert api.put("/crm/v3/objects/contacts").status_code == 405


@pytest.mark.parametrize(
    ("name", "written", "read"),
    [
        ("closedate", "2026-12-01T10:15:30.123Z", "2026-12-01T10:15:30.123Z"),
        ("closedate", "2026-12-01T11:15:30.123+01:00", "2026-12-01T10:15:30.123Z"),
        ("closedate", "1796120130123", "2026-12-01T10:15:30.123Z"),
        ("closedate", "2026-12-01", "2026-12-01T00:00:00.000Z"),
        ("delivery_date", "2026-12-01", "2026-12-01"),
        ("delivery_date", "1796083200000", "2026-12-01"),
        ("delivery_date", "2026-12-01T00:00:00Z", "2026-12-01"),
    ],
)
def test_dates_and_datetimes_in_hubspot_formats(api, name, written, read):
    created = api.post("/crm/v3/objects/deals", json={"properties": {"dealname": "Dated", name: written}})
    assert created.status_code == 201, created.text
    deal_id = created.json()["id"]
    fetched = api.get(f"/crm/v3/objects/deals/{deal_id}", params={"properties": name}).json()
    assert fetched["properties"][name] == read


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("closedate", "01/12/2026"),
        ("closedate", "2026-12-01 10:15"),
        ("closedate", "next tuesday"),
        ("delivery_date", "2026-12-01T10:15:30Z"),
        ("delivery_date", "1796120130123"),
    ],
)
def test_other_date_formats_are_refused(api, name, value):
    answer = api.post("/crm/v3/objects/deals", json={"properties": {"dealname": "Dated", name: value}})
    [error] = invalid_properties(answer)
    assert (error["name"], error["error"]) == (name, "INVALID_DATE")
