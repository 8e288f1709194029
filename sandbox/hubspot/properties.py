"""The property definitions of one portal: the built-in ones and those an integration makes through the API."""

import dataclasses
import re

from .errors import ApiError
from .objects import iso
from .schema import PROPERTIES, Option, Property

# Each type with the field types HubSpot accepts for it.
FIELD_TYPES = {
    "string": ("text", "textarea", "phonenumber", "html", "file", "calculation_equation"),
    "number": ("number", "calculation_equation"),
    "date": ("date",),
    "datetime": ("date",),
    "enumeration": ("select", "radio", "checkbox", "booleancheckbox", "calculation_equation"),
    "bool": ("booleancheckbox", "calculation_equation"),
}
ALL_FIELD_TYPES = tuple(dict.fromkeys(f for fields in FIELD_TYPES.values() for f in fields))
REQUIRED = ("name", "label", "type", "fieldType", "groupName")
# What ``PATCH`` may change; the name and ``hasUniqueValue`` stay as created.
UPDATABLE = ("label", "type", "fieldType", "groupName", "description", "options", "displayOrder", "hidden", "formField")
NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def from_input(body: dict) -> Property:
    """A custom property from HubSpot's ``PropertyCreate``, or the 400 HubSpot answers for it."""
    missing = [field for field in REQUIRED if body.get(field) is None]
    if missing:
        message = "Cannot build PropertyCreate, some of required attributes are not set [" + ", ".join(missing) + "]"
        raise _invalid(body, f"Invalid input JSON: {message}")
    for field in (*REQUIRED, "description"):
        if body.get(field) is not None and not isinstance(body[field], str):
            raise _invalid(body, f"Invalid input JSON: {field} must be a string, not {body[field]!r}")
    for field in ("hasUniqueValue", "hidden", "formField"):
        if body.get(field) is not None and not isinstance(body[field], bool):
            raise _invalid(body, f"Invalid input JSON: {field} must be true or false, not {body[field]!r}")
    name, type_, field_type = body["name"], body["type"], body["fieldType"]
    if type_ not in FIELD_TYPES:
        raise _invalid(body, f"Invalid input JSON: type {type_!r} is not one of [{', '.join(FIELD_TYPES)}]")
    if field_type not in ALL_FIELD_TYPES:
        accepted = ", ".join(ALL_FIELD_TYPES)
        raise _invalid(body, f"Invalid input JSON: fieldType {field_type!r} is not one of [{accepted}]")
    if field_type not in FIELD_TYPES[type_]:
        accepted = ", ".join(FIELD_TYPES[type_])
        raise _invalid(body, f"fieldType {field_type!r} is not valid for a {type_} property; use one of [{accepted}]")
    if not NAME.match(name):
        message = (
            f"Property name {name!r} is invalid: it must start with a lowercase letter and hold only "
            "lowercase letters, numbers and underscores"
        )
        raise _invalid(body, message)
    for field in ("label", "groupName"):
        if not body[field].strip():
            raise _invalid(body, f"{field} of property {name} must not be blank")
    unique = bool(body.get("hasUniqueValue"))
    if unique and type_ not in ("string", "number"):
        raise _invalid(body, f"Only string and number properties can have unique values, not {type_} ones")
    order = body.get("displayOrder")
    if order is not None and (isinstance(order, bool) or not isinstance(order, int)):
        raise _invalid(body, f"Invalid input JSON: displayOrder must be an integer, not {order!r}")
    stamp = iso()
    return Property(
        name,
        body["label"],
        type_,
        field_type,
        _options(body) if type_ in ("enumeration", "bool") else (),
        unique=unique,
        read_only=field_type == "calculation_equation",
        custom=True,
        description=body.get("description") or "",
        group=body["groupName"],
        display_order=order,
        hidden=bool(body.get("hidden")),
        form_field=bool(body.get("formField")),
        created_at=stamp,
        updated_at=stamp,
    )


def _options(body: dict) -> tuple:
    """The options of an enumeration or bool property: each with a label and a value of its own."""
    options, name = body.get("options"), body["name"]
    if not isinstance(options, list) or not options:
        raise _invalid(body, f"Property {name} of type {body['type']} needs options")
    parsed = []
    for order, option in enumerate(options):
        value, label = (option.get("value"), option.get("label")) if isinstance(option, dict) else (None, None)
        if not isinstance(value, str) or not value or not isinstance(label, str) or not label:
            raise _invalid(body, f"Each option of property {name} needs a label and a value: {option!r}")
        if value in [o.value for o in parsed]:
            raise _invalid(body, f"Option values of property {name} must be unique; {value!r} is repeated")
        display_order, hidden = option.get("displayOrder", order), option.get("hidden", False)
        if isinstance(display_order, bool) or not isinstance(display_order, int) or not isinstance(hidden, bool):
            raise _invalid(body, f"An option's displayOrder is an integer and hidden true or false: {option!r}")
        parsed.append(Option(value, label, display_order, hidden))
    if body["type"] == "bool" and sorted(o.value for o in parsed) != ["false", "true"]:
        raise _invalid(body, f"The options of bool property {name} must be the values true and false")
    return tuple(parsed)


