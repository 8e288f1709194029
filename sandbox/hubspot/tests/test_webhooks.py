import base64
import hashlib
import hmac
import json
import time

import requests

from sandbox import DeliveryPolicy
from sandbox.hubspot import sign_v3
from sandbox.hubspot.webhooks import sign_v1

SECRET = "client-secret-for-tests"


def test_sign_v3_matches_an_independent_computation():
    body = '[{"eventId":1,"subscriptionType":"deal.creation"}]'
    uri = "https://erp.example.co.uk/hubspot/webhook?db=prod"
    source = f"POST{uri}{body}1735689600000".encode()
    expected = base64.b64encode(hmac.new(SECRET.encode(), source, hashlib.sha256).digest()).decode()
    assert sign_v3(SECRET, "POST", uri, body.encode(), 1735689600000) == expected
    assert sign_v3(SECRET, "POST", uri, body, "1735689600000") == expected
    assert sign_v3(SECRET, "GET", uri, body, 1735689600000) != expected


def test_sign_v3_covers_the_decoded_uri():
    body, stamp = "[]", 1735689600000
    encoded = "https://erp.example.co.uk/hook%3Fdb%3Dprod%2Ceu%40x?next=%2Fhome&q=a%20b%2Bc"
    decoded = "https://erp.example.co.uk/hook?db%3Dprod,eu@x?next=/home&q=a%20b%2Bc"
    expected = base64.b64encode(
        hmac.new(SECRET.encode(), f"POST{decoded}{body}{stamp}".encode(), hashlib.sha256).digest()
    )
    assert sign_v3(SECRET, "POST", encoded, body, stamp) == expected.decode()


def test_sign_v1_is_the_hex_sha256_of_secret_and_body():
    body = '[{"eventId":1}]'
    assert sign_v1(SECRET, body) == hashlib.sha256(f"{SECRET}{body}".encode()).hexdigest()


def received_events(receiver) -> list[dict]:
    return [event for request in receiver.received for event in json.loads(request.body)]


def subscribe(hubspot, receiver, **kwargs):
    return hubspot.subscribe(receiver.url, client_secret=SECRET, **kwargs)


def test_subscribe_through_the_control_api_and_receive_a_signed_batch(base_url, api, hubspot, receiver):
    answer = requests.post(
        f"{base_url}/_sandbox/systems/hubspot/actions/subscribe",
        json={"target_url": receiver.url, "client_secret": SECRET, "types": ["contact.creation"]},
    )
    subscription = answer.json()["result"][0]
    started = int(time.time() * 1000)
    created = api.post("/crm/v3/objects/contacts", json={"properties": {"email": "new@example.org"}}).json()
    assert hubspot.flush_webhooks()

    [request] = receiver.received
    headers = request.headers
    assert request.url == receiver.url
    expected = sign_v3(SECRET, "POST", request.url, request.body, headers["X-Hubspot-Request-Timestamp"])
    assert headers["X-Hubspot-Signature-V3"] == expected
    assert abs(int(headers["X-Hubspot-Request-Timestamp"]) - started) < 60_000
    assert (headers["X-Hubspot-Signature-Version"], headers["X-Hubspot-Signature"]) == (
        "v1",
        sign_v1(SECRET, request.body),
    )

    [event] = json.loads(request.body)
    assert event["subscriptionType"] == "contact.creation"
    assert event["objectId"] == int(created["id"])
    assert event["subscriptionId"] == subscription["id"]
    assert (event["portalId"], event["appId"]) == (hubspot.portal_id, hubspot.app_id)
    assert event["attemptNumber"] == 0 and event["changeFlag"] == "CREATED"
    assert (event["changeSource"], event["sourceId"]) == ("INTEGRATION", str(hubspot.app_id))
    assert isinstance(event["eventId"], int) and event["occurredAt"] >= started


def test_property_changes_and_deletion(api, hubspot, receiver):
    subscribe(hubspot, receiver, types=["deal.propertyChange", "deal.deletion", "company.creation"])
    deal_id = api.get("/crm/v3/objects/deals", params={"limit": 1}).json()["results"][0]["id"]
    api.patch(f"/crm/v3/objects/deals/{deal_id}", json={"properties": {"purchase_order_number": "PO-1", "amount": 5}})
    api.delete(f"/crm/v3/objects/deals/{deal_id}")
    api.post("/crm/v3/objects/contacts", json={"properties": {"email": "not.subscribed@example.org"}})
    hubspot.flush_webhooks()

    events = received_events(receiver)
    changes = {e["propertyName"]: e["propertyValue"] for e in events if e["subscriptionType"] == "deal.propertyChange"}
    assert changes == {"purchase_order_number": "PO-1", "amount": "5"}
    [deletion] = [e for e in events if e["subscriptionType"] == "deal.deletion"]
    assert deletion["objectId"] == int(deal_id) and deletion["changeFlag"] == "DELETED"
    assert len(events) == 3


