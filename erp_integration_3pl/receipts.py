"""Goods in: receipts of the warehouse the 3PL runs go out as ASNs; what it books in validates them.

A receipt ready in Odoo is announced once, as an outbound exchange keyed by
the receipt. When the warehouse books the ASN in, the receipt is validated
with the quantities counted; a difference is, by the backend's policy, a
backorder for what is still to come or an exception for a person to decide.
"""

from odoo.addons.erp_integration_core.lib.errors import BusinessError, Ignored
from odoo.addons.erp_integration_core.work import Component

from .items import Items
from .shipments import counted, in_move_unit, ready_pickings, send_picking


def asn_key(warehouse_id):
    """The binding of a receipt: ``asn:<id>``, apart from the shipments' order ids."""
    return f"asn:{warehouse_id}"


class Receipts(Component):
    def __init__(self, work):
        super().__init__(work)
        self.Binding = self.env["integration.binding"]

    def queue(self, pickings):
        """An outbound exchange per ready receipt not announced yet."""
        for picking in ready_pickings(self.backend, pickings, "incoming"):
            send_picking(self.backend, "asn.create", picking, "ASN")

    def send(self, payload):
        """Job of an ``asn.create`` exchange: the receipt as it is now, to the warehouse."""
        picking = self.env["stock.picking"].browse(payload["picking"]).exists()
        if not picking or picking.state in ("done", "cancel"):
            raise Ignored(f"Receipt {payload['name']} is done or cancelled in Odoo: nothing to announce.")
        if self.Binding.search_count(
            [("backend_id", "=", self.backend.id), ("res_model", "=", "stock.picking"), ("res_id", "=", picking.id)]
        ):
            raise Ignored(f"Receipt {picking.name} is announced to the warehouse already.")
        moves = picking.move_ids.filtered(lambda move: move.state != "cancel")
        missing = moves.product_id.filtered(lambda product: not product.default_code)
        if missing:
            raise BusinessError(
                f"Receipt {picking.name} has products without an Internal Reference, which the warehouse knows "
                f"them by: {', '.join(missing.mapped('display_name'))}. Give them one, then press Retry."
            )
        Items(self.work).ensure(moves.product_id)
        asn = {
            "reference": picking.name,
            "site": self.backend.threepl_site or None,
            "expected": picking.scheduled_date.date().isoformat() if picking.scheduled_date else None,
            "lines": [{"sku": move.product_id.default_code, "quantity": counted(move)} for move in moves],
        }
        accepted = self.client.push_asn(asn)
        self.Binding._bind(self.backend, picking, asn_key(accepted.warehouse_id))
        picking.threepl_status = "AWAITINGDELIVERY"
        self.exchange._link(picking, "sent")
        return {"warehouse_id": accepted.warehouse_id, "message": accepted.message, "lines": asn["lines"]}

    def booked_in(self, asn):
        """The warehouse counted the goods in: validate the receipt with what it counted."""
        picking = self.Binding._find(self.backend, "stock.picking", asn_key(asn["id"]))
        if not picking:
            raise BusinessError(
                f"The warehouse booked in its ASN {asn['id']} ({asn.get('reference')}), which Odoo never sent it. "
                "Check the delivery at the warehouse, then Ignore this exchange with the reason."
            )
        if picking.state in ("done", "cancel"):
            raise Ignored(f"{picking.name} is {picking.state} already: this booking in was applied before.")
        received = {}
        for line in asn.get("lines") or ():
            received[line["sku"]] = received.get(line["sku"], 0) + int(line.get("received") or 0)
        moves = picking.move_ids.filtered(lambda move: move.state not in ("done", "cancel"))
        expected = {}
        for move in moves:
            sku = move.product_id.default_code
            expected[sku] = expected.get(sku, 0) + counted(move)
        differences = {
            sku: (expected.get(sku, 0), received.get(sku, 0))
            for sku in sorted(set(expected) | set(received))
            if expected.get(sku, 0) != received.get(sku, 0)
        }
        if differences and self.backend.threepl_receipt_policy == "exception":
            tally = "; ".join(f"{sku}: expected {want}, counted {got}" for sku, (want, got) in differences.items())
            raise BusinessError(
                f"The warehouse booked in {picking.name} with differences ({tally}). Validate the receipt by hand "
                "with what was counted (or take it up with the supplier), then Ignore this exchange saying so."
            )
        if not any(received.values()):
            raise BusinessError(
                f"The warehouse booked in nothing of {picking.name}: the goods did not arrive. Chase the supplier, "
                "then cancel the receipt (or validate it by hand when the goods come), and Ignore this exchange."
            )
        unknown = set(received) - set(expected)
        if unknown:
            raise BusinessError(
                f"The warehouse booked in {', '.join(sorted(unknown))} on {picking.name}, which the receipt does "
                "not expect. Add the product to the receipt, then press Retry."
            )
        # The last move of a product takes whatever more arrived than expected.
        last = {move.product_id.default_code: move for move in moves}
        for move in moves:
            sku = move.product_id.default_code
            taken = received.get(sku, 0) if last[sku] == move else min(received.get(sku, 0), counted(move))
            received[sku] = received.get(sku, 0) - taken
            move.quantity = in_move_unit(move, taken)
        picking.threepl_status = "BOOKEDIN"
        result = picking.with_context(skip_backorder=False, cancel_backorder=False).button_validate()
        if isinstance(result, dict) and result.get("res_model") == "stock.backorder.confirmation":
            # What did not arrive is still expected: a backorder, announced as its own ASN once ready.
            picking._action_done()
        self.exchange._link(picking, "updated", ["state"])
        return {
            "picking": picking.name,
            "received": {line["sku"]: line.get("received") for line in asn.get("lines") or ()},
            "backorder": picking.backorder_ids.mapped("name"),
        }
