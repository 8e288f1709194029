import base64
import json

import pytest

ORDER_FIELDS = """
  id name email displayFinancialStatus displayFulfillmentStatus taxesIncluded currencyCode presentmentCurrencyCode
  createdAt updatedAt cancelledAt
  customer { id email displayName }
  totalPriceSet { shopMoney { amount currencyCode } presentmentMoney { amount currencyCode } }
  subtotalPriceSet { shopMoney { amount } }
  totalTaxSet { shopMoney { amount } }
  totalShippingPriceSet { shopMoney { amount } }
  taxLines { title rate priceSet { shopMoney { amount currencyCode } } }
  discountApplications(first: 10) { nodes { __typename index allocationMethod targetType
    value { ... on PricingPercentageValue { percentage } ... on MoneyV2 { amount currencyCode } }
    ... on DiscountCodeApplication { code } ... on ManualDiscountApplication { title } } }
  shippingLines(first: 5) { nodes { title code originalPriceSet { shopMoney { amount } } taxLines { rate } } }
  lineItems(first: 50) { nodes { id sku quantity isGiftCard
    variant { sku barcode inventoryItem { id } }
    originalUnitPriceSet { shopMoney { amount } presentmentMoney { amount currencyCode } }
    discountAllocations { allocatedAmountSet { shopMoney { amount } } discountApplication { index } }
    taxLines { title rate priceSet { shopMoney { amount } } } } }
  refunds { id totalRefundedSet { shopMoney { amount } } }
  transactions { kind gateway amountSet { shopMoney { amount } } }
  fulfillmentOrders(first: 5) { nodes { id status lineItems(first: 50) { nodes { id remainingQuantity } } } }
"""


CLOSE = """mutation Close($input: OrderCloseInput!) {
  close: orderClose(input: $input) {
    userErrors { field message code }
  }
}"""


def test_an_invalid_field_is_rejected_like_shopify(graphql):
    body = graphql(CLOSE, {"input": {"id": "gid://shopify/Order/1"}})
    assert body == {
        "errors": [
            {
                "message": "Field 'code' doesn't exist on type 'UserError'",
                "locations": [{"line": 3, "column": 32}],
                "path": ["mutation Close", "close", "userErrors", "code"],
                "extensions": {"code": "undefinedField", "typeName": "UserError", "fieldName": "code"},
            }
        ]
    }


def test_unknown_arguments_missing_arguments_and_bad_variables_are_rejected(graphql):
    errors = graphql("{ orders(first: 1, colour: RED) { nodes { id } } order { id } }")["errors"]
    assert [e["extensions"]["code"] for e in errors] == ["argumentNotAccepted", "missingRequiredArguments"]
    assert errors[0]["message"] == "Field 'orders' doesn't accept argument 'colour'"
    body = graphql("query($id: ID!) { order(id: $id) { id } }", {})
    assert body["errors"][0]["extensions"]["code"] == "INVALID_VARIABLE"
    assert body["errors"][0]["message"] == "Variable $id of type ID! was provided invalid value"
    assert "data" not in body


def test_shop_app_scopes_and_locations(graphql):
    data = graphql.data("""{
      shop { name currencyCode myshopifyDomain ianaTimezone taxesIncluded }
      currentAppInstallation { accessScopes { handle } }
      locations(first: 10) { nodes { id name isActive fulfillsOnlineOrders address { city countryCode } } }
    }""")
    assert data["shop"] == {
        "name": "Sandbox Outfitters",
        "currencyCode": "GBP",
        "myshopifyDomain": "sandbox-outfitters.myshopify.com",
        "ianaTimezone": "Europe/London",
        "taxesIncluded": True,
    }
    assert {"read_orders", "write_inventory"} <= {s["handle"] for s in data["currentAppInstallation"]["accessScopes"]}
    assert [loc["name"] for loc in data["locations"]["nodes"]] == ["London Shop", "Manchester Warehouse"]
    assert all(loc["id"].startswith("gid://shopify/Location/") for loc in data["locations"]["nodes"])


