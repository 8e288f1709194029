import pytest

from odoo.addons.erp_integration_core.lib.errors import BusinessError, Ignored

from ..fulfillment import build_line_items, export_fulfillment, tracking_info

FULFILLMENT_ORDERS = [
    {"id": "gid://shopify/FulfillmentOrder/1", "status": "CLOSED", "lineItems": {"nodes": []}},
    {
        "id": "gid://shopify/FulfillmentOrder/2",
        "status": "OPEN",
        "lineItems": {
            "nodes": [
                {"id": "gid://shopify/FulfillmentOrderLineItem/21", "remainingQuantity": 2, "lineItem": {"sku": "MUG"}},
                {"id": "gid://shopify/FulfillmentOrderLineItem/22", "remainingQuantity": 1, "lineItem": {"sku": "TEE"}},
            ]
        },
    },
]


def test_delivered_quantities_are_allocated_to_open_fulfillment_orders():
    by_order, leftover = build_line_items(FULFILLMENT_ORDERS, [{"sku": "MUG", "quantity": 1.0}])
    assert by_order == [
        {
            "fulfillmentOrderId": "gid://shopify/FulfillmentOrder/2",
            "fulfillmentOrderLineItems": [{"id": "gid://shopify/FulfillmentOrderLineItem/21", "quantity": 1}],
        }
    ]
    assert leftover == {}


def test_unexpected_quantities_are_reported():
    _by_order, leftover = build_line_items(
        FULFILLMENT_ORDERS, [{"sku": "TEE", "quantity": 3}, {"sku": "HAT", "quantity": 1}]
    )
    assert leftover == {"TEE": 2, "HAT": 1}


class FakeClient:
    """Stands in for Shopify at the network boundary: canned GraphQL answers."""

    def __init__(self, order, answer=None):
        self.order, self.answer, self.sent = order, answer, []

    def execute(self, name, variables):
        self.sent.append((name, variables))
        if name == "fulfillment_orders":
            return {"order": self.order}
        return {"fulfillmentCreate": self.answer}

    user_errors = staticmethod(lambda payload: "; ".join(e["message"] for e in payload.get("userErrors") or []) or None)


DATA = {
    "order_id": "42",
    "picking": "WH/OUT/00007",
    "carrier": "Royal Mail",
    "tracking_number": "TT123456785GB",
    "lines": [{"sku": "MUG", "quantity": 2}, {"sku": "TEE", "quantity": 1}],
}


def test_fulfillment_is_sent_with_tracking():
    client = FakeClient(
        {"fulfillmentOrders": {"nodes": FULFILLMENT_ORDERS}},
        {"fulfillment": {"id": "gid://shopify/Fulfillment/9"}, "userErrors": []},
    )
    assert export_fulfillment(client, DATA) == {"id": "gid://shopify/Fulfillment/9"}
    sent = client.sent[-1][1]["fulfillment"]
    assert sent["trackingInfo"] == {"company": "Royal Mail", "number": "TT123456785GB"}


def test_a_delivery_shipped_in_parcels_sends_every_tracking_number_and_link():
    data = dict(
        DATA,
        tracking_number="TT123456785GB, TT223456785GB",
        tracking_url="https://track.example/TT123456785GB https://track.example/TT223456785GB",
    )
    assert tracking_info(data) == {
        "company": "Royal Mail",
        "numbers": ["TT123456785GB", "TT223456785GB"],
        "urls": ["https://track.example/TT123456785GB", "https://track.example/TT223456785GB"],
    }
    assert tracking_info(dict(DATA, carrier=None, tracking_url="https://track.example/TT123456785GB")) == {
        "number": "TT123456785GB",
        "url": "https://track.example/TT123456785GB",
    }


def test_nothing_left_to_fulfil_is_ignored_and_refusals_are_explained():
    closed = {"fulfillmentOrders": {"nodes": FULFILLMENT_ORDERS[:1]}}
    with pytest.raises(Ignored):
        export_fulfillment(FakeClient(closed), DATA)
    refused = FakeClient(
        {"fulfillmentOrders": {"nodes": FULFILLMENT_ORDERS}},
        {"fulfillment": None, "userErrors": [{"field": ["x"], "message": "Order is on hold"}]},
    )
    with pytest.raises(BusinessError, match="Order is on hold"):
        export_fulfillment(refused, DATA)


def test_a_refusal_after_a_lost_answer_is_ignored_once_shopify_has_the_delivery():
    """The client sent the mutation again after a timeout; the first one went through."""

    class AnswerLost(FakeClient):
        def execute(self, name, variables):
            found = super().execute(name, variables)
            if name == "fulfillment_orders" and len(self.sent) > 1:
                return {"order": {"fulfillmentOrders": {"nodes": FULFILLMENT_ORDERS[:1]}}}
            return found

    client = AnswerLost(
        {"fulfillmentOrders": {"nodes": FULFILLMENT_ORDERS}},
        {
            "fulfillment": None,
            "userErrors": [
                {"field": ["fulfillment"], "message": "Fulfillment order 2 has an unfulfillable status= closed."}
            ],
        },
    )
    with pytest.raises(Ignored, match="fulfilled already"):
        export_fulfillment(client, DATA)
    assert [name for name, _variables in client.sent] == [
        "fulfillment_orders",
        "fulfillment_create",
        "fulfillment_orders",
    ]
