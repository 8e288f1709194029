"""Send a finished Odoo delivery to Shopify as a fulfilment, with carrier and tracking."""

from odoo.addons.erp_integration_core.lib.errors import BusinessError, Ignored

OPEN_STATUSES = ("OPEN", "IN_PROGRESS")


def build_line_items(fulfillment_orders, lines):
    """Allocate delivered quantities per SKU to Shopify's fulfilment order lines.

    Returns ``lineItemsByFulfillmentOrder`` and the quantities left over
    (SKUs Shopify does not expect, or more than it still wants).
    """
    wanted = {}
    for line in lines:
        wanted[line["sku"]] = wanted.get(line["sku"], 0) + int(line["quantity"])
    by_order = []
    for order in fulfillment_orders:
        if order["status"] not in OPEN_STATUSES:
            continue
        items = []
        for item in order["lineItems"]["nodes"]:
            sku = item["lineItem"]["sku"]
            quantity = min(wanted.get(sku, 0), item["remainingQuantity"])
            if quantity > 0:
                items.append({"id": item["id"], "quantity": quantity})
                wanted[sku] -= quantity
        if items:
            by_order.append({"fulfillmentOrderId": order["id"], "fulfillmentOrderLineItems": items})
    return by_order, {sku: quantity for sku, quantity in wanted.items() if quantity > 0}


def tracking_info(data):
    """Shopify's tracking input: one number and link, or several for a delivery shipped in parcels."""
    numbers = [number.strip() for number in (data.get("tracking_number") or "").split(",") if number.strip()]
    urls = (data.get("tracking_url") or "").split()
    tracking = {"company": data["carrier"]} if data.get("carrier") else {}
    if len(numbers) == 1:
        tracking["number"] = numbers[0]
        tracking.update({"url": urls[0]} if urls else {})
    elif numbers:
        tracking["numbers"] = numbers
        tracking.update({"urls": urls} if urls else {})
    return tracking


def fulfilled_quantities(fulfillments):
    """What Shopify shows fulfilled per SKU: its fulfilments, but those cancelled or failed."""
    fulfilled = {}
    for fulfillment in fulfillments:
        if fulfillment["status"] in ("CANCELLED", "ERROR", "FAILURE"):
            continue
        for item in fulfillment["fulfillmentLineItems"]["nodes"]:
            sku = item["lineItem"]["sku"]
            fulfilled[sku] = fulfilled.get(sku, 0) + (item["quantity"] or 0)
    return fulfilled


def owed_lines(data, delivered, fulfilled):
    """This delivery's lines, cut so that Shopify never shows more fulfilled than Odoo has delivered.

    ``delivered`` is what Odoo's finished deliveries of the order hold per SKU,
    this one included. An earlier attempt at this delivery that went through
    unseen (its answer lost), or a fulfilment made in Shopify's admin, leaves
    less owed, or nothing.
    """
    owed = []
    for line in data["lines"]:
        sku, quantity = line["sku"], int(line["quantity"])
        if sku in delivered:
            quantity = min(quantity, int(delivered[sku]) - fulfilled.get(sku, 0))
            fulfilled[sku] = fulfilled.get(sku, 0) + max(quantity, 0)
        if quantity > 0:
            owed.append({"sku": sku, "quantity": quantity})
    return owed


def export_fulfillment(client, data, delivered=None):
    """Fulfil ``data``'s delivery in Shopify, once, whatever became of earlier attempts.

    A fulfilment has no key Shopify would know again, so the mutation is never
    sent twice blindly (``resend=False``); every attempt first reads the order:
    a fulfilment carrying the delivery's tracking number is this delivery's,
    and quantities are cut to what Odoo delivered (``delivered``, see
    ``owed_lines``).
    """
    order_gid = f"gid://shopify/Order/{data['order_id']}"
    found = client.execute("fulfillment_orders", {"id": order_gid})
    order = found.get("order")
    if not order:
        raise BusinessError(f"Shopify has no order {data['order_id']} to fulfil for {data['picking']}.")
    tracking = tracking_info(data)
    numbers = set(tracking.get("numbers") or [tracking.get("number")]) - {None}
    for fulfillment in order["fulfillments"]:
        if fulfillment["status"] not in ("CANCELLED", "ERROR", "FAILURE") and numbers & {
            info["number"] for info in fulfillment["trackingInfo"]
        }:
            raise Ignored(
                f"Shopify has {data['picking']} fulfilled already: its fulfilment {fulfillment['name']} carries "
                "the delivery's tracking number (an earlier attempt went through though its answer was lost)."
            )
    lines = owed_lines(data, delivered or {}, fulfilled_quantities(order["fulfillments"]))
    if not lines:
        raise Ignored(
            f"Shopify shows all that Odoo delivered of order {data['order_id']} fulfilled already, {data['picking']} "
            "included (an earlier attempt went through though its answer was lost, or someone fulfilled it in Shopify)."
        )
    by_order, leftover = build_line_items(order["fulfillmentOrders"]["nodes"], lines)
    if not by_order:
        raise Ignored(f"Shopify expects nothing more for order {data['order_id']}: already fulfilled or cancelled.")
    if leftover:
        raise BusinessError(
            f"{data['picking']} delivered {leftover} that Shopify order {data['order_id']} does not expect. "
            "Check the delivery, then press Retry or Ignore."
        )
    answer = client.execute(
        "fulfillment_create",
        {"fulfillment": {"lineItemsByFulfillmentOrder": by_order, "notifyCustomer": True, "trackingInfo": tracking}},
        resend=False,
    )["fulfillmentCreate"]
    problem = client.user_errors(answer)
    if problem:
        raise BusinessError(f"Shopify refused the fulfilment of {data['picking']}: {problem}")
    return answer["fulfillment"]


def delivered_quantities(backend, order_id):
    """Per SKU, what Odoo's finished deliveries of the Shopify order ``order_id`` hold (returns not deducted)."""
    sale = backend.env["integration.binding"]._find(backend, "sale.order", order_id)
    delivered = {}
    for picking in sale.picking_ids:
        if picking.state != "done" or picking.picking_type_code != "outgoing":
            continue
        for move in picking.move_ids:
            if move.state == "done" and move.product_id.default_code:
                sku = move.product_id.default_code
                delivered[sku] = delivered.get(sku, 0) + move.quantity
    return delivered


def queue_fulfillments(backend, pickings):
    """An outbound exchange per finished delivery of an order this backend imported from Shopify."""
    deliveries = pickings.filtered(lambda picking: picking.picking_type_code == "outgoing" and picking.sale_id)
    if not deliveries:
        return
    bindings = backend.env["integration.binding"].search(
        [("backend_id", "=", backend.id), ("res_model", "=", "sale.order"), ("res_id", "in", deliveries.sale_id.ids)]
    )
    by_order = {binding.res_id: binding for binding in bindings}
    for picking in deliveries:
        binding = by_order.get(picking.sale_id.id)
        if not binding:
            continue
        payload = {
            "order_id": binding.external_id,
            "picking": picking.name,
            "carrier": (picking.carrier_id.name if "carrier_id" in picking._fields else None)
            or picking.tracking_carrier
            or None,
            "tracking_number": picking.carrier_tracking_ref if "carrier_tracking_ref" in picking._fields else None,
            "tracking_url": picking.tracking_url or None,
            "lines": [
                {"sku": move.product_id.default_code, "quantity": move.quantity}
                for move in picking.move_ids
                if move.quantity and move.product_id.default_code
            ],
        }
        backend._send(
            "fulfillment.create",
            payload,
            f"fulfillment:{picking.name}",
            external_id=binding.external_id,
            external_type="Order",
        )
