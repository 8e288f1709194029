import json

from odoo.tests import TransactionCase

from odoo.addons.erp_integration_core.lib import signatures
from odoo.addons.erp_integration_core.lib.webhook import WebhookRequest

from ..setup import ShopifySetup

SECRET = "shopify-app-client-secret"


class TestShopifyWebhook(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.backend = cls.env["integration.backend"].create(
            {"name": "Shop", "channel": "shopify", "webhook_secret": SECRET}
        )
        cls.Exchange = cls.env["integration.exchange"]

    def deliver(self, body, secret=SECRET, event_id="98880550-7158-44d4-b7cd-2c97c8a091b5"):
        headers = {
            "X-Shopify-Topic": "orders/create",
            "X-Shopify-Hmac-Sha256": signatures.sign_base64(secret, body),
            "X-Shopify-Event-Id": event_id,
            "X-Shopify-Webhook-Id": "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
        }
        row = self.Exchange._webhook_backend(self.backend.webhook_token)
        return self.Exchange._intake(row, WebhookRequest.build(body, headers))

    def test_signed_order_is_stored_under_its_topic_and_event(self):
        body = json.dumps({"id": 820982911946154508, "email": "jon@example.com"}).encode()
        self.assertEqual(self.deliver(body)[0], 200)
        exchange = self.Exchange.search([("backend_id", "=", self.backend.id)])
        self.assertEqual(exchange.flow, "orders/create")
        self.assertEqual(exchange.external_id, "820982911946154508")
        self.assertEqual(exchange.idempotency_key, "orders/create:98880550-7158-44d4-b7cd-2c97c8a091b5")

    def test_redelivery_of_the_same_event_is_a_duplicate(self):
        body = json.dumps({"id": 1}).encode()
        self.deliver(body)
        self.assertEqual(self.deliver(body), (200, {"status": "duplicate"}))

    def test_hmac_with_another_secret_is_refused(self):
        body = json.dumps({"id": 1}).encode()
        self.assertEqual(self.deliver(body, secret="someone-else")[0], 401)
        self.assertFalse(self.Exchange.search([("backend_id", "=", self.backend.id)]))


class TestShopifyScopes(TransactionCase):
    def test_missing_scopes_are_named_and_a_write_scope_grants_its_read(self):
        backend = self.env["integration.backend"].create(
            {
                "name": "Shop",
                "channel": "shopify",
                "api_url": "https://example.myshopify.com",
                "api_token": "shpat_x",
                "owner_products": "external",
                "owner_prices": "external",
            }
        )
        setup = ShopifySetup(backend._connector().work())
        granted = ("read_orders", "write_inventory", "read_locations", "read_customers")
        shop = {"currentAppInstallation": {"accessScopes": [{"handle": scope} for scope in granted]}}
        self.assertEqual(setup.missing_scopes(shop), ["read_products", "write_merchant_managed_fulfillment_orders"])
        backend.owner_prices = "odoo"
        self.assertIn("write_products", setup.missing_scopes(shop), "Odoo's prices must be written to Shopify")
