"""Deliveries the warehouse holds that change in Odoo, and the warehouse's word that an order is cancelled.

A delivery is compared with the hash of what the warehouse was told of it:
its binding's, or, for a backorder the warehouse keeps on an earlier part's
order, the hash kept when the backorder was made. Its lines, its carrier and
its address count, whether the delivery's partner changed or that partner's
own address (``partner.changed``). While nothing is picked the warehouse's
order is cancelled and the delivery sent again, under the next revision of
its number, or, for a backorder, under its own number as a shipment of its
own. Once picking has started, a person agrees the change with the warehouse.

A warehouse that cancels as it answers (REST, SOAP) has confirmed it then; a
file warehouse confirms in ``out/cancellations``, read with the despatches.
Either way the confirmation is marked on the delivery's binding and on the
exchange that asked for it; a confirmation of an order Odoo never asked to
cancel waits for a person.
"""

from odoo import fields

from odoo.addons.erp_integration_core.lib.errors import BusinessError, Ignored, MappingError, TransientError
from odoo.addons.erp_integration_core.lib.payload import parse_json

from .items import Items
from .shipments import CHANGEABLE, Shipments, cancel_confirmed, told


class Changes(Shipments):
    def queue(self, pickings):
        """A ``shipment.change`` exchange per delivery the warehouse holds, not picked yet, that is no longer as told.

        A delivery changed back to what the warehouse has queues nothing. A
        delivery being validated from a despatch changes by its own split,
        which is not a change.
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
        for picking_id, binding in self._holding(open_ones).items():
            picking = pickings.browse(picking_id)
            was = self._told_hash(picking, binding)
            try:
                now = self.Binding._values_hash(told(self._shipment(picking)))
            except (BusinessError, MappingError):
                # Not sendable as it is: the job says why, in the exception queue.
                now = "unsendable"
            changes = self._changes(picking)
            if was and now != was and "queued" not in changes.mapped("state"):
                self._send_about(
                    "shipment.change", picking, binding, f"shipment.change:{picking.name}:{len(changes) + 1}"
                )

    def queue_for_partners(self, partners):
        """Deliveries to ``partners``, or to their contacts (who go under the company's name), checked for a change.

        Which address fields count is what the warehouse is told (``_shipment``):
        a change to any other leaves the hash as it was, and queues nothing.
        """
        warehouse = self.backend.threepl_warehouse_id
        if not warehouse or not partners:
            return
        deliveries = self.env["stock.picking"].search(
            [
                ("partner_id", "child_of", partners.ids),
                ("picking_type_id.warehouse_id", "=", warehouse.id),
                ("picking_type_id.code", "=", "outgoing"),
                ("state", "not in", ("done", "cancel")),
                ("threepl_status", "in", CHANGEABLE),
            ]
        )
        self.queue(deliveries)

    @staticmethod
    def _told_hash(picking, binding):
        """The hash of what the warehouse holds of ``picking``: its own order's, or what an earlier part's keeps."""
        if binding.res_id == picking.id:
            return binding.sync_hash
        return (binding.synced_values or {}).get("backorders", {}).get(str(picking.id))

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
        nothing is picked. A backorder kept on its first part's order goes
        under its own number (``WH/OUT/00013``) and is bound to the new order.
        Once picking has started, a person agrees the change with the warehouse.
        """
        picking = self.env["stock.picking"].browse(payload["picking"]).exists()
        binding = self._holding(picking).get(picking.id) if picking else None
        if not binding or picking.state in ("done", "cancel"):
            raise Ignored(f"Delivery {payload['name']} is done, cancelled or not at the warehouse: nothing to change.")
        shipment = self._shipment(picking)
        if self.Binding._values_hash(told(shipment)) == self._told_hash(picking, binding):
            raise Ignored(f"The warehouse has {picking.name} as it is now: nothing to change.")
        own = binding.res_id == picking.id
        seen = dict(binding.synced_values or {})
        old = binding.external_id
        number = seen.get("number") or self.env["stock.picking"].browse(binding.res_id).name
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
        if own:
            revision = int(seen.get("revision") or 1) + 1
            shipment["number"] = f"{picking.name}-{revision}"
        else:
            # The rest the warehouse kept on an earlier part's order goes as a shipment of its own.
            held = dict(seen, backorders={k: v for k, v in seen.get("backorders", {}).items() if k != str(picking.id)})
            binding.synced_values = held
            revision, seen = 1, {}
        Items(self.work).ensure(picking.move_ids.product_id)
        accepted = self.client.push_shipment(shipment)
        seen.update(revision=revision, number=shipment["number"], replaced=[*seen.get("replaced", []), old])
        if status == "CANCELLED" or self.client.cancels_at_once:
            seen = cancel_confirmed(seen, old, fields.Datetime.now().isoformat())
        if own:
            binding.write(
                {"external_id": accepted.warehouse_id, "sync_hash": self.Binding._values_hash(told(shipment))}
            )
        else:
            binding = self.Binding._bind(self.backend, picking, accepted.warehouse_id, values=told(shipment))
        binding.write({"synced_values": seen, "synced_at": fields.Datetime.now()})
        picking.threepl_status = "NEW"
        self.exchange._link(picking, "updated")
        return {"cancelled": old, "warehouse_id": accepted.warehouse_id, "number": shipment["number"]}

    def cancelled(self, order):
        """The warehouse says it cancelled an order (a REST callback, a row of a cancellation file).

        If Odoo asked (a delivery cancelled, or replaced to take a change), the
        cancellation is marked confirmed on the delivery's binding and on the
        exchange that asked. If not, a person decides.
        """
        name = order.get("number") or order["id"]
        request = self.env["integration.exchange"].search(
            [
                ("backend_id", "=", self.backend.id),
                ("direction", "=", "out"),
                ("flow", "in", ("shipment.cancel", "shipment.change")),
                ("external_id", "in", list({str(order["id"]), str(name)})),
            ],
            order="id desc",
            limit=1,
        )
        if request.state == "done":
            return self._confirm(request, order)
        if request.state == "queued":
            raise TransientError(f"Odoo's request to cancel {name} is still being sent", attempted=False)
        picking = self.Binding._find(self.backend, "stock.picking", order["id"])
        if picking.state == "cancel":
            raise Ignored(f"{picking.name} is cancelled in Odoo too.")
        if picking:
            raise BusinessError(
                f"The warehouse cancelled {picking.name}, which Odoo still has to deliver. Cancel the delivery in "
                "Odoo, or agree with the warehouse to take it again, then Ignore this exchange with what was done."
            )
        raise BusinessError(
            f"The warehouse confirmed it cancelled its order {name}, which Odoo never asked it to cancel: no "
            f"delivery of backend '{self.backend.name}' went to it as {name}. Check the order at the warehouse, "
            "then Ignore this exchange with what was found."
        )

    def _confirm(self, request, order):
        """Mark what ``request`` asked to cancel as confirmed by the warehouse, on the binding and on ``request``."""
        name = order.get("number") or order["id"]
        result = dict(request.result or {})
        old = str(result.get("cancelled") or request.external_id)
        picking = self.env["stock.picking"].browse(parse_json(request.payload).get("picking")).exists()
        binding = self._holding(picking).get(picking.id) if picking else None
        seen = dict(binding.synced_values or {}) if binding else {}
        why = "to take a change made in Odoo" if request.flow == "shipment.change" else "as Odoo asked"
        if result.get("cancel_confirmed") or old in seen.get("cancel_confirmed", {}):
            raise Ignored(f"Order {name} was cancelled {why}; the warehouse confirmed it already.")
        when = order.get("cancelled_at") or fields.Datetime.now().isoformat()
        if binding:
            binding.synced_values = cancel_confirmed(seen, old, when)
        request.result = dict(result, cancel_confirmed=when, confirmation=self.exchange.id)
        if picking and request.flow == "shipment.cancel":
            picking.threepl_status = "CANCELLED"
            self.exchange._link(picking, "updated", ["threepl_status"])
        elif picking:
            self.exchange._link(picking, "updated")
        return {"confirmed": old, "number": name, "picking": picking.name, "asked_by": request.id, "at": when}
