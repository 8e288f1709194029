"""The CRM object store: HubSpot records with string properties, validated like the real API."""

import re
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation

from .errors import ApiError, invalid_property, property_errors
from .schema import CLOSED_STAGES, DEAL_STAGES, DEFAULT_PROPERTIES, SINGULAR, last_modified

# Ids are numeric strings from one counter shared by every type, so an id used with
# the wrong type is not found, as it would not be on HubSpot.
FIRST_ID = 1001
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# What HubSpot takes for a date or datetime: ISO 8601 (a date alone means midnight UTC) or epoch milliseconds.
ISO_8601 = re.compile(r"^\d{4}-\d\d-\d\d(T\d\d:\d\d(:\d\d(\.\d{1,6})?)?(Z|[+-]\d\d:?\d\d)?)?$")
EPOCH_MS = re.compile(r"^-?\d+$")
PROBABILITY = {stage: probability for stage, _, probability in DEAL_STAGES}


def iso(moment: datetime | None = None) -> str:
    """HubSpot's timestamp format: UTC with milliseconds, ``2025-03-03T09:00:00.000Z``."""
    moment = (moment or datetime.now(timezone.utc)).astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_time(value: str) -> datetime:
    """Read an ISO 8601 date or datetime, or milliseconds since the epoch; naive means UTC.

    Anything else (``03/12/2026``, ``2026-12-01 10:15``) is a ``ValueError``, as HubSpot refuses it.
    """
    if EPOCH_MS.match(value):
        return datetime.fromtimestamp(int(value) / 1000, timezone.utc)
    if not ISO_8601.match(value):
        raise ValueError(f"{value!r} is neither ISO 8601 nor epoch milliseconds")
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def as_number(value: str) -> str:
    """Write a number the way HubSpot stores it: no exponent, no trailing zeros."""
    text = format(Decimal(value).normalize(), "f")
    return "0" if text == "-0" else text


