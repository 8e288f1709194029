import base64
import hashlib
import hmac
import json
import socket
import time

import requests

from sandbox import DeliveryPolicy, hmac_sha256_base64
from sandbox.systems import EchoSystem


def closed_port_url():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/hook"


def test_signature_verifies(dispatcher, receiver):
    dispatcher.signer = lambda url, body: {"X-Sig": hmac_sha256_base64("s3cret", body)}
    dispatcher.deliver(receiver.url, b'{"id": 1}', {"X-Topic": "orders/create"})
    assert dispatcher.flush(5)
    [received] = receiver.received
    expected = base64.b64encode(hmac.new(b"s3cret", b'{"id": 1}', hashlib.sha256).digest())
    assert hmac.compare_digest(received.headers["X-Sig"], expected.decode())
    assert received.headers["X-Topic"] == "orders/create"
    assert received.headers["Content-Type"] == "application/json"


def test_retries_after_two_failures(dispatcher, receiver):
    receiver.statuses = [500, 500]
    delivery_id = dispatcher.deliver(receiver.url, b"{}")
    assert dispatcher.flush(5)
    attempts = dispatcher.attempts
    assert [(a.attempt, a.status, a.outcome) for a in attempts] == [
        (1, 500, "retry"),
        (2, 500, "retry"),
        (3, 200, "delivered"),
    ]
    assert {a.delivery_id for a in attempts} == {delivery_id}
    assert len(receiver.received) == 3


def test_gives_up_after_max_attempts(dispatcher):
    dispatcher.configure(DeliveryPolicy(max_attempts=3, backoff_base=0.01))
    dispatcher.deliver(closed_port_url(), b"{}")
    assert dispatcher.flush(5)
    attempts = dispatcher.attempts
    assert [a.outcome for a in attempts] == ["retry", "retry", "failed"]
    assert {a.error for a in attempts} == {"ConnectionError"}
    assert dispatcher.pending == 0


def test_duplicates_arrive_twice(dispatcher, receiver):
    dispatcher.configure(DeliveryPolicy(duplicate_rate=1.0))
    dispatcher.deliver(receiver.url, b'{"id": 7}')
    assert dispatcher.flush(5)
    assert receiver.bodies == [b'{"id": 7}', b'{"id": 7}']
    assert [a.duplicate for a in dispatcher.attempts] == [False, True]


def test_reordering_shuffles_a_batch(dispatcher, receiver):
    dispatcher.configure(DeliveryPolicy(reorder_batch=5))
    sent = [json.dumps({"n": n}).encode() for n in range(5)]
    for body in sent[:4]:
        dispatcher.deliver(receiver.url, body)
    time.sleep(0.1)
    assert receiver.received == []
    dispatcher.deliver(receiver.url, sent[4])
    assert dispatcher.flush(5)
    assert sorted(receiver.bodies) == sent
    assert receiver.bodies != sent


def test_flush_releases_a_partial_batch(dispatcher, receiver):
    dispatcher.configure(DeliveryPolicy(reorder_batch=10))
    dispatcher.deliver(receiver.url, b"1")
    dispatcher.deliver(receiver.url, b"2")
    assert dispatcher.flush(5)
    assert sorted(receiver.bodies) == [b"1", b"2"]


def test_delay_lets_a_later_delivery_overtake(dispatcher, receiver):
    dispatcher.deliver(receiver.url, b"late", delay=0.2)
    dispatcher.deliver(receiver.url, b"early")
    assert dispatcher.flush(5)
    assert receiver.bodies == [b"early", b"late"]


def test_reset_drops_pending_deliveries(dispatcher, receiver):
    dispatcher.deliver(receiver.url, b"never", delay=5)
    dispatcher.reset()
    assert dispatcher.pending == 0
    assert dispatcher.flush(1)
    assert receiver.received == []


def test_echo_webhook_end_to_end(app, base_url, echo, receiver):
    requests.post(f"{base_url}/echo/webhooks", json={"address": receiver.url}).raise_for_status()
    record = requests.post(f"{base_url}/echo/records", json={"sku": "MUG-1"}).json()["record"]
    assert echo.webhooks.flush(5)
    [received] = receiver.received
    assert json.loads(received.body) == record
    signature = hmac_sha256_base64(EchoSystem.secret, received.body)
    assert hmac.compare_digest(received.headers["X-Echo-Hmac-Sha256"], signature)
    assert received.headers["X-Echo-Topic"] == "records/create"
    report = requests.get(f"{base_url}/_sandbox/webhooks", params={"system": "echo"}).json()
    assert [a["outcome"] for a in report["echo"]["attempts"]] == ["delivered"]


def test_webhook_policy_over_the_control_api(base_url, echo, receiver):
    requests.post(f"{base_url}/echo/webhooks", json={"address": receiver.url})
    policy = {"echo": {"duplicate_rate": 1.0, "backoff_base": 0.01}}
    answer = requests.put(f"{base_url}/_sandbox/webhooks", json=policy)
    assert answer.json()["echo"]["policy"]["duplicate_rate"] == 1.0
    requests.post(f"{base_url}/echo/records", json={})
    assert echo.webhooks.flush(5)
    assert len(receiver.received) == 2
    assert len({r.headers["X-Echo-Webhook-Id"] for r in receiver.received}) == 1
    invalid = requests.put(f"{base_url}/_sandbox/webhooks", json={"echo": {"max_attempts": 0}})
    assert invalid.status_code == 400


def test_subscription_needs_an_http_address(base_url):
    response = requests.post(f"{base_url}/echo/webhooks", json={"address": "ftp://x"})
    assert response.status_code == 422
