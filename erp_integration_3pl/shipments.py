"""Deliveries out to the warehouse, and its despatches back onto them.

An outgoing delivery of the warehouse the 3PL runs is sent once it is ready
(confirmed or reserved, by backend policy), as an outbound exchange keyed by
the delivery, so it is never sent twice. A despatch the warehouse reports
validates the delivery with the quantities it shipped (a partial despatch
leaves a backorder, which the warehouse keeps on the same order and ships
later) and sets the carrier, tracking numbers and links; the same despatch
seen again is applied once.

A backorder the warehouse keeps on its order is held by that order's
binding (``_holding``), which keeps a hash of what the warehouse still has to
ship of it. Changes to a delivery after sending are in ``changes.py``.

Despatches come in the contract's terms (``lib/transport.py``): either as an
order with the quantities despatched so far (REST callbacks, status reads),
of which only what Odoo has not delivered yet is applied, or as one despatch
of its own (``despatch`` set: a SOAP page's or a file's row group), applied
once per despatch.
"""

from odoo import fields
from odoo.tools.float_utils import float_compare

from odoo.addons.erp_integration_core.lib.errors import BusinessError, Ignored, MappingError, TransientError
from odoo.addons.erp_integration_core.lib.events import Event
from odoo.addons.erp_integration_core.work import Component

from .items import Items

READY = {"confirmed": ("confirmed", "waiting", "assigned"), "assigned": ("assigned",)}
# Where a warehouse order can still be replaced by a changed delivery: nothing picked from it yet.
CHANGEABLE = ("NEW", "AWAITINGPICKING", "ONBACKORDER", "QUERYRAISED")


def counted(move, quantity=None):
    """``move``'s demand (or ``quantity`` of its unit) in its product's own unit, the one the warehouse counts in.

    A delivery of 2 Dozen of a product kept in Units is 24 for the warehouse;
    half a unit is not something it can pick, so a fraction is refused.
    """
    product_unit = move.product_id.uom_id
    demand = move.product_qty if quantity is None else move.product_uom._compute_quantity(quantity, product_unit)
    whole = round(demand)
    if float_compare(demand, whole, precision_digits=6):
        raise BusinessError(
            f"{move.picking_id.name or move.reference} has {move.product_uom_qty:g} {move.product_uom.name} of "
            f"{move.product_id.default_code}, which is {demand:g} {product_unit.name}: the warehouse counts whole "
            f"{product_unit.name}. Correct the quantity (or the product's unit) in Odoo, then press Retry."
        )
    return int(whole)


def told(shipment):
    """What a warehouse order says of a delivery, whatever number it went under: kept hashed on its binding."""
    return {key: shipment[key] for key in ("site", "service", "address", "lines")}


def in_move_unit(move, quantity):
    """``quantity`` counted by the warehouse (the product's unit) in the unit of ``move``."""
    return move.product_id.uom_id._compute_quantity(quantity, move.product_uom, round=False)


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


