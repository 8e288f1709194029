import pytest

SEARCH = "/crm/v3/objects/{}/search"


def search(api, kind, *groups, **body):
    answer = api.post(SEARCH.format(kind), json={"filterGroups": [{"filters": g} for g in groups], **body})
    assert answer.status_code == 200, answer.text
    return answer.json()


def ids_of(result):
    return [r["id"] for r in result["results"]]


def test_filters_within_a_group_and_groups_or(api):
    won = [{"propertyName": "dealstage", "operator": "EQ", "value": "closedwon"}]
    services = [{"propertyName": "deal_kind", "operator": "EQ", "value": "services"}]
    assert search(api, "deals", won, limit=100)["total"] == 5
    assert search(api, "deals", won + services)["total"] == 2
    assert search(api, "deals", won, services)["total"] == 5 + 5 - 2


@pytest.mark.parametrize(
    ("filter_", "total"),
    [
        ({"propertyName": "dealstage", "operator": "NEQ", "value": "closedwon"}, 7),
        ({"propertyName": "dealstage", "operator": "IN", "values": ["closedwon", "closedlost"]}, 7),
        ({"propertyName": "purchase_order_number", "operator": "HAS_PROPERTY"}, 8),
        ({"propertyName": "purchase_order_number", "operator": "NOT_HAS_PROPERTY"}, 4),
        ({"propertyName": "amount", "operator": "GT", "value": "1000"}, None),
        ({"propertyName": "dealname", "operator": "CONTAINS_TOKEN", "value": "installation"}, 5),
        ({"propertyName": "closedate", "operator": "LT", "value": "2025-03-10"}, 2),
        ({"propertyName": "closedate", "operator": "LTE", "value": "1741770000000"}, 3),
    ],
)
def test_operators(api, hubspot, filter_, total):
    result = search(api, "deals", [filter_], limit=100)
    if total is None:  # compare with what the store holds
        total = sum(float(d["properties"]["amount"]) > 1000 for d in hubspot.store.records("deals"))
    assert result["total"] == total


def test_emails_match_whatever_their_case(api):
    twins = search(api, "contacts", [{"propertyName": "email", "operator": "EQ", "value": "JANE.DOE@example.com"}])
    assert sorted(r["properties"]["email"] for r in twins["results"]) == [
        "Jane.Doe@Example.com",
        "jane.doe@example.com",
    ]
    domain = [{"propertyName": "email", "operator": "CONTAINS_TOKEN", "value": "*@thornburytea.co.uk"}]
    assert search(api, "contacts", domain)["total"] == 1


def test_sorts_query_and_selected_properties(api):
    result = search(
        api,
        "products",
        sorts=[{"propertyName": "price", "direction": "DESCENDING"}],
        properties=["sku", "price"],
        limit=3,
    )
    assert [r["properties"]["price"] for r in result["results"]] == ["480", "350", "95"]
    assert set(result["results"][0]["properties"]) == {"sku", "price"}
    ascending = search(api, "products", sorts=["price"], limit=1)
    assert ascending["results"][0]["properties"]["price"] == "6.75"
    assert search(api, "companies", query="cheese")["results"][0]["properties"]["name"] == "Cotswold Cheese Cellar"


def test_offset_paging(api):
    first = search(api, "contacts", limit=10)
    assert first["total"] == 16 and first["paging"]["next"]["after"] == "10"
    second = search(api, "contacts", limit=10, after=first["paging"]["next"]["after"])
    assert "paging" not in second
    assert len(set(ids_of(first) + ids_of(second))) == 16


def test_archived_objects_are_not_found(api):
    sam = [{"propertyName": "email", "operator": "EQ", "value": "sam.taylor@gmail.com"}]
    contact_id = search(api, "contacts", sam)["results"][0]["id"]
    api.delete(f"/crm/v3/objects/contacts/{contact_id}")
    assert search(api, "contacts", sam)["total"] == 0


def test_published_limits(api, hubspot):
    hubspot.set_limits(search_secondly=100)  # not the limit under test

    def post(**body):
        return api.post(SEARCH.format("contacts"), json=body)

    filter_ = {"propertyName": "email", "operator": "HAS_PROPERTY"}
    too_many_groups = post(filterGroups=[{"filters": [filter_]}] * 6)
    assert too_many_groups.status_code == 400
    assert too_many_groups.json()["category"] == "VALIDATION_ERROR"
    assert post(filterGroups=[{"filters": [filter_] * 5}] * 5).status_code == 200
    assert post(filterGroups=[{"filters": [filter_] * 6}] * 5).status_code == 400  # 30 filters in all
    assert post(filterGroups=[{"filters": [filter_] * 10}]).status_code == 200
    per_group = post(filterGroups=[{"filters": [filter_] * 11}])
    assert per_group.status_code == 400 and per_group.json()["category"] == "VALIDATION_ERROR"
    assert post(query="x" * 3000).status_code == 200
    long_query = post(query="x" * 3001)
    assert long_query.status_code == 400 and "3000" in long_query.json()["message"]
    assert post(limit=201).status_code == 400


def test_date_filters_take_iso_or_epoch_milliseconds(api):
    iso = [{"propertyName": "closedate", "operator": "GTE", "value": "2025-03-20T00:00:00.000Z"}]
    epoch = [{"propertyName": "closedate", "operator": "GTE", "value": "1742428800000"}]
    assert ids_of(search(api, "deals", iso, limit=100)) == ids_of(search(api, "deals", epoch, limit=100))
    deal = api.post("/crm/v3/objects/deals", json={"properties": {"dealname": "D", "delivery_date": "2026-12-01"}})
    deal_id = deal.json()["id"]
    for value in ("2026-12-01", "1796083200000"):
        on_the_day = [{"propertyName": "delivery_date", "operator": "EQ", "value": value}]
        assert ids_of(search(api, "deals", on_the_day)) == [deal_id]


def test_no_paging_beyond_ten_thousand(api, hubspot):
    for number in range(10_050):
        hubspot.state.insert(
            "line_items",
            {
                "id": str(900_000 + number),
                "properties": {"name": f"Line {number}"},
                "createdAt": "2025-01-01T00:00:00.000Z",
                "updatedAt": "2025-01-01T00:00:00.000Z",
                "archived": False,
            },
        )
    near_the_end = search(api, "line_items", limit=200, after="9800")
    assert near_the_end["total"] >= 10_050
    assert "paging" not in near_the_end
    beyond = api.post(SEARCH.format("line_items"), json={"after": "10000"})
    assert beyond.status_code == 400


def test_invalid_filters(api):
    unknown = [{"propertyName": "colour", "operator": "EQ", "value": "red"}]
    assert api.post(SEARCH.format("deals"), json={"filterGroups": [{"filters": unknown}]}).status_code == 400
    operator = [{"propertyName": "dealname", "operator": "LIKE", "value": "x"}]
    assert api.post(SEARCH.format("deals"), json={"filterGroups": [{"filters": operator}]}).status_code == 400
