import base64
import hashlib
import hmac
import json

import requests

from sandbox import DeliveryPolicy
from sandbox.contracts import shopify_webhook_example as example

from .conftest import SECRET

CREATE = """mutation($topic: WebhookSubscriptionTopic!, $uri: String!) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: {uri: $uri, format: JSON}) {
    webhookSubscription { id topic uri format } userErrors { field message } } }"""


def verified(delivery) -> dict:
    digest = hmac.new(SECRET.encode(), delivery.body, hashlib.sha256).digest()
    assert hmac.compare_digest(base64.b64encode(digest).decode(), delivery.headers["X-Shopify-Hmac-Sha256"])
    return json.loads(delivery.body)


def subscribe(graphql, receiver, *topics):
    for topic in topics:
        result = graphql.data(CREATE, {"topic": topic, "uri": receiver.url})["webhookSubscriptionCreate"]
        assert result["userErrors"] == [] and result["webhookSubscription"]["topic"] == topic


def test_subscriptions_are_listed_and_deleted(graphql, receiver):
    subscribe(graphql, receiver, "ORDERS_CREATE", "INVENTORY_LEVELS_UPDATE")
    listed = graphql.data("{ webhookSubscriptions(first: 10) { nodes { id topic uri } } }")["webhookSubscriptions"]
    assert [n["topic"] for n in listed["nodes"]] == ["ORDERS_CREATE", "INVENTORY_LEVELS_UPDATE"]
    duplicate = graphql.data(CREATE, {"topic": "ORDERS_CREATE", "uri": receiver.url})["webhookSubscriptionCreate"]
    assert duplicate["userErrors"][0]["message"] == "Address for this topic has already been taken"
    deleted = graphql.data(
        "mutation($id: ID!) { webhookSubscriptionDelete(id: $id) {"
        " deletedWebhookSubscriptionId userErrors { message } } }",
        {"id": listed["nodes"][0]["id"]},
    )["webhookSubscriptionDelete"]
    assert deleted == {"deletedWebhookSubscriptionId": listed["nodes"][0]["id"], "userErrors": []}


def test_a_new_order_is_announced_signed_with_shopify_headers(graphql, shopify, receiver):
    subscribe(graphql, receiver, "ORDERS_CREATE", "ORDERS_PAID")
    summary = shopify.actions()["create_order"](discount_code="WELCOME10")
    assert shopify.webhooks.flush(5)
    assert sorted(receiver.topics()) == ["orders/create", "orders/paid"]
    first, second = receiver.received
    for delivery in receiver.received:
        body = verified(delivery)
        assert body["id"] == summary["id"] and body["admin_graphql_api_id"] == summary["admin_graphql_api_id"]
        headers = delivery.headers
        assert headers["X-Shopify-Shop-Domain"] == "sandbox-outfitters.myshopify.com"
        assert headers["X-Shopify-Api-Version"] == "2026-01"
        assert headers["X-Shopify-Triggered-At"].endswith("Z")
    assert first.headers["X-Shopify-Event-Id"] == second.headers["X-Shopify-Event-Id"]
    assert first.headers["X-Shopify-Webhook-Id"] != second.headers["X-Shopify-Webhook-Id"]


def test_duplicates_and_retries_keep_their_ids(graphql, shopify, receiver, base_url):
    subscribe(graphql, receiver, "ORDERS_UPDATED")
    requests.put(
        f"{base_url}/_sandbox/webhooks", json={"shopify": {"duplicate_rate": 1, "backoff_base": 0.01}}, timeout=5
    )
    order = shopify.state.records("orders")[0]
    shopify.actions()["update_order"](order_id=order["name"], note="Leave with neighbour")
    assert shopify.webhooks.flush(5)
    assert len(receiver.received) == 2
    ids = {(r.headers["X-Shopify-Event-Id"], r.headers["X-Shopify-Webhook-Id"], r.body) for r in receiver.received}
    assert len(ids) == 1
    assert verified(receiver.received[1])["note"] == "Leave with neighbour"
    shopify.webhooks.configure(DeliveryPolicy())


def test_the_order_payload_has_shopify_example_keys(graphql, shopify, receiver):
    subscribe(graphql, receiver, "ORDERS_CANCELLED", "REFUNDS_CREATE")
    order = next(
        o
        for o in shopify.state.records("orders")
        if o["financial_status"] == "paid"
        and o["discount_codes"]
        and not shopify.store.find("fulfillments", order_id=o["id"])
        and not o["cancelled_at"]
    )
    shopify.actions()["cancel_order"](order_id=order["id"])
    assert shopify.webhooks.flush(5)
    bodies = {r.headers["X-Shopify-Topic"]: verified(r) for r in receiver.received}
    cancelled, refund = bodies["orders/cancelled"], bodies["refunds/create"]
    official = example("orders/cancelled")
    assert list(cancelled) == list(official)
    assert set(cancelled["line_items"][0]) == set(official["line_items"][0])
    assert set(cancelled["shipping_lines"][0]) == set(official["shipping_lines"][0])
    assert set(cancelled["customer"] or {}) <= set(official["customer"])
    assert set(refund) == set(example("refunds/create"))
    assert cancelled["cancel_reason"] == "customer" and cancelled["financial_status"] == "refunded"
    assert cancelled["line_items"][0]["tax_lines"][0]["title"] == "GB VAT"
    assert float(refund["transactions"][0]["amount"]) > 0
    assert len({r.headers["X-Shopify-Event-Id"] for r in receiver.received}) == 1


def test_privacy_and_product_topics(shopify, receiver):
    act = shopify.actions()
    for topic in ("customers/redact", "customers/data_request", "shop/redact", "products/update"):
        act["subscribe"](topic=topic, address=receiver.url)
    customer = shopify.state.records("customers")[0]
    act["redact_customer"](customer_id=customer["id"])
    act["request_customer_data"](customer_id=f"gid://shopify/Customer/{customer['id']}")
    act["redact_shop"]()
    product = shopify.state.records("products")[0]
    act["update_product"](product_id=product["id"], price="10.00")
    assert shopify.webhooks.flush(5)
    bodies = {r.headers["X-Shopify-Topic"]: verified(r) for r in receiver.received}
    assert bodies["customers/redact"]["customer"]["email"] == customer["email"]
    assert bodies["customers/redact"]["orders_to_redact"] == [
        o["id"] for o in shopify.store.find("orders", customer_id=customer["id"])
    ]
    assert set(bodies["customers/data_request"]) == set(example("customers/data_request"))
    assert set(bodies["shop/redact"]) == set(example("shop/redact"))
    assert set(bodies["products/update"]) == set(example("products/update"))
    assert {v["price"] for v in bodies["products/update"]["variants"]} == {"10.00"}
