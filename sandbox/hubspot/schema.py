"""What the simulated HubSpot account knows: object types, properties, the deal pipeline, association types."""

from dataclasses import dataclass
from typing import NamedTuple

OBJECT_TYPE_IDS = {"contacts": "0-1", "companies": "0-2", "deals": "0-3", "products": "0-7", "line_items": "0-8"}
SINGULAR = {
    "contacts": "contact",
    "companies": "company",
    "deals": "deal",
    "products": "product",
    "line_items": "line_item",
}
_ALIASES = {alias: name for name in OBJECT_TYPE_IDS for alias in (name, SINGULAR[name], OBJECT_TYPE_IDS[name])}

# A fixed instant for definitions (properties, pipeline) that exist "since the account was created".
ACCOUNT_CREATED = "2024-01-02T09:00:00.000Z"


def object_type(alias: str) -> str | None:
    """Return the plural name of an object type given as HubSpot accepts it: plural, singular or ``0-1`` id."""
    return _ALIASES.get(alias.lower())


def last_modified(kind: str) -> str:
    """Contacts kept HubSpot's original property name; every other object uses the ``hs_`` one."""
    return "lastmodifieddate" if kind == "contacts" else "hs_lastmodifieddate"


class Option(NamedTuple):
    """One option of an enumeration, as HubSpot lists it."""

    value: str
    label: str
    display_order: int = 0
    hidden: bool = False


@dataclass(frozen=True)
class Property:
    """A property definition: HubSpot's own, the account's custom ones, or one made through the API.

    ``options`` are the ``Option`` values of an enumeration; ``group`` defaults to the
    type's ``<object>information`` group and ``form_field`` to whether the value can be
    set. ``archived_at`` is set once the property is archived through the API.
    """

    name: str
    label: str
    type: str = "string"
    field_type: str = "text"
    options: tuple = ()
    unique: bool = False
    read_only: bool = False
    custom: bool = False
    description: str = ""
    group: str = ""
    display_order: int | None = None
    hidden: bool = False
    form_field: bool | None = None
    created_at: str = ACCOUNT_CREATED
    updated_at: str = ACCOUNT_CREATED
    archived_at: str | None = None

    @property
    def archived(self) -> bool:
        return self.archived_at is not None

    @property
    def shown_on_forms(self) -> bool:
        return not self.read_only if self.form_field is None else self.form_field

    def group_name(self, kind: str) -> str:
        return self.group or f"{SINGULAR[kind].replace('_', '')}information"

    def to_json(self, kind: str, order: int) -> dict:
        """HubSpot's ``Property``; ``order`` is its place in the listing, unless it has a display order of its own."""
        answer = {
            "name": self.name,
            "label": self.label,
            "type": self.type,
            "fieldType": self.field_type,
            "description": self.description,
            "groupName": self.group_name(kind),
            "options": [
                {"label": o.label, "value": o.value, "displayOrder": o.display_order, "hidden": o.hidden}
                for o in self.options
            ],
            "displayOrder": order if self.display_order is None else self.display_order,
            "calculated": self.read_only and self.name != "hs_object_id",
            "externalOptions": False,
            "hasUniqueValue": self.unique,
            "hidden": self.hidden,
            "hubspotDefined": not self.custom,
            "modificationMetadata": {
                "archivable": self.custom,
                "readOnlyDefinition": not self.custom,
                "readOnlyValue": self.read_only,
            },
            "formField": self.shown_on_forms,
            "createdAt": self.created_at,
            "updatedAt": self.updated_at,
            "archived": self.archived,
        }
        if self.archived:
            answer["archivedAt"] = self.archived_at
        return answer


def _number(name, label, **kwargs):
    return Property(name, label, "number", "number", **kwargs)


def _datetime(name, label, **kwargs):
    return Property(name, label, "datetime", "date", **kwargs)


def _date(name, label, **kwargs):
    return Property(name, label, "date", "date", **kwargs)


def _options(pairs) -> tuple:
    return tuple(Option(value, label, order) for order, (value, label) in enumerate(pairs))


def _choice(name, label, options, **kwargs):
    return Property(name, label, "enumeration", "select", options=_options(options), **kwargs)


def _flag(name, label):
    return Property(
        name, label, "bool", "booleancheckbox", _options((("true", "Yes"), ("false", "No"))), read_only=True
    )


