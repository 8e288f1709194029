BATCH = "/crm/v3/objects/{}/batch/{}"


def test_batch_create_and_read(api):
    inputs = [{"properties": {"email": f"buyer{n}@example.org", "firstname": f"Buyer {n}"}} for n in range(3)]
    created = api.post(BATCH.format("contacts", "create"), json={"inputs": inputs})
    assert created.status_code == 201
    body = created.json()
    assert body["status"] == "COMPLETE" and body["startedAt"] and body["completedAt"]
    ids = [r["id"] for r in body["results"]]
    read = api.post(
        BATCH.format("contacts", "read"),
        json={"inputs": [{"id": i} for i in ids], "properties": ["firstname"]},
    )
    assert read.status_code == 200
    assert sorted(r["properties"]["firstname"] for r in read.json()["results"]) == ["Buyer 0", "Buyer 1", "Buyer 2"]
    by_email = api.post(
        BATCH.format("contacts", "read"),
        json={"idProperty": "email", "inputs": [{"id": "buyer1@example.org"}]},
    ).json()
    assert [r["id"] for r in by_email["results"]] == [ids[1]]


MIXED = [
    {"properties": {"email": "new.buyer@example.org"}},
    {"properties": {"email": "other@example.org", "shoe_size": "9"}},
    {"properties": {"email": "oliver.bennett@thornburytea.co.uk"}},
]


def contact_emails(hubspot) -> set[str]:
    return {c["properties"].get("email") for c in hubspot.store.records("contacts")}


def test_batch_create_is_all_or_nothing(api, hubspot):
    answer = api.post(BATCH.format("contacts", "create"), json={"inputs": MIXED})
    assert answer.status_code == 400
    body = answer.json()
    assert body["status"] == "error" and body["category"] == "VALIDATION_ERROR"
    assert body["message"].startswith("Property values were not valid: ") and "shoe_size" in body["message"]
    assert "new.buyer@example.org" not in contact_emails(hubspot)

    conflict = api.post(BATCH.format("contacts", "create"), json={"inputs": [MIXED[0], MIXED[2]]})
    assert conflict.status_code == 409 and conflict.json()["category"] == "CONFLICT"
    twice = api.post(BATCH.format("contacts", "create"), json={"inputs": [MIXED[0], MIXED[0]]})
    assert twice.status_code == 400
    bad_link = {"properties": {}, "associations": [{"to": {"id": "9"}, "types": [{"associationTypeId": 279}]}]}
    assert api.post(BATCH.format("contacts", "create"), json={"inputs": [MIXED[0], bad_link]}).status_code == 400
    assert "new.buyer@example.org" not in contact_emails(hubspot)


def test_partial_failure_is_a_207_when_every_input_is_traced(api, hubspot):
    traced = [{**item, "objectWriteTraceId": f"row-{n}"} for n, item in enumerate(MIXED)]
    answer = api.post(BATCH.format("contacts", "create"), json={"inputs": traced})
    assert answer.status_code == 207
    body = answer.json()
    assert [(r["properties"]["email"], r["objectWriteTraceId"]) for r in body["results"]] == [
        ("new.buyer@example.org", "row-0")
    ]
    assert body["numErrors"] == 2
    assert [e["category"] for e in body["errors"]] == ["VALIDATION_ERROR", "CONFLICT"]
    for error in body["errors"]:
        assert error["status"] == "error" and error["message"] and isinstance(error["context"], dict)
    assert body["errors"][0]["context"] == {"propertyName": ["shoe_size"], "objectWriteTraceId": ["row-1"]}
    assert body["errors"][1]["context"] == {"objectWriteTraceId": ["row-2"]}
    assert "new.buyer@example.org" in contact_emails(hubspot)


def test_batch_read_takes_archived_as_a_query_parameter(api):
    contact_id = api.post("/crm/v3/objects/contacts", json={"properties": {"email": "gone@example.org"}}).json()["id"]
    api.delete(f"/crm/v3/objects/contacts/{contact_id}")
    read = BATCH.format("contacts", "read")
    assert api.post(read, json={"inputs": [{"id": contact_id}]}).status_code == 207
    archived = api.post(read, params={"archived": "true"}, json={"inputs": [{"id": contact_id}]})
    assert archived.status_code == 200
    assert archived.json()["results"][0]["archived"] is True


