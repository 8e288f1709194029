"""The simulated warehouse: stock per site and SKU, orders and their status machine, ASNs, stock counts.

Whichever way an order arrives (REST, SOAP or a CSV drop) it lands here, so the three
channels see one warehouse. Nothing happens by itself: the clock calls ``step()``
and orders move on when their time has come.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from ..core.knobs import Knobs, check_fraction
from . import couriers

NEW = "NEW"
AWAITING_PICKING = "AWAITINGPICKING"
PICKED = "PICKED"
DESPATCHED = "DESPATCHED"
ON_BACKORDER = "ONBACKORDER"
CANCELLED = "CANCELLED"
QUERY_RAISED = "QUERYRAISED"
IN_PROGRESS = (NEW, AWAITING_PICKING, PICKED, ON_BACKORDER)
UNCANCELLABLE = (PICKED, DESPATCHED, CANCELLED)

AWAITING_DELIVERY = "AWAITINGDELIVERY"
BOOKED_IN = "BOOKEDIN"

CUSTOMER_FIELDS = (
    "FirstName",
    "LastName",
    "CompanyName",
    "Address1",
    "Address2",
    "Town",
    "County",
    "PostCode",
    "Country",
    "Email",
    "Phone",
)
UK_POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$", re.IGNORECASE)
UK_COUNTRIES = {"", "GB", "UK", "GBR", "UNITED KINGDOM"}
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
RECEIPT_ERRORS = (-3, -2, -1, 1, 2)


class Rejected(Exception):
    """The warehouse refuses a request; ``existing_id`` names the order or ASN it clashed with, if any."""

    def __init__(self, message: str, existing_id: int | None = None):
        super().__init__(message)
        self.message = message
        self.existing_id = existing_id


@dataclass
class WarehouseSettings(Knobs):
    """How the warehouse behaves; durations are simulated hours.

    An order waits ``allocate_hours`` for stock, then ``pick_hours`` to be picked and
    ``pack_hours`` to leave. With ``part_despatch`` an order short of stock ships what
    there is and waits on backorder for the rest; without, it waits whole. An ASN
    without an estimated delivery arrives after ``asn_lead_hours``. The rates are
    fractions: ASN lines received in another quantity than announced, stock lines
    found short at each count (shrinkage), and orders queried despite a good address.
    """

    allocate_hours: float = 0.5
    pick_hours: float = 2.0
    pack_hours: float = 1.0
    asn_lead_hours: float = 24.0
    part_despatch: bool = False
    receipt_variance_rate: float = 0.25
    shrinkage_rate: float = 0.05
    query_rate: float = 0.0
    stock_count_hour: int = 22

    def __post_init__(self):
        check_fraction(self, "receipt_variance_rate", "shrinkage_rate", "query_rate")


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") if moment else None


def parse_moment(value) -> datetime | None:
    """Read an ISO date or datetime as naive UTC; None if it isn't one."""
    try:
        moment = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment


