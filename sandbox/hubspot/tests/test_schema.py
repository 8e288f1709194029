def test_deal_pipeline_and_stages(api):
    answer = api.get("/crm/v3/pipelines/deals")
    assert answer.status_code == 200
    [pipeline] = answer.json()["results"]
    assert pipeline["id"] == "default"
    stages = {s["id"]: s for s in pipeline["stages"]}
    assert list(stages) == [
        "appointmentscheduled",
        "qualifiedtobuy",
        "presentationscheduled",
        "decisionmakerboughtin",
        "contractsent",
        "closedwon",
        "closedlost",
    ]
    assert stages["closedwon"]["metadata"] == {"isClosed": "true", "probability": "1.0"}
    assert stages["closedlost"]["metadata"] == {"isClosed": "true", "probability": "0.0"}
    assert stages["contractsent"]["metadata"]["isClosed"] == "false"
    assert api.get("/crm/v3/pipelines/deals/default").json()["label"] == "Sales Pipeline"
    assert len(api.get("/crm/v3/pipelines/deals/default/stages").json()["results"]) == 7
    assert api.get("/crm/v3/pipelines/deals/enterprise").status_code == 404
    assert api.get("/crm/v3/pipelines/contacts").status_code == 400


def test_properties_include_the_custom_ones(api):
    def properties(kind):
        return {p["name"]: p for p in api.get(f"/crm/v3/properties/{kind}").json()["results"]}

    companies, deals, products = properties("companies"), properties("deals"), properties("products")
    assert {"name", "domain", "vat_number", "payment_terms"} <= set(companies)
    assert companies["vat_number"]["hubspotDefined"] is False
    assert {"purchase_order_number", "payment_terms", "deal_kind", "dealstage"} <= set(deals)
    assert [o["value"] for o in deals["deal_kind"]["options"]] == ["goods", "services"]
    assert deals["dealstage"]["type"] == "enumeration"
    assert products["sku"]["hasUniqueValue"] is True and "hs_sku" in products
    assert "lastmodifieddate" in properties("contacts") and "hs_lastmodifieddate" in companies
    one = api.get("/crm/v3/properties/deals/deal_kind")
    assert one.status_code == 200 and one.json()["fieldType"] == "select"
    assert api.get("/crm/v3/properties/deals/colour").status_code == 404
