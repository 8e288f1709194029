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


def test_batch_read_lists_objects_without_associations_as_errors(api):
    deal_id = first_id(api, "deals")
    lonely = api.post("/crm/v3/objects/deals", json={"properties": {"dealname": "Alone"}}).json()["id"]
    answer = api.post(
        "/crm/v4/associations/deals/companies/batch/read", json={"inputs": [{"id": deal_id}, {"id": lonely}]}
    )
    assert answer.status_code == 207
    body = answer.json()
    assert [r["from"]["id"] for r in body["results"]] == [deal_id]
    [error] = body["errors"]
    assert (error["status"], error["category"], error["subCategory"]) == (
        "error",
        "OBJECT_NOT_FOUND",
        "crm.associations.NO_ASSOCIATIONS_FOUND",
    )
    assert error["message"] == f"No company is associated with deal {lonely}."
    assert error["context"] == {"fromObjectId": [lonely], "fromObjectType": ["deal"], "toObjectType": ["company"]}
    assert body["numErrors"] == 1


def test_listing_pages_with_limit_and_after(api):
    company_id = first_id(api, "companies")
    contacts = [api.post("/crm/v3/objects/contacts", json={"properties": {}}).json()["id"] for _ in range(5)]
    inputs = [
        {
            "from": {"id": company_id},
            "to": {"id": c},
            "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 280}],
        }
        for c in contacts
    ]
    assert api.post("/crm/v4/associations/companies/contacts/batch/create", json={"inputs": inputs}).status_code == 201
    path = f"/crm/v4/objects/companies/{company_id}/associations/contacts"
    seen, after = [], None
    while True:
        page = api.get(path, params={"limit": 2, **({"after": after} if after else {})}).json()
        assert len(page["results"]) <= 2
        seen += [r["toObjectId"] for r in page["results"]]
        after = page.get("paging", {}).get("next", {}).get("after")
        if not after:
            break
    assert {int(c) for c in contacts} <= set(seen) and len(seen) == len(set(seen))
    assert api.get(path, params={"limit": 501}).status_code == 400


def test_batch_create_and_archive(api):
    deal_id = first_id(api, "deals")
    contact = api.post("/crm/v3/objects/contacts", json={"properties": {}}).json()["id"]
    spec = [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 3}]
    inputs = [
        {"from": {"id": deal_id}, "to": {"id": contact}, "types": spec},
        {"from": {"id": deal_id}, "to": {"id": "42"}, "types": spec},
    ]
    created = api.post("/crm/v4/associations/deals/contacts/batch/create", json={"inputs": inputs})
    assert created.status_code == 207
    [result] = created.json()["results"]
    assert (result["fromObjectTypeId"], result["toObjectId"], result["labels"]) == ("0-3", int(contact), [])
    assert created.json()["errors"][0]["category"] == "OBJECT_NOT_FOUND"
    listed = api.get(f"/crm/v4/objects/contacts/{contact}/associations/deals").json()["results"]
    assert [r["toObjectId"] for r in listed] == [int(deal_id)]

    archive = {"inputs": [{"from": {"id": deal_id}, "to": [{"id": contact}]}]}
    assert api.post("/crm/v4/associations/deals/contacts/batch/archive", json=archive).status_code == 204
    assert api.get(f"/crm/v4/objects/contacts/{contact}/associations/deals").json()["results"] == []


def test_association_labels(api):
    labels = "/crm/v4/associations/contacts/companies/labels"
    built_in = api.get(labels).json()["results"]
    assert {"category": "HUBSPOT_DEFINED", "typeId": 1, "label": "Primary"} in built_in
    created = api.post(labels, json={"name": "billing_contact", "label": "Billing contact", "inverseLabel": "Billed"})
    assert created.status_code == 200
    billing, billed = created.json()["results"]
    assert (billing["category"], billing["label"], billed["label"]) == ("USER_DEFINED", "Billing contact", "Billed")
    assert billing in api.get(labels).json()["results"]
    assert billed in api.get("/crm/associations/v4/companies/contacts/labels").json()["results"]
    assert api.post(labels, json={"name": "billing_contact", "label": "Again"}).status_code == 409

    contact_id, company_id = first_id(api, "contacts", email="sam.taylor@gmail.com"), first_id(api, "companies")
    path = f"/crm/v4/objects/contacts/{contact_id}/associations/companies/{company_id}"
    spec = {"associationCategory": "USER_DEFINED", "associationTypeId": billing["typeId"]}
    assert api.put(path, json=[spec]).json()["labels"] == ["Billing contact"]
    wrong_category = {**spec, "associationCategory": "HUBSPOT_DEFINED"}
    assert api.put(path, json=[wrong_category]).status_code == 400
    back = api.get(f"/crm/v4/objects/companies/{company_id}/associations/contacts").json()["results"]
    assert {"category": "USER_DEFINED", "typeId": billed["typeId"], "label": "Billed"} in [
        t for r in back if r["toObjectId"] == int(contact_id) for t in r["associationTypes"]
    ]

    renamed = {"associationTypeId": billing["typeId"], "label": "Accounts contact"}
    assert api.put(labels, json=renamed).status_code == 204
    assert api.put(labels, json={"associationTypeId": 1, "label": "Main"}).status_code == 400
    listed = api.get(f"/crm/v4/objects/contacts/{contact_id}/associations/companies").json()["results"]
    assert listed[0]["associationTypes"][0]["label"] == "Accounts contact"

    assert api.delete(f"{labels}/{billing['typeId']}").status_code == 204
    assert all(t["typeId"] != billing["typeId"] for t in api.get(labels).json()["results"])
    assert api.get(f"/crm/v4/objects/contacts/{contact_id}/associations/companies").json()["results"] == []


def test_removing_the_unlabelled_type_removes_the_labels(api):
    contact_id, company_id = first_id(api, "contacts", email="sam.taylor@gmail.com"), first_id(api, "companies")
    archive = "/crm/v4/associations/contacts/companies/batch/labels/archive"
    path = f"/crm/v4/objects/contacts/{contact_id}/associations/companies"
    both = [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": t} for t in (279, 1)]
    api.put(f"{path}/{company_id}", json=both)
    primary_only = {"inputs": [{"from": {"id": contact_id}, "to": {"id": company_id}, "types": both[1:]}]}
    assert api.post(archive, json=primary_only).status_code == 204
    assert [t["typeId"] for t in api.get(path).json()["results"][0]["associationTypes"]] == [279]
    api.put(f"{path}/{company_id}", json=both)
    unlabelled = {"inputs": [{"from": {"id": contact_id}, "to": {"id": company_id}, "types": both[:1]}]}
    assert api.post(archive, json=unlabelled).status_code == 204
    assert api.get(path).json()["results"] == []
