import json

import pytest

SET = """mutation Set($input: InventorySetQuantitiesInput!, $key: String!) {
  inventorySetQuantities(input: $input) @idempotent(key: $key) {
    inventoryAdjustmentGroup { id reason referenceDocumentUri changes { name delta quantityAfterChange } }
    userErrors { field message code }
  }
}"""
ADJUST = """mutation Adjust($input: InventoryAdjustQuantitiesInput!) {
  inventoryAdjustQuantities(input: $input) {
    inventoryAdjustmentGroup { changes(quantityNames: ["available"]) { name delta quantityAfterChange } }
    userErrors { field message code }
  }
}"""


@pytest.fixture
def level(shopify):
    level = shopify.state.records("inventory_levels")[0]
    return {
        "item": f"gid://shopify/InventoryItem/{level['inventory_item_id']}",
        "location": f"gid://shopify/Location/{level['location_id']}",
        "key": level["id"],
        "available": shopify.store.quantity(level, "available"),
        "on_hand": shopify.store.quantity(level, "on_hand"),
    }


def set_input(level, quantity, **entry):
    return {
        "name": "available",
        "reason": "correction",
        "referenceDocumentUri": "gid://erp-connector/StockSync/42",
        "quantities": [
            {"inventoryItemId": level["item"], "locationId": level["location"], "quantity": quantity} | entry
        ],
    }


def stock(shopify, level, name="available"):
    return shopify.store.quantity(shopify.store.level(*level["key"]), name)


def test_set_available_moves_on_hand_with_it(graphql, shopify, level):
    wanted = level["available"] + 5
    data = graphql.data(SET, {"input": set_input(level, wanted, changeFromQuantity=level["available"]), "key": "k1"})
    result = data["inventorySetQuantities"]
    assert result["userErrors"] == []
    group = result["inventoryAdjustmentGroup"]
    assert group["reason"] == "correction" and group["referenceDocumentUri"] == "gid://erp-connector/StockSync/42"
    assert sorted(group["changes"], key=lambda c: c["name"]) == [
        {"name": "available", "delta": 5, "quantityAfterChange": wanted},
        {"name": "on_hand", "delta": 5, "quantityAfterChange": level["on_hand"] + 5},
    ]
    assert stock(shopify, level) == wanted


def test_a_stale_change_from_quantity_changes_nothing(graphql, shopify, level):
    data = graphql.data(SET, {"input": set_input(level, 3, changeFromQuantity=level["available"] + 1), "key": "k2"})
    result = data["inventorySetQuantities"]
    assert result["inventoryAdjustmentGroup"] is None
    assert result["userErrors"] == [
        {
            "field": ["input", "quantities", "0", "changeFromQuantity"],
            "message": "The changeFromQuantity value does not match persisted value.",
            "code": "CHANGE_FROM_QUANTITY_STALE",
        }
    ]
    assert stock(shopify, level) == level["available"]


def test_null_change_from_quantity_opts_out_and_absent_is_refused(graphql, shopify, level):
    data = graphql.data(SET, {"input": set_input(level, 4, changeFromQuantity=None), "key": "k3"})
    assert data["inventorySetQuantities"]["userErrors"] == [] and stock(shopify, level) == 4
    data = graphql.data(SET, {"input": set_input(level, 9), "key": "k4"})
    assert data["inventorySetQuantities"]["userErrors"][0]["code"] == "COMPARE_QUANTITY_REQUIRED"
    assert stock(shopify, level) == 4


def test_the_same_idempotency_key_replays_instead_of_applying_twice(graphql, shopify, level):
    payload = {"input": set_input(level, level["available"] + 2, changeFromQuantity=level["available"]), "key": "same"}
    first = graphql.data(SET, payload)
    second = graphql.data(SET, payload)
    assert first == second
    assert stock(shopify, level) == level["available"] + 2
    assert len(shopify.state.records("adjustment_groups")) == 1
    payload["input"]["quantities"][0]["quantity"] += 1
    mismatch = graphql.data(SET, payload)["inventorySetQuantities"]
    assert mismatch["userErrors"][0]["code"] == "IDEMPOTENCY_KEY_PARAMETER_MISMATCH"


def test_a_key_whose_first_attempt_failed_cannot_be_reused(graphql, level):
    payload = {"input": set_input(level, 1, changeFromQuantity=-1), "key": "failed-once"}
    graphql.data(SET, payload)
    again = graphql.data(SET, payload)["inventorySetQuantities"]
    assert again["userErrors"][0]["code"] == "IDEMPOTENCY_PREVIOUS_ATTEMPT_FAILED"


def test_unknown_items_locations_and_reasons_are_user_errors(graphql, level):
    payload = set_input(level, 1, changeFromQuantity=None)
    payload["reason"] = "because"
    payload["quantities"].append(
        {
            "inventoryItemId": "gid://shopify/InventoryItem/1",
            "locationId": level["location"],
            "quantity": 1,
            "changeFromQuantity": None,
        }
    )
    errors = graphql.data(SET, {"input": payload, "key": "k5"})["inventorySetQuantities"]["userErrors"]
    assert [e["code"] for e in errors] == ["INVALID_REASON", "INVALID_INVENTORY_ITEM"]


def test_adjust_by_a_delta_and_announce_the_level(graphql, shopify, level, receiver):
    shopify.actions()["subscribe"](topic="inventory_levels/update", address=receiver.url)
    change = {
        "delta": -2,
        "inventoryItemId": level["item"],
        "locationId": level["location"],
        "changeFromQuantity": level["available"],
    }
    data = graphql.data(ADJUST, {"input": {"name": "available", "reason": "damaged", "changes": [change]}})
    assert data["inventoryAdjustQuantities"]["inventoryAdjustmentGroup"]["changes"] == [
        {"name": "available", "delta": -2, "quantityAfterChange": level["available"] - 2}
    ]
    assert shopify.webhooks.flush(5)
    [delivery] = receiver.received
    body = json.loads(delivery.body)
    assert delivery.headers["X-Shopify-Topic"] == "inventory_levels/update"
    assert body["available"] == level["available"] - 2
    assert body["admin_graphql_api_id"].startswith("gid://shopify/InventoryLevel/")
    stale = graphql.data(ADJUST, {"input": {"name": "available", "reason": "damaged", "changes": [change]}})
    assert stale["inventoryAdjustQuantities"]["userErrors"][0]["code"] == "CHANGE_FROM_QUANTITY_STALE"


def test_a_literal_key_replays_too(graphql, shopify, level):
    mutation = """mutation($input: InventorySetQuantitiesInput!) {
      inventorySetQuantities(input: $input) @idempotent(key: "literal-key") {
        inventoryAdjustmentGroup { id } userErrors { code } } }"""
    payload = {"input": set_input(level, 3, changeFromQuantity=None)}
    assert graphql.data(mutation, payload) == graphql.data(mutation, payload)
    assert len(shopify.state.records("adjustment_groups")) == 1
