from decimal import Decimal

FULFIL = """mutation Fulfil($fulfillment: FulfillmentInput!) {
  fulfillmentCreate(fulfillment: $fulfillment) {
    fulfillment { id status displayStatus trackingInfo { company number url }
      fulfillmentLineItems(first: 10) { nodes { quantity lineItem { sku } } } }
    userErrors { field message }
  }
}"""
REFUND = """mutation Refund($input: RefundInput!, $key: String!) {
  refundCreate(input: $input) @idempotent(key: $key) {
    refund { id totalRefundedSet { shopMoney { amount currencyCode } }
      refundLineItems(first: 10) { nodes { quantity restockType subtotalSet { shopMoney { amount } } } }
      transactions(first: 5) { nodes { kind gateway amountSet { shopMoney { amount } } } } }
    order { displayFinancialStatus totalRefundedSet { shopMoney { amount } } }
    userErrors { field message }
  }
}"""
ORDER = """query($id: ID!) { order(id: $id) { displayFulfillmentStatus displayFinancialStatus cancelledAt cancelReason
  fulfillmentOrders(first: 5) { nodes { id status lineItems(first: 20) { nodes { id remainingQuantity } } } }
  transactions { id kind gateway amountSet { presentmentMoney { amount } } }
  lineItems(first: 20) { nodes { id quantity refundableQuantity } } } }"""


def open_order(shopify, **values):
    return next(
        o
        for o in shopify.state.records("orders")
        if o["financial_status"] == "paid"
        and not o["cancelled_at"]
        and shopify.store.fulfillment_status(o) == "unfulfilled"
        and not shopify.store.find("refunds", order_id=o["id"])
        and all(o.get(k) == v for k, v in values.items())
    )


def read(graphql, order):
    return graphql.data(ORDER, {"id": f"gid://shopify/Order/{order['id']}"})["order"]


def test_fulfil_part_then_the_rest(graphql, shopify):
    order = read(graphql, open_order(shopify))
    [fo] = order["fulfillmentOrders"]["nodes"]
    first_line = fo["lineItems"]["nodes"][0]
    tracking = {"company": "Royal Mail", "number": "RM123456785GB", "url": "https://www.royalmail.com/track-your-item"}
    data = graphql.data(
        FULFIL,
        {
            "fulfillment": {
                "notifyCustomer": False,
                "trackingInfo": tracking,
                "lineItemsByFulfillmentOrder": [
                    {
                        "fulfillmentOrderId": fo["id"],
                        "fulfillmentOrderLineItems": [{"id": first_line["id"], "quantity": 1}],
                    }
                ],
            }
        },
    )["fulfillmentCreate"]
    assert data["userErrors"] == []
    assert data["fulfillment"]["status"] == "SUCCESS" and data["fulfillment"]["trackingInfo"] == [tracking]
    assert [n["quantity"] for n in data["fulfillment"]["fulfillmentLineItems"]["nodes"]] == [1]
    rest = graphql.data(FULFIL, {"fulfillment": {"lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": fo["id"]}]}})
    assert rest["fulfillmentCreate"]["userErrors"] == []
    after = graphql.data(ORDER, {"id": f"gid://shopify/Order/{order_id(fo, shopify)}"})["order"]
    assert after["displayFulfillmentStatus"] == "FULFILLED"
    assert after["fulfillmentOrders"]["nodes"][0]["status"] == "CLOSED"
    again = graphql.data(FULFIL, {"fulfillment": {"lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": fo["id"]}]}})
    assert again["fulfillmentCreate"]["userErrors"] == [
        {
            "field": ["fulfillment"],
            "message": f"Fulfillment order {fo['id'].rsplit('/', 1)[1]} has an unfulfillable status= closed.",
        }
    ]


def order_id(fulfillment_order, shopify):
    number = int(fulfillment_order["id"].rsplit("/", 1)[1])
    return shopify.state.get("fulfillment_orders", number)["order_id"]


def test_fulfilling_more_than_remains_is_refused(graphql, shopify):
    order = read(graphql, open_order(shopify))
    fo = order["fulfillmentOrders"]["nodes"][0]
    line = fo["lineItems"]["nodes"][0]
    for quantity, message in (
        (line["remainingQuantity"] + 1, "Invalid fulfillment order line item quantity requested."),
        (0, "Quantity must be greater than 0"),
    ):
        data = graphql.data(
            FULFIL,
            {
                "fulfillment": {
                    "lineItemsByFulfillmentOrder": [
                        {
                            "fulfillmentOrderId": fo["id"],
                            "fulfillmentOrderLineItems": [{"id": line["id"], "quantity": quantity}],
                        }
                    ]
                }
            },
        )
        assert data["fulfillmentCreate"]["fulfillment"] is None
        assert data["fulfillmentCreate"]["userErrors"][0]["message"] == message


