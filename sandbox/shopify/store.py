"""What the simulated shop holds, and the business operations that change it.

Records live in the system's ``State`` in snake_case, close to Shopify's REST
resources; the GraphQL views and the webhook payloads are both rendered from them.
Amounts are pairs in shop and presentment currency (see ``money``). Operations
check their input first and raise ``UserError`` (a ``ValueError``, so the control
API answers 400) before changing anything.
"""

import hashlib
import re
from datetime import datetime, timezone
from decimal import Decimal

from .money import ZERO, allocate, money, pair, side, sum_pairs, to_shop, total, vat

# Shopify ids are 64-bit; starting above 2**32 catches connectors that store them in 32-bit columns.
ID_BASE = 7_100_000_000_000
SHOP = {
    "id": 60_812_345_678,
    "name": "Sandbox Outfitters",
    "domain": "sandbox-outfitters.myshopify.com",
    "email": "owner@sandbox-outfitters.example",
    "currency": "GBP",
    "timezone": "Europe/London",
    "country_code": "GB",
    "taxes_included": True,
}
TAX_TITLE = "GB VAT"
VAT_RATE = Decimal("0.2")
# Presentment currency units per pound; fixed so seeded data is reproducible.
RATES = {"GBP": Decimal("1"), "EUR": Decimal("1.17"), "USD": Decimal("1.27")}
COMPONENTS = ("available", "committed", "damaged", "quality_control", "reserved", "safety_stock")
# The reasons inventorySetQuantities and inventoryAdjustQuantities accept.
SET_REASONS = {
    "correction",
    "cycle_count_available",
    "damaged",
    "movement_created",
    "movement_updated",
    "movement_received",
    "movement_canceled",
    "other",
    "promotion",
    "quality_control",
    "received",
    "reservation_created",
    "reservation_deleted",
    "reservation_updated",
    "restock",
    "safety_stock",
    "shrinkage",
}
CANCEL_REASONS = ("customer", "declined", "fraud", "inventory", "staff", "other")
_GID = re.compile(r"^gid://shopify/(\w+)/(\d+)(?:\?.*)?$")


