import json

from odoo.tests import TransactionCase

from odoo.addons.erp_integration_core.lib import signatures
from odoo.addons.erp_integration_core.lib.webhook import WebhookRequest

SECRET = "warehouse-callback-secret"


class TestWarehouseCallback(TransactionCase):
    def test_despatch_callback_is_verified_and_stored(self):
        backend = self.env["integration.backend"].create(
            {"name": "Warehouse", "channel": "3pl", "webhook_secret": SECRET}
        )
        Exchange = self.env["integration.exchange"]
        body = json.dumps({"ID": 5501, "OrderNumber": "SO0042", "OrderStatus": "DESPATCHED"}).encode()
        row = Exchange._webhook_backend(backend.webhook_token)
        for secret, status in (("forged", 401), (SECRET, 200)):
            headers = {
                "X-Warehouse-Signature": signatures.sign_base64(secret, body),
                "X-Warehouse-Event": "order.despatched",
                "X-Warehouse-Event-Id": "evt-5501-1",
            }
            self.assertEqual(Exchange._intake(row, WebhookRequest.build(body, headers))[0], status)
        exchange = Exchange.search([("backend_id", "=", backend.id)])
        self.assertEqual((exchange.flow, exchange.external_id), ("order.despatched", "5501"))
        self.assertEqual(exchange.lock_key, "Order:5501", "one job at a time per warehouse order")
