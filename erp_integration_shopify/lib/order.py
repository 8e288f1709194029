"""Shopify's REST-shaped order webhook payload, read into plain values with Decimal money.

Only what an ERP order needs is kept; every amount is in shop money (the
shop's currency) unless ``presentment`` is asked for, and nothing is rounded
on the way in.
"""

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from odoo.addons.erp_integration_core.lib.errors import ValidationError

GID = re.compile(r"^gid://shopify/\w+/(\d+)$")
CENT = Decimal("0.01")
# The value-mapping key of a line Shopify charged no tax on.
NO_TAX = "(no tax)"
# Topics that create or update an order; others are handled on their own or ignored.
ORDER_TOPICS = ("orders/create", "orders/updated", "orders/paid")


def money(value):
    return Decimal(str(value or "0"))


def set_amount(data, key, fallback_key=None, presentment=False):
    """Amount of a ``*_set`` money bag, falling back to the plain string field."""
    bag = data.get(key) or {}
    side = bag.get("presentment_money" if presentment else "shop_money")
    if side and side.get("amount") is not None:
        return money(side["amount"])
    return money(data.get(fallback_key)) if fallback_key else Decimal(0)


def external_id(data):
    """The numeric id, read from ``admin_graphql_api_id`` when present.

    Shopify's ids exceed what a JSON double holds exactly, and some producers
    round them; the GraphQL id is a string and always exact.
    """
    match = GID.match(str(data.get("admin_graphql_api_id") or ""))
    return match.group(1) if match else str(data.get("id"))


def parse_time(value):
    if not value:
        return None
    return datetime.fromisoformat(value).astimezone(UTC).replace(tzinfo=None)


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


def _taxes(data):
    return [
        TaxLine(title=t.get("title") or "", rate=money(t.get("rate")), amount=set_amount(t, "price_set", "price"))
        for t in data.get("tax_lines") or []
    ]


def _discount(data):
    return sum((set_amount(a, "amount_set", "amount") for a in data.get("discount_allocations") or []), Decimal(0))


def parse_order(data):
    """Read an order payload; a payload that is not an order raises ``ValidationError``."""
    if not isinstance(data, dict) or not data.get("id") or not isinstance(data.get("line_items"), list):
        raise ValidationError("The payload is not a Shopify order: it needs an 'id' and 'line_items'.")
    lines = [
        Line(
            external_id=external_id(item),
            sku=(item.get("sku") or "").strip() or None,
            title=item.get("title") or item.get("name") or "",
            quantity=money(item.get("quantity")),
            unit_price=set_amount(item, "price_set", "price"),
            discount=_discount(item),
            taxes=_taxes(item),
            gift_card=bool(item.get("gift_card")),
        )
        for item in data["line_items"]
    ]
    shipping = [
        Line(
            external_id=external_id(item),
            sku=None,
            title=item.get("title") or "Shipping",
            quantity=Decimal(1),
            unit_price=set_amount(item, "price_set", "price"),
            discount=_discount(item),
            taxes=_taxes(item),
        )
        for item in data.get("shipping_lines") or []
        if not item.get("is_removed")
    ]
    return Order(
        external_id=external_id(data),
        name=data.get("name") or str(data["id"]),
        email=(data.get("email") or data.get("contact_email") or "").strip() or None,
        phone=data.get("phone"),
        currency=data.get("currency") or "",
        taxes_included=bool(data.get("taxes_included")),
        created_at=parse_time(data.get("created_at")),
        updated_at=parse_time(data.get("updated_at")),
        financial_status=data.get("financial_status"),
        cancelled=bool(data.get("cancelled_at")),
        gateways=list(data.get("payment_gateway_names") or []),
        customer=data.get("customer") or {},
        billing_address=data.get("billing_address") or {},
        shipping_address=data.get("shipping_address") or {},
        lines=lines,
        shipping=shipping,
        total=set_amount(data, "total_price_set", "total_price"),
        total_tax=set_amount(data, "total_tax_set", "total_tax"),
        total_discounts=set_amount(data, "total_discounts_set", "total_discounts"),
    )