def test_refund_one_unit_to_the_original_payment_once(graphql, shopify):
    stored = open_order(shopify, presentment_currency="GBP", taxes_included=True)
    order = read(graphql, stored)
    line = next(li for li in stored["line_items"] if li["quantity"] >= 1)
    sale = next(t for t in order["transactions"] if t["kind"] == "SALE")
    unit_net = (
        Decimal(line["price"]["presentment"]) * line["quantity"]
        - sum(Decimal(a["amount"]["presentment"]) for a in line["discount_allocations"])
    ) / line["quantity"]
    amount = str(unit_net.quantize(Decimal("0.01")))
    variables = {
        "key": "refund-1",
        "input": {
            "orderId": f"gid://shopify/Order/{stored['id']}",
            "note": "Wrong size",
            "refundLineItems": [
                {"lineItemId": f"gid://shopify/LineItem/{line['id']}", "quantity": 1, "restockType": "NO_RESTOCK"}
            ],
            "transactions": [
                {
                    "orderId": f"gid://shopify/Order/{stored['id']}",
                    "parentId": sale["id"],
                    "kind": "REFUND",
                    "gateway": sale["gateway"],
                    "amount": amount,
                }
            ],
        },
    }
    first = graphql.data(REFUND, variables)["refundCreate"]
    assert first["userErrors"] == []
    assert Decimal(first["refund"]["totalRefundedSet"]["shopMoney"]["amount"]) == Decimal(amount)
    assert first["refund"]["refundLineItems"]["nodes"][0]["restockType"] == "NO_RESTOCK"
    assert first["order"]["displayFinancialStatus"] == "PARTIALLY_REFUNDED"
    assert graphql.data(REFUND, variables)["refundCreate"] == first
    assert len(shopify.store.find("refunds", order_id=stored["id"])) == 1


def test_refund_validation_uses_shopify_messages(graphql, shopify):
    stored = open_order(shopify)
    variables = {
        "key": "refund-bad",
        "input": {
            "orderId": f"gid://shopify/Order/{stored['id']}",
            "transactions": [
                {
                    "orderId": f"gid://shopify/Order/{stored['id']}",
                    "parentId": "gid://shopify/OrderTransaction/1",
                    "kind": "REFUND",
                    "gateway": "manual",
                    "amount": "1.00",
                }
            ],
        },
    }
    errors = graphql.data(REFUND, variables)["refundCreate"]["userErrors"]
    assert errors == [
        {"field": ["transactions"], "message": "Transactions require a parent_id associated with the order"}
    ]


def test_cancel_with_refund_and_restock(graphql, shopify):
    stored = open_order(shopify)
    level = shopify.store.level(stored["line_items"][0]["inventory_item_id"], shopify.store.primary_location()["id"])
    available = shopify.store.quantity(level, "available")
    data = graphql.data(
        """mutation($id: ID!) { orderCancel(orderId: $id, reason: CUSTOMER, restock: true, refund: true,
             notifyCustomer: false) { job { id done } orderCancelUserErrors { field message code } } }""",
        {"id": f"gid://shopify/Order/{stored['id']}"},
    )
    assert data["orderCancel"]["orderCancelUserErrors"] == []
    order = read(graphql, stored)
    assert order["cancelReason"] == "CUSTOMER" and order["cancelledAt"]
    assert order["displayFinancialStatus"] == "REFUNDED"
    assert shopify.store.quantity(shopify.store.level(*level["id"]), "available") == available + sum(
        li["quantity"] for li in stored["line_items"] if li["inventory_item_id"] == level["inventory_item_id"]
    )
    again = graphql.data(
        """mutation($id: ID!) { orderCancel(orderId: $id, reason: OTHER, restock: false) {
             orderCancelUserErrors { message code } } }""",
        {"id": f"gid://shopify/Order/{stored['id']}"},
    )
    assert again["orderCancel"]["orderCancelUserErrors"] == [
        {"message": "Cannot cancel an order that has already been canceled", "code": "INVALID"}
    ]


def test_mark_a_bank_transfer_order_as_paid(graphql, shopify):
    stored = next(
        o for o in shopify.state.records("orders") if o["financial_status"] == "pending" and not o["cancelled_at"]
    )
    data = graphql.data(
        """mutation($input: OrderMarkAsPaidInput!) { orderMarkAsPaid(input: $input) {
             order { displayFinancialStatus totalOutstandingSet { shopMoney { amount } } }
             userErrors { message } } }""",
        {"input": {"id": f"gid://shopify/Order/{stored['id']}"}},
    )["orderMarkAsPaid"]
    assert data == {
        "order": {"displayFinancialStatus": "PAID", "totalOutstandingSet": {"shopMoney": {"amount": "0.0"}}},
        "userErrors": [],
    }
