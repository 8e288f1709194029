import time

import pytest
import requests

from sandbox import FaultConfig
from sandbox.core import FaultInjector


def set_faults(base_url, **knobs):
    response = requests.put(f"{base_url}/_sandbox/faults", json={"echo": knobs})
    assert response.status_code == 200, response.text


def test_latency_is_added(base_url):
    set_faults(base_url, latency_ms=150)
    started = time.monotonic()
    assert requests.get(f"{base_url}/echo/records").status_code == 200
    assert time.monotonic() - started >= 0.15


def test_jitter_stays_within_bounds():
    injector = FaultInjector(seed=1)
    injector.configure(FaultConfig(latency_ms=100, jitter_ms=50))
    latencies = [injector.plan().latency for _ in range(50)]
    assert all(0.1 <= latency <= 0.15 for latency in latencies)
    assert len(set(latencies)) > 1


def test_error_rate_answers_5xx_without_processing(app, base_url):
    set_faults(base_url, error_rate=1.0)
    statuses = {requests.post(f"{base_url}/echo/records", json={}).status_code for _ in range(10)}
    assert statuses <= {500, 502, 503}
    assert app.systems["echo"].state.records("records") == []
    assert {e.fault for e in app.log.entries()} <= {"error:500", "error:502", "error:503"}


def test_rate_limit_fraction_sends_retry_after(base_url):
    set_faults(base_url, rate_limit_rate=1.0, retry_after=2)
    response = requests.get(f"{base_url}/echo/records")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "2"
    assert response.json() == {"errors": "Too Many Requests"}


def test_rate_limit_every_nth_request(base_url):
    set_faults(base_url, rate_limit_every=3)
    statuses = [requests.get(f"{base_url}/echo/records").status_code for _ in range(6)]
    assert statuses == [200, 200, 429, 200, 200, 429]


def test_token_bucket_refills(base_url):
    set_faults(base_url, bucket_capacity=2, bucket_refill=5)
    statuses = [requests.get(f"{base_url}/echo/records").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    time.sleep(0.25)
    assert requests.get(f"{base_url}/echo/records").status_code == 200


def test_token_bucket_retry_after_reflects_refill():
    injector = FaultInjector()
    injector.configure(FaultConfig(bucket_capacity=1, bucket_refill=4))
    assert injector.plan().fault is None
    plan = injector.plan()
    assert plan.fault == "rate_limit"
    assert 0 < plan.retry_after <= 0.25


def test_timeout_makes_the_client_give_up_after_processing(app, base_url):
    set_faults(base_url, timeout_rate=1.0, timeout_seconds=1)
    with pytest.raises(requests.Timeout):
        requests.post(f"{base_url}/echo/records", json={"a": 1}, timeout=0.2)
    assert len(app.systems["echo"].state.records("records")) == 1


def test_timeout_every_nth_request_holds_only_that_answer(app, base_url):
    set_faults(base_url, timeout_every=2, timeout_seconds=1)
    assert requests.post(f"{base_url}/echo/records", json={"n": 1}, timeout=0.5).status_code == 201
    with pytest.raises(requests.Timeout):
        requests.post(f"{base_url}/echo/records", json={"n": 2}, timeout=0.3)
    assert requests.post(f"{base_url}/echo/records", json={"n": 3}, timeout=0.5).status_code == 201
    assert [r["data"] for r in app.systems["echo"].state.records("records")] == [{"n": 1}, {"n": 2}, {"n": 3}]


def test_malformed_truncated_json_does_not_parse(base_url):
    set_faults(base_url, malformed_rate=1.0)
    response = requests.post(f"{base_url}/echo/records", json={"a": 1})
    assert response.status_code == 201
    assert response.headers["Content-Type"] == "application/json"
    with pytest.raises(requests.JSONDecodeError):
        response.json()


def test_malformed_content_type(base_url):
    set_faults(base_url, malformed_rate=1.0, malformed_kind="content_type")
    response = requests.get(f"{base_url}/echo/records")
    assert response.headers["Content-Type"].startswith("text/html")
    with pytest.raises(requests.JSONDecodeError):
        response.json()


def test_seeded_faults_repeat(base_url):
    def run():
        set_faults(base_url, error_rate=0.5, rate_limit_rate=0.2, seed=42)
        return [requests.get(f"{base_url}/echo/records").status_code for _ in range(20)]

    first = run()
    assert first == run()
    assert 200 in first
    assert set(first) - {200}


def test_sandbox_paths_are_never_faulted(base_url):
    set_faults(base_url, error_rate=1.0, latency_ms=500)
    started = time.monotonic()
    assert requests.get(f"{base_url}/_health").status_code == 200
    assert requests.get(base_url + "/").status_code == 200
    assert requests.get(f"{base_url}/_sandbox/faults").status_code == 200
    assert time.monotonic() - started < 0.5


def test_invalid_knobs_are_refused():
    with pytest.raises(ValueError, match="error_rate"):
        FaultConfig(error_rate=2)
    with pytest.raises(ValueError, match="malformed_kind"):
        FaultConfig(malformed_kind="garbled")
    with pytest.raises(ValueError, match="eror_rate"):
        FaultConfig.from_dict({"eror_rate": 1})
    with pytest.raises(TypeError, match="JSON object"):
        FaultConfig.from_dict([])