def _invalid(body: dict, message: str) -> ApiError:
    name = body.get("name")
    return ApiError(400, message, {"name": [name]} if isinstance(name, str) else {})


def _input(kind: str, current: Property) -> dict:
    """A definition as the ``PropertyCreate`` that would make it, which a ``PATCH`` then amends."""
    return {
        "name": current.name,
        "label": current.label,
        "type": current.type,
        "fieldType": current.field_type,
        "groupName": current.group_name(kind),
        "description": current.description,
        "options": [
            {"value": o.value, "label": o.label, "displayOrder": o.display_order, "hidden": o.hidden}
            for o in current.options
        ],
        "hasUniqueValue": current.unique,
        "displayOrder": current.display_order,
        "hidden": current.hidden,
        "formField": current.shown_on_forms,
    }


class PropertyRegistry:
    """The property definitions of one portal, over its ``State``.

    The built-in definitions (``PROPERTIES``: HubSpot's and the account's custom ones)
    are never changed in place. What the properties API makes, changes or archives is
    kept in the state, a collection per object type (``properties:deals``), each record
    the full definition by name; a stored definition takes the place of a built-in one
    of the same name. So each system has its own, and a reset forgets them.
    """

    def __init__(self, state):
        self.state = state

    def get(self, kind: str, name: str, archived: bool = False) -> Property | None:
        """The definition of ``name`` (an archived one with ``archived``), or None."""
        record = self.state.get(_collection(kind), name)
        found = _property(record) if record else PROPERTIES[kind].get(name)
        return found if found and found.archived == archived else None

    def definitions(self, kind: str, archived: bool = False) -> dict[str, Property]:
        """Every definition of ``kind`` by name: the built-in ones, then the ones made through the API."""
        stored = {r["id"]: _property(r) for r in self.state.records(_collection(kind))}
        merged = {**PROPERTIES[kind], **stored}
        return {name: p for name, p in merged.items() if p.archived == archived}

    def created(self, kind: str) -> list[Property]:
        """The live definitions made through the API (not the built-in ones, even when changed)."""
        return [p for name, p in self.definitions(kind).items() if name not in PROPERTIES[kind]]

    def require(self, kind: str, name: str, archived: bool = False) -> Property:
        found = self.get(kind, name, archived)
        if found is None:
            raise ApiError(404, f"Unable to find property {name} for object type {kind}", {"name": [name]})
        return found

    def create(self, kind: str, body) -> Property:
        """Make a custom property from a ``PropertyCreate``; a name in use (archived too) is HubSpot's 409."""
        if not isinstance(body, dict):
            raise ApiError(400, "Invalid input JSON: a property definition must be an object")
        new = from_input(body)
        with self.state.lock:
            if new.name in PROPERTIES[kind] or self.state.get(_collection(kind), new.name):
                message = f"Property named '{new.name}' already exists."
                raise ApiError(409, message, {"name": [new.name]}, category="OBJECT_ALREADY_EXISTS")
            self._store(kind, new)
        return new

    def update(self, kind: str, name: str, body: dict) -> Property:
        """Change a custom property with a ``PropertyUpdate``; HubSpot's own definitions are read only."""
        with self.state.lock:
            current = self.require(kind, name)
            if not current.custom:
                raise ApiError(400, f"Property {name} of {kind} has a read only definition and cannot be changed")
            changed = {**_input(kind, current), **{field: body[field] for field in UPDATABLE if field in body}}
            new = dataclasses.replace(from_input(changed), created_at=current.created_at)
            self._store(kind, new)
        return new

    def check_archivable(self, kind: str, name: str) -> Property:
        """The live custom property ``name``, or the 404 or 400 archiving it would answer."""
        current = self.require(kind, name)
        if not current.custom:
            raise ApiError(400, f"Property {name} of {kind} is defined by HubSpot and cannot be archived")
        return current

    def archive(self, kind: str, name: str) -> None:
        """Archive a custom property; its values stay on the records, hidden, as HubSpot keeps them."""
        with self.state.lock:
            self._store(kind, dataclasses.replace(self.check_archivable(kind, name), archived_at=iso()))

    def _store(self, kind: str, definition: Property) -> None:
        self.state.insert(_collection(kind), {"id": definition.name, **dataclasses.asdict(definition)})


def _collection(kind: str) -> str:
    return f"properties:{kind}"


def _property(record: dict) -> Property:
    fields = {k: v for k, v in record.items() if k != "id"}
    return Property(**{**fields, "options": tuple(Option(*o) for o in fields["options"])})
