import pytest
import requests
from graphql import parse

from sandbox.shopify.throttle import LeakyBucket, QueryCost


def cost(schema, query, variables=None):
    document = parse(query)
    return QueryCost(schema, document, document.definitions[0], variables or {}).requested()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("{ shop { name } }", 1),
        ("{ shop { name currencyCode } currentAppInstallation { accessScopes { handle } } }", 3),
        # Recorded at Shopify: 2 + ceil(log2 20) x 1
        ("{ locations(first: 20) { nodes { id name } } }", 7),
        # Money objects are free: the order and its transactions list cost 1 each
        ("query($id: ID!) { order(id: $id) { totalPriceSet { shopMoney { amount } } transactions { id } } }", 2),
        ("{ orders(first: 250) { pageInfo { hasNextPage } edges { node { id customer { id } } } } }", 2 + 8 * 2),
        # Nested connections multiply: 2 + 4 x (1 + (2 + 4 x 2))
        ("{ orders(first: 10) { nodes { lineItems(first: 10) { nodes { variant { id } } } } } }", 2 + 4 * 11),
        (
            'mutation { webhookSubscriptionDelete(id: "gid://shopify/WebhookSubscription/1")'
            " { userErrors { message } } }",
            10,
        ),
    ],
)
def test_requested_cost_follows_shopify(schema, query, expected):
    assert cost(schema, query, {"id": "x"}) == expected


def test_bucket_leaks_back_at_the_restore_rate():
    now = [0.0]
    bucket = LeakyBucket("standard", clock=lambda: now[0])
    assert bucket.status().to_json() == {"maximumAvailable": 1000, "currentlyAvailable": 1000, "restoreRate": 100}
    assert bucket.take(900)
    assert not bucket.take(200)
    now[0] += 1.5
    assert bucket.status().currently_available == 250
    assert bucket.take(200)
    bucket.give_back(50)
    assert bucket.status().currently_available == 100
    now[0] += 60
    assert bucket.status().currently_available == 1000
    bucket.configure("plus")
    assert (bucket.maximum, bucket.restore_rate) == (10000, 1000)
    with pytest.raises(ValueError):
        bucket.configure("enterprise")


def test_every_response_reports_its_cost(graphql):
    first = graphql("{ locations(first: 20) { nodes { id } } }")["extensions"]["cost"]
    assert first["requestedQueryCost"] == 7
    assert first["actualQueryCost"] == 2 + 1 * 1  # two locations came back: 2 + ceil(log2 2) x 1
    status = first["throttleStatus"]
    assert status["maximumAvailable"] == 1000 and status["restoreRate"] == 100
    assert 1000 - 7 <= status["currentlyAvailable"] <= 1000


def test_a_query_over_budget_is_throttled_without_running(graphql, shopify):
    shopify.actions()["set_plan"](plan="standard", maximum=40, restore_rate=1)
    query = "{ orders(first: 100) { nodes { id customer { id } } } }"  # 2 + 7 x 2 = 16, actually 2 + 6 x 2
    for _ in range(2):
        assert "errors" not in graphql(query)
    response = graphql.post(query)
    assert response.status_code == 200
    body = response.json()
    assert body["errors"] == [
        {
            "message": "Throttled",
            "extensions": {"code": "THROTTLED", "documentation": "https://shopify.dev/api/usage/rate-limits"},
        }
    ]
    assert "data" not in body
    cost = body["extensions"]["cost"]
    assert cost["requestedQueryCost"] == 16 and cost["actualQueryCost"] is None
    assert cost["throttleStatus"]["currentlyAvailable"] < 16


def test_a_single_query_may_not_cost_more_than_1000(graphql):
    body = graphql(
        "{ orders(first: 250) { nodes { lineItems(first: 250) { nodes { variant { inventoryItem {"
        " inventoryLevels(first: 250) { nodes { location { id } } } } } } } } } }"
    )
    assert body["errors"][0]["extensions"]["code"] == "MAX_COST_EXCEEDED"
    assert body["errors"][0]["message"].startswith("Query cost is 1370, which exceeds")


def test_http_429_can_be_injected_too(graphql, base_url):
    requests.put(f"{base_url}/_sandbox/faults", json={"shopify": {"rate_limit_every": 1, "retry_after": 2}}, timeout=5)
    response = graphql.post("{ shop { name } }")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "2"
    assert response.json() == {"errors": "Too Many Requests"}
