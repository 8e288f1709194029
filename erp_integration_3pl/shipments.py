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
        # A line added to a delivery the warehouse holds makes it ready again.
        self.queue_changes(deliveries)

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
        self.Binding._bind(self.backend, picking, accepted.warehouse_id, values=told(shipment))
        picking.threepl_status = "NEW"
        self.exchange._link(picking, "sent")
        return {"warehouse_id": accepted.warehouse_id, "message": accepted.message, "lines": shipment["lines"]}

    def queue_changes(self, pickings):
        """A ``shipment.change`` exchange per delivery the warehouse holds, not picked yet, that is no longer as sent.

        What was sent (lines, address, service) is the binding's hash; a
        delivery changed back to it queues nothing. A delivery being validated
        from a despatch changes by its own split, which is not a change.
        """
        if pickings.env.context.get("threepl_despatch"):
            return
        open_ones = pickings.filtered(
            lambda picking: (
                picking.picking_type_code == "outgoing"
                and picking.state not in ("done", "cancel")
                and picking.threepl_status in CHANGEABLE
            )
        )
        for picking_id, binding in self._bindings(open_ones).items():
            picking = pickings.browse(picking_id)
            try:
                now = self.Binding._values_hash(told(self._shipment(picking)))
            except (BusinessError, MappingError):
                # Not sendable as it is: the job says why, in the exception queue.
                now = "unsendable"
            changes = self._changes(picking)
            if binding.sync_hash and now != binding.sync_hash and "queued" not in changes.mapped("state"):
                self.backend._send(
                    "shipment.change",
                    {"picking": picking.id, "name": picking.name, "warehouse_id": binding.external_id},
                    f"shipment.change:{picking.name}:{len(changes) + 1}",
                    external_type="Order",
                    external_id=binding.external_id,
                )

    def _changes(self, picking):
        """The changes of ``picking`` sent so far; while one is queued, its job sends the delivery as it is by then."""
        return self.env["integration.exchange"].search(
            [
                ("backend_id", "=", self.backend.id),
                ("flow", "=", "shipment.change"),
                ("idempotency_key", "=like", f"shipment.change:{picking.name}:%"),
            ]
        )

    def change(self, payload):
        """Job of a ``shipment.change`` exchange: the warehouse's order replaced by the delivery as it is now.

        Warehouses take no edits to an order: it is cancelled there and sent
        again under the next revision of its number (``WH/OUT/00012-2``), while
        nothing is picked. Once picking has started, a person agrees the change
        with the warehouse.
        """
        picking = self.env["stock.picking"].browse(payload["picking"]).exists()
        binding = self._bindings(picking).get(picking.id) if picking else None
        if not binding or picking.state in ("done", "cancel"):
            raise Ignored(f"Delivery {payload['name']} is done, cancelled or not at the warehouse: nothing to change.")
        shipment = self._shipment(picking)
        if self.Binding._values_hash(told(shipment)) == binding.sync_hash:
            raise Ignored(f"The warehouse has {picking.name} as it is now: nothing to change.")
        seen = dict(binding.synced_values or {})
        old, number = binding.external_id, seen.get("number") or picking.name
        status = self.client.shipment(old)["status"] if self.client.reads_orders else None
        if status in ("PICKED", "DESPATCHED"):
            raise BusinessError(
                f"{picking.name} changed in Odoo after the warehouse had {status.lower()} it ({number}), too late to "
                "send it again. Agree the change with the warehouse (or undo it in Odoo), then Ignore this exchange "
                "saying what was done."
            )
        if status != "CANCELLED":
            try:
                self.client.cancel_shipment(old, number)
            except BusinessError as exc:
                raise BusinessError(
                    f"{picking.name} changed in Odoo after it went to the warehouse, which would not cancel its order "
                    f"{number} to take the change: {exc}"
                ) from exc
        revision = int(seen.get("revision") or 1) + 1
        shipment["number"] = f"{picking.name}-{revision}"
        Items(self.work).ensure(picking.move_ids.product_id)
        accepted = self.client.push_shipment(shipment)
        seen.update(revision=revision, number=shipment["number"], replaced=[*seen.get("replaced", []), old])
        binding.write(
            {
                "external_id": accepted.warehouse_id,
                "sync_hash": self.Binding._values_hash(told(shipment)),
                "synced_values": seen,
                "synced_at": fields.Datetime.now(),
            }
        )
        picking.threepl_status = "NEW"
        self.exchange._link(picking, "updated")
        return {"cancelled": old, "warehouse_id": accepted.warehouse_id, "number": shipment["number"]}

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
            target.carrier_id = carrier
        # The warehouse has shipped: no prompt (a backorder's, the text-message warning) may hold the delivery back.
        result = target.with_context(
            skip_backorder=False, cancel_backorder=False, threepl_despatch=True, skip_sms=True
        ).button_validate()
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
        change = self.env["integration.exchange"].search(
            [("backend_id", "=", self.backend.id), ("flow", "=", "shipment.change"), ("external_id", "=", order["id"])],
            order="id desc",
            limit=1,
        )
        if change.state == "done":
            raise Ignored(f"Order {order.get('number') or order['id']} was cancelled to take a change made in Odoo.")
        if change:
            raise TransientError(f"A change to {order.get('number') or order['id']} is being sent: read again later.")
        picking = self.Binding._find(self.backend, "stock.picking", order["id"])
        if not picking or picking.state == "cancel":
            raise Ignored(f"{picking.name or order.get('number')} is cancelled in Odoo too.")
        raise BusinessError(
            f"The warehouse cancelled {picking.name}, which Odoo still has to deliver. Cancel the delivery in Odoo, "
            "or agree with the warehouse to take it again, then Ignore this exchange with what was done."
        )
