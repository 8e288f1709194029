import base64
import hashlib
import hmac
import json
import time

import requests

from sandbox import DeliveryPolicy
from sandbox.hubspot import sign_v3

SECRET = "client-secret-for-tests"


def test_sign_v3_matches_an_independent_computation():
    body = '[{"eventId":1,"subscriptionType":"deal.creation"}]'
    uri = "https://erp.example.co.uk/hubspot/webhook?db=prod"
    source = f"POST{uri}{body}1735689600000".encode()
    expected = base64.b64encode(hmac.new(SECRET.encode(), source, hashlib.sha256).digest()).decode()
    assert sign_v3(SECRET, "POST", uri, body.encode(), 1735689600000) == expected
    assert sign_v3(SECRET, "POST", uri, body, "1735689600000") == expected
    assert sign_v3(SECRET, "GET", uri, body, 1735689600000) != expected


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
    assert headers["X-Hubspot-Signature-Version"] == "v3"
    assert request.url == receiver.url
    expected = sign_v3(SECRET, "POST", request.url, request.body, headers["X-Hubspot-Request-Timestamp"])
    assert headers["X-Hubspot-Signature-V3"] == expected
    assert abs(int(headers["X-Hubspot-Request-Timestamp"]) - started) < 60_000

    [event] = json.loads(request.body)
    assert event["subscriptionType"] == "contact.creation"
    assert event["objectId"] == int(created["id"])
    assert event["subscriptionId"] == subscription["id"]
    assert (event["portalId"], event["appId"]) == (hubspot.portal_id, hubspot.app_id)
    assert event["attemptNumber"] == 0 and event["changeSource"] == "API" and event["changeFlag"] == "CREATED"
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
    assert (event["propertyName"], event["propertyValue"], event["changeSource"]) == (
        "dealstage",
        "closedlost",
        "CRM_UI",
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


def test_failed_deliveries_are_retried_unchanged(api, hubspot, receiver, fast_retries):
    subscribe(hubspot, receiver, types=["contact.creation"])
    receiver.statuses = [500, 503]
    api.post("/crm/v3/objects/contacts", json={"properties": {"email": "retry@example.org"}})
    hubspot.flush_webhooks()
    assert [a.outcome for a in hubspot.webhooks.attempts] == ["retry", "retry", "delivered"]
    assert len({r.body for r in receiver.received}) == 1
    assert received_events(receiver)[-1]["attemptNumber"] == 0
    assert hubspot.webhooks.policy.max_attempts == 10


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
