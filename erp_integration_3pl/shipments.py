"""Deliveries out to the warehouse, and its despatches back onto them.

An outgoing delivery of the warehouse the 3PL runs is sent once it is ready
(confirmed or reserved, by backend policy), as an outbound exchange keyed by
the delivery, so it is never sent twice. A despatch the warehouse reports
validates the delivery with the quantities it shipped (a partial despatch
leaves a backorder) and sets the tracking number; the same despatch seen
again is applied once.
"""

from odoo import fields

from odoo.addons.erp_integration_core.lib import shape
from odoo.addons.erp_integration_core.lib.errors import BusinessError, Ignored, MappingError
from odoo.addons.erp_integration_core.lib.events import Event
from odoo.addons.erp_integration_core.work import Component

READY = {"confirmed": ("confirmed", "waiting", "assigned"), "assigned": ("assigned",)}


def ready_deliveries(backend, pickings):
    """The pickings of ``pickings`` this backend's warehouse should receive now."""
    warehouse = backend.threepl_warehouse_id
    states = READY[backend.threepl_ship_policy or "assigned"]
    return pickings.filtered(
        lambda picking: (
            warehouse
            and picking.picking_type_id.warehouse_id == warehouse
            and picking.picking_type_code == "outgoing"
            and picking.state in states
        )
    )


