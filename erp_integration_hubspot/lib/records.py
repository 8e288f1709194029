"""HubSpot CRM objects as plain values: what the suite reads from each, checked as it is read.

HubSpot answers ``{"id", "properties": {name: string or null}, "updatedAt",
"associations"}``; every property is a string. Amounts and quantities are read
as ``Decimal`` (a value that is not a number is a ``ValidationError`` naming
the object and the property), dates as ISO 8601 or epoch milliseconds, as
HubSpot writes them.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from odoo.addons.erp_integration_core.lib import shape
from odoo.addons.erp_integration_core.lib.amounts import money
from odoo.addons.erp_integration_core.lib.errors import ValidationError

# A HubSpot object type by its API name; bindings carry it (``external_type``),
# because HubSpot numbers its companies, contacts and deals separately.
SINGULAR = {"companies": "company", "contacts": "contact", "deals": "deal"}

COMPANY_PROPERTIES = (
    "name",
    "domain",
    "phone",
    "address",
    "city",
    "zip",
    "country",
    "vat_number",
    "company_registration_number",
    "payment_terms",
    "hs_lastmodifieddate",
)
CONTACT_PROPERTIES = (
    "email",
    "firstname",
    "lastname",
    "phone",
    "jobtitle",
    "address",
    "city",
    "zip",
    "country",
    "lastmodifieddate",
)
DEAL_PROPERTIES = (
    "dealname",
    "dealstage",
    "amount",
    "deal_currency_code",
    "closedate",
    "purchase_order_number",
    "payment_terms",
    "delivery_date",
    "hs_lastmodifieddate",
)
LINE_ITEM_PROPERTIES = ("name", "quantity", "price", "discount", "hs_sku", "hs_product_id", "amount")
WON = "closedwon"
LOST = "closedlost"


def properties(record, at):
    """The ``properties`` of a CRM object answer, which must be an object."""
    shape.obj(record, at)
    return shape.obj(record.get("properties") or {}, f"{at}.properties")


def timestamp(value, field):
    """A HubSpot date or datetime (ISO 8601, or epoch milliseconds) as a naive UTC ``datetime``."""
    if value in (None, ""):
        return None
    text = str(value).strip()
    try:
        if text.isdigit():
            moment = datetime.fromtimestamp(int(text) / 1000, UTC)
        else:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, OverflowError):
        raise ValidationError(
            f"{field} is '{value:.40}', not a date. Correct it in HubSpot, then press Retry."
        ) from None
    if moment.tzinfo:
        moment = moment.astimezone(UTC)
    return moment.replace(tzinfo=None)


def _date(moment):
    return moment.date() if moment else None


def associated(record, kind):
    """Ids of the ``kind`` objects a v3 answer lists under ``associations``, primary ones first."""
    section = shape.opt_obj(shape.opt_obj(record, "associations", "object"), kind, "associations")
    results = shape.opt_list(section, "results", f"associations.{kind}")
    ordered = sorted(
        results, key=lambda item: "unlabeled" in str(item.get("type", "")) if isinstance(item, dict) else 1
    )
    return list(dict.fromkeys(str(item["id"]) for item in ordered if isinstance(item, dict) and item.get("id")))


@dataclass(frozen=True)
class LineItem:
    id: str
    name: str
    sku: str | None
    quantity: Decimal
    price: Decimal
    discount: Decimal

    @property
    def amount(self):
        return self.quantity * (self.price - self.discount)


@dataclass(frozen=True)
class Deal:
    id: str
    name: str
    stage: str | None
    amount: Decimal | None
    currency: str | None
    closed_at: datetime | None
    purchase_order: str | None
    payment_terms: str | None
    delivery_date: date | None
    updated_at: datetime | None
    companies: list
    contacts: list
    line_items: list


def parse_deal(record, decimals=2):
    at = f"deal {record.get('id') if isinstance(record, dict) else '?'}"
    props = properties(record, at)
    text = shape.opt_text
    amount = props.get("amount")
    return Deal(
        id=str(shape.required(record, "id", at)),
        name=text(props, "dealname", at) or f"Deal {record['id']}",
        stage=text(props, "dealstage", at),
        amount=None if amount in (None, "") else money(amount, f"{at}: amount", decimals),
        currency=text(props, "deal_currency_code", at),
        closed_at=timestamp(props.get("closedate"), f"{at}: closedate"),
        purchase_order=text(props, "purchase_order_number", at),
        payment_terms=text(props, "payment_terms", at),
        delivery_date=_date(timestamp(props.get("delivery_date"), f"{at}: delivery_date")),
        updated_at=timestamp(props.get("hs_lastmodifieddate"), f"{at}: hs_lastmodifieddate"),
        companies=associated(record, "companies"),
        contacts=associated(record, "contacts"),
        line_items=associated(record, "line_items"),
    )


def parse_line_item(record, deal, decimals=2):
    at = f"line item {record.get('id') if isinstance(record, dict) else '?'} of deal {deal.id}"
    props = properties(record, at)
    quantity = money(props.get("quantity"), f"{at}: quantity")
    if quantity <= 0:
        raise ValidationError(
            f"{at}: quantity is {props.get('quantity')}; a sale needs a positive quantity. "
            "Correct it in HubSpot, then press Retry."
        )
    price = money(props.get("price"), f"{at}: price", decimals)
    discount = money(props.get("discount"), f"{at}: discount", decimals)
    if price < 0 or discount < 0 or discount > price:
        raise ValidationError(
            f"{at}: price {price} with a unit discount of {discount} is not a sale price. "
            "Correct it in HubSpot, then press Retry."
        )
    return LineItem(
        id=str(record["id"]),
        name=shape.opt_text(props, "name", at) or shape.opt_text(props, "hs_sku", at) or f"Line {record['id']}",
        sku=shape.opt_text(props, "hs_sku", at),
        quantity=quantity,
        price=price,
        discount=discount,
    )