def as_text(value) -> str | None:
    """Properties travel as strings; None and "" both mean "no value"."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return as_number(str(value))
    return str(value)


class ObjectStore:
    """Contacts, companies, deals, products and line items kept in a ``State``.

    Each record is stored as its JSON answer: ``id``, ``properties`` (strings),
    ``createdAt``, ``updatedAt`` and ``archived``. Values are checked against the
    definitions of ``registry`` (a ``PropertyRegistry``: the built-in properties and
    those made through the API). ``notify(kind, change, id, changes, source)`` hears
    of every creation, property change, archiving, restore, merge and privacy
    deletion, unless the change comes with ``source=None`` (the seed data).
    ``source`` is HubSpot's ``changeSource``: ``INTEGRATION`` for the API, ``CRM_UI``
    for what a user does in HubSpot.
    """

    def __init__(self, state, registry, notify):
        self.state = state
        self.registry = registry
        self.notify = notify

    def records(self, kind: str, archived: bool = False) -> list[dict]:
        return self.state.records(kind, lambda r: r["archived"] == archived)

    def get(self, kind: str, object_id, id_property: str | None = None, archived: bool = False) -> dict | None:
        """Find a record by id, or by the value of a unique property such as ``email``."""
        if id_property and id_property != "hs_object_id":
            self.check_id_property(kind, id_property)
            record = self.find(kind, id_property, str(object_id), archived)
        else:
            record = self.state.get(kind, str(object_id))
        return record if record and record["archived"] == archived else None

    def require(self, kind: str, object_id, id_property: str | None = None, archived: bool = False) -> dict:
        record = self.get(kind, object_id, id_property, archived)
        if record is None:
            raise ApiError(404, "resource not found", {"ids": [str(object_id)]})
        return record

    def find(self, kind: str, name: str, value: str, archived: bool = False) -> dict | None:
        """The first record whose ``name`` equals ``value``; emails compare regardless of case."""
        fold = str.lower if name == "email" else str

        def matches(record):
            current = record["properties"].get(name)
            return record["archived"] == archived and current is not None and fold(current) == fold(value)

        found = self.state.records(kind, matches)
        return found[0] if found else None

    def check_id_property(self, kind: str, name: str) -> None:
        definition = self.registry.get(kind, name)
        if definition is None or not definition.unique:
            raise ApiError(400, f"{name} is not a unique property of {kind}; use hs_object_id or a unique property")

    def create(
        self, kind: str, properties, source: str | None = "INTEGRATION", at: datetime | None = None, unique=True
    ) -> dict:
        """Store a new object; raise ``ApiError`` for invalid properties or a taken unique value.

        ``unique=False`` lets the seed hold the duplicates real portals gather through imports.
        """
        values = {k: v for k, v in self.validate(kind, properties).items() if v is not None}
        with self.state.lock:
            if unique:
                self.check_unique(kind, values)
            object_id = str(self.state.next_id("objects") + FIRST_ID - 1)
            stamp = iso(at)
            values.setdefault("createdate", stamp)
            values.update({"hs_object_id": object_id, last_modified(kind): stamp})
            if kind == "deals":
                values.setdefault("pipeline", "default")
            values.update(derived(kind, values))
            record = {"id": object_id, "properties": values, "createdAt": stamp, "updatedAt": stamp, "archived": False}
            self.state.insert(kind, record)
        if source:
            self.notify(kind, "creation", object_id, values, source)
        return record

    def update(self, kind: str, object_id, properties, source: str | None = "INTEGRATION", id_property=None) -> dict:
        """Change some properties; a None or empty value clears one. Only real changes are announced."""
        values = self.validate(kind, properties)
        with self.state.lock:
            record = self.require(kind, object_id, id_property)
            self.check_unique(kind, values, record["id"])
            current = record["properties"]
            changes = {}
            for name, value in values.items():
                if current.get(name) != value:
                    changes[name] = value or ""
                    if value is None:
                        current.pop(name, None)
                    else:
                        current[name] = value
            for name, value in derived(kind, current).items():
                if current.get(name) != value:
                    current[name] = changes[name] = value
            if changes:
                stamp = iso()
                current[last_modified(kind)] = record["updatedAt"] = stamp
                self.state.update(kind, record["id"], {"properties": current, "updatedAt": stamp})
        if changes and source:
            self.notify(kind, "propertyChange", record["id"], changes, source)
        return record

    def archive(self, kind: str, object_id, source: str | None = "INTEGRATION") -> bool:
        """Archive (HubSpot's delete); False if there was nothing to archive."""
        with self.state.lock:
            if self.get(kind, object_id) is None:
                return False
            self.state.update(kind, str(object_id), {"archived": True, "archivedAt": iso()})
        if source:
            self.notify(kind, "deletion", str(object_id), {}, source)
        return True

    def restore(self, kind: str, object_id, source: str | None = "CRM_UI") -> dict:
        """Bring an archived object back, as someone does from HubSpot's recycle bin."""
        with self.state.lock:
            record = self.require(kind, object_id, archived=True)
            self.check_unique(kind, record["properties"], record["id"])
            record.update(archived=False, updatedAt=iso())
            record.pop("archivedAt", None)
            self.state.insert(kind, record)
        if source:
            self.notify(kind, "restore", record["id"], {}, source)
        return record

    def merge(self, kind: str, primary_id, merged_id, source: str | None = "CRM_UI") -> dict:
        """Merge ``merged_id`` into ``primary_id``: the primary keeps its values and takes the ones it lacks.

        The merged object is archived; the primary keeps its id, which HubSpot
        reports as ``newObjectId``.
        """
        primary_id, merged_id = str(primary_id), str(merged_id)
        if primary_id == merged_id:
            raise ApiError(400, f"Cannot merge {SINGULAR[kind]} {primary_id} into itself")
        with self.state.lock:
            primary, merged = self.require(kind, primary_id), self.require(kind, merged_id)
            kept = {"hs_object_id", "createdate", last_modified(kind)}
            moved = {
                name: value
                for name, value in merged["properties"].items()
                if name not in kept and primary["properties"].get(name) in (None, "")
            }
            self.state.update(kind, merged_id, {"archived": True, "archivedAt": iso(), "mergedInto": primary_id})
            stamp = iso()
            properties = {**primary["properties"], **moved, last_modified(kind): stamp}
            primary = self.state.update(kind, primary_id, {"properties": properties, "updatedAt": stamp})
        if source:
            details = {"primaryObjectId": int(primary_id), "mergedObjectIds": [int(merged_id)]}
            details.update(newObjectId=int(primary_id), numberOfPropertiesMoved=len(moved))
            self.notify(kind, "merge", primary_id, details, source)
        return primary

    def privacy_delete(self, kind: str, object_id, id_property=None, source: str | None = "CRM_UI") -> str:
        """Delete an object for good (a GDPR request): nothing of it is left, not even archived."""
        with self.state.lock:
            record = self.require(kind, object_id, id_property)
            self.state.delete(kind, record["id"])
        if source:
            self.notify(kind, "privacyDeletion", record["id"], {}, source)
        return record["id"]

    def validate(self, kind: str, properties) -> dict:
        """Return the property values as HubSpot stores them, or raise its "not valid" 400."""
        if not isinstance(properties, dict):
            raise ApiError(400, "Invalid input JSON: properties must be an object of property values")
        values, errors = {}, []
        for name, raw in properties.items():
            definition = self.registry.get(kind, name)
            value = as_text(raw)
            if definition is None:
                errors.append(invalid_property(name, "PROPERTY_DOESNT_EXIST", f'Property "{name}" does not exist'))
            elif definition.read_only:
                message = f'"{name}" is a read only property; its value cannot be set.'
                errors.append(invalid_property(name, "READ_ONLY_VALUE", message))
            elif value is None or definition.type == "string":
                if name == "email" and value is not None and not EMAIL.match(value):
                    errors.append(invalid_property(name, "INVALID_EMAIL", f"Email address {value} is invalid"))
                values[name] = value
            elif value != value.strip():
                message = f'"{value}" includes leading or trailing whitespace.'
                errors.append(invalid_property(name, "LEADING_TRAILING_WHITESPACE", message))
            else:
                normalised, error = _typed(definition, value)
                if error:
                    errors.append(invalid_property(name, *error))
                values[name] = normalised
        if errors:
            raise property_errors(errors)
        return values

    def check_unique(self, kind: str, values: dict, own_id: str | None = None) -> None:
        """Raise HubSpot's 409 if another object already holds one of the unique ``values``."""
        for name, value in values.items():
            definition = self.registry.get(kind, name)
            if value is None or definition is None or not definition.unique:
                continue
            other = self.find(kind, name, value)
            if other and other["id"] != own_id:
                raise ApiError(409, f"{SINGULAR[kind].title()} already exists. Existing ID: {other['id']}")

    def public(self, kind: str, record: dict, names=None) -> dict:
        """The JSON answer for ``record`` with the requested properties (the type's defaults if none).

        Requested properties without a value come back as null; unknown (and archived) names are ignored.
        """
        wanted = [n for n in (names or DEFAULT_PROPERTIES[kind]) if self.registry.get(kind, n)]
        answer = {
            "id": record["id"],
            "properties": {name: record["properties"].get(name) for name in wanted},
            "createdAt": record["createdAt"],
            "updatedAt": record["updatedAt"],
            "archived": record["archived"],
        }
        if record["archived"]:
            answer["archivedAt"] = record.get("archivedAt")
        return answer


def _typed(definition, value: str) -> tuple[str, tuple | None]:
    """Normalise a non-string value; return it with ``(error code, message)`` if it is not valid."""
    if definition.type == "number":
        try:
            return as_number(value), None
        except InvalidOperation:
            return value, ("INVALID_FLOAT", f"{value} was not a valid number.")
    if definition.type in ("datetime", "date"):
        try:
            moment = parse_time(value).astimezone(timezone.utc)
        except (ValueError, OverflowError, OSError):
            return value, ("INVALID_DATE", f"{value} was not a valid date.")
        if definition.type == "datetime":
            return iso(moment), None
        if moment.time() != datetime.min.time():
            return value, ("INVALID_DATE", f"{value} is at {moment.time().isoformat()} UTC, not midnight!")
        return moment.date().isoformat(), None
    allowed = [option.value for option in definition.options]
    # A multiple checkboxes property holds several options, separated by semicolons.
    chosen = value.split(";") if definition.field_type == "checkbox" else [value]
    for option in chosen:
        if option not in allowed:
            return value, ("INVALID_OPTION", f"{option} was not one of the allowed options: [{', '.join(allowed)}]")
    return value, None


def derived(kind: str, values: dict) -> dict:
    """The calculated properties HubSpot maintains from others (deal stage flags, line item amount)."""
    if kind == "deals" and values.get("dealstage"):
        stage = values["dealstage"]
        return {
            "hs_is_closed": str(stage in CLOSED_STAGES).lower(),
            "hs_is_closed_won": str(stage == "closedwon").lower(),
            "hs_deal_stage_probability": as_number(PROBABILITY[stage]),
        }
    if kind == "line_items" and values.get("quantity") and values.get("price"):
        return {"amount": as_number(str(Decimal(values["quantity"]) * Decimal(values["price"])))}
    return {}