class Shipments(Component):
    def __init__(self, work):
        super().__init__(work)
        self.Binding = self.env["integration.binding"]

    def queue(self, pickings):
        """An outbound exchange per ready delivery not sent yet."""
        for picking in ready_deliveries(self.backend, pickings):
            self.backend._send(
                "shipment.create",
                {"picking": picking.id, "name": picking.name},
                f"shipment:{picking.name}",
                external_type="Order",
                external_id=picking.name,
            )

    def queue_cancellations(self, pickings):
        """An outbound exchange per cancelled delivery the warehouse holds."""
        bindings = self.Binding.search(
            [("backend_id", "=", self.backend.id), ("res_model", "=", "stock.picking"), ("res_id", "in", pickings.ids)]
        )
        for binding in bindings:
            picking = pickings.browse(binding.res_id)
            self.backend._send(
                "shipment.cancel",
                {"picking": picking.id, "name": picking.name, "warehouse_id": binding.external_id},
                f"shipment.cancel:{picking.name}",
                external_type="Order",
                external_id=binding.external_id,
            )

    def cancel(self, payload):
        """Job of a ``shipment.cancel`` exchange: the warehouse cancels the shipment, or says why not."""
        message = self.client.cancel_shipment(payload["warehouse_id"], payload["name"])
        picking = self.env["stock.picking"].browse(payload["picking"]).exists()
        if picking:
            picking.threepl_status = "CANCELLED"
            self.exchange._link(picking, "sent")
        return {"cancelled": payload["warehouse_id"], "message": message}

    def send(self, payload):
        """Job of a ``shipment.create`` exchange: the delivery as it is now, to the warehouse."""
        picking = self.env["stock.picking"].browse(payload["picking"]).exists()
        if not picking or picking.state in ("done", "cancel"):
            raise Ignored(f"Delivery {payload['name']} is done or cancelled in Odoo: nothing to send.")
        if self.Binding._find(self.backend, "stock.picking", payload["name"]) or self._bound(picking):
            raise Ignored(f"Delivery {picking.name} is with the warehouse already.")
        shipment = self._shipment(picking)
        accepted = self.client.push_shipment(shipment)
        self.Binding._bind(self.backend, picking, accepted.warehouse_id)
        picking.threepl_status = "NEW"
        self.exchange._link(picking, "sent")
        return {"warehouse_id": accepted.warehouse_id, "message": accepted.message, "lines": shipment["lines"]}

    def _bound(self, picking):
        return self.Binding.search_count(
            [("backend_id", "=", self.backend.id), ("res_model", "=", "stock.picking"), ("res_id", "=", picking.id)]
        )

    def _shipment(self, picking):
        missing = picking.move_ids.product_id.filtered(lambda product: not product.default_code)
        if missing:
            raise MappingError(
                f"Delivery {picking.name} has products without an Internal Reference, which the warehouse knows "
                f"them by: {', '.join(missing.mapped('display_name'))}. Give them one, then press Retry."
            )
        partner = picking.partner_id
        first, _space, last = (partner.name or "").partition(" ")
        return {
            "number": picking.name,
            "site": self.backend.threepl_site or None,
            "service": None,
            "address": {
                "FirstName": first,
                "LastName": last,
                "CompanyName": partner.commercial_partner_id.name if partner.parent_id else "",
                "Address1": partner.street or "",
                "Address2": partner.street2 or "",
                "Town": partner.city or "",
                "PostCode": partner.zip or "",
                "Country": partner.country_id.code or "GB",
                "Email": partner.email or "",
                "Phone": partner.phone or "",
            },
            "lines": [
                {"sku": move.product_id.default_code, "quantity": int(move.product_uom_qty)}
                for move in picking.move_ids
                if move.state != "cancel"
            ],
        }

    def despatched(self, data):
        """A despatch of a shipment Odoo sent: validate the delivery with what shipped, with tracking."""
        warehouse_id = str(shape.required(data, "ID", "order"))
        picking = self.Binding._find(self.backend, "stock.picking", warehouse_id)
        if not picking:
            raise BusinessError(
                f"The warehouse despatched its order {warehouse_id} ({data.get('OrderNumber')}), which Odoo never "
                "sent it. Check the order at the warehouse, then Ignore this exchange with the reason."
            )
        if picking.state == "done":
            raise Ignored(f"{picking.name} is done already: this despatch was applied before.")
        shipped = {}
        for line in shape.opt_list(data, "OrderItems", "order"):
            sku = shape.required(line, "SKU", "order line")
            shipped[sku] = shipped.get(sku, 0) + int(line.get("QuantityDespatched") or 0)
        for move in picking.move_ids.filtered(lambda move: move.state not in ("done", "cancel")):
            quantity = shipped.get(move.product_id.default_code, 0)
            taken = min(quantity, move.product_uom_qty)
            shipped[move.product_id.default_code] = quantity - taken
            move.quantity = taken
        despatches = shape.opt_list(data, "Despatches", "order")
        tracking = [str(d["TrackingNumber"]) for d in despatches if isinstance(d, dict) and d.get("TrackingNumber")]
        picking.carrier_tracking_ref = ", ".join(tracking) or data.get("TrackingNumber") or False
        result = picking.with_context(skip_backorder=False, cancel_backorder=False).button_validate()
        if isinstance(result, dict) and result.get("res_model") == "stock.backorder.confirmation":
            # What was not shipped stays to be delivered: a backorder, as the warehouse keeps it on order.
            picking._action_done()
        self.exchange._link(picking, "updated", ["state", "carrier_tracking_ref"])
        return {"picking": picking.name, "tracking": tracking, "backorder": picking.backorder_ids.mapped("name")}

    def follow(self):
        """Read every open shipment's status; a query raised, or a despatch no callback brought, is queued.

        The status shows on the delivery. A query is an exchange that waits in
        the exception queue with the warehouse's text; a despatch read here and
        also called back is one despatch: the second finds the delivery done.
        """
        bindings = self.Binding.search([("backend_id", "=", self.backend.id), ("res_model", "=", "stock.picking")])
        pickings = self.env["stock.picking"].browse(bindings.mapped("res_id")).exists()
        open_ids = set(pickings.filtered(lambda picking: picking.state not in ("done", "cancel")).ids)
        events, statuses = [], {}
        for binding in bindings.filtered(lambda binding: binding.res_id in open_ids):
            order = self.client.shipment(binding.external_id)
            status = order.get("OrderStatus")
            picking = pickings.browse(binding.res_id)
            statuses[picking.name] = status
            if status != picking.threepl_status and status in dict(picking._fields["threepl_status"].selection):
                picking.threepl_status = status
            flow = {"QUERYRAISED": "order.query", "DESPATCHED": "order.despatched"}.get(status)
            if flow:
                mark = order.get("QueryReason") if flow == "order.query" else len(order.get("Despatches") or ())
                events.append(
                    Event.of(
                        flow,
                        f"{flow}:{binding.external_id}:{mark}",
                        order,
                        external_type="Order",
                        external_id=binding.external_id,
                    )
                )
        if events:
            self.backend._receive_events(events)
        return {"followed": len(statuses), "queued": len(events), "at": fields.Datetime.now().isoformat()}

    def query(self, data):
        """The warehouse cannot ship without an answer: a person reads its text and decides."""
        picking = self.Binding._find(self.backend, "stock.picking", str(shape.required(data, "ID", "order")))
        raise BusinessError(
            f"The warehouse raised a query on {picking.name or data.get('OrderNumber')}: "
            f"{data.get('QueryReason') or 'no text given'}. Answer it at the warehouse (or correct the delivery "
            "and send it again), then Ignore this exchange with what was done."
        )
