import time
from urllib.parse import unquote

from odoo import fields

from odoo.addons.erp_integration_core.connector import Connector
from odoo.addons.erp_integration_core.lib import payload, shape, signatures
from odoo.addons.erp_integration_core.lib.errors import Ignored, ValidationError
from odoo.addons.erp_integration_core.lib.events import Event

from .billing import OWN_PROPERTIES, InvoiceStatus
from .crm import CrmImport
from .customers import CustomerPush
from .guided_setup import HubSpotSetupSteps
from .setup import READ_SCOPES, missing_scopes
from .sync import CatchUp, InitialLoad

MAX_AGE_MS = 5 * 60 * 1000
# What HubSpot decodes in the request URI before signing it (signature v3).
SIGNED_URI_ESCAPES = ("%3A", "%2F", "%3F", "%40", "%21", "%24", "%27", "%28", "%29", "%2A", "%2C", "%3B")
# Event types and the import that reads their object.
IMPORTS = {"company": CrmImport.import_company, "contact": CrmImport.import_contact, "deal": CrmImport.import_deal}
CHANGES = ("creation", "propertyChange", "restore", "reconcile")


def signed_uri(url):
    """The URI as HubSpot signs it: the escapes it lists decoded, any other left as sent."""
    for escape in SIGNED_URI_ESCAPES:
        url = url.replace(escape, unquote(escape)).replace(escape.lower(), unquote(escape))
    return url


