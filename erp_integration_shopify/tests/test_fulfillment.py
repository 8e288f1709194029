"""Fulfilments: what is allocated, and that a delivery is fulfilled in Shopify once, whatever became of
earlier attempts.

The flows run against the Shopify sandbox over loopback: its fulfilment orders,
its refusals, and its answers held back (a timeout after the work is done).
"""

import pytest
import requests

from odoo.tests import Form

from odoo.addons.erp_integration_core.lib.errors import BusinessError, Ignored, TransientError

from sandbox.testing import sandbox_thread

from ..fulfillment import (
    build_line_items,
    delivered_quantities,
    export_fulfillment,
    fulfilled_quantities,
    owed_lines,
    tracking_info,
)
from ..lib.client import ShopifyClient
from .common import ShopifyCase, order_payload

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

DATA = {
    "order_id": "42",
    "picking": "WH/OUT/00007",
    "carrier": "Royal Mail",
    "tracking_number": "TT123456785GB",
    "lines": [{"sku": "MUG", "quantity": 2}, {"sku": "TEE", "quantity": 1}],
}


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


def shown(status, *quantities):
    """A fulfilment as the order query returns it."""
    return {
        "name": "#1001.1",
        "status": status,
        "trackingInfo": [],
        "fulfillmentLineItems": {"nodes": [{"quantity": q, "lineItem": {"sku": sku}} for sku, q in quantities]},
    }


def test_cancelled_or_failed_fulfilments_do_not_count_as_fulfilled():
    fulfillments = [
        shown("SUCCESS", ("MUG", 1), ("TEE", 1)),
        shown("CANCELLED", ("MUG", 1)),
        shown("FAILURE", ("MUG", 1)),
    ]
    assert fulfilled_quantities(fulfillments) == {"MUG": 1, "TEE": 1}


def test_what_is_owed_is_what_odoo_delivered_less_what_shopify_shows_fulfilled():
    lines = [{"sku": "MUG", "quantity": 2.0}, {"sku": "TEE", "quantity": 1.0}]
    assert owed_lines({"lines": lines}, {"MUG": 3, "TEE": 1}, {"MUG": 1}) == [
        {"sku": "MUG", "quantity": 2},
        {"sku": "TEE", "quantity": 1},
    ], "a second delivery after a first of one mug"
    assert owed_lines({"lines": lines}, {"MUG": 3, "TEE": 1}, {"MUG": 2, "TEE": 1}) == [
        {"sku": "MUG", "quantity": 1}
    ], "half of it went through unseen"
    assert owed_lines({"lines": lines}, {"MUG": 3, "TEE": 1}, {"MUG": 3, "TEE": 1}) == []
    assert owed_lines({"lines": lines}, {}, {"MUG": 5}) == [
        {"sku": "MUG", "quantity": 2},
        {"sku": "TEE", "quantity": 1},
    ], "a delivery Odoo no longer knows is not cut (Shopify then judges it)"


# Against the sandbox.

TOKEN = "shpat_sandbox_demo_token"


@pytest.fixture(scope="module")
def shop():
    with sandbox_thread(seed=11) as url:
        yield url


@pytest.fixture
def store(shop):
    """The sandbox shop, reset, with helpers to place and read orders and to set faults."""
    requests.post(f"{shop}/_sandbox/reset?system=shopify", timeout=10).raise_for_status()
    return Store(shop)


class Store:
    def __init__(self, url):
        self.url = url
        self.client = self.connect()
        variants = self.client.execute("product_variants", {"first": 50})["productVariants"]["nodes"]
        self.skus = [v["sku"] for v in variants if v["sku"] and not v["sku"].startswith("GIFT")][:2]

    def connect(self, timeout=10, session=None):
        client = ShopifyClient(f"{self.url}/shopify", "2026-01", access_token=TOKEN, timeout=timeout)
        if session:
            client.http.session = session
        return client

    def act(self, action, **params):
        response = requests.post(f"{self.url}/_sandbox/systems/shopify/actions/{action}", json=params, timeout=30)
        response.raise_for_status()
        return response.json()["result"]

    def order(self, **quantities):
        """Place an order of ``sku=quantity`` (first, second: the shop's first two SKUs); return its id."""
        lines = [{"sku": self.skus[int(key == "second")], "quantity": q} for key, q in quantities.items()]
        return str(self.act("create_order", lines=lines)["id"])

    def faults(self, **knobs):
        requests.put(f"{self.url}/_sandbox/faults", json={"shopify": knobs}, timeout=10).raise_for_status()

    def fulfillments(self, order_id):
        found = self.client.execute("fulfillment_orders", {"id": f"gid://shopify/Order/{order_id}"})
        return found["order"]["fulfillments"]

    def delivery(self, order_id, picking="WH/OUT/00001", tracking=None, **quantities):
        lines = [{"sku": self.skus[int(key == "second")], "quantity": float(q)} for key, q in quantities.items()]
        return {
            "order_id": order_id,
            "picking": picking,
            "carrier": "Royal Mail",
            "tracking_number": tracking,
            "lines": lines,
        }


