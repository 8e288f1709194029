import requests


def act(base_url, action, **params):
    return requests.post(f"{base_url}/_sandbox/systems/hubspot/actions/{action}", json=params)


def test_actions_are_listed(base_url):
    answer = requests.get(f"{base_url}/_sandbox/systems/hubspot/actions").json()
    assert answer["actions"] == [
        "close_deal",
        "create_contact",
        "delete",
        "flush_webhooks",
        "merge",
        "move_deal",
        "privacy_delete",
        "restore",
        "set_limits",
        "set_scopes",
        "subscribe",
        "update_company",
    ]


def test_move_and_close_deal(base_url, api, hubspot):
    deal_id = hubspot.store.records("deals")[-1]["id"]
    assert act(base_url, "move_deal", deal_id=deal_id, stage="contractsent").status_code == 200
    assert api.get(f"/crm/v3/objects/deals/{deal_id}").json()["properties"]["dealstage"] == "contractsent"
    closed = act(base_url, "close_deal", deal_id=deal_id).json()["result"]["properties"]
    assert (closed["dealstage"], closed["hs_is_closed_won"]) == ("closedwon", "true")
    assert act(base_url, "move_deal", deal_id=deal_id, stage="nowhere").status_code == 400
    assert act(base_url, "close_deal", deal_id="1").status_code == 404


def test_create_contact_and_update_company(base_url, api, hubspot):
    company_id = hubspot.store.records("companies")[0]["id"]
    contact = act(
        base_url, "create_contact", email="ops@thornburytea.co.uk", firstname="Nia", company_id=company_id
    ).json()["result"]
    linked = api.get(f"/crm/v4/objects/contacts/{contact['id']}/associations/companies").json()["results"]
    assert linked[0]["toObjectId"] == int(company_id)
    updated = act(base_url, "update_company", company_id=company_id, properties={"payment_terms": "7 days"})
    assert updated.json()["result"]["properties"]["payment_terms"] == "7 days"
    assert act(base_url, "update_company", company_id=company_id, properties={"colour": "red"}).status_code == 400


def test_subscribe_checks_its_arguments(base_url):
    assert act(base_url, "subscribe", target_url="ftp://x").status_code == 400
    assert act(base_url, "subscribe", target_url="http://x", types=["ticket.creation"]).status_code == 400
    created = act(base_url, "subscribe", target_url="http://127.0.0.1:9/hook").json()["result"]
    assert len(created) == 19  # six kinds of change for three object types, and privacy deletion


def test_status_tables_and_reset(base_url, api, hubspot):
    tables = hubspot.status_tables()
    assert {"Companies", "Contacts", "Deals", "Recent webhook events"} <= set(tables)
    assert "dealstage" in tables["Deals"][0]
    api.post("/crm/v3/objects/companies", json={"properties": {"name": "Temporary Ltd"}})
    requests.post(f"{base_url}/_sandbox/reset", params={"system": "hubspot"})
    assert len(hubspot.store.records("companies")) == 12
    assert hubspot.status()["collections"]["deals"] == 12
