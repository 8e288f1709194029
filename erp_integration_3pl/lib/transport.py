"""The one warehouse contract the channel speaks, and the REST transport behind it (Mintsoft-like).

The channel asks a transport to push items, shipments and ASNs and to read
back what the warehouse did; each transport (REST, SOAP, files) is a small
adapter with the same methods, so a business can move warehouses without a
rebuild. What crosses the contract is plain dicts in the channel's own terms,
whatever the warehouse calls them:

- an **item**: ``sku``, ``name``, ``barcode``, ``unit`` (the warehouse's name for
  the unit it counts the product in; quantities everywhere are in that unit);
- a **shipment** to send: ``number`` (the Odoo delivery's name), ``site``,
  ``service``, ``address`` (``FirstName``, ``LastName``, ``CompanyName``,
  ``Address1``, ``Address2``, ``Town``, ``PostCode``, ``Country``, ``Email``,
  ``Phone``) and ``lines`` (``sku``, ``quantity``);
- an **order** read back: ``id`` (the warehouse's, or the number where it has
  none), ``number``, ``status`` (``NEW``, ``AWAITINGPICKING``, ``PICKED``,
  ``DESPATCHED``, ``ONBACKORDER``, ``QUERYRAISED``, ``CANCELLED``), ``query``
  (its text, or None), ``lines`` (``sku``, ``quantity``, ``despatched``) and
  ``parcels`` (``carrier``, ``tracking``, ``url``; a split despatch has several);
- an **ASN** to send: ``reference`` (the Odoo receipt's name), ``site``,
  ``expected`` (ISO date or None) and ``lines`` (``sku``, ``quantity``);
  read back: ``id``, ``reference``, ``status`` (``AWAITINGDELIVERY``,
  ``BOOKEDIN``), ``lines`` (``sku``, ``quantity``, ``received``);
- a **stock level**: ``sku``, ``site``, ``level``, ``allocated``, ``available``.

Transports that cannot call back (SOAP, files) are read: ``read_despatches``
and ``read_receipts`` (and, for a warehouse that confirms cancellations later,
``read_cancellations``: orders with status ``CANCELLED`` and ``cancelled_at``)
return ``Batch``-es, each one file or one polled page
kept verbatim with the records it holds and the rows it could not read.
"""

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from odoo.addons.erp_integration_core.lib import shape
from odoo.addons.erp_integration_core.lib.errors import BusinessError, TransientError, ValidationError
from odoo.addons.erp_integration_core.lib.http_client import HttpClient


def whole(value, field):
    """A quantity as received (``3``, ``"3"``) as an int of at least zero, or a ``ValidationError`` naming ``field``."""
    text = str(value).strip() if isinstance(value, int | str) and not isinstance(value, bool) else None
    if text is None or not text.isdigit():
        raise ValidationError(f"{field} is {value!r}, not a whole number. Correct it at the warehouse, then Replay.")
    return int(text)


def integer(text, minimum=None):
    """A whole number from text as files and SOAP answers carry it (``3``, ``3.00``), or None if it is not one
    (or is below ``minimum``)."""
    try:
        number = Decimal(text)
    except (InvalidOperation, TypeError):
        return None
    if not number.is_finite() or number != number.to_integral_value():
        return None
    if minimum is not None and number < minimum:
        return None
    return int(number)


def order(data):
    """An order in the contract's terms, checked (a polled or read one, stored as such); returns it."""
    shape.obj(data, "The warehouse's order")
    for key in ("id", "status"):
        shape.required(data, key, "order")
    for position, line in enumerate(shape.opt_list(data, "lines", "order")):
        shape.obj(line, f"order.lines[{position}]")
        shape.required(line, "sku", f"order.lines[{position}]")
        whole(line.get("despatched") or 0, f"order.lines[{position}].despatched")
    for position, parcel in enumerate(shape.opt_list(data, "parcels", "order")):
        shape.obj(parcel, f"order.parcels[{position}]")
    return data