def test_paging_through_variants_visits_each_once(graphql, shopify):
    query = """query($after: String) { productVariants(first: 7, after: $after) {
      pageInfo { hasNextPage endCursor }
      edges { cursor node { id sku barcode price inventoryQuantity inventoryItem { id } product { title } } } } }"""
    seen, after, pages = [], None, 0
    while True:
        page = graphql.data(query, {"after": after})["productVariants"]
        seen += [edge["node"]["id"] for edge in page["edges"]]
        pages += 1
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
        assert after == page["edges"][-1]["cursor"]
        assert set(json.loads(base64.b64decode(after))) == {"last_id", "last_value"}
    assert len(seen) == len(set(seen)) == len(shopify.state.records("variants"))
    assert pages == -(-len(seen) // 7)


def test_variants_are_found_by_sku_and_carry_stock(graphql, shopify):
    variant = shopify.state.records("variants")[0]
    data = graphql.data(
        """query($q: String) { productVariants(first: 5, query: $q) { nodes { sku barcode price
          inventoryItem { id tracked inventoryLevels(first: 5) { nodes { id location { name }
            quantities(names: ["available", "on_hand", "committed"]) { name quantity } } } } } } }""",
        {"q": f"sku:{variant['sku']}"},
    )
    [node] = data["productVariants"]["nodes"]
    assert (node["sku"], node["barcode"], node["price"]) == (variant["sku"], variant["barcode"], variant["price"])
    levels = node["inventoryItem"]["inventoryLevels"]["nodes"]
    assert len(levels) == 2 and "?inventory_item_id=" in levels[0]["id"]
    quantities = {q["name"]: q["quantity"] for q in levels[0]["quantities"]}
    assert quantities["on_hand"] == quantities["available"] + quantities["committed"]


def test_orders_updated_since_a_time_in_update_order(graphql, shopify):
    orders = sorted(shopify.state.records("orders"), key=lambda o: o["updated_at"])
    since = orders[-10]["updated_at"]
    data = graphql.data(
        """query($q: String) { orders(first: 50, sortKey: UPDATED_AT, query: $q) { nodes { name updatedAt } } }""",
        {"q": f"updated_at:>'{since}'"},
    )
    names = [o["name"] for o in data["orders"]["nodes"]]
    assert names == [o["name"] for o in orders if o["updated_at"] > since]
    assert 0 < len(names) < 10


def test_an_order_reads_with_money_as_strings_in_both_currencies(graphql, shopify):
    order = next(o for o in shopify.state.records("orders") if o["presentment_currency"] == "EUR")
    data = graphql.data(
        f"query($id: ID!) {{ order(id: $id) {{ {ORDER_FIELDS} }} }}", {"id": f"gid://shopify/Order/{order['id']}"}
    )
    node = data["order"]
    total = node["totalPriceSet"]
    assert total["shopMoney"]["currencyCode"] == "GBP" and total["presentmentMoney"]["currencyCode"] == "EUR"
    assert isinstance(total["shopMoney"]["amount"], str) and "." in total["shopMoney"]["amount"]
    assert node["currencyCode"] == "GBP" and node["presentmentCurrencyCode"] == "EUR"
    assert node["lineItems"]["nodes"][0]["variant"]["inventoryItem"]["id"].startswith("gid://shopify/InventoryItem/")
    assert node["taxLines"] == []  # delivered abroad: a zero-rated export


def test_a_uk_order_with_discounts_has_consistent_vat_lines(graphql, shopify):
    order = next(
        o for o in shopify.state.records("orders") if o["discount_codes"] and o["presentment_currency"] == "GBP"
    )
    node = graphql.data(
        f"query($id: ID!) {{ order(id: $id) {{ {ORDER_FIELDS} }} }}", {"id": f"gid://shopify/Order/{order['id']}"}
    )["order"]
    [vat] = node["taxLines"]
    assert (vat["title"], vat["rate"]) == ("GB VAT", 0.2)
    line_vat = sum(
        float(t["priceSet"]["shopMoney"]["amount"]) for li in node["lineItems"]["nodes"] for t in li["taxLines"]
    )
    shipping_vat = float(node["totalTaxSet"]["shopMoney"]["amount"]) - line_vat
    assert shipping_vat >= 0
    assert float(vat["priceSet"]["shopMoney"]["amount"]) == pytest.approx(
        float(node["totalTaxSet"]["shopMoney"]["amount"])
    )
    code = next(a for a in node["discountApplications"]["nodes"] if a["__typename"] == "DiscountCodeApplication")
    assert code["code"] == order["discount_codes"][0]["code"] and code["allocationMethod"] == "ACROSS"
    allocated = [
        a
        for li in node["lineItems"]["nodes"]
        for a in li["discountAllocations"]
        if a["discountApplication"]["index"] == code["index"]
    ]
    assert sum(float(a["allocatedAmountSet"]["shopMoney"]["amount"]) for a in allocated) == pytest.approx(
        float(order["discount_codes"][0]["amount"])
    )


def test_an_order_has_no_cash_rounding_a_low_risk_and_no_returns(graphql, shopify):
    order = shopify.state.records("orders")[0]
    data = graphql.data(
        """query($id: ID!, $return: ID!) {
          order(id: $id) {
            currencyCode
            totalCashRoundingAdjustment {
              paymentSet { shopMoney { amount currencyCode } presentmentMoney { amount currencyCode } }
              refundSet { shopMoney { amount } }
            }
            risk { recommendation assessments { riskLevel provider { id } facts { description sentiment } } }
            returns(first: 10) { nodes { id name status } pageInfo { hasNextPage } }
          }
          return(id: $return) { id }
        }""",
        {"id": f"gid://shopify/Order/{order['id']}", "return": "gid://shopify/Return/1"},
    )
    node = data["order"]
    payment = node["totalCashRoundingAdjustment"]["paymentSet"]
    assert payment["shopMoney"] == {"amount": "0.0", "currencyCode": "GBP"}
    assert payment["presentmentMoney"]["currencyCode"] == order["presentment_currency"]
    assert node["totalCashRoundingAdjustment"]["refundSet"]["shopMoney"]["amount"] == "0.0"
    assert node["risk"]["recommendation"] == "ACCEPT"
    [assessment] = node["risk"]["assessments"]
    assert assessment["riskLevel"] == "LOW" and assessment["provider"] is None and assessment["facts"]
    assert node["returns"] == {"nodes": [], "pageInfo": {"hasNextPage": False}}
    assert data["return"] is None


def test_customers_node_and_nodes(graphql, shopify):
    b2b = next(c for c in shopify.state.records("customers") if c["vat_number"])
    data = graphql.data(
        """query($q: String, $ids: [ID!]!) {
          customers(first: 5, query: $q) { nodes { id email displayName tags numberOfOrders amountSpent { amount }
            defaultAddress { company countryCodeV2 } metafield(namespace: "custom", key: "vat_number") { value } } }
          nodes(ids: $ids) { __typename id }
        }""",
        {"q": "tag:b2b", "ids": [f"gid://shopify/Customer/{b2b['id']}", "gid://shopify/Nope/1"]},
    )
    customers = data["customers"]["nodes"]
    assert len(customers) == 2 and all("b2b" in c["tags"] for c in customers)
    mine = next(c for c in customers if c["id"].endswith(str(b2b["id"])))
    assert mine["metafield"]["value"] == b2b["vat_number"] and mine["defaultAddress"]["company"]
    assert data["nodes"] == [{"__typename": "Customer", "id": f"gid://shopify/Customer/{b2b['id']}"}, None]


def test_page_size_is_limited_and_required(graphql):
    body = graphql("{ products(first: 251) { nodes { id } } }")
    assert "between 0 and 250" in body["errors"][0]["message"]
    body = graphql("{ products { nodes { id } } }")
    assert body["errors"][0]["message"] == "you must provide one of first or last"


def test_fields_the_sandbox_does_not_simulate_say_so(graphql):
    body = graphql("{ shop { name } giftCards(first: 1) { nodes { id } } }")
    assert "does not simulate QueryRoot.giftCards" in body["errors"][0]["message"]
    assert body["data"] is None or body["data"].get("giftCards") is None