def test_close_deal_action_announces_the_stage(base_url, hubspot, receiver):
    subscribe(hubspot, receiver, types=["deal.propertyChange"], property_name="dealstage")
    deal = hubspot.store.records("deals")[-1]
    answer = requests.post(
        f"{base_url}/_sandbox/systems/hubspot/actions/close_deal", json={"deal_id": deal["id"], "won": False}
    )
    assert answer.json()["result"]["properties"]["dealstage"] == "closedlost"
    hubspot.flush_webhooks()
    [event] = received_events(receiver)
    assert (event["propertyName"], event["propertyValue"], event["changeSource"], event["sourceId"]) == (
        "dealstage",
        "closedlost",
        "CRM_UI",
        f"userId:{hubspot.user_id}",
    )


def test_events_are_batched_over_the_window(api, hubspot, receiver):
    subscribe(hubspot, receiver, types=["company.creation"])
    hubspot.events.window = 0.5
    for number in range(3):
        api.post("/crm/v3/objects/companies", json={"properties": {"name": f"Company {number}"}})
    deadline = time.monotonic() + 5
    while not receiver.received and time.monotonic() < deadline:
        time.sleep(0.05)
    hubspot.webhooks.flush()
    assert [len(json.loads(r.body)) for r in receiver.received] == [3]


def test_at_most_a_hundred_events_per_request(api, hubspot, receiver):
    subscribe(hubspot, receiver, types=["company.creation"])
    hubspot.events.window = 5
    for chunk in range(3):
        inputs = [{"properties": {"name": f"Company {chunk}-{n}"}} for n in range(50)]
        api.post("/crm/v3/objects/companies/batch/create", json={"inputs": inputs})
    hubspot.flush_webhooks()
    assert [len(json.loads(r.body)) for r in receiver.received] == [100, 50]
    ids = [e["eventId"] for e in received_events(receiver)]
    assert len(set(ids)) == 150


def test_every_retry_is_numbered_and_signed_afresh(api, hubspot, receiver, fast_retries):
    subscribe(hubspot, receiver, types=["contact.creation"])
    receiver.statuses = [500, 503]
    api.post("/crm/v3/objects/contacts", json={"properties": {"email": "retry@example.org"}})
    hubspot.flush_webhooks()
    assert [a.outcome for a in hubspot.webhooks.attempts] == ["retry", "retry", "delivered"]
    assert hubspot.webhooks.policy.max_attempts == 10
    events = [json.loads(r.body)[0] for r in receiver.received]
    assert [e["attemptNumber"] for e in events] == [0, 1, 2]
    assert len({e["eventId"] for e in events}) == 1
    stamps = [int(r.headers["X-Hubspot-Request-Timestamp"]) for r in receiver.received]
    assert stamps == sorted(stamps) and len(set(stamps)) == 3
    for request, stamp in zip(receiver.received, stamps):
        assert request.headers["X-Hubspot-Signature-V3"] == sign_v3(SECRET, "POST", request.url, request.body, stamp)
        assert request.headers["X-Hubspot-Signature"] == sign_v1(SECRET, request.body)


def test_duplicates_come_from_the_delivery_policy(api, hubspot, receiver):
    subscribe(hubspot, receiver, types=["contact.creation"])
    hubspot.webhooks.configure(DeliveryPolicy(duplicate_rate=1))
    api.post("/crm/v3/objects/contacts", json={"properties": {"email": "twice@example.org"}})
    hubspot.flush_webhooks()
    first, second = received_events(receiver)
    assert first == second


def test_status_page_lists_recent_events(base_url, api, hubspot, receiver):
    subscribe(hubspot, receiver, types=["contact.creation"])
    api.post("/crm/v3/objects/contacts", json={"properties": {"email": "seen@example.org"}})
    hubspot.flush_webhooks()
    tables = hubspot.status_tables()
    assert tables["Recent webhook events"][-1]["subscriptionType"] == "contact.creation"
    assert "clientSecret" not in tables["Webhook subscriptions"][0]
    page = requests.get(f"{base_url}/_sandbox/systems/hubspot/page")
    assert page.status_code == 200 and "Recent webhook events" in page.text


def act(base_url, action, **params):
    answer = requests.post(f"{base_url}/_sandbox/systems/hubspot/actions/{action}", json=params)
    assert answer.status_code == 200, answer.text
    return answer.json()["result"]