def test_a_delivery_is_fulfilled_with_its_tracking_and_a_rerun_finds_it(store):
    order_id = store.order(first=2, second=1)
    data = store.delivery(order_id, tracking="TT123456785GB", first=2, second=1)
    delivered = {store.skus[0]: 2, store.skus[1]: 1}
    fulfillment = export_fulfillment(store.client, data, delivered)
    assert fulfillment["status"] == "SUCCESS"
    assert [info["number"] for info in fulfillment["trackingInfo"]] == ["TT123456785GB"]
    with pytest.raises(Ignored, match="carries the delivery's tracking number"):
        export_fulfillment(store.client, data, delivered)
    assert len(store.fulfillments(order_id)) == 1


def test_partial_deliveries_are_each_fulfilled_once_without_tracking(store):
    order_id = store.order(first=3)
    first = store.delivery(order_id, "WH/OUT/00001", first=1)
    export_fulfillment(store.client, first, {store.skus[0]: 1})
    with pytest.raises(Ignored, match="fulfilled already"):
        export_fulfillment(store.client, first, {store.skus[0]: 1})
    second = store.delivery(order_id, "WH/OUT/00002", first=2)
    export_fulfillment(store.client, second, {store.skus[0]: 3})
    with pytest.raises(Ignored):
        export_fulfillment(store.client, second, {store.skus[0]: 3})
    assert fulfilled_quantities(store.fulfillments(order_id)) == {store.skus[0]: 3}
    assert len(store.fulfillments(order_id)) == 2


@pytest.mark.parametrize("tracking", ["TT123456785GB", None], ids=["with tracking", "without"])
def test_an_answer_lost_after_shopify_fulfilled_is_not_sent_again(store, tracking):
    """The sandbox fulfils, then holds its answer back past the client's patience."""
    order_id = store.order(first=1)
    data = store.delivery(order_id, tracking=tracking, first=1)
    store.faults(timeout_every=2, timeout_seconds=1.5)  # the read goes through, the mutation's answer is lost
    impatient = store.connect(timeout=(2, 0.5))
    with pytest.raises(TransientError, match="may have gone through"):
        export_fulfillment(impatient, data, {store.skus[0]: 1})
    store.faults()
    assert len(store.fulfillments(order_id)) == 1, "sent once, though the client may retry twice"
    with pytest.raises(Ignored, match="fulfilled already"):
        export_fulfillment(store.client, data, {store.skus[0]: 1})
    assert len(store.fulfillments(order_id)) == 1


def test_a_server_error_on_the_mutation_is_left_to_the_queue(store):
    order_id = store.order(first=1)
    store.faults(error_rate=1.0)
    with pytest.raises(TransientError):
        export_fulfillment(store.client, store.delivery(order_id, first=1), {store.skus[0]: 1})
    store.faults()
    assert store.fulfillments(order_id) == []
    export_fulfillment(store.client, store.delivery(order_id, first=1), {store.skus[0]: 1})
    assert len(store.fulfillments(order_id)) == 1


class CancelledMeanwhile(requests.Session):
    """Someone cancels the order in Shopify's admin between the read and the fulfilment."""

    def __init__(self, store, order_id):
        super().__init__()
        self.store, self.order_id = store, order_id

    def request(self, method, url, **kwargs):
        if "fulfillmentCreate" in (kwargs.get("json") or {}).get("query", ""):
            self.store.act("cancel_order", order_id=int(self.order_id))
        return super().request(method, url, **kwargs)


def test_refusals_and_surprises_are_explained(store):
    order_id = store.order(first=1)
    client = store.connect(session=CancelledMeanwhile(store, order_id))
    with pytest.raises(BusinessError, match="refused the fulfilment of WH/OUT/00001: .*status= cancelled"):
        export_fulfillment(client, store.delivery(order_id, first=1), {store.skus[0]: 1})
    with pytest.raises(Ignored, match="expects nothing more"):
        export_fulfillment(store.client, store.delivery(order_id, first=1), {store.skus[0]: 1})

    order_id = store.order(first=1)
    with pytest.raises(BusinessError, match="does not expect"):
        export_fulfillment(store.client, store.delivery(order_id, first=1, second=1), {})
    with pytest.raises(BusinessError, match="Shopify has no order 999999"):
        export_fulfillment(store.client, store.delivery("999999", first=1), {})
    assert store.fulfillments(order_id) == []


class TestDeliveredQuantities(ShopifyCase):
    """What Odoo delivered of an order: its finished outgoing deliveries, backorders' included."""

    def test_a_partial_delivery_then_its_backorder(self):
        self.mug.is_storable = True
        sale = self.sale_order(self.deliver(order_payload(6701)))
        self.assertEqual(delivered_quantities(self.backend, 6701), {}, "nothing delivered yet")
        delivery = sale.picking_ids
        for move in delivery.move_ids:
            move.quantity = 1
        delivery.move_ids.picked = True
        action = delivery.button_validate()
        Form.from_action(self.env, action).save().process()
        self.assertEqual(delivered_quantities(self.backend, "6701"), {"MUG-BLU": 1, "TEE-M-BLK": 1})
        backorder = sale.picking_ids - delivery
        backorder.move_ids.quantity = 1
        backorder.move_ids.picked = True
        backorder.button_validate()
        self.assertEqual(delivered_quantities(self.backend, "6701"), {"MUG-BLU": 2, "TEE-M-BLK": 1})
        self.assertEqual(delivered_quantities(self.backend, "6702"), {}, "an order it does not know")