# id, label, probability; the last two stages close the deal.
DEAL_STAGES = (
    ("appointmentscheduled", "Appointment Scheduled", "0.2"),
    ("qualifiedtobuy", "Qualified To Buy", "0.4"),
    ("presentationscheduled", "Presentation Scheduled", "0.6"),
    ("decisionmakerboughtin", "Decision Maker Bought-In", "0.8"),
    ("contractsent", "Contract Sent", "0.9"),
    ("closedwon", "Closed Won", "1.0"),
    ("closedlost", "Closed Lost", "0.0"),
)
CLOSED_STAGES = ("closedwon", "closedlost")
LIFECYCLE_STAGES = (
    ("subscriber", "Subscriber"),
    ("lead", "Lead"),
    ("opportunity", "Opportunity"),
    ("customer", "Customer"),
    ("other", "Other"),
)


def _common(kind):
    return (
        _number("hs_object_id", "Record ID", read_only=True),
        _datetime("createdate", "Create Date"),
        _datetime(last_modified(kind), "Last Modified Date", read_only=True),
    )


_DEFINITIONS = {
    "contacts": (
        Property("email", "Email", unique=True),
        Property("firstname", "First Name"),
        Property("lastname", "Last Name"),
        Property("phone", "Phone Number", field_type="phonenumber"),
        Property("company", "Company Name"),
        Property("jobtitle", "Job Title"),
        Property("address", "Street Address"),
        Property("city", "City"),
        Property("zip", "Postal Code"),
        Property("country", "Country/Region"),
        _choice("lifecyclestage", "Lifecycle Stage", LIFECYCLE_STAGES),
    ),
    "companies": (
        Property("name", "Company name"),
        Property("domain", "Company Domain Name"),
        Property("phone", "Phone Number", field_type="phonenumber"),
        Property("address", "Street Address"),
        Property("city", "City"),
        Property("zip", "Postal Code"),
        Property("country", "Country/Region"),
        Property("industry", "Industry"),
        Property("description", "Description", field_type="textarea"),
        _choice("lifecyclestage", "Lifecycle Stage", LIFECYCLE_STAGES),
        Property("vat_number", "VAT number", custom=True),
        Property("payment_terms", "Payment terms", custom=True),
    ),
    "deals": (
        Property("dealname", "Deal Name"),
        _number("amount", "Amount"),
        _choice("pipeline", "Pipeline", (("default", "Sales Pipeline"),)),
        _choice("dealstage", "Deal Stage", ((stage, label) for stage, label, _ in DEAL_STAGES)),
        _datetime("closedate", "Close Date"),
        Property("description", "Deal Description", field_type="textarea"),
        _choice("deal_currency_code", "Currency", (("GBP", "Pound sterling"), ("EUR", "Euro"), ("USD", "US dollar"))),
        _flag("hs_is_closed", "Is Deal Closed?"),
        _flag("hs_is_closed_won", "Is Closed Won"),
        _number("hs_deal_stage_probability", "Deal probability", read_only=True),
        Property("purchase_order_number", "Purchase order number", custom=True),
        Property("payment_terms", "Payment terms", custom=True),
        _choice("deal_kind", "Deal kind", (("goods", "Goods"), ("services", "Services")), custom=True),
        _date("delivery_date", "Requested delivery date", custom=True),
    ),
    "products": (
        Property("name", "Name"),
        Property("description", "Description", field_type="textarea"),
        _number("price", "Unit price"),
        Property("hs_sku", "SKU"),
        _number("hs_cost_of_goods_sold", "Unit cost"),
        _choice(
            "hs_product_type",
            "Product type",
            (("inventory", "Inventory"), ("non_inventory", "Non-inventory"), ("service", "Service")),
        ),
        Property("sku", "SKU (unique)", unique=True, custom=True),
    ),
    "line_items": (
        Property("name", "Name"),
        Property("description", "Description", field_type="textarea"),
        _number("quantity", "Quantity"),
        _number("price", "Unit price"),
        _number("amount", "Net price", read_only=True),
        _number("discount", "Unit discount"),
        Property("hs_sku", "SKU"),
        _number("hs_product_id", "Product ID"),
    ),
}

PROPERTIES = {kind: {p.name: p for p in (*_common(kind), *props)} for kind, props in _DEFINITIONS.items()}

