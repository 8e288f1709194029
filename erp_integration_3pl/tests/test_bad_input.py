"""Malformed or hostile warehouse callbacks never reach the unexpected-error path, and apply nothing."""

import hashlib
import json

from hypothesis import HealthCheck, given, settings

from odoo.tests import TransactionCase

from odoo.addons.erp_integration_core.lib import signatures
from odoo.addons.erp_integration_core.lib.webhook import WebhookRequest
from odoo.addons.erp_integration_core.tests.common import assert_taken_safely

from sandbox.fuzz import damaged

SECRET = "warehouse-callback-secret"
DESPATCHED = {
    "ID": 5501,
    "OrderNumber": "WH/OUT/00042",
    "OrderStatus": "DESPATCHED",
    "CourierName": "Royal Mail",
    "TrackingNumber": "RM123456785GB",
    "OrderItems": [{"SKU": "MUG-01", "Quantity": 2, "QuantityAllocated": 0, "QuantityDespatched": 2}],
    "Despatches": [
        {
            "DespatchDate": "2026-12-01T10:00:00",
            "CourierName": "Royal Mail",
            "TrackingNumber": "RM123456785GB",
            "TrackingURL": "https://track.example/RM123456785GB",
            "Items": [{"SKU": "MUG-01", "Quantity": 2}],
        }
    ],
}
BOOKED_IN = {
    "ID": 7701,
    "Reference": "WH/IN/00007",
    "Status": "BOOKED_IN",
    "Items": [{"SKU": "MUG-01", "Quantity": 10, "QuantityReceived": 10}],
}


class TestFuzzedCallbacks(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.backend = cls.env["integration.backend"].create(
            {"name": "Warehouse", "channel": "3pl", "webhook_secret": SECRET}
        )
        cls.row = cls.env["integration.exchange"]._webhook_backend(cls.backend.webhook_token)

    def check(self, event, payload, number):
        body = json.dumps(payload).encode()
        headers = {
            "X-Warehouse-Signature": signatures.sign_base64(SECRET, body),
            "X-Warehouse-Event": event,
            "X-Warehouse-Event-Id": f"fuzz-{event}-{number}",
        }
        assert_taken_safely(self, self.backend, WebhookRequest.build(body, headers))

    def fuzz(self, event, example):
        numbers = iter(range(10**6))

        @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
        @given(payload=damaged(example))
        def run(payload):
            self.check(event, payload, next(numbers))

        run()

    def test_order_despatched(self):
        self.fuzz("order.despatched", DESPATCHED)

    def test_order_cancelled(self):
        self.fuzz("order.cancelled", dict(DESPATCHED, OrderStatus="CANCELLED"))

    def test_asn_booked_in(self):
        self.fuzz("asn.booked_in", BOOKED_IN)

    def test_a_nul_character_is_a_validation_error_not_a_bug(self):
        payload = dict(DESPATCHED, OrderNumber="WH/OUT/\u000000042", ID="55\u000001")
        self.check("order.despatched", payload, "nul")
        body = json.dumps(payload).encode()
        headers = {
            "X-Warehouse-Signature": signatures.sign_base64(SECRET, body),
            "X-Warehouse-Event": "order.despatched",
            "X-Warehouse-Event-Id": "nul-kept",
        }
        Exchange = self.env["integration.exchange"]
        self.assertEqual(Exchange._intake(self.row, WebhookRequest.build(body, headers))[0], 200)
        [exchange] = Exchange.search([("backend_id", "=", self.backend.id)])
        self.assertEqual(exchange.external_id, "55\ufffd01", "stored with a stand-in for the NUL")
        self.assertEqual(exchange.payload_sha256, hashlib.sha256(body).hexdigest(), "the hash is of what was received")
        self.assertEqual(exchange.payload, body.decode(), "the payload is kept verbatim: JSON escapes its NUL")
