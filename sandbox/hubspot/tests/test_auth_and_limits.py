import uuid

import requests

from sandbox.hubspot.limits import RateLimiter

CONTACTS = "/crm/v3/objects/contacts"
HEADERS = (
    "X-HubSpot-RateLimit-Max",
    "X-HubSpot-RateLimit-Remaining",
    "X-HubSpot-RateLimit-Interval-Milliseconds",
    "X-HubSpot-RateLimit-Daily",
    "X-HubSpot-RateLimit-Daily-Remaining",
)


def test_bearer_token_is_required(host, hubspot):
    missing = requests.get(host + CONTACTS)
    assert missing.status_code == 401
    body = missing.json()
    assert body["status"] == "error" and body["category"] == "INVALID_AUTHENTICATION"
    assert body["message"].startswith("Authentication credentials not found.")
    uuid.UUID(body["correlationId"])
    wrong = requests.get(host + CONTACTS, headers={"Authorization": "Bearer pat-na1-wrong"})
    assert wrong.status_code == 401 and wrong.json()["category"] == "INVALID_AUTHENTICATION"
    hubspot.access_token = "pat-eu1-another"
    assert requests.get(host + CONTACTS, headers={"Authorization": "Bearer pat-eu1-another"}).status_code == 200


def test_every_answer_reports_the_limits(api):
    first = api.get(CONTACTS)
    assert [first.headers[h] for h in HEADERS] == ["100", "99", "10000", "250000", "249999"]
    second = api.get("/crm/v3/objects/contacts/0")
    assert second.status_code == 404
    assert second.headers["X-HubSpot-RateLimit-Remaining"] == "98"


def test_ten_secondly_rolling_limit(api, hubspot):
    hubspot.set_limits(ten_secondly=3)
    assert [api.get(CONTACTS).status_code for _ in range(3)] == [200, 200, 200]
    refused = api.get(CONTACTS)
    assert refused.status_code == 429
    body = refused.json()
    assert body["message"] == "You have reached your ten_secondly_rolling limit."
    assert (body["status"], body["errorType"], body["policyName"]) == ("error", "RATE_LIMIT", "TEN_SECONDLY_ROLLING")
    uuid.UUID(body["correlationId"])
    assert "Retry-After" not in refused.headers  # HubSpot does not promise one: pace on the headers below
    assert refused.headers["X-HubSpot-RateLimit-Remaining"] == "0"
    assert refused.headers["X-HubSpot-RateLimit-Interval-Milliseconds"] == "10000"


def test_retry_after_can_be_promised(api, hubspot):
    hubspot.set_limits(ten_secondly=1, retry_after=True)
    api.get(CONTACTS)
    refused = api.get(CONTACTS)
    assert refused.status_code == 429 and 1 <= int(refused.headers["Retry-After"]) <= 10


def test_daily_limit(api, hubspot):
    hubspot.set_limits(daily=2)
    api.get(CONTACTS)
    assert api.get(CONTACTS).headers["X-HubSpot-RateLimit-Daily-Remaining"] == "0"
    refused = api.get(CONTACTS)
    assert refused.status_code == 429 and refused.json()["policyName"] == "DAILY"
    assert refused.json()["message"] == "You have reached your daily limit."
    assert refused.headers["X-HubSpot-RateLimit-Daily-Remaining"] == "0"
    hubspot.set_limits(daily=1, retry_after=True)
    api.get(CONTACTS)
    assert int(api.get(CONTACTS).headers["Retry-After"]) <= 86_400


def test_search_is_limited_per_second(api):
    answers = [api.post(f"{CONTACTS}/search", json={}).status_code for _ in range(6)]
    assert answers[:5] == [200] * 5
    assert answers[5] == 429
    assert api.get(CONTACTS).status_code == 200  # other endpoints are not held back


def test_limits_are_settable_through_the_control_api(base_url, api):
    url = f"{base_url}/_sandbox/systems/hubspot/actions/set_limits"
    answer = requests.post(url, json={"ten_secondly": 190, "retry_after": True})
    expected = {"ten_secondly": 190, "daily": 250_000, "search_secondly": 5, "retry_after": True}
    assert answer.json()["result"] == expected
    assert api.get(CONTACTS).headers["X-HubSpot-RateLimit-Max"] == "190"
    assert requests.post(url, json={"daily": 0}).status_code == 400
    assert requests.post(url, json={"retry_after": "yes"}).status_code == 400
    requests.post(f"{base_url}/_sandbox/reset")
    assert api.get(CONTACTS).headers["X-HubSpot-RateLimit-Max"] == "100"
    assert requests.post(url, json={}).json()["result"]["retry_after"] is False


def test_injected_faults_speak_hubspot(base_url, api):
    requests.put(f"{base_url}/_sandbox/faults", json={"hubspot": {"rate_limit_every": 1, "retry_after": 2}})
    throttled = api.get(CONTACTS)
    assert throttled.status_code == 429
    assert throttled.json()["errorType"] == "RATE_LIMIT"
    assert throttled.json()["policyName"] == "TEN_SECONDLY_ROLLING"
    assert "Retry-After" not in throttled.headers
    assert [h in throttled.headers for h in HEADERS] == [True] * 5
    requests.post(f"{base_url}/_sandbox/systems/hubspot/actions/set_limits", json={"retry_after": True})
    assert api.get(CONTACTS).headers["Retry-After"] == "2"
    requests.put(f"{base_url}/_sandbox/faults", json={"hubspot": {"error_rate": 1, "error_statuses": [502]}})
    failed = api.get(CONTACTS)
    assert failed.status_code == 502 and failed.json()["status"] == "error"


def test_rolling_window_frees_up():
    now = [0.0]
    limiter = RateLimiter(ten_secondly=2, clock=lambda: now[0])
    assert limiter.acquire() is None and limiter.acquire() is None
    policy, wait = limiter.acquire()
    assert (policy, wait) == ("TEN_SECONDLY_ROLLING", 10.0)
    now[0] = 9.5
    assert limiter.acquire()[1] == 0.5
    now[0] = 10.0
    assert limiter.acquire() is None


def test_account_details_and_the_token_s_scopes(api, hubspot):
    details = api.get("/account-info/v3/details").json()
    assert (details["portalId"], details["companyCurrency"], details["timeZone"]) == (62515, "GBP", "Europe/London")
    info_path = "/oauth/v2/private-apps/get/access-token-info"
    info = api.post(info_path, json={"tokenKey": "pat-sandbox-demo-token"}).json()
    assert (info["hubId"], info["appId"]) == (62515, 1160452)
    assert "crm.objects.deals.read" in info["scopes"]
    assert api.post(info_path, json={"tokenKey": "pat-x"}).status_code == 404
    hubspot.set_scopes(["crm.objects.contacts.read"])
    assert api.post(info_path, json={"tokenKey": "pat-sandbox-demo-token"}).json()["scopes"] == [
        "crm.objects.contacts.read"
    ]
    hubspot.reset()
    assert "crm.objects.deals.read" in api.post(info_path, json={"tokenKey": "pat-sandbox-demo-token"}).json()["scopes"]