def iso_date(value) -> date | None:
    """``value`` as a calendar date written ``YYYY-MM-DD`` (how CSV channels give ``ExpectedDate``), or None."""
    text = str(value or "").strip()
    if not ISO_DATE.match(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def whole_number(value, minimum: int = 1) -> int | None:
    """``value`` as an int of at least ``minimum`` (CSV text included), or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value)
    return value if isinstance(value, int) and value >= minimum else None


def crossed(previous: datetime, now: datetime, hour: int) -> bool:
    """Whether ``hour`` o'clock of some day falls within (previous, now]."""
    mark = now.replace(hour=hour, minute=0, second=0, microsecond=0)
    if mark > now:
        mark -= timedelta(days=1)
    return mark > previous


def view(record: dict | None) -> dict | None:
    """A record as the API shows it: ``ID`` first, internal ``_`` keys left out."""
    if record is None:
        return None
    return {"ID": record["id"], **{k: v for k, v in record.items() if k != "id" and not k.startswith("_")}}


class Warehouse:
    """The stock and the orders of the 3PL's sites, kept in the system's ``State``.

    Collections: ``warehouses``, ``products`` (keyed by SKU), ``stock`` (keyed by
    ``"<warehouse id>:<SKU>"``, ``Level`` on the shelf of which ``Allocated`` to
    orders), ``orders``, ``despatches``, ``asns`` and ``adjustments`` (stock count
    losses, which no API reports: reconciliation has to find them). Every despatch,
    cancellation and booking in is passed to ``notify(event, record)``.
    """

    def __init__(self, state, clock, notify=None):
        self.state = state
        self.clock = clock
        self.notify = notify or (lambda event, record: None)
        self.settings = WarehouseSettings()

    @property
    def random(self):
        return self.state.random

    def add_warehouse(self, warehouse_id: int, code: str, name: str) -> dict:
        return self.state.insert("warehouses", {"id": warehouse_id, "Code": code, "Name": name})

    def add_product(self, sku: str, name: str, barcode: str = "") -> dict:
        """Create or update a product by SKU."""
        with self.state.lock:
            record = {"id": sku, "SKU": sku, "Name": name, "Barcode": barcode}
            if self.state.get("products", sku):
                return self.state.update("products", sku, record)
            return self.state.insert("products", record)

    def has_product(self, sku: str) -> bool:
        return self.state.get("products", sku) is not None

    def resolve_warehouse(self, reference) -> int | None:
        """The id of the site named by id or code; the first site when none is given."""
        sites = self.state.records("warehouses")
        if reference in (None, ""):
            return sites[0]["id"] if sites else None
        for site in sites:
            if str(reference).strip().upper() in (str(site["id"]), site["Code"].upper()):
                return site["id"]
        return None

    def set_stock(self, warehouse_id: int, sku: str, level: int) -> None:
        self._adjust_stock(warehouse_id, sku)
        self.state.update("stock", f"{warehouse_id}:{sku}", {"Level": level})

    def available(self, warehouse_id: int, sku: str) -> int:
        record = self.state.get("stock", f"{warehouse_id}:{sku}")
        return record["Level"] - record["Allocated"] if record else 0

    def stock_levels(self, warehouse_id: int | None = None, sku: str | None = None) -> list[dict]:
        """Stock lines in the Mintsoft shape, optionally for one site or SKU."""
        return [
            {
                "SKU": r["SKU"],
                "WarehouseId": r["WarehouseId"],
                "Level": r["Level"],
                "Allocated": r["Allocated"],
                "Available": r["Level"] - r["Allocated"],
            }
            for r in self.state.records("stock")
            if warehouse_id in (None, r["WarehouseId"]) and sku in (None, r["SKU"])
        ]

    def _adjust_stock(self, warehouse_id: int, sku: str, level: int = 0, allocated: int = 0) -> None:
        key = f"{warehouse_id}:{sku}"
        with self.state.lock:
            record = self.state.get("stock", key) or self.state.insert(
                "stock", {"id": key, "WarehouseId": warehouse_id, "SKU": sku, "Level": 0, "Allocated": 0}
            )
            values = {"Level": record["Level"] + level, "Allocated": record["Allocated"] + allocated}
            self.state.update("stock", key, values)

    def order(self, order_id: int) -> dict | None:
        return view(self.state.get("orders", order_id))

    def find_orders(self, order_number: str) -> list[dict]:
        return [view(o) for o in self.state.records("orders", lambda o: o["OrderNumber"] == order_number)]

    def order_numbered(self, order_number: str) -> dict:
        """The order with this number, for channels that name orders by number; raise ``Rejected`` if none has it."""
        orders = self.find_orders(order_number)
        if not orders:
            raise Rejected(f"There is no order numbered {order_number!r}")
        return orders[0]

    def create_order(self, data: dict, channel: str = "") -> dict:
        """Accept an order in the Mintsoft shape; raise ``Rejected`` saying what is wrong."""
        number = str(data.get("OrderNumber") or "").strip()
        if not number:
            raise Rejected("OrderNumber is required")
        site = data.get("Warehouse", data.get("WarehouseId"))
        warehouse_id = self.resolve_warehouse(site)
        if warehouse_id is None:
            raise Rejected(f"Warehouse {site!r} does not exist")
        lines = self._order_lines(data.get("OrderItems"))
        now = self.clock.now
        order = {
            "OrderNumber": number,
            "ExternalOrderReference": str(data.get("ExternalOrderReference") or ""),
            **{field: str(data.get(field) or "") for field in CUSTOMER_FIELDS},
            "CourierService": str(data.get("CourierService") or "Royal Mail Tracked 48"),
            "WarehouseId": warehouse_id,
            "Channel": str(data.get("Channel") or channel),
            "Currency": str(data.get("Currency") or "GBP"),
            "OrderStatus": NEW,
            "OrderDate": iso(now),
            "DespatchDate": None,
            "CourierName": None,
            "TrackingNumber": None,
            "TrackingURL": None,
            "QueryReason": None,
            "OrderItems": lines,
            "Despatches": [],
            "_due": now + timedelta(hours=self.settings.allocate_hours),
        }
        reason = self._query_reason(order)
        if reason:
            order.update(OrderStatus=QUERY_RAISED, QueryReason=reason)
        with self.state.lock:
            existing = self.find_orders(number)
            if existing:
                raise Rejected(f"Order number {number} already exists", existing[0]["ID"])
            return view(self.state.insert("orders", order))

    def _order_lines(self, items) -> list[dict]:
        if not isinstance(items, list) or not items:
            raise Rejected("OrderItems must list at least one item")
        lines = []
        for position, item in enumerate(items, 1):
            item = item if isinstance(item, dict) else {}
            sku = str(item.get("SKU") or "").strip()
            if not self.has_product(sku):
                raise Rejected(f"Item {position}: product with SKU {sku!r} not found")
            quantity = whole_number(item.get("Quantity"))
            if quantity is None:
                raise Rejected(f"Item {position} ({sku}): Quantity must be a whole number above zero")
            lines.append(
                {
                    "SKU": sku,
                    "Quantity": quantity,
                    "UnitPrice": item.get("UnitPrice"),
                    "UnitPriceVat": item.get("UnitPriceVat"),
                    "QuantityAllocated": 0,
                    "QuantityDespatched": 0,
                }
            )
        return lines

    def _query_reason(self, order: dict) -> str | None:
        """Why the warehouse would hold the order to ask the client, if it would."""
        postcode = order["PostCode"].strip()
        if order["Country"].strip().upper() in UK_COUNTRIES and postcode and not UK_POSTCODE.match(postcode):
            return f"Postcode {postcode!r} is not a valid UK postcode"
        if self.settings.query_rate and self.random.random() < self.settings.query_rate:
            return "Address could not be verified by the courier"
        return None

    @staticmethod
    def check_cancel(order: dict) -> None:
        """Raise ``Rejected`` if ``order`` has gone too far to cancel: picked (packed for the courier), despatched
        or cancelled already. Apart from ``cancel``, for channels that check a batch before cancelling any of it.
        """
        if order["OrderStatus"] in UNCANCELLABLE:
            raise Rejected(f"Order {order['OrderNumber']} is {order['OrderStatus']} and cannot be cancelled")

    def cancel(self, order_id: int) -> dict:
        """Cancel what has not been picked yet, releasing its stock; raise ``Rejected`` if too late."""
        with self.state.lock:
            order = self._get_order(order_id)
            self.check_cancel(order)
            for line in order["OrderItems"]:
                self._adjust_stock(order["WarehouseId"], line["SKU"], allocated=-line["QuantityAllocated"])
                line["QuantityAllocated"] = 0
            values = {"OrderStatus": CANCELLED, "OrderItems": order["OrderItems"]}
            cancelled = view(self.state.update("orders", order_id, values))
        self.notify("order.cancelled", cancelled)
        return cancelled

    def despatch(self, order_id: int, lines: dict | None = None) -> dict:
        """Ship now, whatever the clock says: every outstanding line, or ``{SKU: quantity}``.

        Quantities are capped by the stock there is; what stays outstanding waits on
        backorder.
        """
        with self.state.lock:
            order = self._get_order(order_id)
            if order["OrderStatus"] in (DESPATCHED, CANCELLED):
                raise ValueError(f"Order {order['OrderNumber']} is {order['OrderStatus']}; nothing to despatch")
            wanted = {sku: whole_number(quantity, minimum=0) for sku, quantity in (lines or {}).items()}
            unknown = set(wanted) - {line["SKU"] for line in order["OrderItems"]}
            if unknown:
                raise ValueError(f"Order {order['OrderNumber']} has no line for {', '.join(sorted(unknown))}")
            if None in wanted.values():
                raise ValueError("Quantities to despatch must be whole numbers")
            spare: dict[str, int] = {}
            quantities = []
            for line in order["OrderItems"]:
                sku = line["SKU"]
                spare.setdefault(sku, self.available(order["WarehouseId"], sku))
                outstanding = line["Quantity"] - line["QuantityDespatched"]
                if lines is not None:
                    outstanding = min(outstanding, wanted.get(sku, 0))
                    wanted[sku] = wanted.get(sku, 0) - outstanding
                quantity = min(outstanding, line["QuantityAllocated"] + spare[sku])
                spare[sku] -= max(0, quantity - line["QuantityAllocated"])
                quantities.append(quantity)
            if not any(quantities):
                raise ValueError(f"Order {order['OrderNumber']}: no stock to despatch")
            return self._ship(order, quantities)

    def allocate(self, order_id: int) -> dict:
        """Reserve stock for an order now rather than when its time comes."""
        with self.state.lock:
            self._allocate(self._get_order(order_id), self.clock.now)
            return self.order(order_id)

    def _get_order(self, order_id) -> dict:
        order = self.state.get("orders", order_id)
        if order is None:
            raise ValueError(f"Order {order_id} does not exist")
        return order

    def _allocate(self, order: dict, now: datetime) -> None:
        """Reserve stock for the outstanding lines: all of it, or what there is with part despatch."""
        spare: dict[str, int] = {}
        takes, short = [], False
        for line in order["OrderItems"]:
            sku = line["SKU"]
            spare.setdefault(sku, self.available(order["WarehouseId"], sku))
            outstanding = line["Quantity"] - line["QuantityDespatched"] - line["QuantityAllocated"]
            take = min(outstanding, spare[sku])
            spare[sku] -= take
            short = short or take < outstanding
            takes.append(take)
        allocated = sum(line["QuantityAllocated"] for line in order["OrderItems"]) + sum(takes)
        if short and not (self.settings.part_despatch and allocated):
            if order["OrderStatus"] != ON_BACKORDER:
                self.state.update("orders", order["id"], {"OrderStatus": ON_BACKORDER})
            return
        for line, take in zip(order["OrderItems"], takes):
            line["QuantityAllocated"] += take
            self._adjust_stock(order["WarehouseId"], line["SKU"], allocated=take)
        due = now + timedelta(hours=self.settings.pick_hours)
        values = {"OrderStatus": AWAITING_PICKING, "OrderItems": order["OrderItems"], "_due": due}
        self.state.update("orders", order["id"], values)

    def _ship(self, order: dict, quantities: list[int]) -> dict:
        """Send ``quantities`` (one per line) with a tracking number; the rest goes on backorder."""
        items = []
        for line, quantity in zip(order["OrderItems"], quantities):
            if quantity <= 0:
                continue
            from_allocation = min(quantity, line["QuantityAllocated"])
            line["QuantityAllocated"] -= from_allocation
            line["QuantityDespatched"] += quantity
            self._adjust_stock(order["WarehouseId"], line["SKU"], level=-quantity, allocated=-from_allocation)
            items.append({"SKU": line["SKU"], "Quantity": quantity})
        carrier = couriers.carrier_for(order["CourierService"])
        number = couriers.tracking_number(carrier, self.random)
        despatch = {
            "DespatchDate": iso(self.clock.now),
            "CourierName": carrier,
            "TrackingNumber": number,
            "TrackingURL": couriers.tracking_url(carrier, number),
            "Items": items,
        }
        complete = all(line["QuantityDespatched"] >= line["Quantity"] for line in order["OrderItems"])
        values = {
            **{key: value for key, value in despatch.items() if key != "Items"},
            "OrderStatus": DESPATCHED if complete else ON_BACKORDER,
            "OrderItems": order["OrderItems"],
            "Despatches": order["Despatches"] + [despatch],
        }
        shipped = view(self.state.update("orders", order["id"], values))
        self.state.insert(
            "despatches",
            {
                "OrderId": order["id"],
                "OrderNumber": order["OrderNumber"],
                "ExternalOrderReference": order["ExternalOrderReference"],
                **despatch,
            },
        )
        self.notify("order.despatched", shipped)
        return shipped

    def create_asn(self, data: dict) -> dict:
        """Announce goods coming in; raise ``Rejected`` saying what is wrong."""
        with self.state.lock:
            return view(self.state.insert("asns", self.check_asn(data)))

    def check_asn(self, data: dict) -> dict:
        """The ASN ``data`` announces, as it would be stored; raise ``Rejected`` saying what is wrong.

        Nothing is stored: a channel taking several ASNs all or none checks each first, holding the state's lock.
        """
        reference = str(data.get("Reference") or "").strip()
        if not reference:
            raise Rejected("Reference is required")
        site = data.get("Warehouse", data.get("WarehouseId"))
        warehouse_id = self.resolve_warehouse(site)
        if warehouse_id is None:
            raise Rejected(f"Warehouse {site!r} does not exist")
        items = data.get("Items")
        if not isinstance(items, list) or not items:
            raise Rejected("Items must list at least one product")
        lines = []
        for position, item in enumerate(items, 1):
            item = item if isinstance(item, dict) else {}
            sku = str(item.get("SKU") or "").strip()
            quantity = whole_number(item.get("Quantity"))
            if not self.has_product(sku):
                raise Rejected(f"Item {position}: product with SKU {sku!r} not found")
            if quantity is None:
                raise Rejected(f"Item {position} ({sku}): Quantity must be a whole number above zero")
            lines.append({"SKU": sku, "Quantity": quantity, "QuantityReceived": None})
        now = self.clock.now
        expected = data.get("EstimatedDelivery")
        due = parse_moment(expected) if expected else now + timedelta(hours=self.settings.asn_lead_hours)
        if due is None:
            raise Rejected(f"EstimatedDelivery {expected!r} is not an ISO date")
        asn = {
            "Reference": reference,
            "WarehouseId": warehouse_id,
            "EstimatedDelivery": iso(due),
            "Status": AWAITING_DELIVERY,
            "BookedInDate": None,
            "Items": lines,
            "_due": max(due, now),
        }
        existing = self.state.records("asns", lambda a: a["Reference"] == reference)
        if existing:
            raise Rejected(f"An ASN with reference {reference} already exists", existing[0]["id"])
        return asn

    def asn(self, asn_id: int) -> dict | None:
        return view(self.state.get("asns", asn_id))

    def book_in(self, asn_id: int, received: dict | None = None) -> dict:
        """Receive an ASN into stock: the ``{SKU: quantity}`` given, or what the dice say."""
        with self.state.lock:
            asn = self.state.get("asns", asn_id)
            if asn is None:
                raise ValueError(f"ASN {asn_id} does not exist")
            if asn["Status"] == BOOKED_IN:
                raise ValueError(f"ASN {asn['Reference']} is already booked in")
            received = dict(received or {})
            unknown = set(received) - {item["SKU"] for item in asn["Items"]}
            if unknown:
                raise ValueError(f"ASN {asn['Reference']} has no line for {', '.join(sorted(unknown))}")
            for item in asn["Items"]:
                if item["SKU"] in received:
                    quantity = whole_number(received[item["SKU"]], minimum=0)
                    if quantity is None:
                        raise ValueError(f"Received quantity of {item['SKU']} must be a whole number")
                else:
                    quantity = self._received(item["Quantity"])
                item["QuantityReceived"] = quantity
                self._adjust_stock(asn["WarehouseId"], item["SKU"], level=quantity)
            values = {"Status": BOOKED_IN, "BookedInDate": iso(self.clock.now), "Items": asn["Items"]}
            booked = view(self.state.update("asns", asn_id, values))
        self.notify("asn.booked_in", booked)
        return booked

    def _received(self, expected: int) -> int:
        if self.random.random() < self.settings.receipt_variance_rate:
            return max(0, expected + self.random.choice(RECEIPT_ERRORS))
        return expected

    def stock_count(self) -> list[dict]:
        """Count the shelves: some free stock is found missing (shrinkage); return the losses."""
        losses = []
        with self.state.lock:
            for record in self.state.records("stock"):
                free = record["Level"] - record["Allocated"]
                if free <= 0 or not self.settings.shrinkage_rate:
                    continue
                if self.random.random() >= self.settings.shrinkage_rate:
                    continue
                loss = self.random.randint(1, min(3, free))
                self._adjust_stock(record["WarehouseId"], record["SKU"], level=-loss)
                adjustment = {
                    "Date": iso(self.clock.now),
                    "WarehouseId": record["WarehouseId"],
                    "SKU": record["SKU"],
                    "Quantity": -loss,
                    "Reason": "Stock count",
                }
                losses.append(self.state.insert("adjustments", adjustment))
        return losses

    def step(self, previous: datetime, now: datetime) -> None:
        """Do what falls due by ``now``: deliveries, then allocation, picking, despatch, the nightly count."""
        with self.state.lock:
            for asn in self.state.records("asns", lambda a: a["Status"] == AWAITING_DELIVERY and a["_due"] <= now):
                self.book_in(asn["id"])
            for order in self.state.records("orders", lambda o: o["OrderStatus"] in IN_PROGRESS):
                self._progress(order, now)
            if crossed(previous, now, self.settings.stock_count_hour):
                self.stock_count()

    def _progress(self, order: dict, now: datetime) -> None:
        status, due = order["OrderStatus"], order["_due"] <= now
        if status == ON_BACKORDER or (status == NEW and due):
            self._allocate(order, now)
        elif status == AWAITING_PICKING and due:
            values = {"OrderStatus": PICKED, "_due": now + timedelta(hours=self.settings.pack_hours)}
            self.state.update("orders", order["id"], values)
        elif status == PICKED and due:
            self._ship(order, [line["QuantityAllocated"] for line in order["OrderItems"]])