def asn(data):
    """An ASN booked in, in the contract's terms, checked (a polled or read one, stored as such); returns it."""
    shape.obj(data, "The warehouse's ASN")
    shape.required(data, "id", "ASN")
    for position, line in enumerate(shape.opt_list(data, "lines", "ASN")):
        shape.obj(line, f"ASN.lines[{position}]")
        shape.required(line, "sku", f"ASN.lines[{position}]")
        whole(line.get("received") or 0, f"ASN.lines[{position}].received")
    return data


@dataclass(frozen=True)
class Accepted:
    """The warehouse took the shipment (or ASN): its own id for it, and what it said."""

    warehouse_id: str
    message: str


@dataclass(frozen=True)
class Batch:
    """What one read brought in: a file or a polled page, verbatim, and what it says.

    ``records`` are orders (despatches), ASNs (receipts) or stock levels in the
    contract's terms; ``problems`` are ``(line, message)`` for rows that could
    not be read, so the exception can name the file and the line; ``cursor``
    is where the next read starts (polling), ``name`` the file's name or the
    query that was made.
    """

    name: str
    raw: bytes
    records: list = field(default_factory=list)
    problems: list = field(default_factory=list)
    cursor: str | None = None


class WarehouseTransport:
    """What every transport does; each raises ``BusinessError`` with the warehouse's reason for a refusal.

    ``TransientError`` (from the core) is for the warehouse being down, slow
    or throttling, so the job is retried; ``AuthError`` for refused
    credentials. ``callbacks`` says whether the warehouse calls Odoo back
    (then despatches and receipts arrive as webhooks and need no reading);
    ``pushes_items`` whether products can be set up at the warehouse through it;
    ``reads_orders`` whether it can be asked how a shipment stands;
    ``cancels_at_once`` whether a shipment is cancelled once ``cancel_shipment``
    returns (else the warehouse confirms later, ``read_cancellations``).
    """

    callbacks = False
    pushes_items = True
    reads_orders = True
    cancels_at_once = True

    def push_item(self, item):
        """Make the warehouse know a product; returns its id for it."""
        raise NotImplementedError

    def push_shipment(self, shipment):
        """Returns ``Accepted``."""
        raise NotImplementedError

    def shipment(self, warehouse_id):
        """The warehouse's view of a shipment, as an order."""
        raise NotImplementedError

    def cancel_shipment(self, warehouse_id, number):
        """Cancel a shipment the warehouse holds; a refusal (picked, despatched) says why."""
        raise NotImplementedError

    def push_asn(self, asn):
        """Announce goods coming in; returns ``Accepted``."""
        raise NotImplementedError

    def asn(self, warehouse_id):
        """The warehouse's view of an ASN."""
        raise NotImplementedError

    def read_despatches(self, cursor=None):
        """Despatches the warehouse made since ``cursor``: a list of ``Batch`` of orders."""
        raise NotImplementedError

    def read_receipts(self, cursor=None):
        """ASNs booked in since ``cursor``: a list of ``Batch`` of ASNs."""
        raise NotImplementedError

    def read_stock(self):
        """The warehouse's stock now (or its latest stock report): one ``Batch`` of stock levels."""
        raise NotImplementedError

    def acknowledge(self, batch):
        """Called once a batch is stored in Odoo: a file transport moves the file aside; others do nothing."""

    def describe(self):
        """A short sentence about the warehouse, for Test connection."""
        raise NotImplementedError

    def stock_sites(self):
        """The sites the warehouse's stock levels name, or None when it cannot say without taking a report.

        A file warehouse's stock file is read once and moved aside, so only
        an API can be asked.
        """
        return None