def events_of(receiver, subscription_type) -> list[dict]:
    return [e for e in received_events(receiver) if e["subscriptionType"] == subscription_type]


def test_user_deletes_restores_and_merges(base_url, api, hubspot, receiver):
    subscribe(hubspot, receiver, types=["company.deletion", "company.restore", "company.merge"])
    first, second = (c["id"] for c in hubspot.store.records("companies")[:2])
    api.patch(f"/crm/v3/objects/companies/{first}", json={"properties": {"industry": ""}})
    act(base_url, "delete", object_type="companies", object_id=second)
    assert api.get(f"/crm/v3/objects/companies/{second}").status_code == 404
    act(base_url, "restore", object_type="company", object_id=second)
    assert api.get(f"/crm/v3/objects/companies/{second}").status_code == 200
    merged = act(base_url, "merge", object_type="companies", primary_id=first, merged_id=second)
    assert merged["id"] == first
    assert api.get(f"/crm/v3/objects/companies/{second}").status_code == 404
    assert api.get(f"/crm/v3/objects/companies/{first}", params={"properties": "industry"}).json()["properties"][
        "industry"
    ]  # the primary lacked one: it took the merged company's
    hubspot.flush_webhooks()

    [deletion] = events_of(receiver, "company.deletion")
    [restore] = events_of(receiver, "company.restore")
    [merge] = events_of(receiver, "company.merge")
    assert (deletion["objectId"], deletion["changeFlag"], deletion["changeSource"]) == (
        int(second),
        "DELETED",
        "CRM_UI",
    )
    assert (restore["objectId"], restore["changeFlag"]) == (int(second), "RESTORED")
    assert merge["primaryObjectId"] == merge["newObjectId"] == merge["objectId"] == int(first)
    assert merge["mergedObjectIds"] == [int(second)] and merge["numberOfPropertiesMoved"] >= 1
    assert merge["changeFlag"] == "MERGED" and merge["sourceId"] == f"userId:{hubspot.user_id}"


def test_merge_through_the_api_moves_associations(api, hubspot, receiver):
    subscribe(hubspot, receiver, types=["contact.merge"])
    kept = api.post("/crm/v3/objects/contacts", json={"properties": {"email": "kept@example.org"}}).json()["id"]
    twin = hubspot.store.records("contacts")[0]["id"]  # linked to a company by the seed
    answer = api.post("/crm/v3/objects/contacts/merge", json={"primaryObjectId": kept, "objectIdToMerge": twin})
    assert answer.status_code == 200 and answer.json()["id"] == kept
    assert api.get(f"/crm/v4/objects/contacts/{kept}/associations/companies").json()["results"]
    assert (
        api.post("/crm/v3/objects/contacts/merge", json={"primaryObjectId": kept, "objectIdToMerge": kept}).status_code
        == 400
    )
    hubspot.flush_webhooks()
    [merge] = received_events(receiver)
    assert merge["changeSource"] == "INTEGRATION" and merge["mergedObjectIds"] == [int(twin)]


def test_privacy_deletion_leaves_nothing(base_url, api, hubspot, receiver):
    subscribe(hubspot, receiver, types=["contact.privacyDeletion"])
    contact_id = hubspot.store.records("contacts")[0]["id"]
    act(base_url, "privacy_delete", contact_id=contact_id)
    assert api.get(f"/crm/v3/objects/contacts/{contact_id}", params={"archived": "true"}).status_code == 404
    other = hubspot.store.records("contacts")[0]
    gdpr = api.post(
        "/crm/v3/objects/contacts/gdpr-delete", json={"objectId": other["properties"]["email"], "idProperty": "email"}
    )
    assert gdpr.status_code == 204
    hubspot.flush_webhooks()
    first, second = received_events(receiver)
    assert (first["objectId"], first["changeSource"]) == (int(contact_id), "CRM_UI")
    assert (second["objectId"], second["changeSource"]) == (int(other["id"]), "INTEGRATION")


