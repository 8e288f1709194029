import json
import time

import requests

RUN = """mutation($query: String!) { bulkOperationRunQuery(query: $query) {
  bulkOperation { id status } userErrors { field message code } } }"""
POLL = "{ currentBulkOperation { id status objectCount rootObjectCount fileSize url } }"
PRODUCTS = """{ products { edges { node { id title variants { edges { node { id sku barcode
  inventoryItem { id } } } } } } } }"""


def run(graphql, query):
    return graphql.data(RUN, {"query": query})["bulkOperationRunQuery"]


def wait(graphql):
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        operation = graphql.data(POLL)["currentBulkOperation"]
        if operation["status"] == "COMPLETED":
            return operation
        assert operation["status"] == "RUNNING"
        time.sleep(0.02)
    raise AssertionError("the bulk operation never completed")


def test_bulk_products_with_variants_as_jsonl(graphql, shopify):
    started = run(graphql, PRODUCTS)
    assert started["userErrors"] == [] and started["bulkOperation"]["status"] == "CREATED"
    operation = wait(graphql)
    assert operation["id"] == started["bulkOperation"]["id"]
    rows = [json.loads(line) for line in requests.get(operation["url"], timeout=5).text.splitlines()]
    products = [r for r in rows if "__parentId" not in r]
    variants = [r for r in rows if "__parentId" in r]
    assert len(products) == len(shopify.state.records("products")) == int(operation["rootObjectCount"])
    assert len(variants) == len(shopify.state.records("variants"))
    assert len(rows) == int(operation["objectCount"])
    assert {v["__parentId"] for v in variants} == {p["id"] for p in products}
    assert "variants" not in products[0] and variants[0]["inventoryItem"]["id"].startswith(
        "gid://shopify/InventoryItem/"
    )
    assert int(operation["fileSize"]) == len(requests.get(operation["url"], timeout=5).content)


def test_orders_with_line_items_nest_under_their_order(graphql, shopify):
    run(
        graphql,
        '{ orders(query: "financial_status:paid") { edges { node { id name'
        " lineItems { edges { node { id sku quantity } } } } } } }",
    )
    rows = [json.loads(line) for line in requests.get(wait(graphql)["url"], timeout=5).text.splitlines()]
    orders = {r["id"] for r in rows if "__parentId" not in r}
    assert orders and all(r["__parentId"] in orders for r in rows if "__parentId" in r)


def test_one_bulk_query_at_a_time_and_only_valid_ones(graphql, shopify):
    shopify.bulk_seconds = 30
    run(graphql, PRODUCTS)
    busy = run(graphql, PRODUCTS)
    assert busy["bulkOperation"] is None and busy["userErrors"][0]["code"] == "OPERATION_IN_PROGRESS"
    shopify.bulk_seconds = 0.05
    graphql.data(
        "mutation($id: ID!) { bulkOperationCancel(id: $id) { userErrors { message } } }",
        {"id": graphql.data(POLL)["currentBulkOperation"]["id"]},
    )
    invalid = run(graphql, "{ products { edges { node { colour } } } }")
    assert invalid["userErrors"][0]["field"] == ["query"]
    assert "Field 'colour' doesn't exist on type 'Product'" in invalid["userErrors"][0]["message"]
