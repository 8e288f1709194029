import json
import time

from odoo.tests import TransactionCase

from odoo.addons.erp_integration_core.lib import signatures
from odoo.addons.erp_integration_core.lib.webhook import WebhookRequest
from odoo.addons.erp_integration_core.tests.common import perform_pending_jobs

SECRET = "hubspot-client-secret"
URL = "https://erp.example.co.uk/integration/webhook/token"


class TestHubSpotWebhook(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.backend = cls.env["integration.backend"].create(
            {"name": "Portal", "channel": "hubspot", "webhook_secret": SECRET}
        )
        cls.Exchange = cls.env["integration.exchange"]
        cls.events = [
            {
                "eventId": 100,
                "subscriptionId": 7,
                "portalId": 62515,
                "occurredAt": 1764230400000,
                "subscriptionType": "deal.propertyChange",
                "attemptNumber": 0,
                "objectId": 1234,
                "propertyName": "dealstage",
                "propertyValue": "closedwon",
            },
        ]

    def deliver(self, events, timestamp=None, secret=SECRET, url=URL, signed_url=None):
        body = json.dumps(events).encode()
        timestamp = str(timestamp or int(time.time() * 1000))
        message = b"POST" + (signed_url or url).encode() + body + timestamp.encode()
        signature = signatures.sign_base64(secret, message)
        headers = {"X-HubSpot-Signature-v3": signature, "X-HubSpot-Request-Timestamp": timestamp}
        row = self.Exchange._webhook_backend(self.backend.webhook_token)
        return self.Exchange._intake(row, WebhookRequest.build(body, headers, url=url))

    def test_signature_v3_over_method_uri_body_and_timestamp(self):
        self.assertEqual(self.deliver(self.events)[0], 200)
        self.assertEqual(self.deliver(self.events), (200, {"status": "duplicate"}))

    def test_the_signature_covers_the_uri_as_hubspot_decodes_it(self):
        sent = f"{URL}?portal=62515&return=https%3A%2F%2Ferp.example.co.uk%2Fdone%3Fok&tag=a%20b"
        as_signed = f"{URL}?portal=62515&return=https://erp.example.co.uk/done?ok&tag=a%20b"
        self.assertEqual(self.deliver(self.events, url=sent, signed_url=as_signed)[0], 200)
        other = [dict(self.events[0], eventId=200)]
        self.assertEqual(self.deliver(other, url=sent, signed_url=sent)[0], 401, "signed over the raw URI: refused")

    def test_stale_or_forged_deliveries_are_refused(self):
        six_minutes_ago = int((time.time() - 360) * 1000)
        self.assertEqual(self.deliver(self.events, timestamp=six_minutes_ago)[0], 401)
        self.assertEqual(self.deliver(self.events, secret="forged")[0], 401)
        self.assertFalse(self.Exchange.search([("backend_id", "=", self.backend.id)]))

    def test_each_event_of_a_batch_is_an_exchange_locked_on_its_object(self):
        second = dict(self.events[0], eventId=101, subscriptionType="contact.creation", objectId=77)
        status, answer = self.deliver([*self.events, second, "not an event"])
        self.assertEqual((status, len(answer["exchanges"])), (200, 3))
        exchanges = self.Exchange.search([("backend_id", "=", self.backend.id)])
        by_flow = {exchange.flow: exchange for exchange in exchanges}
        self.assertEqual(set(by_flow), {"deal.propertyChange", "contact.creation", "invalid"})
        self.assertEqual(by_flow["deal.propertyChange"].lock_key, "deal:1234")
        self.assertEqual(by_flow["contact.creation"].idempotency_key, "event:7:101")
        self.assertEqual(len(exchanges.delivery_id), 1, "the signed batch is kept once")
        retried = [dict(event, attemptNumber=1) for event in (*self.events, second)]
        self.assertEqual(self.deliver(retried), (200, {"status": "duplicate"}), "a retry brings nothing new")

    def test_a_body_that_is_not_an_array_is_refused(self):
        self.assertEqual(self.deliver({"eventId": 1})[0], 400)

    def test_the_suite_s_own_writes_coming_back_are_ignored_as_echoes(self):
        self.backend.hubspot_app_id = "3300112"
        own_property = dict(self.events[0], eventId=301, propertyName="odoo_invoice_status", propertyValue="paid")
        own_app = dict(self.events[0], eventId=302, changeSource="INTEGRATION", sourceId="3300112")
        self.env.cr.execute("SELECT COALESCE(MAX(id), 0) FROM queue_job")
        watermark = self.env.cr.fetchone()[0]
        self.assertEqual(self.deliver([own_property, own_app])[0], 200)
        perform_pending_jobs(self.env, watermark)
        exchanges = self.Exchange.search([("backend_id", "=", self.backend.id)], order="id")
        self.assertEqual(exchanges.mapped("state"), ["ignored", "ignored"])
        self.assertIn("a property only Odoo writes", exchanges[0].ignore_reason)
        self.assertIn("this backend's own private app", exchanges[1].ignore_reason)
