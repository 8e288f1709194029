"""Shopify's REST-shaped order webhook payload, read into plain values with Decimal money.

Only what an ERP order needs is kept; every amount is in shop money (the
shop's currency) unless ``presentment`` is asked for, and nothing is rounded
on the way in.
"""

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from odoo.addons.erp_integration_core.lib.amounts import money
from odoo.addons.erp_integration_core.lib.errors import ValidationError

GID = re.compile(r"^gid://shopify/\w+/(\d+)$")
# The value-mapping key of a line Shopify charged no tax on.
NO_TAX = "(no tax)"
# Topics that create or update an order; others are handled on their own or ignored.
ORDER_TOPICS = ("orders/create", "orders/updated", "orders/paid")


def percent(rate):
    """A rate (0.2) as people write it (20)."""
    return f"{(rate * 100).normalize():f}"


def set_amount(data, key, fallback_key=None, presentment=False, at="", decimals=None):
    """Amount of a ``*_set`` money bag, falling back to the plain string field.

    ``at`` is where ``data`` sits in the payload (``line_items[2]``), so an
    error names the exact field.
    """
    prefix = f"{at}." if at else ""
    bag = data.get(key) or {}
    side = bag.get("presentment_money" if presentment else "shop_money") if isinstance(bag, dict) else None
    if isinstance(side, dict) and side.get("amount") is not None:
        return money(side["amount"], f"{prefix}{key}.shop_money.amount", decimals)
    return money(data.get(fallback_key), f"{prefix}{fallback_key}", decimals) if fallback_key else Decimal(0)


def external_id(data):
    """The numeric id, read from ``admin_graphql_api_id`` when present.

    Shopify's ids exceed what a JSON double holds exactly, and some producers
    round them; the GraphQL id is a string and always exact.
    """
    match = GID.match(str(data.get("admin_graphql_api_id") or ""))
    return match.group(1) if match else str(data.get("id"))


def parse_time(value, field="date"):
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        moment = None
    if moment is None or not isinstance(value, str):
        raise ValidationError(
            f"{field} is '{value}', not an ISO 8601 date and time. Correct the payload and press Replay."
        )
    if moment.tzinfo is None:
        raise ValidationError(f"{field} is '{value}', without its UTC offset. Correct the payload and press Replay.")
    return moment.astimezone(UTC).replace(tzinfo=None)


@dataclass
class TaxLine:
    title: str
    rate: Decimal
    amount: Decimal


@dataclass
class Line:
    external_id: str
    sku: str | None
    title: str
    quantity: Decimal
    unit_price: Decimal
    discount: Decimal
    taxes: list[TaxLine]
    gift_card: bool = False

    @property
    def gross(self):
        return self.unit_price * self.quantity - self.discount


@dataclass
class Order:
    external_id: str
    name: str
    email: str | None
    phone: str | None
    currency: str
    taxes_included: bool
    created_at: datetime | None
    updated_at: datetime | None
    financial_status: str | None
    cancelled: bool
    gateways: list[str]
    customer: dict
    billing_address: dict
    shipping_address: dict
    lines: list[Line] = field(default_factory=list)
    shipping: list[Line] = field(default_factory=list)
    total: Decimal = Decimal(0)
    total_tax: Decimal = Decimal(0)
    total_discounts: Decimal = Decimal(0)

    @property
    def is_guest(self):
        return not self.customer


def _dict(value, field):
    if not isinstance(value, dict):
        raise ValidationError(
            f"{field} is {type(value).__name__}, not an object. Correct the payload and press Replay."
        )
    return value


def _taxes(data, field, decimals):
    taxes = data.get("tax_lines") or []
    if not isinstance(taxes, list):
        raise ValidationError(f"{field}.tax_lines is not a list. Correct the payload and press Replay.")
    result = []
    for number, tax in enumerate(taxes):
        where = f"{field}.tax_lines[{number}]"
        tax = _dict(tax, where)
        rate = money(tax.get("rate"), f"{where}.rate")
        if not 0 <= rate < 1:
            raise ValidationError(
                f"{where}.rate is {tax.get('rate')}: a rate is a fraction from 0 to 1 (0.2 for 20 %)."
            )
        amount = set_amount(tax, "price_set", "price", at=where, decimals=decimals)
        result.append(TaxLine(title=str(tax.get("title") or ""), rate=rate, amount=amount))
    return result