class UserError(ValueError):
    """A refusal the API reports in ``userErrors``: a message, the input field and a code."""

    def __init__(self, message: str, field=None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code


def gid(kind: str, record_id) -> str:
    return f"gid://shopify/{kind}/{record_id}"


def parse_gid(value, kind: str | None = None) -> int | None:
    """Return the number in ``gid://shopify/<kind>/<n>``, or None if it is not one (of that kind)."""
    match = _GID.match(value or "") if isinstance(value, str) else None
    if not match or (kind and match.group(1) != kind):
        return None
    return int(match.group(2))


def gid_kind(value: str) -> str | None:
    match = _GID.match(value or "")
    return match.group(1) if match else None


def iso(moment: datetime) -> str:
    """GraphQL ``DateTime``: UTC with a ``Z``, to the second."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Store:
    """Business operations on the shop's records, kept consistent with each other.

    Creating an order commits stock at its fulfilment location; fulfilling ships it;
    cancelling or refunding with restock puts it back. ``clock`` gives the time of
    changes (the seed passes explicit times instead).
    """

    def __init__(self, state, clock=utcnow):
        self.state = state
        self.clock = clock

    def new_id(self, kind: str) -> int:
        return ID_BASE + self.state.next_id(kind)

    def _now(self, at: datetime | None) -> str:
        return iso(at or self.clock())

    def _insert(self, collection: str, record: dict) -> dict:
        return self.state.insert(collection, {"id": self.new_id(collection), **record})

    def get(self, collection: str, record_id) -> dict | None:
        return self.state.get(collection, record_id)

    def find(self, collection: str, **values) -> list[dict]:
        return self.state.records(collection, lambda r: all(r.get(k) == v for k, v in values.items()))

    def require(self, collection: str, record_id, message: str, field=None, code=None) -> dict:
        record = self.state.get(collection, record_id) if record_id is not None else None
        if record is None:
            raise UserError(message, field, code)
        return record

    def add_location(self, name: str, address: dict, at=None) -> dict:
        now = self._now(at)
        return self._insert(
            "locations",
            {"name": name, "address": address, "active": True, "fulfills_online_orders": True}
            | {"created_at": now, "updated_at": now},
        )

    def primary_location(self) -> dict:
        return next(loc for loc in self.state.records("locations") if loc["active"])

    def add_product(self, title, vendor, product_type, options, variants, tags=(), gift_card=False, at=None) -> dict:
        """Create a product with its variants and their inventory items (not yet stocked anywhere).

        ``options`` is ``[(name, [values])]``; each variant gives ``options`` (its values),
        ``sku``, ``barcode`` and ``price``.
        """
        now = self._now(at)
        handle = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
        product = self._insert(
            "products",
            {
                "title": title,
                "handle": handle,
                "vendor": vendor,
                "product_type": product_type,
                "tags": list(tags),
                "status": "active",
                "gift_card": gift_card,
                "options": [{"name": name, "values": list(values)} for name, values in options],
                "body_html": f"<p>{title} by {vendor}.</p>",
                "created_at": now,
                "updated_at": now,
                "published_at": now,
            },
        )
        for spec in variants:
            self._add_variant(product, spec, now)
        return product

    def add_variant(self, product_id: int, spec: dict, at=None) -> dict:
        """Add a variant to a product (a new colour, say); its option values join the product's."""
        product = self.require("products", product_id, "Product does not exist")
        if len(spec["options"]) != len(product["options"]):
            raise UserError("A variant gives one value per option of its product", ["options"])
        options = [
            {"name": option["name"], "values": [*option["values"], *([value] if value not in option["values"] else [])]}
            for option, value in zip(product["options"], spec["options"], strict=True)
        ]
        now = self._now(at)
        self.state.update("products", product_id, {"options": options, "updated_at": now})
        return self._add_variant(self.get("products", product_id), spec, now)

    def _add_variant(self, product: dict, spec: dict, now: str) -> dict:
        gift_card = product["gift_card"]
        position = len(self.find("variants", product_id=product["id"])) + 1
        variant_id = self.new_id("variants")
        item = self._insert(
            "inventory_items",
            {
                "variant_id": variant_id,
                "sku": spec["sku"],
                "tracked": not gift_card,
                "requires_shipping": not gift_card,
                "unit_cost": spec.get("cost"),
                "created_at": now,
                "updated_at": now,
            },
        )
        self.state.insert(
            "variants",
            {
                "id": variant_id,
                "product_id": product["id"],
                "title": " / ".join(spec["options"]) or "Default Title",
                "options": list(spec["options"]),
                "sku": spec["sku"],
                "barcode": spec.get("barcode"),
                "price": str(money(spec["price"])),
                "compare_at_price": spec.get("compare_at_price"),
                "position": position,
                "inventory_item_id": item["id"],
                "taxable": not gift_card,
                "requires_shipping": not gift_card,
                "grams": 0 if gift_card else spec.get("grams", 400),
                "inventory_policy": "deny",
                "created_at": now,
                "updated_at": now,
            },
        )
        return self.get("variants", variant_id)

    def update_product(self, product_id: int, title=None, price=None, at=None) -> dict:
        """Rename a product or reprice all its variants."""
        product = self.require("products", product_id, "Product does not exist")
        now = self._now(at)
        if price is not None:
            for variant in self.find("variants", product_id=product_id):
                self.state.update("variants", variant["id"], {"price": str(money(price)), "updated_at": now})
        return self.state.update("products", product_id, {"title": title or product["title"], "updated_at": now})

    def update_variant_price(self, variant_id: int, price, at=None) -> dict:
        """Reprice one variant (``None`` leaves it as it is)."""
        variant = self.require("variants", variant_id, "Product variant does not exist")
        if price is None:
            return variant
        now = self._now(at)
        self.state.update("products", variant["product_id"], {"updated_at": now})
        return self.state.update("variants", variant_id, {"price": str(money(price)), "updated_at": now})

    def variants_of(self, product_id: int) -> list[dict]:
        return sorted(self.find("variants", product_id=product_id), key=lambda v: v["position"])

    def level(self, item_id: int, location_id: int) -> dict | None:
        return self.state.get("inventory_levels", (item_id, location_id))

    def levels_of(self, item_id: int | None = None, location_id: int | None = None) -> list[dict]:
        return self.state.records(
            "inventory_levels",
            lambda r: (
                (item_id is None or r["inventory_item_id"] == item_id)
                and (location_id is None or r["location_id"] == location_id)
            ),
        )

    def stock(self, item_id: int, location_id: int, available: int, at=None) -> dict:
        """Activate an inventory item at a location with ``available`` units."""
        now = self._now(at)
        quantities = dict.fromkeys((*COMPONENTS, "incoming"), 0) | {"available": available}
        return self.state.insert(
            "inventory_levels",
            {
                "id": (item_id, location_id),
                "number": self.new_id("inventory_levels"),
                "inventory_item_id": item_id,
                "location_id": location_id,
                "quantities": quantities,
                "created_at": now,
                "updated_at": now,
            },
        )

    @staticmethod
    def quantity(level: dict, name: str) -> int:
        quantities = level["quantities"]
        if name == "on_hand":
            return sum(quantities[c] for c in COMPONENTS)
        return quantities.get(name, 0)

    def change_quantity(self, level: dict, name: str, delta: int, at=None) -> list[dict]:
        """Move ``name`` by ``delta``, keeping ``on_hand`` the sum of its parts; return the changes made.

        Setting ``on_hand`` moves ``available``; moving any part of ``on_hand`` moves
        ``on_hand`` with it, as Shopify reports in an adjustment group.
        """
        if not delta:
            return []
        quantities = dict(level["quantities"])
        target = "available" if name == "on_hand" else name
        quantities[target] += delta
        changes = [(target, delta)]
        if target in COMPONENTS:
            changes.append(("on_hand", delta))
        self.state.update("inventory_levels", level["id"], {"quantities": quantities, "updated_at": self._now(at)})
        after = self.state.get("inventory_levels", level["id"])
        return [
            {
                "name": n,
                "delta": d,
                "quantity_after": self.quantity(after, n),
                "inventory_item_id": level["inventory_item_id"],
                "location_id": level["location_id"],
            }
            for n, d in changes
        ]

    def record_adjustment(self, reason: str, reference, changes: list[dict], at=None) -> dict:
        return self._insert(
            "adjustment_groups",
            {"reason": reason, "reference_document_uri": reference, "changes": changes, "created_at": self._now(at)},
        )

    def add_customer(self, first_name, last_name, email, phone=None, address=None, at=None, **extra) -> dict:
        """Create a customer; ``extra`` may set ``tags``, ``note``, ``vat_number``, ``tax_exempt``..."""
        now = self._now(at)
        customer_id = self.new_id("customers")
        default_address = None
        if address:
            default_address = {
                "id": self.new_id("addresses"),
                "customer_id": customer_id,
                "first_name": first_name,
                "last_name": last_name,
                "phone": phone,
                **address,
            }
        return self.state.insert(
            "customers",
            {
                "id": customer_id,
                "first_name": first_name,
                "last_name": last_name,
                "email": email,
                "phone": phone,
                "state": "enabled",
                "verified_email": True,
                "tax_exempt": False,
                "tags": [],
                "note": None,
                "vat_number": None,
                "accepts_marketing": False,
                "locale": "en-GB",
                "default_address": default_address,
                "created_at": now,
                "updated_at": now,
            }
            | extra,
        )

    def create_order(
        self,
        lines: list[dict],
        customer_id: int | None = None,
        email: str | None = None,
        currency: str = "GBP",
        taxes_included: bool = True,
        shipping: tuple | None = None,
        discount_code: tuple | None = None,
        line_discounts: dict | None = None,
        gift_card_payment=None,
        paid: bool = True,
        address: dict | None = None,
        note: str | None = None,
        tags=(),
        at: datetime | None = None,
    ) -> dict:
        """Place an order and commit its stock at the primary location.

        ``lines`` are ``{"variant_id", "quantity"}`` (``"price"`` overrides the variant's
        price, in presentment currency); ``shipping`` is ``(title, price)``;
        ``discount_code`` is ``(code, percentage)`` across every discountable line;
        ``line_discounts`` maps a line index to ``(title, "percentage"|"fixed_amount", value)``.
        ``gift_card_payment`` is the part of the total paid with a gift card. A
        ``paid=False`` order waits for a manual payment (bank transfer).
        """
        if currency not in RATES:
            raise UserError(f"Currency {currency} is not enabled on this shop", ["currency"])
        if not lines:
            raise UserError("Line items must have at least one item", ["lineItems"])
        customer = self.get("customers", customer_id) if customer_id else None
        if customer_id and customer is None:
            raise UserError("Customer does not exist", ["customerId"])
        rate = RATES[currency]
        now = self._now(at)
        items = []
        for index, line in enumerate(lines):
            variant = self.require("variants", line["variant_id"], "Variant does not exist", ["lineItems", str(index)])
            product = self.get("products", variant["product_id"])
            price = money(line.get("price") or money(Decimal(variant["price"]) * rate))
            items.append(
                {
                    "id": self.new_id("line_items"),
                    "variant_id": variant["id"],
                    "product_id": product["id"],
                    "inventory_item_id": variant["inventory_item_id"],
                    "sku": variant["sku"],
                    "title": product["title"],
                    "variant_title": None if variant["title"] == "Default Title" else variant["title"],
                    "vendor": product["vendor"],
                    "quantity": int(line["quantity"]),
                    "price": pair(to_shop(price, rate), price),
                    "gift_card": product["gift_card"],
                    "taxable": variant["taxable"],
                    "requires_shipping": variant["requires_shipping"],
                    "grams": variant["grams"],
                    "tax_lines": [],
                    "discount_allocations": [],
                }
            )
        applications, shipping_lines = [], []
        if shipping:
            title, price = shipping
            price = money(price)
            code = re.sub(r"[^A-Za-z0-9]+", "_", title).strip("_").upper()
            shipping_lines.append(
                {
                    "id": self.new_id("shipping_lines"),
                    "title": title,
                    "code": code,
                    "source": "shopify",
                    "price": pair(to_shop(price, rate), price),
                    "tax_lines": [],
                    "discount_allocations": [],
                }
            )
        for index, (title, value_type, value) in sorted((line_discounts or {}).items()):
            applications.append(
                {
                    "type": "manual",
                    "title": title,
                    "description": title,
                    "value": str(value),
                    "value_type": value_type,
                    "allocation_method": "one" if value_type == "fixed_amount" else "each",
                    "target_selection": "explicit",
                    "target_type": "line_item",
                    "line_index": index,
                }
            )
        if discount_code:
            code, percentage = discount_code
            applications.append(
                {
                    "type": "discount_code",
                    "code": code,
                    "title": code,
                    "description": None,
                    "value": str(Decimal(str(percentage))),
                    "value_type": "percentage",
                    "allocation_method": "across",
                    "target_selection": "all",
                    "target_type": "line_item",
                }
            )
        order_address = address or (customer or {}).get("default_address")
        export = (order_address or {}).get("country_code", "GB") != "GB"
        _price_order(items, shipping_lines, applications, rate, taxes_included, export)
        number = self.state.next_id("order_numbers")
        order = {
            "id": self.new_id("orders"),
            "name": f"#{1000 + number}",
            "number": number,
            "order_number": 1000 + number,
            "token": hashlib.sha256(f"{SHOP['domain']}/orders/{number}".encode()).hexdigest()[:32],
            "email": email or (customer or {}).get("email"),
            "phone": (customer or {}).get("phone"),
            "customer_id": customer["id"] if customer else None,
            "currency": SHOP["currency"],
            "presentment_currency": currency,
            "rate": str(rate),
            "taxes_included": taxes_included,
            "tax_exempt": False,
            "financial_status": "pending",
            "cancelled_at": None,
            "cancel_reason": None,
            "closed_at": None,
            "note": note,
            "tags": list(tags),
            "source_name": "web",
            "billing_address": _order_address(order_address),
            "shipping_address": _order_address(order_address) if shipping_lines else None,
            "line_items": items,
            "shipping_lines": shipping_lines,
            "discount_applications": applications,
            "discount_codes": [
                {"code": a["code"], "amount": _application_amount(items, i), "type": "percentage"}
                for i, a in enumerate(applications)
                if a["type"] == "discount_code"
            ],
            "transactions": [],
            "created_at": now,
            "updated_at": now,
            "processed_at": now,
        }
        self.state.insert("orders", order)
        self._open_fulfillment_order(order, at)
        if paid:
            self._capture(order["id"], gift_card_payment, "shopify_payments", at)
        return self.get("orders", order["id"])

    def _open_fulfillment_order(self, order: dict, at) -> None:
        shippable = [li for li in order["line_items"] if li["requires_shipping"]]
        if not shippable:
            return
        location = self.primary_location()
        now = self._now(at)
        self._insert(
            "fulfillment_orders",
            {
                "order_id": order["id"],
                "location_id": location["id"],
                "status": "open",
                "request_status": "unsubmitted",
                "line_items": [
                    {
                        "id": self.new_id("fulfillment_order_line_items"),
                        "line_item_id": li["id"],
                        "total_quantity": li["quantity"],
                        "remaining_quantity": li["quantity"],
                    }
                    for li in shippable
                ],
                "created_at": now,
                "updated_at": now,
            },
        )
        for li in shippable:
            level = self.level(li["inventory_item_id"], location["id"])
            if level:
                self._move(level, "available", "committed", li["quantity"], at)

    def _move(self, level: dict, source: str | None, target: str | None, quantity: int, at) -> None:
        """Move units between quantity states of one level; None means into or out of the shop."""
        for name, delta in ((source, -quantity), (target, quantity)):
            if name:
                self.change_quantity(self.level(level["inventory_item_id"], level["location_id"]), name, delta, at)

    def totals(self, order: dict, which: str) -> dict:
        return order_totals(order, self.find("refunds", order_id=order["id"]), which)

    def _capture(self, order_id: int, gift_card_payment, gateway: str, at) -> dict:
        """Record the sale transactions paying what is outstanding; part by gift card if asked."""
        order = self.get("orders", order_id)
        due = {w: self.totals(order, w)["total_outstanding"] for w in ("shop", "presentment")}
        transactions = []
        if gift_card_payment:
            card = min(money(gift_card_payment), due["presentment"])
            rate = Decimal(order["rate"])
            transactions.append(self._transaction("sale", "gift_card", pair(to_shop(card, rate), card), None, at))
            due = {"shop": due["shop"] - to_shop(card, rate), "presentment": due["presentment"] - card}
        if due["presentment"] > 0:
            transactions.append(self._transaction("sale", gateway, pair(due["shop"], due["presentment"]), None, at))
        order["transactions"] += transactions
        self.state.update(
            "orders",
            order_id,
            {"transactions": order["transactions"], "financial_status": "paid", "updated_at": self._now(at)},
        )
        return self.get("orders", order_id)

    def _transaction(self, kind: str, gateway: str, amount: dict, parent_id, at) -> dict:
        return {
            "id": self.new_id("transactions"),
            "kind": kind,
            "gateway": gateway,
            "status": "success",
            "amount": amount,
            "parent_id": parent_id,
            "created_at": self._now(at),
        }

    def mark_as_paid(self, order_id: int, at=None) -> dict:
        order = self.require("orders", order_id, "Order does not exist", ["id"])
        if order["financial_status"] not in ("pending", "partially_paid") or order["cancelled_at"]:
            raise UserError("Order cannot be marked as paid.", ["id"])
        return self._capture(order_id, None, "manual", at)

    def update_order(self, order_id: int, at=None, **values) -> dict:
        """Change the editable fields of an order: email, note, tags, shipping_address."""
        self.require("orders", order_id, "Order does not exist", ["id"])
        unknown = set(values) - {"email", "note", "tags", "shipping_address"}
        if unknown:
            raise UserError(f"Cannot update {', '.join(sorted(unknown))}")
        return self.state.update("orders", order_id, values | {"updated_at": self._now(at)})

    def fulfill(self, groups: list[dict], tracking: dict | None = None, at=None) -> dict:
        """Ship fulfilment order lines: ``groups`` are ``{"fulfillment_order_id", "line_items": [{"id", "quantity"}]}``.

        A group without ``line_items`` ships everything remaining on that fulfilment
        order. The messages are those Shopify answers with.
        """
        plan = []
        for g, group in enumerate(groups):
            fo = self.get("fulfillment_orders", group["fulfillment_order_id"])
            if fo is None:
                raise UserError("Fulfillment order does not exist.", ["fulfillment"])
            if fo["status"] not in ("open", "in_progress"):
                raise UserError(
                    f"Fulfillment order {fo['id']} has an unfulfillable status= {fo['status']}.", ["fulfillment"]
                )
            lines = {li["id"]: li for li in fo["line_items"]}
            wanted = group.get("line_items")
            if wanted is None:
                wanted = [{"id": li["id"], "quantity": li["remaining_quantity"]} for li in fo["line_items"]]
                wanted = [w for w in wanted if w["quantity"]]
            for i, item in enumerate(wanted):
                field = ["fulfillment", "lineItemsByFulfillmentOrder", str(g), "fulfillmentOrderLineItems", str(i)]
                if item["quantity"] <= 0:
                    raise UserError("Quantity must be greater than 0", [*field, "quantity"])
                line = lines.get(item["id"])
                if line is None or item["quantity"] > line["remaining_quantity"]:
                    raise UserError("Invalid fulfillment order line item quantity requested.", ["fulfillment"])
            plan.append((fo, wanted))
        order_ids = {fo["order_id"] for fo, _ in plan}
        if len(order_ids) != 1:
            raise UserError("All fulfillment orders must belong to the same order.", ["fulfillment"])
        order = self.get("orders", order_ids.pop())
        if order["cancelled_at"]:
            raise UserError("Cannot fulfill a cancelled order.", ["fulfillment"])
        line_items = []
        for fo, wanted in plan:
            quantities = {w["id"]: w["quantity"] for w in wanted}
            for line in fo["line_items"]:
                shipped = quantities.get(line["id"], 0)
                if not shipped:
                    continue
                line["remaining_quantity"] -= shipped
                order_line = next(li for li in order["line_items"] if li["id"] == line["line_item_id"])
                level = self.level(order_line["inventory_item_id"], fo["location_id"])
                if level:
                    self._move(level, "committed", None, shipped, at)
                line_items.append(
                    {
                        "id": self.new_id("fulfillment_line_items"),
                        "line_item_id": line["line_item_id"],
                        "quantity": shipped,
                    }
                )
            status = "closed" if not any(li["remaining_quantity"] for li in fo["line_items"]) else "in_progress"
            self.state.update(
                "fulfillment_orders",
                fo["id"],
                {"line_items": fo["line_items"], "status": status, "updated_at": self._now(at)},
            )
        count = len(self.find("fulfillments", order_id=order["id"]))
        tracking = tracking or {}
        fulfillment = self._insert(
            "fulfillments",
            {
                "order_id": order["id"],
                "name": f"{order['name']}.{count + 1}",
                "status": "success",
                "location_id": plan[0][0]["location_id"],
                "fulfillment_order_ids": [fo["id"] for fo, _ in plan],
                "tracking_company": tracking.get("company"),
                "tracking_number": tracking.get("number"),
                "tracking_url": tracking.get("url"),
                "line_items": line_items,
                "created_at": self._now(at),
                "updated_at": self._now(at),
            },
        )
        self.state.update("orders", order["id"], {"updated_at": self._now(at)})
        return fulfillment

    def fulfillment_status(self, order: dict) -> str:
        """``unfulfilled``, ``partial`` or ``fulfilled``, from the fulfilment orders' remaining quantities."""
        lines = [li for fo in self.find("fulfillment_orders", order_id=order["id"]) for li in fo["line_items"]]
        remaining = sum(li["remaining_quantity"] for li in lines)
        if not lines or (remaining == 0 and self.find("fulfillments", order_id=order["id"])):
            return "fulfilled"
        return "partial" if remaining < sum(li["total_quantity"] for li in lines) else "unfulfilled"

    def refund(self, order_id: int, lines=(), shipping=None, transactions="auto", note=None, at=None) -> dict:
        """Refund line quantities and shipping.

        ``lines`` are ``{"line_item_id", "quantity", "restock_type", "location_id"}``
        (restock ``return``, ``cancel`` or ``no_restock``); ``shipping`` is ``"full"``
        or a presentment amount. With ``transactions="auto"`` the money due goes back
        to the original payment, as the admin's Refund button does; a list of
        ``{"amount", "gateway", "kind", "parent_id"}`` is what the API sends; an empty
        list refunds no money (restock only), like ``refundCreate`` without transactions.
        """
        order = self.require("orders", order_id, "Order does not exist", ["orderId"])
        refunds = self.find("refunds", order_id=order_id)
        by_id = {li["id"]: li for li in order["line_items"]}
        refund_lines = []
        for index, line in enumerate(lines):
            item = by_id.get(line["line_item_id"])
            if item is None:
                raise UserError("Line item does not exist", ["refundLineItems", str(index), "lineItemId"])
            refunded = _refunded_quantity(refunds, item["id"]) + sum(
                r["quantity"] for r in refund_lines if r["line_item_id"] == item["id"]
            )
            if line["quantity"] <= 0 or refunded + line["quantity"] > item["quantity"]:
                raise UserError(
                    "Quantity cannot refund more items than were purchased",
                    ["refundLineItems", str(index), "quantity"],
                )
            refund_lines.append(self._refund_line(item, line, refunds, refund_lines, order))
        refund_shipping = self._refund_shipping(order, refunds, shipping)
        due = {w: _refund_due(order, refund_lines, refund_shipping, w) for w in ("shop", "presentment")}
        money_moved = self._refund_transactions(order, refunds, transactions, due, at)
        refund = self._insert(
            "refunds",
            {
                "order_id": order_id,
                "note": note,
                "restock": any(r["restock_type"] != "no_restock" for r in refund_lines),
                "refund_line_items": refund_lines,
                "shipping": refund_shipping,
                "transactions": money_moved,
                "created_at": self._now(at),
                "processed_at": self._now(at),
            },
        )
        self._restock(order, refund_lines, at)
        order["transactions"] += money_moved
        refunded_total = total((t["amount"] for t in order["transactions"] if t["kind"] == "refund"), "presentment")
        received = total((t["amount"] for t in order["transactions"] if t["kind"] == "sale"), "presentment")
        status = order["financial_status"]
        if refunded_total:
            status = "refunded" if refunded_total >= received else "partially_refunded"
        self.state.update(
            "orders",
            order_id,
            {"transactions": order["transactions"], "financial_status": status, "updated_at": self._now(at)},
        )
        return refund

    def _refund_line(self, item: dict, line: dict, refunds: list, pending: list, order: dict) -> dict:
        """Share a line's discounted total and tax out per unit; the last units take the rounding."""
        quantity = line["quantity"]
        earlier = [rl for r in refunds for rl in r["refund_line_items"] if rl["line_item_id"] == item["id"]]
        earlier += [rl for rl in pending if rl["line_item_id"] == item["id"]]
        last = sum(rl["quantity"] for rl in earlier) + quantity == item["quantity"]
        amounts = {}
        for which in ("shop", "presentment"):
            net = _line_net(item, which)
            tax = total((t["price"] for t in item["tax_lines"]), which)
            if last:
                subtotal = net - total((rl["subtotal"] for rl in earlier), which)
                tax_part = tax - total((rl["total_tax"] for rl in earlier), which)
            else:
                subtotal = money(net * quantity / item["quantity"])
                tax_part = money(tax * quantity / item["quantity"])
            amounts[which] = (subtotal, tax_part)
        fo_location = next(
            (fo["location_id"] for fo in self.find("fulfillment_orders", order_id=order["id"])),
            None,
        )
        return {
            "id": self.new_id("refund_line_items"),
            "line_item_id": item["id"],
            "quantity": quantity,
            "restock_type": (line.get("restock_type") or "no_restock").lower(),
            "location_id": line.get("location_id") or fo_location,
            "subtotal": pair(amounts["shop"][0], amounts["presentment"][0]),
            "total_tax": pair(amounts["shop"][1], amounts["presentment"][1]),
        }

    def _refund_shipping(self, order: dict, refunds: list, shipping) -> dict | None:
        if not shipping or not order["shipping_lines"]:
            return None
        left = {}
        for which in ("shop", "presentment"):
            price = sum(
                (side(s["price"], which) - total((a["amount"] for a in s["discount_allocations"]), which))
                for s in order["shipping_lines"]
            )
            tax = total((t["price"] for s in order["shipping_lines"] for t in s["tax_lines"]), which)
            done = [r["shipping"] for r in refunds if r["shipping"]]
            left[which] = (
                price - total((d["amount"] for d in done), which),
                tax - total((d["tax"] for d in done), which),
            )
        if shipping == "full":
            amount = pair(left["shop"][0], left["presentment"][0])
            tax = pair(left["shop"][1], left["presentment"][1])
        else:
            wanted = min(money(shipping), left["presentment"][0])
            if not left["presentment"][0]:
                return None
            share = wanted / left["presentment"][0]
            amount = pair(to_shop(wanted, Decimal(order["rate"])), wanted)
            tax = pair(money(left["shop"][1] * share), money(left["presentment"][1] * share))
        return {"amount": amount, "tax": tax}

    def _refund_transactions(self, order: dict, refunds: list, transactions, due: dict, at) -> list[dict]:
        sales = [t for t in order["transactions"] if t["kind"] == "sale" and t["status"] == "success"]
        if transactions == "auto":
            moved, left = [], dict(due)
            for sale in reversed(sales):
                already = total(
                    (t["amount"] for t in order["transactions"] if t.get("parent_id") == sale["id"]), "presentment"
                )
                room = side(sale["amount"], "presentment") - already
                take = min(room, left["presentment"])
                if take <= 0:
                    continue
                shop = left["shop"] if take == left["presentment"] else to_shop(take, Decimal(order["rate"]))
                moved.append(self._transaction("refund", sale["gateway"], pair(shop, take), sale["id"], at))
                left = {"shop": left["shop"] - shop, "presentment": left["presentment"] - take}
            return moved
        moved = []
        received = total((t["amount"] for t in sales), "presentment")
        already = total((t["amount"] for t in order["transactions"] if t["kind"] == "refund"), "presentment")
        for spec in transactions:
            kind = spec["kind"].lower()
            if kind != "refund":
                raise UserError(f"Kind {kind} is not a valid transaction")
            parent = next((t for t in sales if t["id"] == spec.get("parent_id")), None)
            if parent is None:
                raise UserError("Transactions require a parent_id associated with the order", ["transactions"])
            amount = money(spec["amount"])
            if amount <= 0 or already + amount > received:
                raise UserError("Refund amount must be positive and no more than the amount received", ["transactions"])
            already += amount
            shop = due["shop"] if amount == due["presentment"] else to_shop(amount, Decimal(order["rate"]))
            moved.append(
                self._transaction(
                    "refund", spec.get("gateway") or parent["gateway"], pair(shop, amount), parent["id"], at
                )
            )
        return moved

    def _restock(self, order: dict, refund_lines: list[dict], at) -> None:
        by_id = {li["id"]: li for li in order["line_items"]}
        for rl in refund_lines:
            item = by_id[rl["line_item_id"]]
            if rl["restock_type"] == "no_restock" or not rl["location_id"]:
                continue
            level = self.level(item["inventory_item_id"], rl["location_id"])
            if level is None:
                continue
            if rl["restock_type"] == "cancel":
                self._cancel_units(order, item, rl["quantity"], at)
                self._move(level, "committed", "available", rl["quantity"], at)
            else:
                self._move(level, None, "available", rl["quantity"], at)

    def _cancel_units(self, order: dict, item: dict, quantity: int, at) -> None:
        for fo in self.find("fulfillment_orders", order_id=order["id"]):
            for line in fo["line_items"]:
                if line["line_item_id"] == item["id"]:
                    taken = min(quantity, line["remaining_quantity"])
                    line["remaining_quantity"] -= taken
                    line["total_quantity"] -= taken
            status = fo["status"] if any(li["remaining_quantity"] for li in fo["line_items"]) else "closed"
            self.state.update(
                "fulfillment_orders",
                fo["id"],
                {"line_items": fo["line_items"], "status": status, "updated_at": self._now(at)},
            )

    def cancel(self, order_id: int, reason: str = "other", refund: bool = True, restock: bool = True, at=None) -> dict:
        """Cancel an order: release or restock what was not shipped, refund what was paid if asked."""
        order = self.require("orders", order_id, "Order does not exist", ["orderId"], "NOT_FOUND")
        reason = reason.lower()
        if reason not in CANCEL_REASONS:
            raise UserError(f"Reason must be one of {', '.join(CANCEL_REASONS)}", ["reason"], "INVALID")
        if order["cancelled_at"]:
            raise UserError("Cannot cancel an order that has already been canceled", ["orderId"], "INVALID")
        if self.find("fulfillments", order_id=order_id):
            raise UserError("Cannot cancel an order that has outstanding fulfillments", ["orderId"], "INVALID")
        paid = order["financial_status"] in ("paid", "partially_refunded", "partially_paid")
        if refund and paid:
            refunds = self.find("refunds", order_id=order_id)
            lines = [
                {"line_item_id": li["id"], "quantity": li["quantity"] - _refunded_quantity(refunds, li["id"])}
                for li in order["line_items"]
            ]
            lines = [
                dict(line, restock_type="cancel" if restock else "no_restock") for line in lines if line["quantity"]
            ]
            self.refund(order_id, lines, "full", "auto", "Order canceled", at)
        for fo in self.find("fulfillment_orders", order_id=order_id):
            by_line = {li["id"]: li for li in self.get("orders", order_id)["line_items"]}
            for line in fo["line_items"]:
                level = self.level(by_line[line["line_item_id"]]["inventory_item_id"], fo["location_id"])
                if level and line["remaining_quantity"]:
                    self._move(level, "committed", "available" if restock else None, line["remaining_quantity"], at)
                line["remaining_quantity"] = 0
            self.state.update(
                "fulfillment_orders",
                fo["id"],
                {"status": "cancelled", "line_items": fo["line_items"], "updated_at": self._now(at)},
            )
        order = self.get("orders", order_id)
        status = "voided" if order["financial_status"] in ("pending", "authorized") else order["financial_status"]
        now = self._now(at)
        return self.state.update(
            "orders",
            order_id,
            {
                "cancelled_at": now,
                "cancel_reason": reason,
                "closed_at": now,
                "financial_status": status,
                "updated_at": now,
            },
        )

    def refundable_lines(self, order: dict) -> list[dict]:
        refunds = self.find("refunds", order_id=order["id"])
        return [
            {"line_item_id": li["id"], "quantity": li["quantity"] - _refunded_quantity(refunds, li["id"])}
            for li in order["line_items"]
            if li["quantity"] - _refunded_quantity(refunds, li["id"]) > 0
        ]


def _order_address(address: dict | None) -> dict | None:
    if not address:
        return None
    keys = ("first_name", "last_name", "company", "address1", "address2", "city", "province", "province_code", "zip")
    result = {key: address.get(key) for key in keys}
    result |= {"country": address.get("country", "United Kingdom"), "country_code": address.get("country_code", "GB")}
    result["phone"] = address.get("phone")
    result["name"] = " ".join(filter(None, (address.get("first_name"), address.get("last_name"))))
    return result


def _application_amount(items: list[dict], index: int) -> str:
    amount = sum(
        (
            side(a["amount"], "presentment")
            for li in items
            for a in li["discount_allocations"]
            if a["discount_application_index"] == index
        ),
        ZERO,
    )
    return str(amount)


def _price_order(items, shipping_lines, applications, rate, taxes_included, export=False) -> None:
    """Fill in discount allocations and VAT lines, separately in each currency.

    Line discounts come first; a discount code then takes its percentage of what is
    left on every discountable line (not gift cards), allocated in proportion with
    the rounding on the last line. VAT is charged on each line's discounted amount
    and on shipping, except on exports (delivery outside the UK), which are
    zero-rated and carry no tax lines.
    """
    allocations = {which: [[] for _ in items] for which in ("shop", "presentment")}
    for which in ("shop", "presentment"):
        gross = [side(li["price"], which) * li["quantity"] for li in items]
        for index, application in enumerate(applications):
            value = Decimal(application["value"])
            if application["type"] == "manual":
                i = application["line_index"]
                if application["value_type"] == "percentage":
                    amount = money(gross[i] * value / 100)
                else:
                    amount = value if which == "presentment" else to_shop(value, rate)
                allocations[which][i].append((index, min(amount, gross[i])))
            else:
                base = [
                    Decimal(0) if li["gift_card"] else gross[i] - sum((a for _, a in allocations[which][i]), ZERO)
                    for i, li in enumerate(items)
                ]
                amount = money(sum(base, ZERO) * value / 100)
                for i, share in enumerate(allocate(amount, base)):
                    if share:
                        allocations[which][i].append((index, share))
    for i, item in enumerate(items):
        shop = dict(allocations["shop"][i])
        for index, amount in allocations["presentment"][i]:
            item["discount_allocations"].append(
                {"amount": pair(shop.get(index, ZERO), amount), "discount_application_index": index}
            )
        if item["taxable"] and not export:
            tax = {w: vat(_line_net(item, w), VAT_RATE, taxes_included) for w in ("shop", "presentment")}
            item["tax_lines"] = [
                {"title": TAX_TITLE, "rate": str(VAT_RATE), "price": pair(tax["shop"], tax["presentment"])}
            ]
    for line in [] if export else shipping_lines:
        tax = {w: vat(side(line["price"], w), VAT_RATE, taxes_included) for w in ("shop", "presentment")}
        line["tax_lines"] = [
            {"title": TAX_TITLE, "rate": str(VAT_RATE), "price": pair(tax["shop"], tax["presentment"])}
        ]
    for application in applications:
        application.pop("line_index", None)


def _line_net(item: dict, which: str) -> Decimal:
    gross = side(item["price"], which) * item["quantity"]
    return gross - total((a["amount"] for a in item["discount_allocations"]), which)


def _refunded_quantity(refunds: list[dict], line_item_id: int) -> int:
    return sum(rl["quantity"] for r in refunds for rl in r["refund_line_items"] if rl["line_item_id"] == line_item_id)


def _refund_due(order: dict, refund_lines: list[dict], shipping: dict | None, which: str) -> Decimal:
    """The money a refund returns: line subtotals and shipping, plus their VAT when prices exclude it."""
    amount = total((rl["subtotal"] for rl in refund_lines), which)
    tax = total((rl["total_tax"] for rl in refund_lines), which)
    if shipping:
        amount += side(shipping["amount"], which)
        tax += side(shipping["tax"], which)
    return amount if order["taxes_included"] else amount + tax


def tax_lines(order: dict) -> list[dict]:
    """The order's VAT lines: every line and shipping tax line summed by title and rate."""
    grouped: dict[tuple, list] = {}
    sources = [*order["line_items"], *order["shipping_lines"]]
    for line in sources:
        for tax in line["tax_lines"]:
            grouped.setdefault((tax["title"], tax["rate"]), []).append(tax["price"])
    return [{"title": title, "rate": rate, "price": sum_pairs(prices)} for (title, rate), prices in grouped.items()]


def order_totals(order: dict, refunds: list[dict], which: str) -> dict[str, Decimal]:
    """Every total Shopify reports for an order, in one currency, from its atomic amounts.

    ``subtotal`` is after line discounts and before shipping; with ``taxes_included``
    it contains the VAT, otherwise VAT is added to the total. ``current_*`` values
    subtract refunds and are zero once the order is cancelled.
    """
    lines, shipping = order["line_items"], order["shipping_lines"]
    line_items_price = sum((side(li["price"], which) * li["quantity"] for li in lines), ZERO)
    line_discounts = total((a["amount"] for li in lines for a in li["discount_allocations"]), which)
    shipping_price = total((s["price"] for s in shipping), which)
    shipping_discounts = total((a["amount"] for s in shipping for a in s["discount_allocations"]), which)
    total_tax = total((t["price"] for line in (*lines, *shipping) for t in line["tax_lines"]), which)
    subtotal = line_items_price - line_discounts
    extra_tax = ZERO if order["taxes_included"] else total_tax
    total_price = subtotal + shipping_price - shipping_discounts + extra_tax
    transactions = [t for t in order["transactions"] if t["status"] == "success"]
    received = total((t["amount"] for t in transactions if t["kind"] in ("sale", "capture")), which)
    refunded = total((t["amount"] for t in transactions if t["kind"] == "refund"), which)
    refunded_lines = total((rl["subtotal"] for r in refunds for rl in r["refund_line_items"]), which)
    refunded_tax = total((rl["total_tax"] for r in refunds for rl in r["refund_line_items"]), which)
    refunded_tax += total((r["shipping"]["tax"] for r in refunds if r["shipping"]), which)
    refunded_shipping = total((r["shipping"]["amount"] for r in refunds if r["shipping"]), which)
    current = {
        "current_subtotal_price": subtotal - refunded_lines,
        "current_total_tax": total_tax - refunded_tax,
        "current_shipping_price": shipping_price - shipping_discounts - refunded_shipping,
    }
    current["current_total_price"] = (
        current["current_subtotal_price"]
        + current["current_shipping_price"]
        + (ZERO if order["taxes_included"] else current["current_total_tax"])
    )
    current["current_total_discounts"] = line_discounts + shipping_discounts
    if order["cancelled_at"]:
        current = dict.fromkeys(current, ZERO)
    outstanding = ZERO if order["cancelled_at"] else max(total_price - received, ZERO)
    return {
        "total_line_items_price": line_items_price,
        "total_discounts": line_discounts + shipping_discounts,
        "subtotal_price": subtotal,
        "total_shipping_price": shipping_price,
        "total_tax": total_tax,
        "total_price": total_price,
        "total_received": received,
        "total_refunded": refunded,
        "total_refunded_shipping": refunded_shipping,
        "total_outstanding": outstanding,
        "net_payment": received - refunded,
        **current,
    }