class RestTransport(WarehouseTransport):
    """Mintsoft-like REST: ``ms-apikey`` header; a refusal is a 200 with ``Success`` false and the reason.

    The warehouse calls back (``order.despatched``, ``order.cancelled``,
    ``asn.booked_in``) with the order or ASN as its API shows it, which
    ``order_from`` and ``asn_from`` read into the contract's terms.
    """

    callbacks = True

    def __init__(self, base_url, api_key, **kwargs):
        self.http = HttpClient(base_url, headers={"ms-apikey": api_key}, **kwargs)
        # The sites of the stock levels this client last read for ``describe``.
        self.sites_read = None

    @staticmethod
    def order_from(data):
        """A Mintsoft order (API or callback) as the contract's order."""
        shape.obj(data, "The warehouse's order")
        lines = [
            {
                "sku": shape.text(shape.obj(line, f"OrderItems[{position}]"), "SKU", f"OrderItems[{position}]"),
                "quantity": whole(line.get("Quantity") or 0, f"OrderItems[{position}].Quantity"),
                "despatched": whole(line.get("QuantityDespatched") or 0, f"OrderItems[{position}].QuantityDespatched"),
            }
            for position, line in enumerate(shape.opt_list(data, "OrderItems", "order"))
        ]
        parcels = [
            RestTransport._parcel(despatch, f"Despatches[{position}]")
            for position, despatch in enumerate(shape.opt_list(data, "Despatches", "order"))
            if shape.opt_text(shape.obj(despatch, f"Despatches[{position}]"), "TrackingNumber", "Despatches[]")
        ]
        if not parcels and shape.opt_text(data, "TrackingNumber", "order"):
            parcels = [RestTransport._parcel(data, "order")]
        return {
            "id": shape.text(data, "ID", "order"),
            "number": shape.opt_text(data, "OrderNumber", "order") or "",
            "status": shape.opt_text(data, "OrderStatus", "order") or "",
            "query": shape.opt_text(data, "QueryReason", "order"),
            "lines": lines,
            "parcels": parcels,
        }

    @staticmethod
    def _parcel(despatch, at):
        return {
            "carrier": shape.opt_text(despatch, "CourierName", at) or "",
            "tracking": shape.text(despatch, "TrackingNumber", at),
            "url": shape.opt_text(despatch, "TrackingURL", at) or "",
        }

    @staticmethod
    def asn_from(data):
        """A Mintsoft ASN (API or callback) as the contract's ASN."""
        shape.obj(data, "The warehouse's ASN")
        lines = []
        for position, item in enumerate(shape.opt_list(data, "Items", "ASN")):
            received = shape.obj(item, f"Items[{position}]").get("QuantityReceived")
            lines.append(
                {
                    "sku": shape.text(item, "SKU", f"Items[{position}]"),
                    "quantity": whole(item.get("Quantity") or 0, f"Items[{position}].Quantity"),
                    "received": None if received is None else whole(received, f"Items[{position}].QuantityReceived"),
                }
            )
        return {
            "id": shape.text(data, "ID", "ASN"),
            "reference": shape.opt_text(data, "Reference", "ASN") or "",
            "status": (shape.opt_text(data, "Status", "ASN") or "").replace("_", "").upper(),
            "lines": lines,
        }

    def _json(self, method, path, raw=False, **kwargs):
        """The warehouse's JSON answer (and its bytes, with ``raw``); a garbled one is transient: tried again later."""
        response = self.http.request(method, path, **kwargs)
        try:
            return (response.json(), response.content) if raw else response.json()
        except ValueError as exc:
            raise TransientError(
                f"The warehouse answered {method} {path} with something that is not JSON "
                f"({response.text[:80]!r}); it is tried again."
            ) from exc

    def _refused(self, answer, what, fix):
        if not answer.get("Success"):
            raise BusinessError(f"The warehouse refused {what}: {answer.get('Message') or 'no reason given'}. {fix}")

    def push_item(self, item):
        body = {
            "SKU": item["sku"],
            "Name": item["name"],
            "EAN": item.get("barcode") or "",
            "UnitOfMeasure": item.get("unit") or "EACH",
        }
        answer = self._json("PUT", "api/Product", json=body)
        if not answer.get("Success") and answer.get("ID"):
            # Known there already (set up by hand, or an answer lost on the way): the same product.
            return str(answer["ID"])
        self._refused(answer, f"product {item['sku']}", "Correct the product in Odoo, then press Retry.")
        return str(answer["ID"])

    def push_shipment(self, shipment):
        body = {
            "OrderNumber": shipment["number"],
            "Warehouse": shipment["site"],
            "CourierService": shipment.get("service") or None,
            **shipment["address"],
            "OrderItems": [{"SKU": line["sku"], "Quantity": line["quantity"]} for line in shipment["lines"]],
        }
        [answer] = self._json("PUT", "api/Order", json=body)[:1] or [{}]
        if not answer.get("Success") and answer.get("OrderId"):
            # It holds an order of that number already: this delivery, sent before
            # by a call whose answer was lost on the way.
            return Accepted(str(answer["OrderId"]), answer.get("Message") or "")
        self._refused(
            answer, shipment["number"], "Correct the delivery (products' SKUs, address) in Odoo, then press Retry."
        )
        return Accepted(str(answer["OrderId"]), answer.get("Message") or "")

    def shipment(self, warehouse_id):
        return self.order_from(self._json("GET", f"api/Order/{warehouse_id}"))

    def cancel_shipment(self, warehouse_id, number):
        answer = self._json("PUT", f"api/Order/{warehouse_id}/Cancel")
        if not answer.get("Success"):
            raise BusinessError(
                f"The warehouse would not cancel {number}: {answer.get('Message') or 'no reason given'}. "
                "Agree with the warehouse what happens to it (a return, say), then Ignore this exchange saying so."
            )
        return answer.get("Message") or ""

    def push_asn(self, asn):
        body = {
            "Reference": asn["reference"],
            "Warehouse": asn["site"],
            "EstimatedDelivery": asn.get("expected") or None,
            "Items": [{"SKU": line["sku"], "Quantity": line["quantity"]} for line in asn["lines"]],
        }
        [answer] = self._json("PUT", "api/ASN", json=body)[:1] or [{}]
        if not answer.get("Success") and answer.get("ASNId"):
            # It holds an ASN of that reference already: this receipt, sent before
            # by a call whose answer was lost on the way.
            return Accepted(str(answer["ASNId"]), answer.get("Message") or "")
        self._refused(answer, f"the ASN of {asn['reference']}", "Correct the receipt in Odoo, then press Retry.")
        return Accepted(str(answer["ASNId"]), answer.get("Message") or "")

    def asn(self, warehouse_id):
        return self.asn_from(self._json("GET", f"api/ASN/{warehouse_id}"))

    def read_stock(self):
        levels, content = self._json("GET", "api/Product/StockLevels", raw=True)
        if not isinstance(levels, list):
            raise ValidationError("The warehouse's stock levels are not a list. Try again later.")
        records = [
            {
                "sku": str(shape.required(level, "SKU", "stock level")),
                "site": str(level.get("WarehouseId") or ""),
                "level": whole(level.get("Level") or 0, "Level"),
                "allocated": whole(level.get("Allocated") or 0, "Allocated"),
            }
            for level in levels
        ]
        for record in records:
            record["available"] = max(0, record["level"] - record["allocated"])
        return Batch("api/Product/StockLevels", content, records)

    def describe(self):
        levels = self.read_stock().records
        # The set-up's site check asks next: the levels just read answer it.
        self.sites_read = {level["site"] for level in levels}
        return f"REST API answering, {len(levels)} stock levels at warehouse(s) {', '.join(sorted(self.sites_read))}"

    def stock_sites(self):
        if self.sites_read is None:
            self.sites_read = {level["site"] for level in self.read_stock().records}
        return self.sites_read
