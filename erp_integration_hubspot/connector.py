import time

from odoo.addons.erp_integration_core.connector import Connector
from odoo.addons.erp_integration_core.lib import payload, signatures

MAX_AGE_MS = 5 * 60 * 1000


class HubSpotConnector(Connector):
    """HubSpot webhooks, signature v3.

    The signature is base64 HMAC-SHA256 over method, full URI, raw body and
    the request timestamp; deliveries older than five minutes are refused so
    a captured request cannot be replayed later.
    """

    channel = "hubspot"
    label = "HubSpot"
    signature_header = "X-HubSpot-Signature-v3"
    timestamp_header = "X-HubSpot-Request-Timestamp"

    def verify_request(self, request, secret):
        timestamp = request.headers.get(self.timestamp_header, "")
        if not timestamp.isdigit() or abs(time.time() * 1000 - int(timestamp)) > MAX_AGE_MS:
            return False
        message = request.method.encode() + request.url.encode() + request.body + timestamp.encode()
        return signatures.verify_base64(secret, message, request.headers.get(self.signature_header))

    def describe_request(self, request, data):
        # A delivery is a batch of events; the batch is one exchange, keyed by
        # its event ids so a retried batch is recognised.
        event_ids = sorted(str(event.get("eventId")) for event in data if isinstance(event, dict))
        return {
            "flow": request.topic or "events",
            "external_id": False,
            "idempotency_key": "events:" + payload.sha256_hex(",".join(event_ids) or request.body),
        }
