"""Deliveries out to the warehouse, and its despatches back onto them.

An outgoing delivery of the warehouse the 3PL runs is sent once it is ready
(confirmed or reserved, by backend policy), as an outbound exchange keyed by
the delivery, so it is never sent twice. A despatch the warehouse reports
validates the delivery with the quantities it shipped (a partial despatch
leaves a backorder, which the warehouse keeps on the same order and ships
later) and sets the carrier, tracking numbers and links; the same despatch
seen again is applied once.

Despatches come in the contract's terms (``lib/transport.py``): either as an
order with the quantities despatched so far (REST callbacks, status reads),
of which only what Odoo has not delivered yet is applied, or as one despatch
of its own (``despatch`` set: a SOAP page's or a file's row group), applied
once per despatch.
"""

from odoo import fields

from odoo.addons.erp_integration_core.lib.errors import BusinessError, Ignored, MappingError
from odoo.addons.erp_integration_core.lib.events import Event
from odoo.addons.erp_integration_core.work import Component

from .items import Items

READY = {"confirmed": ("confirmed", "waiting", "assigned"), "assigned": ("assigned",)}


def ready_pickings(backend, pickings, code):
    """The pickings of ``pickings`` of type ``code`` (outgoing, incoming) the warehouse should hear of now."""
    warehouse = backend.threepl_warehouse_id
    states = READY[backend.threepl_ship_policy or "assigned"] if code == "outgoing" else ("assigned",)
    return pickings.filtered(
        lambda picking: (
            warehouse
            and picking.picking_type_id.warehouse_id == warehouse
            and picking.picking_type_code == code
            and picking.state in states
        )
    )


def send_picking(backend, flow, picking, external_type):
    """Queue ``flow``'s outbound exchange for ``picking``, keyed by it, so it goes once."""
    key = f"{flow.split('.')[0]}:{picking.name}"
    payload = {"picking": picking.id, "name": picking.name}
    return backend._send(flow, payload, key, external_type=external_type, external_id=picking.name)


def first_of(picking):
    """The delivery ``picking`` is a backorder of (through any number of backorders), or itself."""
    while picking.backorder_id:
        picking = picking.backorder_id
    return picking


def with_backorders(picking):
    """The delivery and the backorders that followed it, oldest first."""
    chain, following = picking, picking.backorder_ids
    while following:
        chain |= following
        following = following.backorder_ids
    return chain