def cancel_confirmed(seen, warehouse_id, when):
    """A binding's ``seen`` values with the warehouse's order ``warehouse_id`` confirmed cancelled at ``when``."""
    return dict(seen, cancel_confirmed={**seen.get("cancel_confirmed", {}), str(warehouse_id): when})


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

    def _holding(self, pickings):
        """The binding of the warehouse order that holds each of ``pickings``, by picking id.

        A delivery sent is held by its own order; a backorder not sent on its
        own by the order of the nearest part before it that was, since the
        warehouse keeps what it could not ship on that order.
        """
        ancestors = {}
        for picking in pickings:
            chain, part = [picking], picking
            while part.backorder_id:
                part = part.backorder_id
                chain.append(part)
            ancestors[picking.id] = chain
        bindings = self._bindings(
            self.env["stock.picking"].concat(*(part for chain in ancestors.values() for part in chain))
        )
        holding = {}
        for picking_id, chain in ancestors.items():
            holder = next((part for part in chain if part.id in bindings), None)
            if holder:
                holding[picking_id] = bindings[holder.id]
        return holding

    def queue_cancellations(self, pickings):
        """An outbound exchange per cancelled delivery the warehouse holds."""
        outgoing = pickings.filtered(lambda picking: picking.picking_type_code == "outgoing")
        for picking_id, binding in self._holding(outgoing).items():
            picking = pickings.browse(picking_id)
            self._send_about("shipment.cancel", picking, binding, f"shipment.cancel:{picking.name}")

    def _send_about(self, flow, picking, binding, key):
        """An outbound exchange of ``flow`` about a delivery the warehouse holds as ``binding``'s order."""
        return self.backend._send(
            flow,
            {"picking": picking.id, "name": picking.name, "warehouse_id": binding.external_id},
            key,
            external_type="Order",
            external_id=binding.external_id,
        )

    def cancel(self, payload):
        """Job of a ``shipment.cancel`` exchange: the warehouse cancels the shipment, or says why not.

        A warehouse that answers at once has cancelled it when it answers; a
        file warehouse confirms it later in a file (``changes.Changes.cancelled``).
        """
        message = self.client.cancel_shipment(payload["warehouse_id"], payload["name"])
        picking = self.env["stock.picking"].browse(payload["picking"]).exists()
        confirmed = self.client.cancels_at_once
        if picking:
            binding = self._holding(picking).get(picking.id)
            if confirmed:
                picking.threepl_status = "CANCELLED"
                if binding:
                    now = fields.Datetime.now().isoformat()
                    binding.synced_values = cancel_confirmed(
                        dict(binding.synced_values or {}), payload["warehouse_id"], now
                    )
            self.exchange._link(picking, "sent")
        return {"cancelled": payload["warehouse_id"], "message": message, "confirmed": confirmed}

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
        self.Binding._bind(self.backend, picking, accepted.warehouse_id, values=told(shipment))
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
                {"sku": move.product_id.default_code, "quantity": counted(move)}
                for move in picking.move_ids
                if move.state != "cancel"
            ],
        }

    def _service(self, picking):
        """The warehouse's courier service for the delivery's carrier: a ``service`` value mapping, or its default."""
        return self.backend._external_value("service", picking.carrier_id)

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
        if not picking and self._still_sending(order.get("number")):
            # The warehouse took the shipment but its answer has not reached Odoo yet (lost, or slow): the
            # push binds the order once it hears of it, again, and the despatch applies then.
            raise TransientError(
                f"The warehouse despatched {order.get('number')} before Odoo heard back from sending it: "
                "waiting for the shipment to be bound",
                retry_after=60,
                attempted=False,
            )
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
            taken = min(shipped.get(sku, 0), counted(move))
            shipped[sku] = shipped.get(sku, 0) - taken
            move.quantity = in_move_unit(move, taken)
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
            # Who carried what shipped is not a change to tell the warehouse of.
            target.with_context(threepl_despatch=True).carrier_id = carrier
        before = target.backorder_ids
        # The warehouse has shipped: no prompt (a backorder's, the text-message warning) may hold the delivery back.
        validating = target.with_context(
            skip_backorder=False, cancel_backorder=False, threepl_despatch=True, skip_sms=True
        )
        result = validating.button_validate()
        if isinstance(result, dict) and result.get("res_model") == "stock.backorder.confirmation":
            # What was not shipped stays to be delivered: a backorder, as the warehouse keeps it on order.
            validating._action_done()
        seen["parcels"] = sorted(known | {parcel["tracking"] for parcel in parcels})
        for backorder in target.backorder_ids - before:
            # The warehouse keeps the rest on backorder: what it still has to ship is what a change is compared with.
            backorder.threepl_status = "ONBACKORDER"
            try:
                held = self.Binding._values_hash(told(self._shipment(backorder)))
            except (BusinessError, MappingError):
                continue
            seen["backorders"] = {**seen.get("backorders", {}), str(backorder.id): held}
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

    def _still_sending(self, number):
        """Whether a shipment of this number is on its way to the warehouse: its exchange still waiting."""
        return bool(number) and bool(
            self.env["integration.exchange"].search_count(
                [
                    ("backend_id", "=", self.backend.id),
                    ("flow", "=", "shipment.create"),
                    ("external_id", "=", number),
                    ("state", "=", "queued"),
                ],
                limit=1,
            )
        )

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
            delivered[sku] = delivered.get(sku, 0) + counted(move, move.quantity)
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
            # A backorder sent on its own since is followed by its own order.
            holding = self._holding(waiting)
            waiting = waiting.browse([part.id for part in waiting if holding.get(part.id) == binding])
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
