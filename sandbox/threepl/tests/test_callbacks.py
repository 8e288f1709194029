import base64
import hashlib
import hmac
import json

import requests


def signature(secret, body):
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def test_despatch_callback_is_signed_and_carries_the_order(api, threepl, receiver):
    threepl.set_callback(receiver.url, "s3cret")
    order_id = api.create_order("SO-6001", [("MUG-BLU", 1)])["OrderId"]
    threepl.advance(hours=4)
    assert threepl.webhooks.flush(5)
    mine = [(headers, body) for headers, body in receiver.pairs if json.loads(body)["ID"] == order_id]
    ((headers, body),) = mine
    assert headers["X-Warehouse-Event"] == "order.despatched"
    assert headers["X-Warehouse-Signature"] == signature("s3cret", body)
    assert headers["X-Warehouse-Event-Id"]
    order = json.loads(body)
    assert order["OrderStatus"] == "DESPATCHED"
    assert order["TrackingNumber"]


def test_failed_callbacks_are_retried_with_the_same_event_id(api, threepl, receiver):
    threepl.set_callback(receiver.url)
    receiver.statuses = [500, 503]
    order_id = api.create_order("SO-6002", [("MUG-RED", 1)])["OrderId"]
    api.put(f"/Order/{order_id}/Cancel")
    assert threepl.webhooks.flush(5)
    assert len(receiver.pairs) == 3
    assert len({headers["X-Warehouse-Event-Id"] for headers, _ in receiver.pairs}) == 1
    assert {headers["X-Warehouse-Event"] for headers, _ in receiver.pairs} == {"order.cancelled"}
    assert all(
        headers["X-Warehouse-Signature"] == signature(threepl.callback_secret, body) for headers, body in receiver.pairs
    )
    assert [a.outcome for a in threepl.webhooks.attempts] == ["retry", "retry", "delivered"]


def test_each_event_has_its_own_id_and_duplicates_repeat_it(base_url, api, threepl, receiver):
    threepl.set_callback(receiver.url)
    requests.put(f"{base_url}/_sandbox/webhooks", json={"threepl": {"duplicate_rate": 1}}, timeout=5)
    for number in ("SO-6003", "SO-6004"):
        threepl.despatch(api.create_order(number, [("PEN-BRASS", 1)])["OrderId"])
    assert threepl.webhooks.flush(5)
    ids = [headers["X-Warehouse-Event-Id"] for headers, _ in receiver.pairs]
    assert len(ids) == 4
    assert len(set(ids)) == 2


def test_asn_booked_in_callback(api, threepl, receiver):
    threepl.set_callback(receiver.url)
    answer = api.put("/ASN", json={"Reference": "PO-6005", "Items": [{"SKU": "TOTE-NAT", "Quantity": 12}]}).json()
    threepl.book_in(answer[0]["ASNId"], {"TOTE-NAT": 11})
    assert threepl.webhooks.flush(5)
    ((headers, body),) = receiver.pairs
    assert headers["X-Warehouse-Event"] == "asn.booked_in"
    assert json.loads(body)["Items"] == [{"SKU": "TOTE-NAT", "Quantity": 12, "QuantityReceived": 11}]


def test_no_callback_until_one_is_set(api, threepl):
    threepl.despatch(api.create_order("SO-6006", [("MUG-BLU", 1)])["OrderId"])
    assert threepl.webhooks.attempts == []