class HubSpotConnector(Connector):
    """HubSpot webhooks, signature v3, and the CRM objects they name.

    The signature is base64 HMAC-SHA256 over method, URI (with the escapes
    HubSpot lists decoded), raw body and the request timestamp; deliveries
    older than five minutes are refused so a captured request cannot be
    replayed later. The v1 signature HubSpot sends beside it is not used.
    """

    channel = "hubspot"
    label = "HubSpot"
    setup_steps = HubSpotSetupSteps
    signature_header = "X-HubSpot-Signature-v3"
    timestamp_header = "X-HubSpot-Request-Timestamp"
    events = {"invoice.changed": ("invoices.push",), "partner.changed": ("customers.push",)}
    # Sales watch the deal: a short debounce still sends a burst of payments as one batch.
    event_delay = 10
    # A page of the initial load is a hundred records already. In a backlog
    # batch one page's job went on for ten seconds with the next pages,
    # holding the locks of those it had not reached while the other worker
    # found none it could take.
    unbatched_flows = ("companies.load", "contacts.load")

    def verify_request(self, request, secret):
        timestamp = request.headers.get(self.timestamp_header, "")
        if not timestamp.isdigit() or abs(time.time() * 1000 - int(timestamp)) > MAX_AGE_MS:
            return False
        message = request.method.encode() + signed_uri(request.url).encode() + request.body + timestamp.encode()
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

    def validate(self, exchange, data):
        if exchange.flow.endswith(".load"):
            if not isinstance(data, list):
                raise ValidationError("A page of the initial load is a list of HubSpot records.")
            return
        shape.obj(data, "A HubSpot event")
        if exchange.flow == "invalid":
            raise ValidationError(
                "This element of a HubSpot delivery is not an event: it has no eventId or subscriptionType. "
                "Ignore it with the reason, or correct and Replay it."
            )
        # What the connector reads of the event itself, each a text or an id if there at all.
        for key in ("propertyName", "changeSource", "sourceId", "objectId"):
            shape.opt_text(data, key, "event")
        if self._import_of(exchange.flow) or exchange.flow.endswith((".deletion", ".privacyDeletion")):
            shape.text(data, "objectId", "event")

    def _echo(self, data):
        """Why an event is the suite's own write coming back, or None: it must not loop back into Odoo."""
        if data.get("propertyName") in OWN_PROPERTIES:
            return f"HubSpot event about '{data['propertyName']}', a property only Odoo writes: nothing to import."
        app = self.backend.hubspot_app_id
        if app and data.get("changeSource") == "INTEGRATION" and str(data.get("sourceId")) == app:
            return "HubSpot event caused by this backend's own private app: an echo of what Odoo wrote."
        return None

    @staticmethod
    def _import_of(flow):
        """The import reading the object of a ``company.propertyChange``-like event, or None if it is not used."""
        kind, _dot, change = flow.partition(".")
        return IMPORTS.get(kind) if change in CHANGES else None

    def map(self, exchange, data):
        # Objects are mapped by CrmImport, which reads them from HubSpot first.
        return {}

    def apply(self, exchange, data, values):
        kind, _dot, change = exchange.flow.partition(".")
        if change == "load":
            return CrmImport(self.work(exchange)).load(kind, data)
        echo = self._echo(data)
        if echo:
            raise Ignored(echo)
        crm = CrmImport(self.work(exchange))
        if change == "merge" and kind in ("company", "contact"):
            return crm.merge(kind, data)
        if change == "deletion" and kind in ("company", "contact"):
            return crm.delete(kind, data["objectId"])
        if exchange.flow == "contact.privacyDeletion":
            return crm.privacy_delete(data["objectId"])
        handler = self._import_of(exchange.flow)
        if not handler:
            raise Ignored(f"HubSpot event '{exchange.flow}' is not used by this connector.")
        partner_or_result = handler(crm, str(data["objectId"]))
        if isinstance(partner_or_result, dict):
            return partner_or_result
        return {"partner": partner_or_result.id}

    def client(self):
        return self.backend._hubspot_client()

    def on_event(self, event, records):
        """Invoices of deals this backend imported; partner changes only when Odoo owns customers."""
        if event == "invoice.changed" and not self._bound(records.invoice_line_ids.sale_line_ids.order_id):
            return None
        if event == "partner.changed" and (self.backend.owner_customers != "odoo" or not self._bound(records)):
            return None
        return super().on_event(event, records)

    def _bound(self, records):
        """Whether any of ``records`` is bound to a HubSpot object on this backend."""
        return bool(
            self.env["integration.binding"].search_count(
                [
                    ("backend_id", "=", self.backend.id),
                    ("res_model", "=", records._name),
                    ("res_id", "in", records.ids),
                ],
                limit=1,
            )
        )

    def export(self, exchange):
        if exchange.flow == "invoices.push":
            return InvoiceStatus(self.work(exchange)).send(self.parse(exchange))
        if exchange.flow == "customers.push":
            return CustomerPush(self.work(exchange)).send(self.parse(exchange))
        return super().export(exchange)

    def run_flow(self, flow):
        if flow.code in ("invoices.push", "invoices.reconcile"):
            flow.last_result = InvoiceStatus(self.work()).push()
            return fields.Datetime.to_string(fields.Datetime.now())
        if flow.code == "customers.push":
            flow.last_result = CustomerPush(self.work()).push() if self.backend.owner_customers == "odoo" else {}
            return fields.Datetime.to_string(fields.Datetime.now())
        if flow.code == "crm.reconcile":
            return CatchUp(self.work()).run(flow)
        if flow.code == "crm.load":
            return InitialLoad(self.work()).run(flow)
        return super().run_flow(flow)

    def test_connection(self):
        """The portal the token reaches, and any scope the suite needs that the private app lacks."""
        client = self.work().client
        account = client.account()
        token = client.token_info()
        if token.get("appId"):
            self.backend.hubspot_app_id = str(token["appId"])
        missing = missing_scopes(token.get("scopes"))
        unreadable = set(missing) & set(READ_SCOPES)
        scopes = (
            f"scopes missing: {', '.join(missing)} (grant them in the private app's settings"
            + ("; nothing can be imported without them)" if unreadable else "; invoice status cannot be sent)")
            if missing
            else "every scope it needs is granted"
        )
        return (
            f"HubSpot portal {account.get('portalId')} (currency {account.get('companyCurrency')}, "
            f"time zone {account.get('timeZone')}); {scopes}"
        )
