import requests


def act(base_url, action, **params):
    return requests.post(f"{base_url}/_sandbox/systems/shopify/actions/{action}", json=params, timeout=10)


def test_actions_drive_the_shop_through_the_control_api(graphql, shopify, base_url):
    sku = shopify.state.records("variants")[0]["sku"]
    created = act(base_url, "create_order", lines=[{"sku": sku, "quantity": 2}], currency="EUR")
    assert created.status_code == 200, created.text
    order = created.json()["result"]
    assert order["name"].startswith("#") and order["currency"] == "EUR"
    assert act(base_url, "fulfill_order", order_id=order["name"]).status_code == 200
    refund = act(base_url, "refund_order", order_id=order["admin_graphql_api_id"], shipping=True).json()["result"]
    assert float(refund["amount"]) == float(order["total_price"])
    node = graphql.data(
        "query($id: ID!) { order(id: $id) { displayFinancialStatus displayFulfillmentStatus } }",
        {"id": order["admin_graphql_api_id"]},
    )["order"]
    assert node == {"displayFinancialStatus": "REFUNDED", "displayFulfillmentStatus": "FULFILLED"}
    missing = act(base_url, "pay_order", order_id=123)
    assert missing.status_code == 400 and "No Order 123" in missing.json()["error"]


def test_a_guest_checkout_bills_and_ships_to_the_address_given(graphql, base_url):
    address = {"first_name": "Ada", "last_name": "Guest", "address1": "1 Station Rd", "city": "York", "zip": "YO1 7HH"}
    order = act(base_url, "create_order", email="ada@guest.example.com", address=address).json()["result"]
    node = graphql.data(
        "query($id: ID!) { order(id: $id) { email customer { id } shippingAddress { name city countryCodeV2 } } }",
        {"id": order["admin_graphql_api_id"]},
    )["order"]
    assert node == {
        "email": "ada@guest.example.com",
        "customer": None,
        "shippingAddress": {"name": "Ada Guest", "city": "York", "countryCodeV2": "GB"},
    }


def test_seed_and_reset_give_reproducible_data(base_url, shopify):
    before = shopify.state.records("orders")
    assert act(base_url, "seed", products=3, orders=5).json()["result"]["orders"] == 5
    assert len(shopify.state.records("orders")) == 5
    requests.post(f"{base_url}/_sandbox/reset?system=shopify", timeout=10)
    assert shopify.state.records("orders") == before


def test_the_status_page_shows_orders_stock_and_deliveries(base_url, shopify, receiver):
    act(base_url, "subscribe", topic="orders/create", address=receiver.url)
    order = act(base_url, "create_order").json()["result"]
    assert shopify.webhooks.flush(5)
    page = requests.get(f"{base_url}/_sandbox/systems/shopify/page", timeout=10).text
    assert order["name"] in page and "Manchester Warehouse" in page and "orders/create" in page
    status = requests.get(f"{base_url}/_sandbox/systems/shopify", timeout=10).json()
    assert status["throttle"]["maximumAvailable"] == 1000
