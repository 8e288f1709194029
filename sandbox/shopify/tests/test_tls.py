import json

import pytest
import requests

from sandbox.shopify.tls import running_https_server

from .conftest import TOKEN

pytest.importorskip("trustme")


def test_https_with_the_sandbox_ca(schema, app):
    with running_https_server(app) as (url, ca_pem):
        assert url.startswith("https://127.0.0.1:")
        response = requests.post(
            f"{url}/shopify/admin/api/2026-01/graphql.json",
            json={"query": "{ shop { name } }"},
            headers={"X-Shopify-Access-Token": TOKEN},
            verify=str(ca_pem),
            timeout=5,
        )
        assert response.json()["data"] == {"shop": {"name": "Sandbox Outfitters"}}
        with pytest.raises(requests.exceptions.SSLError):
            requests.get(f"{url}/_health", timeout=5)


def test_the_official_shopify_library_talks_to_the_sandbox(schema, app, monkeypatch):
    """Shopify's Python library builds https://{shop}/admin/api/{version}; point its site at the sandbox."""
    shopify = pytest.importorskip("shopify")
    with running_https_server(app) as (url, ca_pem):
        monkeypatch.setenv("SSL_CERT_FILE", str(ca_pem))
        session = shopify.Session("sandbox-outfitters.myshopify.com", "2026-01", TOKEN)
        shopify.ShopifyResource.activate_session(session)
        try:
            shopify.ShopifyResource.site = f"{url}/shopify/admin/api/2026-01"
            client = shopify.GraphQL()
            shop = json.loads(client.execute("{ shop { name currencyCode } }"))
            assert shop["data"]["shop"] == {"name": "Sandbox Outfitters", "currencyCode": "GBP"}
            assert shop["extensions"]["cost"]["requestedQueryCost"] == 1
            variant = app.systems["shopify"].state.records("inventory_levels")[0]
            result = json.loads(
                client.execute(
                    """mutation Set($input: InventorySetQuantitiesInput!) {
                      inventorySetQuantities(input: $input) { userErrors { code message }
                        inventoryAdjustmentGroup { changes { name quantityAfterChange } } } }""",
                    variables={
                        "input": {
                            "name": "available",
                            "reason": "cycle_count_available",
                            "quantities": [
                                {
                                    "inventoryItemId": f"gid://shopify/InventoryItem/{variant['inventory_item_id']}",
                                    "locationId": f"gid://shopify/Location/{variant['location_id']}",
                                    "quantity": 17,
                                    "changeFromQuantity": None,
                                }
                            ],
                        }
                    },
                    operation_name="Set",
                )
            )
            payload = result["data"]["inventorySetQuantities"]
            assert payload["userErrors"] == []
            assert {"name": "available", "quantityAfterChange": 17} in payload["inventoryAdjustmentGroup"]["changes"]
        finally:
            shopify.ShopifyResource.clear_session()