def test_batch_read_reports_missing_ids_in_one_error(api):
    created = api.post("/crm/v3/objects/contacts", json={"properties": {"email": "here@example.org"}}).json()

    company_id = api.get("/crm/v3/objects/companies", params={"limit": 1}).json()["results"][0]["id"]
    inputs = [{"id": created["id"]}, {"id": company_id}, {"id": "2"}]
    missing = api.post(BATCH.format("contacts", "read"), json={"inputs": inputs})
    assert missing.status_code == 207
    [error] = missing.json()["errors"]
    assert error["category"] == "OBJECT_NOT_FOUND" and error["context"] == {"ids": [company_id, "2"]}


def test_batch_update_and_archive(api):
    companies = api.get("/crm/v3/objects/companies", params={"limit": 2}).json()["results"]
    inputs = [{"id": c["id"], "properties": {"payment_terms": "45 days"}} for c in companies]
    updated = api.post(BATCH.format("companies", "update"), json={"inputs": [*inputs, {"id": "9", "properties": {}}]})
    assert updated.status_code == 207
    assert {r["properties"]["payment_terms"] for r in updated.json()["results"]} == {"45 days"}
    assert updated.json()["errors"][0]["context"] == {"ids": ["9"]}
    duplicates = api.post(BATCH.format("companies", "update"), json={"inputs": inputs + inputs})
    assert duplicates.status_code == 400

    archived = api.post(BATCH.format("companies", "archive"), json={"inputs": [{"id": c["id"]} for c in companies]})
    assert archived.status_code == 204
    assert all(api.get(f"/crm/v3/objects/companies/{c['id']}").status_code == 404 for c in companies)


def test_upsert_by_unique_property(api):
    inputs = [
        {"idProperty": "sku", "id": "MUG-STONE-350", "properties": {"price": "9.00"}},
        {"idProperty": "sku", "id": "MUG-ENAMEL", "properties": {"name": "Enamel mug", "price": "7.5"}},
    ]
    answer = api.post(BATCH.format("products", "upsert"), json={"inputs": inputs})
    assert answer.status_code == 200
    existing, created = answer.json()["results"]
    assert (existing["new"], existing["properties"]["price"], existing["properties"]["sku"]) == (
        False,
        "9",
        "MUG-STONE-350",
    )
    assert (created["new"], created["properties"]["sku"], created["properties"]["name"]) == (
        True,
        "MUG-ENAMEL",
        "Enamel mug",
    )

    by_email = api.post(
        BATCH.format("contacts", "upsert"),
        json={
            "inputs": [{"idProperty": "email", "id": "ISLA.HUGHES@pennineoutdoor.co.uk", "properties": {"phone": "1"}}]
        },
    ).json()["results"][0]
    assert by_email["new"] is False and by_email["properties"]["email"] == "isla.hughes@pennineoutdoor.co.uk"

    not_unique = api.post(
        BATCH.format("products", "upsert"),
        json={"inputs": [{"idProperty": "name", "id": "Gift hamper", "properties": {"price": "1"}}]},
    )
    assert not_unique.status_code == 207
    assert not_unique.json()["errors"][0]["category"] == "VALIDATION_ERROR"


def test_more_than_a_hundred_inputs_is_refused(api):
    inputs = [{"properties": {"name": f"Product {n}"}} for n in range(101)]
    answer = api.post(BATCH.format("products", "create"), json={"inputs": inputs})
    assert answer.status_code == 400
    assert answer.json()["category"] == "VALIDATION_ERROR"
    assert "100" in answer.json()["message"]
    assert api.post(BATCH.format("products", "create"), json={"inputs": inputs[:100]}).status_code == 201
    assert api.post(BATCH.format("products", "merge"), json={"inputs": []}).status_code == 404
