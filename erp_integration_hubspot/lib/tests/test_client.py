import time

import pytest
import requests

from odoo.addons.erp_integration_core.lib.errors import AuthError, TransientError

from sandbox.testing import sandbox_thread

from ..client import HubSpotClient, RateWindow

TOKEN = "pat-sandbox-demo-token"


class Answer:
    def __init__(self, status=200, **headers):
        self.status_code = status
        self.headers = {f"X-HubSpot-RateLimit-{name}": str(value) for name, value in headers.items()}


@pytest.fixture(scope="module")
def sandbox():
    with sandbox_thread(seed=3) as url:
        yield url


@pytest.fixture
def hubspot(sandbox):
    requests.post(f"{sandbox}/_sandbox/reset?system=hubspot", timeout=5).raise_for_status()

    def set_limits(**limits):
        url = f"{sandbox}/_sandbox/systems/hubspot/actions/set_limits"
        requests.post(url, json=limits, timeout=5).raise_for_status()

    return set_limits


def test_the_window_waits_only_when_hubspot_says_nothing_is_left():
    window = RateWindow()
    assert window.wait(now=100.0) == 0, "nothing known yet"
    window.record(Answer(Remaining=5, **{"Interval-Milliseconds": 10000}), now=100.0)
    assert window.wait(now=101.0) == 0
    window.record(Answer(Remaining=0), now=102.0)
    assert window.wait(now=103.0) == pytest.approx(7.0), "until the first request leaves the window"
    assert window.wait(now=110.5) == pytest.approx(1.5)
    assert window.wait(now=112.5) == 0, "both requests left the window"


def test_a_429_uses_up_the_window_even_without_the_headers():
    window = RateWindow()
    window.record(Answer(429), now=50.0)
    assert window.wait(now=51.0) == pytest.approx(9.0)


def test_the_client_paces_itself_from_the_headers(sandbox, hubspot):
    hubspot(ten_secondly=3)
    client = HubSpotClient(f"{sandbox}/hubspot", TOKEN, retries=0, max_inline_wait=0.5)
    for _ in range(3):
        client.get_json("crm/v3/objects/contacts", params={"limit": 1})
    started = time.monotonic()
    with pytest.raises(TransientError, match="rate limit is used up") as caught:
        client.get_json("crm/v3/objects/contacts", params={"limit": 1})
    assert time.monotonic() - started < 5, "no request is sent that HubSpot would refuse, nor a window slept"
    assert 8 < caught.value.retry_after <= 10, "the job waits for the window"
    assert caught.value.attempted is False, "HubSpot was not asked: the exchange keeps its attempts"


def test_a_429_without_retry_after_waits_for_the_window(sandbox, hubspot):
    hubspot(ten_secondly=2)
    # Two clients (two workers) share the portal's limit but not their windows.
    first, second = (HubSpotClient(f"{sandbox}/hubspot", TOKEN, retries=0) for _ in range(2))
    first.get_json("crm/v3/objects/contacts", params={"limit": 1})
    first.get_json("crm/v3/objects/contacts", params={"limit": 1})
    with pytest.raises(TransientError, match="HTTP 429") as caught:
        second.get_json("crm/v3/objects/contacts", params={"limit": 1})
    assert 8 < caught.value.retry_after <= 10


def test_a_missing_object_is_none_and_a_bad_token_is_an_auth_error(sandbox, hubspot):
    client = HubSpotClient(f"{sandbox}/hubspot", TOKEN)
    assert client.get_object("contacts", "999999999") is None
    with pytest.raises(AuthError, match="credentials"):
        HubSpotClient(f"{sandbox}/hubspot", "pat-revoked").get_object("contacts", "1")
