"""A small mapping engine: external payload paths to Odoo values.

Mappings are data (``integration.field.mapping`` records); this module only
knows plain dictionaries with the keys below, so it is tested without Odoo::

    {"name": "Customer e-mail", "source": "customer.email", "target": "email",
     "transform": "direct", "required": True}

Paths are dotted keys; ``[]`` walks every item of a list and ``[2]`` picks one,
e.g. ``line_items[].sku`` or ``shipping_lines[0].price``.
"""

import re
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from .errors import MappingError, ValidationError

TRANSFORMS = [
    ("direct", "Direct"),
    ("value_map", "Value map"),
    ("constant", "Constant"),
    ("split", "Split"),
    ("join", "Join"),
    ("date", "Date"),
    ("money", "Money"),
    ("unit", "Unit conversion"),
    ("record", "Odoo record"),
]

_STEP = re.compile(r"^(?P<key>[^\[\]]*)(?:\[(?P<index>-?\d*)\])?$")
_MISSING = object()


def resolve(data, path):
    """Return the value at ``path`` in ``data``, a list for ``[]`` steps, or ``None``."""
    values = [data]
    fan_out = False
    for step in path.split("."):
        match = _STEP.match(step)
        if not match:
            raise MappingError(f"'{path}' is not a valid path (step '{step}').")
        key, index = match["key"], match["index"]
        next_values = []
        for value in values:
            if key:
                value = value.get(key, _MISSING) if isinstance(value, dict) else _MISSING
            if value is _MISSING or value is None:
                continue
            if index is None:
                next_values.append(value)
            elif not isinstance(value, list):
                continue
            elif index == "":
                fan_out = True
                next_values.extend(value)
            elif -len(value) <= int(index) < len(value):
                next_values.append(value[int(index)])
        values = next_values
    if fan_out:
        return values
    return values[0] if values else None


def _to_decimal(value, mapping):
    try:
        return Decimal(str(value))
    except InvalidOperation as err:
        raise MappingError(f"{_label(mapping)}: '{value}' is not a number.") from err


def _to_datetime(value, mapping):
    try:
        if mapping.get("date_format"):
            parsed = datetime.strptime(value, mapping["date_format"])
        else:
            parsed = datetime.fromisoformat(str(value))
    except (TypeError, ValueError) as err:
        raise MappingError(f"{_label(mapping)}: '{value}' is not a date.") from err
    if parsed.tzinfo:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


def _label(mapping):
    return (
        f"Mapping '{mapping.get('name') or mapping['target']}' ({mapping.get('source') or '-'} → {mapping['target']})"
    )


def transform(value, mapping, lookup=None, find=None):
    """Apply one mapping's transform to an already resolved value.

    ``find(model, field, value, mapping)`` serves the ``record`` transform: the
    id of the Odoo record whose ``field`` is ``value`` (a country by its code),
    or ``None``.
    """
    kind = mapping.get("transform") or "direct"
    if kind == "direct":
        fans_out = "[]" in (mapping.get("source") or "")
        if isinstance(value, dict) or (isinstance(value, list) and not fans_out):
            raise ValidationError(
                f"{_label(mapping)}: the payload has {'an object' if isinstance(value, dict) else 'a list'} there, "
                "not a value. Correct the payload and press Replay, or fix the mapping's path."
            )
        return value
    if kind == "constant":
        return mapping.get("constant")
    if kind == "value_map":
        if lookup is None:
            raise MappingError(f"{_label(mapping)}: no value map is available.")
        if isinstance(value, list):
            return [lookup(mapping.get("value_map"), item, mapping) for item in value]
        return lookup(mapping.get("value_map"), value, mapping)
    if kind == "split":
        return [part.strip() for part in str(value).split(mapping.get("separator") or ",")]
    if kind == "join":
        items = value if isinstance(value, list) else [value]
        return (mapping.get("separator") or " ").join(str(item) for item in items if item not in (None, ""))
    if kind == "date":
        return _to_datetime(value, mapping)
    if kind == "money":
        return _to_decimal(value, mapping).quantize(Decimal("0.01"))
    if kind == "unit":
        return _to_decimal(value, mapping) * _to_decimal(mapping.get("factor") or 1, mapping)
    if kind == "record":
        if find is None or not mapping.get("record_model") or not mapping.get("record_field"):
            raise MappingError(f"{_label(mapping)}: say which Odoo model and field identify the record.")
        found = find(mapping["record_model"], mapping["record_field"], value, mapping)
        if found is None and mapping.get("required"):
            raise MappingError(
                f"{_label(mapping)}: no {mapping['record_model']} has {mapping['record_field']} '{value}'. "
                "Create it or correct the payload, then press Retry."
            )
        return found
    raise MappingError(f"{_label(mapping)}: unknown transform '{kind}'.")


def apply_mappings(payload, mappings, lookup=None, find=None):
    """Build ``{target: value}`` from ``payload`` following ``mappings`` in order.

    ``lookup(value_map, external_value, mapping)`` resolves value maps and must
    raise ``MappingError`` for an unknown value. A required mapping that finds
    nothing and has no default raises ``MappingError`` naming itself.
    """
    result = {}
    for mapping in mappings:
        if mapping.get("transform") == "constant":
            result[mapping["target"]] = mapping.get("constant")
            continue
        value = resolve(payload, mapping["source"]) if mapping.get("source") else None
        if value in (None, "", []):
            if mapping.get("default") not in (None, ""):
                value = mapping["default"]
            elif mapping.get("required"):
                raise MappingError(
                    f"{_label(mapping)} found no value in the payload and has no default. "
                    "Fix the payload or give the mapping a default, then press Retry."
                )
            else:
                continue
        value = transform(value, mapping, lookup, find)
        if value is not None:
            result[mapping["target"]] = value
    return result
