from odoo import fields

from odoo.addons.erp_integration_core.connector import Connector
from odoo.addons.erp_integration_core.lib import shape
from odoo.addons.erp_integration_core.lib.errors import Ignored
from odoo.addons.erp_integration_core.lib.events import Event

from .changes import Changes
from .guided_setup import ThreePLSetupSteps
from .items import Items
from .lib import transport
from .lib.transport import RestTransport
from .reading import Reading
from .receipts import Receipts
from .shipments import Shipments
from .stock_check import StockCheck

# Inbound flows: the warehouse's callbacks (REST, its own shapes) and what the
# suite read itself (in the contract's terms), each to the step that applies it.
INBOUND = {
    "order.despatched": (Shipments, "despatched", RestTransport.order_from),
    "order.cancelled": (Changes, "cancelled", RestTransport.order_from),
    "asn.booked_in": (Receipts, "booked_in", RestTransport.asn_from),
    "shipment.despatched": (Shipments, "despatched", transport.order),
    "shipment.cancelled": (Changes, "cancelled", transport.order),
    "shipment.query": (Shipments, "query", transport.order),
    "order.query": (Shipments, "query", transport.order),
    "receipt.booked_in": (Receipts, "booked_in", transport.asn),
    "shipment.refused": (Reading, "refused", dict),
    "asn.refused": (Reading, "refused", dict),
    "file.problem": (Reading, "problem", dict),
    "stock.report": (StockCheck, "compare", dict),
    "stock.drift": (StockCheck, "drift", dict),
}
OUTBOUND = {
    "shipment.create": (Shipments, "send"),
    "shipment.cancel": (Shipments, "cancel"),
    "shipment.change": (Changes, "change"),
    "asn.create": (Receipts, "send"),
    "item.create": (Items, "send"),
}


class ThreePLConnector(Connector):
    """Third-party warehouse: deliveries out as shipments, receipts as ASNs; despatches and goods in back.

    Warehouse systems sign their callbacks with a shared secret in a header
    (base64 HMAC-SHA256 of the body); each callback is an exchange keyed by
    its event id, so a repeated one is stored once.
    """

    channel = "3pl"
    label = "Warehouse (3PL)"
    setup_steps = ThreePLSetupSteps
    signature_header = "X-Warehouse-Signature"
    event_id_header = "X-Warehouse-Event-Id"
    topic_header = "X-Warehouse-Event"
    events = {"picking.ready": (), "picking.cancelled": (), "picking.changed": (), "partner.changed": ()}

    def client(self):
        return self.backend._threepl_transport()

    def describe_request(self, request, data):
        """A callback is one event about one order or ASN: its id is the lock, as for what is read of it."""
        [event] = super().describe_request(request, data)
        warehouse_id = data.get("ID") if isinstance(data, dict) else None
        if warehouse_id is None or isinstance(warehouse_id, dict | list):
            return [event]
        kind = "ASN" if event.flow.startswith("asn.") else "Order"
        return [Event(event.flow, event.idempotency_key, event.payload, external_type=kind, external_id=warehouse_id)]

    def map(self, exchange, data):
        return {}

    def validate(self, exchange, data):
        shape.obj(data, "A warehouse callback")

    def on_event(self, event, records):
        if event == "picking.ready":
            Shipments(self.work()).queue(records)
            # A line added to a delivery the warehouse holds makes it ready again.
            Changes(self.work()).queue(records)
            return Receipts(self.work()).queue(records)
        if event == "picking.cancelled":
            return Shipments(self.work()).queue_cancellations(records)
        if event == "picking.changed":
            return Changes(self.work()).queue(records)
        if event == "partner.changed":
            # The customer's own address: the deliveries to it the warehouse holds may be told it.
            return Changes(self.work()).queue_for_partners(records)
        return super().on_event(event, records)

    def apply(self, exchange, data, values):
        if exchange.flow not in INBOUND:
            raise Ignored(f"Warehouse event '{exchange.flow}' is not used by this connector.")
        component, step, read = INBOUND[exchange.flow]
        return getattr(component(self.work(exchange)), step)(read(data))

    def export(self, exchange):
        if exchange.flow not in OUTBOUND:
            return super().export(exchange)
        component, step = OUTBOUND[exchange.flow]
        return getattr(component(self.work(exchange)), step)(self.parse(exchange))

    def run_flow(self, flow):
        if flow.code == "shipments.follow":
            flow.last_result = Shipments(self.work()).follow()
            return fields.Datetime.to_string(fields.Datetime.now())
        if flow.code == "despatches.read":
            return Reading(self.work()).despatches(flow.cursor or None)
        if flow.code == "receipts.read":
            return Reading(self.work()).receipts(flow.cursor or None)
        if flow.code == "stock.reconcile":
            flow.last_result = StockCheck(self.work()).read()
            return fields.Datetime.to_string(fields.Datetime.now())
        return super().run_flow(flow)

    def test_connection(self):
        return self.work().client.describe()
