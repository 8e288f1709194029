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


def logged(sandbox, settle=0.0):
    """The POSTs in the sandbox's request log (an earlier test's held-back GET may land in it late).

    ``settle`` seconds first, for answers held back: the sandbox logs them when they go.
    """
    time.sleep(settle)
    log = requests.get(f"{sandbox}/_sandbox/requests?system=echo", timeout=5).json()
    return [entry for entry in log["requests"] if entry["method"] == "POST"]


def test_a_call_not_to_be_sent_twice_is_raised_once_it_may_have_gone_through(sandbox, faults):
    """A lost answer (the remote acted, then its answer timed out) or a 5xx is not followed by a resend."""
    faults(timeout_rate=1.0, timeout_seconds=1)
    with pytest.raises(TransientError, match="may have gone through"):
        client(sandbox, retries=2, backoff=0.01, timeout=(1, 0.3)).post_json("records", {"n": 1}, resend=False)
    assert len(logged(sandbox, settle=1.5)) == 1, "sent once, though two retries were allowed"
    faults(error_rate=1.0)
    with pytest.raises(TransientError, match="may have gone through"):
        client(sandbox, retries=2, backoff=0.01).post_json("records", {"n": 2}, resend=False)
    assert len(logged(sandbox)) == 2
    faults(timeout_rate=1.0, timeout_seconds=1)
    with pytest.raises(TransientError):
        client(sandbox, retries=2, backoff=0.01, timeout=(1, 0.3)).post_json("records", {"n": 3})
    assert len(logged(sandbox, settle=1.5)) == 5, "an ordinary call is sent again: three times in all"


def test_a_call_not_to_be_sent_twice_is_still_sent_again_after_a_429(sandbox, faults):
    """A 429 is refused before anything is done: sending it again is safe."""
    faults(rate_limit_every=2, retry_after=0)
    answers = [client(sandbox, retries=2, backoff=0.01).post_json("records", {"n": n}, resend=False) for n in range(3)]
    assert [answer["record"]["data"] for answer in answers] == [{"n": 0}, {"n": 1}, {"n": 2}]
    assert [entry["status"] for entry in logged(sandbox)].count(429) >= 1
