import email.utils
import time

import pytest
import requests

from sandbox.testing import sandbox_thread

from ..errors import AuthError, TransientError, ValidationError
from ..http_client import HttpClient, parse_retry_after


@pytest.fixture(scope="module")
def sandbox():
    with sandbox_thread(seed=3) as url:
        yield url


@pytest.fixture
def faults(sandbox):
    requests.post(f"{sandbox}/_sandbox/reset", timeout=5)

    def set_faults(**knobs):
        requests.put(f"{sandbox}/_sandbox/faults", json={"echo": knobs}, timeout=5).raise_for_status()

    return set_faults


def client(sandbox, **kwargs):
    return HttpClient(f"{sandbox}/echo", headers={"Authorization": "Bearer secret-token"}, **kwargs)


def test_plain_call(sandbox, faults):
    assert client(sandbox).post_json("records", {"name": "x"})["record"]["data"] == {"name": "x"}


def test_retries_server_errors_then_gives_up_as_transient(sandbox, faults):
    faults(error_rate=1.0)
    started = time.monotonic()
    with pytest.raises(TransientError, match="HTTP 50"):
        client(sandbox, retries=2, backoff=0.05).get_json("records")
    assert time.monotonic() - started >= 0.15
    log = requests.get(f"{sandbox}/_sandbox/requests?system=echo", timeout=5).json()
    assert len(log["requests"] if isinstance(log, dict) else log) == 3


def test_long_retry_after_is_left_to_the_queue(sandbox, faults):
    faults(rate_limit_rate=1.0, retry_after=120)
    started = time.monotonic()
    with pytest.raises(TransientError) as caught:
        client(sandbox, retries=3).get_json("records")
    assert caught.value.retry_after == 120
    assert time.monotonic() - started < 2, "the client does not sleep two minutes in a worker"


def test_timeout_is_transient(sandbox, faults):
    faults(timeout_rate=1.0, timeout_seconds=2)
    with pytest.raises(TransientError, match="Timeout"):
        client(sandbox, retries=0, timeout=(1, 0.3)).get_json("records")


def test_client_errors_are_not_retried(sandbox, faults):
    with pytest.raises(ValidationError, match="HTTP 404"):
        client(sandbox).get_json("records/does-not-exist")


def test_refused_credentials_are_an_auth_error(sandbox, faults):
    faults(error_rate=1.0, error_statuses=[401])
    with pytest.raises(AuthError, match="credentials"):
        client(sandbox).get_json("records")


def test_retry_after_parsing():
    assert parse_retry_after("7") == 7
    assert parse_retry_after(None) is None
    assert parse_retry_after("Fri, 27 Nov 2026 00:00:00 GMT") == 0, "a date in the past means now"
    assert 3590 < parse_retry_after(email.utils.formatdate(time.time() + 3600, usegmt=True)) <= 3600


def test_allowed_statuses_are_answers_and_every_response_is_seen(sandbox, faults):
    seen = []

    class Watching(HttpClient):
        def _on_response(self, response):
            seen.append(response.status_code)

    watching = Watching(f"{sandbox}/echo", headers={"Authorization": "Bearer secret-token"}, retries=1, backoff=0.01)
    assert watching.request("GET", "records/no-such-record", allowed=(404,)).status_code == 404
    with pytest.raises(ValidationError, match="HTTP 404"):
        watching.request("GET", "records/no-such-record")
    faults(error_rate=1.0)
    with pytest.raises(TransientError):
        watching.get_json("records")
    assert seen[:2] == [404, 404] and len(seen) == 4, "retried answers are seen too"
