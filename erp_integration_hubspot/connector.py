import time

from odoo.addons.erp_integration_core.connector import Connector
from odoo.addons.erp_integration_core.lib import payload, signatures
from odoo.addons.erp_integration_core.lib.errors import ValidationError
from odoo.addons.erp_integration_core.lib.events import Event

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
        """A delivery is an array of up to 100 events: each is an exchange of its own.

        The event's flow is its subscription type (``contact.propertyChange``),
        its object is the CRM record it concerns, and its key is the
        subscription and event id, which every retry of the delivery repeats.
        An element that is not an event is kept as an ``invalid`` event, so it
        waits in the exception queue instead of being lost.
        """
        if not isinstance(data, list):
            raise ValidationError("A HubSpot webhook body is a JSON array of events.")
        events = []
        for item in data:
            if not isinstance(item, dict) or "eventId" not in item or not item.get("subscriptionType"):
                events.append(Event.of("invalid", f"invalid:{payload.sha256_hex(repr(item))}", item))
                continue
            kind = str(item["subscriptionType"]).split(".", 1)[0]
            events.append(
                Event.of(
                    str(item["subscriptionType"]),
                    f"event:{item.get('subscriptionId')}:{item['eventId']}",
                    item,
                    external_type=kind,
                    external_id=item.get("objectId"),
                )
            )
        return events
