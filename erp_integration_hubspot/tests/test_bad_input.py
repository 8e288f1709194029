"""Malformed or hostile HubSpot deliveries never reach the unexpected-error path, and apply nothing."""

import json
import time

from hypothesis import HealthCheck, given, settings

from odoo.addons.erp_integration_core.lib import signatures
from odoo.addons.erp_integration_core.lib.webhook import WebhookRequest
from odoo.addons.erp_integration_core.tests.common import assert_taken_safely

from sandbox.fuzz import damaged

from .common import SECRET, HubSpotSandboxCase

URL = "https://erp.example.co.uk/integration/webhook/token"
EVENTS = [
    {
        "eventId": 100,
        "subscriptionId": 7,
        "portalId": 62515,
        "appId": 1,
        "occurredAt": 1764230400000,
        "subscriptionType": "deal.propertyChange",
        "attemptNumber": 0,
        "objectId": 1234,
        "propertyName": "dealstage",
        "propertyValue": "closedwon",
        "changeSource": "CRM",
        "sourceId": "userId:1",
    },
    {
        "eventId": 101,
        "subscriptionId": 8,
        "portalId": 62515,
        "appId": 1,
        "occurredAt": 1764230400000,
        "subscriptionType": "contact.merge",
        "attemptNumber": 0,
        "objectId": 501,
        "mergedObjectIds": [502],
        "primaryObjectId": 501,
        "newObjectId": 501,
        "changeSource": "CRM",
        "sourceId": "userId:1",
    },
]


class TestFuzzedDeliveries(HubSpotSandboxCase):
    """Each event that gets through is processed against the sandbox portal, which reads the object it names."""

    def check(self, events):
        body = json.dumps(events).encode()
        timestamp = str(int(time.time() * 1000))
        signature = signatures.sign_base64(SECRET, b"POST" + URL.encode() + body + timestamp.encode())
        headers = {"X-HubSpot-Signature-v3": signature, "X-HubSpot-Request-Timestamp": timestamp}
        assert_taken_safely(self, self.backend, WebhookRequest.build(body, headers, url=URL))

    def test_event_batches(self):
        @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
        @given(events=damaged(EVENTS))
        def run(events):
            self.check(events)

        run()

    def test_a_nul_character_in_an_event_is_stored_not_a_server_error(self):
        self.check([dict(EVENTS[0], eventId="1\u00000", objectId="12\u000034")])
