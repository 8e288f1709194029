from odoo import fields

from odoo.addons.erp_integration_core.connector import Connector
from odoo.addons.erp_integration_core.lib import shape
from odoo.addons.erp_integration_core.lib.errors import Ignored

from .shipments import Shipments


class ThreePLConnector(Connector):
    """Third-party warehouse: deliveries out as shipments, despatches back from its callbacks.

    Warehouse systems sign their callbacks with a shared secret in a header
    (base64 HMAC-SHA256 of the body); each callback is an exchange keyed by
    its event id, so a repeated one is stored once.
    """

    channel = "3pl"
    label = "Warehouse (3PL)"
    signature_header = "X-Warehouse-Signature"
    event_id_header = "X-Warehouse-Event-Id"
    topic_header = "X-Warehouse-Event"
    events = {"picking.ready": (), "picking.cancelled": ()}

    def client(self):
        return self.backend._threepl_transport()

    def map(self, exchange, data):
        return {}

    def validate(self, exchange, data):
        shape.obj(data, "A warehouse callback")

    def on_event(self, event, records):
        if event == "picking.ready":
            return Shipments(self.work()).queue(records)
        if event == "picking.cancelled":
            return Shipments(self.work()).queue_cancellations(records)
        return super().on_event(event, records)

    def apply(self, exchange, data, values):
        if exchange.flow == "order.despatched":
            return Shipments(self.work(exchange)).despatched(data)
        if exchange.flow == "order.query":
            return Shipments(self.work(exchange)).query(data)
        raise Ignored(f"Warehouse event '{exchange.flow}' is not used by this connector yet.")

    def export(self, exchange):
        if exchange.flow == "shipment.create":
            return Shipments(self.work(exchange)).send(self.parse(exchange))
        if exchange.flow == "shipment.cancel":
            return Shipments(self.work(exchange)).cancel(self.parse(exchange))
        return super().export(exchange)

    def run_flow(self, flow):
        if flow.code == "shipments.follow":
            flow.last_result = Shipments(self.work()).follow()
            return fields.Datetime.to_string(fields.Datetime.now())
        return super().run_flow(flow)

    def test_connection(self):
        return self.work().client.describe()