def test_association_changes_from_both_sides(api, hubspot, receiver):
    subscribe(hubspot, receiver, types=["contact.associationChange", "company.associationChange"])
    contact_id = api.post("/crm/v3/objects/contacts", json={"properties": {}}).json()["id"]
    company_id = hubspot.store.records("companies")[0]["id"]
    path = f"/crm/v4/objects/contacts/{contact_id}/associations/companies/{company_id}"
    api.put(path, json=[{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 1}])
    api.delete(path)
    hubspot.flush_webhooks()
    contact_side = events_of(receiver, "contact.associationChange")
    company_side = events_of(receiver, "company.associationChange")
    assert [
        (e["associationType"], e["fromObjectId"], e["toObjectId"], e["associationRemoved"]) for e in contact_side
    ] == [
        ("CONTACT_TO_COMPANY", int(contact_id), int(company_id), False),
        ("CONTACT_TO_COMPANY", int(contact_id), int(company_id), True),
    ]
    assert all(e["isPrimaryAssociation"] and e["changeSource"] == "INTEGRATION" for e in contact_side)
    assert [(e["associationType"], e["fromObjectId"]) for e in company_side] == [
        ("COMPANY_TO_CONTACT", int(company_id))
    ] * 2


def webhooks_api(api, hubspot):
    return f"/webhooks/v3/{hubspot.app_id}"


def test_webhooks_api_settings_and_subscriptions(api, hubspot, receiver):
    base = webhooks_api(api, hubspot)
    assert api.get(f"{base}/settings").status_code == 404
    settings = {"targetUrl": receiver.url, "throttling": {"maxConcurrentRequests": 10, "period": "SECONDLY"}}
    configured = api.put(f"{base}/settings", json=settings)
    assert configured.status_code == 200
    assert (
        configured.json()["targetUrl"] == receiver.url
        and configured.json()["throttling"]["maxConcurrentRequests"] == 10
    )
    assert api.put(f"{base}/settings", json={"targetUrl": "ftp://x", "throttling": {}}).status_code == 400

    created = api.post(
        f"{base}/subscriptions", json={"eventType": "contact.propertyChange", "propertyName": "firstname"}
    )
    assert created.status_code == 201
    subscription = created.json()
    assert (subscription["active"], subscription["propertyName"], isinstance(subscription["id"], str)) == (
        False,
        "firstname",
        True,
    )
    assert api.post(f"{base}/subscriptions", json={"eventType": "contact.propertyChange"}).status_code == 400
    assert api.post(f"{base}/subscriptions", json={"eventType": "ticket.creation"}).status_code == 400
    deals = api.post(f"{base}/subscriptions", json={"eventType": "deal.creation", "active": True}).json()
    assert [s["id"] for s in api.get(f"{base}/subscriptions").json()["results"]] == [subscription["id"], deals["id"]]
    assert api.get("/webhooks/v3/1/subscriptions").status_code == 404

    contact_id = hubspot.store.records("contacts")[0]["id"]
    api.patch(f"/crm/v3/objects/contacts/{contact_id}", json={"properties": {"firstname": "Paused"}})
    hubspot.flush_webhooks()
    assert receiver.received == []  # the property change subscription is not active yet

    batch = {"inputs": [{"id": int(subscription["id"]), "active": True}, {"id": 999, "active": True}]}
    updated = api.post(f"{base}/subscriptions/batch/update", json=batch)
    assert updated.status_code == 207 and updated.json()["results"][0]["active"] is True
    api.patch(f"/crm/v3/objects/contacts/{contact_id}", json={"properties": {"firstname": "Live", "lastname": "X"}})
    hubspot.flush_webhooks()
    [event] = received_events(receiver)
    assert (event["subscriptionId"], event["propertyName"], event["propertyValue"]) == (
        int(subscription["id"]),
        "firstname",
        "Live",
    )
    assert receiver.received[0].headers["X-Hubspot-Signature"] == sign_v1(
        hubspot.client_secret, receiver.received[0].body
    )

    paused = api.patch(f"{base}/subscriptions/{deals['id']}", json={"active": False}).json()
    assert paused["active"] is False
    assert api.get(f"{base}/subscriptions/{deals['id']}").json()["active"] is False
    assert api.delete(f"{base}/subscriptions/{deals['id']}").status_code == 204
    assert api.get(f"{base}/subscriptions/{deals['id']}").status_code == 404
    assert api.delete(f"{base}/settings").status_code == 204
    api.patch(f"/crm/v3/objects/contacts/{contact_id}", json={"properties": {"firstname": "Nowhere"}})
    hubspot.flush_webhooks()
    assert len(receiver.received) == 1  # no target URL, no delivery


def test_webhooks_api_takes_the_developer_key(host, hubspot):
    path = f"{host}/webhooks/v3/{hubspot.app_id}/subscriptions"
    assert requests.get(path, params={"hapikey": hubspot.developer_api_key}).status_code == 200
    assert requests.get(path, params={"hapikey": "wrong"}).status_code == 401
    assert (
        requests.get(f"{host}/crm/v3/objects/contacts", params={"hapikey": hubspot.developer_api_key}).status_code
        == 401
    )