class Shipments(Component):
    def __init__(self, work):
        super().__init__(work)
        self.Binding = self.env["integration.binding"]

    def queue(self, pickings):
        """An outbound exchange per ready delivery not sent yet.

        A backorder of a delivery the warehouse holds is not sent: the
        warehouse keeps what it could not ship on the same order.
        """
        deliveries = ready_pickings(self.backend, pickings, "outgoing")
        firsts = {picking: first_of(picking) for picking in deliveries.filtered("backorder_id")}
        held = self._bindings(self.env["stock.picking"].concat(*firsts.values()))
        for picking in deliveries:
            if firsts.get(picking, picking).id not in held:
                send_picking(self.backend, "shipment.create", picking, "Order")

    def _shipments(self):
        """Domain of this backend's shipment bindings (ASNs bind receipts as ``asn:<id>``)."""
        return [
            ("backend_id", "=", self.backend.id),
            ("res_model", "=", "stock.picking"),
            ("external_id", "not like", "asn:%"),
        ]

    def _shipments(self):
        """Domain of this backend's shipment bindings (receipts' ASNs are bound as ``asn:<id>``)."""
        return [
            ("backend_id", "=", self.backend.id),
            ("res_model", "=", "stock.picking"),
            ("external_id", "not like", "asn:%"),
        ]

    def _bindings(self, pickings):
        """The bindings of ``pickings`` on this backend, by picking id."""
        bindings = self.Binding.search(
            [("backend_id", "=", self.backend.id), ("res_model", "=", "stock.picking"), ("res_id", "in", pickings.ids)]
        )
        return {binding.res_id: binding for binding in bindings}

    def queue_cancellations(self, pickings):
        """An outbound exchange per cancelled delivery the warehouse holds."""
        for binding in self._bindings(
            pickings.filtered(lambda picking: picking.picking_type_code == "outgoing")
        ).values():
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
        if self.Binding._find(self.backend, "stock.picking", payload["name"]) or self._bindings(first_of(picking)):
            raise Ignored(f"Delivery {picking.name} is with the warehouse already (on the order of its first part).")
        shipment = self._shipment(picking)
        Items(self.work).ensure(picking.move_ids.product_id)
        accepted = self.client.push_shipment(shipment)
        self.Binding._bind(self.backend, picking, accepted.warehouse_id)
        picking.threepl_status = "NEW"
        self.exchange._link(picking, "sent")
        return {"warehouse_id": accepted.warehouse_id, "message": accepted.message, "lines": shipment["lines"]}

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
            "service": self._service(picking),
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

    def _service(self, picking):
        """The warehouse's courier service for the delivery's carrier: a ``service`` value mapping, or its default."""
        if not picking.carrier_id:
            return None
        mapping = self.env["integration.value.mapping"].search(
            [
                ("backend_id", "=", self.backend.id),
                ("map_type", "=", "service"),
                ("odoo_record", "=", f"delivery.carrier,{picking.carrier_id.id}"),
            ],
            limit=1,
        )
        return mapping.external_value or None

    def _carrier(self, name):
        """The Odoo carrier a ``carrier`` value mapping gives the warehouse's carrier name, if any."""
        try:
            record = self.backend._lookup_value("carrier", name) if name else None
        except MappingError:
            # A carrier is optional on a delivery: the warehouse's name for it is kept either way.
            record = None
        return record if getattr(record, "_name", None) == "delivery.carrier" else self.env["delivery.carrier"]

    def despatched(self, order):
        """A despatch of a shipment Odoo sent: validate the delivery with what shipped, with tracking."""
        # Read from a file or a SOAP page, a shipment is known by its number, which names it there.
        ids = [order["id"], order.get("number") or order["id"]]
        binding = self.Binding.search([*self._shipments(), ("external_id", "in", ids)], limit=1)
        picking = self.env["stock.picking"].browse(binding.res_id).exists()
        if not picking:
            raise BusinessError(
                f"The warehouse despatched its order {order['id']} ({order.get('number')}), which Odoo never "
                "sent it. Check the order at the warehouse, then Ignore this exchange with the reason."
            )
        chain = with_backorders(picking)
        seen = dict(binding.synced_values or {})
        shipped = self._to_deliver(order, chain, seen)
        if not any(shipped.values()):
            raise Ignored(f"{picking.name}: this despatch was applied before; nothing more to deliver.")
        target = chain.filtered(lambda picking: picking.state not in ("done", "cancel"))[:1]
        if not target:
            raise BusinessError(
                f"The warehouse despatched {shipped} more of {picking.name} than Odoo expected to deliver. "
                "Check with the warehouse, then Ignore this exchange with the reason."
            )
        for move in target.move_ids.filtered(lambda move: move.state not in ("done", "cancel")):
            sku = move.product_id.default_code
            taken = min(shipped.get(sku, 0), move.product_uom_qty)
            shipped[sku] = shipped.get(sku, 0) - taken
            move.quantity = taken
        extra = {sku: quantity for sku, quantity in shipped.items() if quantity > 0}
        if not any(target.move_ids.mapped("quantity")):
            raise BusinessError(
                f"The warehouse despatched {extra} on its order for {target.name}, which has none of it. "
                "Check the delivery and the warehouse's order, then Ignore this exchange with the reason."
            )
        known = set(seen.get("parcels", []))
        parcels = [parcel for parcel in order.get("parcels") or () if parcel.get("tracking") not in known]
        carriers = {parcel.get("carrier") for parcel in parcels if parcel.get("carrier")}
        target.write(
            {
                "carrier_tracking_ref": ", ".join(parcel["tracking"] for parcel in parcels) or False,
                "tracking_url": " ".join(parcel["url"] for parcel in parcels if parcel.get("url")) or False,
                "tracking_carrier": ", ".join(sorted(carriers)) or False,
                "threepl_status": order.get("status") or "DESPATCHED",
            }
        )
        carrier = self._carrier(next(iter(sorted(carriers)), ""))
        if carrier and not target.carrier_id:
            target.carrier_id = carrier
        result = target.with_context(skip_backorder=False, cancel_backorder=False).button_validate()
        if isinstance(result, dict) and result.get("res_model") == "stock.backorder.confirmation":
            # What was not shipped stays to be delivered: a backorder, as the warehouse keeps it on order.
            target._action_done()
        seen["parcels"] = sorted(known | {parcel["tracking"] for parcel in parcels})
        if order.get("despatch"):
            seen["despatches"] = sorted({*seen.get("despatches", []), str(order["despatch"])})
        binding.synced_values = seen
        self.exchange._link(target, "updated", ["state", "carrier_tracking_ref"])
        return {
            "picking": target.name,
            "tracking": [parcel["tracking"] for parcel in parcels],
            "backorder": target.backorder_ids.mapped("name"),
            "not_on_the_delivery": extra,
        }

    @staticmethod
    def _to_deliver(order, chain, seen):
        """What of ``order`` Odoo has still to deliver, by SKU.

        A despatch of its own brings its quantities, once; an order brings what
        was despatched so far, less what the delivery and its backorders
        delivered already.
        """
        despatched = {}
        for line in order.get("lines") or ():
            despatched[line["sku"]] = despatched.get(line["sku"], 0) + int(line.get("despatched") or 0)
        if order.get("despatch"):
            return {} if str(order["despatch"]) in seen.get("despatches", []) else despatched
        delivered = {}
        for move in chain.move_ids.filtered(lambda move: move.state == "done"):
            sku = move.product_id.default_code
            delivered[sku] = delivered.get(sku, 0) + int(move.quantity)
        return {sku: max(0, quantity - delivered.get(sku, 0)) for sku, quantity in despatched.items()}

    def follow(self):
        """Read the status of every shipment Odoo still has to deliver; queries and despatches not seen are queued.

        The status shows on the delivery (and its backorder). A query is an
        exchange that waits in the exception queue with the warehouse's text;
        a despatch read here and also called back is one despatch: whichever
        comes second finds nothing more to deliver.
        """
        bindings = self.Binding.search(self._shipments())
        events, statuses = [], {}
        # Read together, not one by one: the open shipments of a warehouse are many.
        pickings = {
            picking.id: picking for picking in self.env["stock.picking"].browse(bindings.mapped("res_id")).exists()
        }
        for binding in bindings:
            picking = pickings.get(binding.res_id, self.env["stock.picking"])
            waiting = with_backorders(picking).filtered(lambda picking: picking.state not in ("done", "cancel"))
            if not waiting:
                continue
            order = self.client.shipment(binding.external_id)
            status = order["status"]
            statuses[picking.name] = status
            if status in dict(picking._fields["threepl_status"].selection):
                waiting.threepl_status = status
            key = {"external_type": "Order", "external_id": binding.external_id}
            if status == "QUERYRAISED":
                events.append(
                    Event.of("shipment.query", f"shipment.query:{order['id']}:{order['query']}", order, **key)
                )
            parcels = {parcel.get("tracking") for parcel in order.get("parcels") or ()}
            if parcels - set((binding.synced_values or {}).get("parcels", [])):
                mark = ",".join(sorted(parcels))
                events.append(
                    Event.of("shipment.despatched", f"shipment.despatched:{order['id']}:{mark}", order, **key)
                )
        if events:
            self.backend._receive_events(events)
        return {"followed": len(statuses), "queued": len(events), "at": fields.Datetime.now().isoformat()}

    def query(self, order):
        """The warehouse cannot ship without an answer: a person reads its text and decides."""
        picking = self.Binding._find(self.backend, "stock.picking", order["id"])
        raise BusinessError(
            f"The warehouse raised a query on {picking.name or order.get('number')}: "
            f"{order.get('query') or 'no text given'}. Answer it at the warehouse (or correct the delivery "
            "and send it again), then Ignore this exchange with what was done."
        )

    def cancelled(self, order):
        """The warehouse cancelled a shipment Odoo did not: a person decides whether to cancel or send it again."""
        picking = self.Binding._find(self.backend, "stock.picking", order["id"])
        if not picking or picking.state == "cancel":
            raise Ignored(f"{picking.name or order.get('number')} is cancelled in Odoo too.")
        raise BusinessError(
            f"The warehouse cancelled {picking.name}, which Odoo still has to deliver. Cancel the delivery in Odoo, "
            "or agree with the warehouse to take it again, then Ignore this exchange with what was done."
        )