# What an object answer carries when the request names no properties.
DEFAULT_PROPERTIES = {
    "contacts": ("createdate", "email", "firstname", "hs_object_id", "lastmodifieddate", "lastname"),
    "companies": ("createdate", "domain", "hs_lastmodifieddate", "hs_object_id", "name"),
    "deals": (
        "amount",
        "closedate",
        "createdate",
        "dealname",
        "dealstage",
        "hs_lastmodifieddate",
        "hs_object_id",
        "pipeline",
    ),
    "products": ("createdate", "description", "hs_lastmodifieddate", "hs_object_id", "name", "price"),
    "line_items": (
        "amount",
        "createdate",
        "hs_lastmodifieddate",
        "hs_object_id",
        "hs_product_id",
        "name",
        "price",
        "quantity",
    ),
}

# What a search ``query`` looks into.
QUERY_PROPERTIES = {
    "contacts": ("firstname", "lastname", "email", "phone", "company"),
    "companies": ("name", "domain", "phone"),
    "deals": ("dealname",),
    "products": ("name", "description", "hs_sku"),
    "line_items": ("name",),
}


def deal_pipeline() -> dict:
    """The one deal pipeline of the account, shaped like ``GET /crm/v3/pipelines/deals`` results."""
    stages = [
        {
            "id": stage,
            "label": label,
            "displayOrder": order,
            "metadata": {"isClosed": str(stage in CLOSED_STAGES).lower(), "probability": probability},
            "writePermissions": "CRM_PERMISSIONS_ENFORCEMENT",
            "createdAt": ACCOUNT_CREATED,
            "updatedAt": ACCOUNT_CREATED,
            "archived": False,
        }
        for order, (stage, label, probability) in enumerate(DEAL_STAGES)
    ]
    return {
        "id": "default",
        "label": "Sales Pipeline",
        "displayOrder": 0,
        "stages": stages,
        "createdAt": ACCOUNT_CREATED,
        "updatedAt": ACCOUNT_CREATED,
        "archived": False,
    }


@dataclass(frozen=True)
class AssociationType:
    """One association type; ``label`` is None for the default (unlabelled) one.

    HubSpot defines the built-in ones; labels made through the API are ``USER_DEFINED``.
    """

    from_type: str
    to_type: str
    type_id: int
    inverse_id: int
    name: str
    label: str | None = None
    category: str = "HUBSPOT_DEFINED"

    @property
    def primary(self) -> bool:
        return self.category == "HUBSPOT_DEFINED" and self.label == "Primary"

    def spec(self) -> dict:
        """How the v4 API reports the type: ``{category, typeId, label}``."""
        return {"category": self.category, "typeId": self.type_id, "label": self.label}


ASSOCIATION_TYPES = (
    AssociationType("contacts", "companies", 279, 280, "contact_to_company_unlabeled"),
    AssociationType("contacts", "companies", 1, 2, "contact_to_company", "Primary"),
    AssociationType("companies", "contacts", 280, 279, "company_to_contact_unlabeled"),
    AssociationType("companies", "contacts", 2, 1, "company_to_contact", "Primary"),
    AssociationType("deals", "companies", 341, 342, "deal_to_company_unlabeled"),
    AssociationType("deals", "companies", 5, 6, "deal_to_company", "Primary"),
    AssociationType("companies", "deals", 342, 341, "company_to_deal_unlabeled"),
    AssociationType("companies", "deals", 6, 5, "company_to_deal", "Primary"),
    AssociationType("deals", "contacts", 3, 4, "deal_to_contact"),
    AssociationType("contacts", "deals", 4, 3, "contact_to_deal"),
    AssociationType("line_items", "deals", 20, 19, "line_item_to_deal"),
    AssociationType("deals", "line_items", 19, 20, "deal_to_line_item"),
)
_BY_ID = {(a.from_type, a.type_id): a for a in ASSOCIATION_TYPES}


def association_type(from_type: str, type_id: int) -> AssociationType | None:
    return _BY_ID.get((from_type, type_id))


def default_association(from_type: str, to_type: str) -> AssociationType | None:
    """The unlabelled type HubSpot uses when no label is asked for, if the pair can be associated."""
    return next((a for a in ASSOCIATION_TYPES if (a.from_type, a.to_type, a.label) == (from_type, to_type, None)), None)