def _discount(data, field, decimals):
    allocations = data.get("discount_allocations") or []
    if not isinstance(allocations, list):
        raise ValidationError(f"{field}.discount_allocations is not a list. Correct the payload and press Replay.")
    return sum(
        (
            set_amount(
                _dict(a, f"{field}.discount_allocations[{n}]"),
                "amount_set",
                "amount",
                at=f"{field}.discount_allocations[{n}]",
                decimals=decimals,
            )
            for n, a in enumerate(allocations)
        ),
        Decimal(0),
    )


def _quantity(item, field):
    quantity = money(item.get("quantity"), f"{field}.quantity")
    if quantity <= 0 or quantity != quantity.to_integral_value():
        raise ValidationError(
            f"{field}.quantity is {item.get('quantity')!r}: a sold quantity is a whole number above zero. "
            "Correct the payload and press Replay."
        )
    return quantity


def _line(item, field, decimals):
    item = _dict(item, field)
    if not (item.get("id") or item.get("admin_graphql_api_id")):
        raise ValidationError(
            f"{field} has no id: every line of an order has one. Correct the payload and press Replay."
        )
    return Line(
        external_id=external_id(item),
        sku=(str(item.get("sku") or "")).strip() or None,
        title=str(item.get("title") or item.get("name") or ""),
        quantity=_quantity(item, field),
        unit_price=set_amount(item, "price_set", "price", at=field, decimals=decimals),
        discount=_discount(item, field, decimals),
        taxes=_taxes(item, field, decimals),
        gift_card=bool(item.get("gift_card")),
    )


def parse_order(data, decimals=2):
    """Read an order payload; a payload that is not a valid order raises ``ValidationError`` naming the field.

    ``decimals`` is the number of decimals of the order's currency.
    """
    if not isinstance(data, dict) or not data.get("id") or not isinstance(data.get("line_items"), list):
        raise ValidationError("The payload is not a Shopify order: it needs an 'id' and 'line_items'.")
    lines = [_line(item, f"line_items[{number}]", decimals) for number, item in enumerate(data["line_items"])]
    seen = set()
    for number, line in enumerate(lines):
        if line.external_id in seen:
            raise ValidationError(
                f"line_items[{number}] repeats line id {line.external_id}: each line of an order has its own id. "
                "Correct the payload and press Replay."
            )
        seen.add(line.external_id)
    shipping_lines = data.get("shipping_lines") or []
    if not isinstance(shipping_lines, list):
        raise ValidationError("shipping_lines is not a list. Correct the payload and press Replay.")
    shipping = []
    for number, item in enumerate(shipping_lines):
        field = f"shipping_lines[{number}]"
        item = _dict(item, field)
        if item.get("is_removed"):
            continue
        shipping.append(
            Line(
                external_id=external_id(item),
                sku=None,
                title=str(item.get("title") or "Shipping"),
                quantity=Decimal(1),
                unit_price=set_amount(item, "price_set", "price", at=field, decimals=decimals),
                discount=_discount(item, field, decimals),
                taxes=_taxes(item, field, decimals),
            )
        )
    gateways = data.get("payment_gateway_names") or []
    return Order(
        external_id=external_id(data),
        name=str(data.get("name") or data["id"]),
        email=str(data.get("email") or data.get("contact_email") or "").strip() or None,
        phone=str(data["phone"]) if data.get("phone") else None,
        currency=str(data.get("currency") or ""),
        taxes_included=bool(data.get("taxes_included")),
        created_at=parse_time(data.get("created_at"), "created_at"),
        updated_at=parse_time(data.get("updated_at"), "updated_at"),
        financial_status=data.get("financial_status"),
        cancelled=bool(data.get("cancelled_at")),
        gateways=[str(gateway) for gateway in gateways] if isinstance(gateways, list) else [],
        customer=_dict(data.get("customer") or {}, "customer"),
        billing_address=_dict(data.get("billing_address") or {}, "billing_address"),
        shipping_address=_dict(data.get("shipping_address") or {}, "shipping_address"),
        lines=lines,
        shipping=shipping,
        total=set_amount(data, "total_price_set", "total_price", decimals=decimals),
        total_tax=set_amount(data, "total_tax_set", "total_tax", decimals=decimals),
        total_discounts=set_amount(data, "total_discounts_set", "total_discounts", decimals=decimals),
    )
