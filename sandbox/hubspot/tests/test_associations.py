import pytest


def first_id(api, kind, **filters):
    if filters:
        [(name, value)] = filters.items()
        body = {"filterGroups": [{"filters": [{"propertyName": name, "operator": "EQ", "value": value}]}]}
        return api.post(f"/crm/v3/objects/{kind}/search", json=body).json()["results"][0]["id"]
    return api.get(f"/crm/v3/objects/{kind}", params={"limit": 1}).json()["results"][0]["id"]


@pytest.mark.parametrize(
    ("from_type", "to_type", "type_id", "inverse_id"),
    [
        ("contacts", "companies", 279, 280),
        ("deals", "companies", 341, 342),
        ("deals", "contacts", 3, 4),
        ("line_items", "deals", 20, 19),
    ],
)
def test_default_association_both_ways(api, from_type, to_type, type_id, inverse_id):
    from_id = api.post(f"/crm/v3/objects/{from_type}", json={"properties": {}}).json()["id"]
    to_id = api.post(f"/crm/v3/objects/{to_type}", json={"properties": {}}).json()["id"]
    path = f"/crm/v4/objects/{from_type}/{from_id}/associations"
    answer = api.put(f"{path}/default/{to_type}/{to_id}")
    assert answer.status_code == 200
    specs = [r["associationSpec"]["associationTypeId"] for r in answer.json()["results"]]
    assert specs == [type_id, inverse_id]

    listed = api.get(f"{path}/{to_type}").json()["results"]
    assert listed == [
        {
            "toObjectId": int(to_id),
            "associationTypes": [{"category": "HUBSPOT_DEFINED", "typeId": type_id, "label": None}],
        }
    ]
    back = api.get(f"/crm/v4/objects/{to_type}/{to_id}/associations/{from_type}").json()["results"]
    assert back[0]["toObjectId"] == int(from_id) and back[0]["associationTypes"][0]["typeId"] == inverse_id

    assert api.delete(f"{path}/{to_type}/{to_id}").status_code == 204
    assert api.get(f"{path}/{to_type}").json()["results"] == []
    assert api.get(f"/crm/v4/objects/{to_type}/{to_id}/associations/{from_type}").json()["results"] == []


def test_labelled_association_and_v3_associations_param(api):
    contact_id = first_id(api, "contacts", email="sam.taylor@gmail.com")
    company_id = first_id(api, "companies")
    answer = api.put(
        f"/crm/v4/objects/contacts/{contact_id}/associations/companies/{company_id}",
        json=[{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 1}],
    )
    assert answer.status_code == 201
    assert answer.json()["labels"] == ["Primary"]
    assert answer.json()["fromObjectTypeId"] == "0-1" and answer.json()["toObjectId"] == int(company_id)

    contact = api.get(f"/crm/v3/objects/contacts/{contact_id}", params={"associations": "companies,deals"}).json()
    assert contact["associations"] == {"companies": {"results": [{"id": company_id, "type": "contact_to_company"}]}}
    company = api.get(f"/crm/v3/objects/companies/{company_id}", params={"associations": "contacts"}).json()
    assert {"id": contact_id, "type": "company_to_contact"} in company["associations"]["contacts"]["results"]


def test_seeded_deal_links_company_contact_and_line_items(api):
    deal_id = first_id(api, "deals")
    deal = api.get(f"/crm/v3/objects/deals/{deal_id}", params={"associations": "companies,contacts,line_items"}).json()
    company_types = {r["type"] for r in deal["associations"]["companies"]["results"]}
    assert company_types == {"deal_to_company", "deal_to_company_unlabeled"}
    assert deal["associations"]["contacts"]["results"][0]["type"] == "deal_to_contact"
    line_ids = [r["id"] for r in deal["associations"]["line_items"]["results"]]
    assert line_ids

    batch = api.post(
        "/crm/v4/associations/line_items/deals/batch/read",
        json={"inputs": [{"id": i} for i in line_ids]},
    ).json()
    assert {r["from"]["id"] for r in batch["results"]} == set(line_ids)
    assert all(r["to"][0]["toObjectId"] == int(deal_id) for r in batch["results"])


def test_create_with_associations_and_archived_targets_disappear(api):
    deal_id = first_id(api, "deals")
    line = api.post(
        "/crm/v3/objects/line_items",
        json={
            "properties": {"name": "Extra mugs", "hs_sku": "MUG-STONE-350", "quantity": "2", "price": "8.5"},
            "associations": [
                {"to": {"id": deal_id}, "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 20}]}
            ],
        },
    )
    assert line.status_code == 201
    line_id = line.json()["id"]
    targets = api.get(f"/crm/v4/objects/deals/{deal_id}/associations/line_items").json()["results"]
    assert int(line_id) in [t["toObjectId"] for t in targets]
    api.delete(f"/crm/v3/objects/line_items/{line_id}")
    targets = api.get(f"/crm/v4/objects/deals/{deal_id}/associations/line_items").json()["results"]
    assert int(line_id) not in [t["toObjectId"] for t in targets]


def test_invalid_associations(api):
    deal_id, company_id = first_id(api, "deals"), first_id(api, "companies")
    assert api.put(f"/crm/v4/objects/deals/{deal_id}/associations/default/companies/42").status_code == 404
    unsupported = api.put(
        f"/crm/v4/objects/products/{first_id(api, 'products')}/associations/default/companies/{company_id}"
    )
    assert unsupported.status_code == 400
    wrong_type = api.put(
        f"/crm/v4/objects/deals/{deal_id}/associations/companies/{company_id}",
        json=[{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 279}],
    )
    assert wrong_type.status_code == 400
    bad_create = api.post(
        "/crm/v3/objects/contacts",
        json={"properties": {}, "associations": [{"to": {"id": "999999"}, "types": [{"associationTypeId": 1}]}]},
    )
    assert bad_create.status_code == 400
