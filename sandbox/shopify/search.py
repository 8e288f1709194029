"""Shopify's search syntax for the ``query`` argument of list fields.

Supported: ``field:value``, comparisons ``field:>value`` (``>=``, ``<``, ``<=``),
quoted values (``updated_at:>'2026-01-01T00:00:00Z'``), ``-field:value`` to negate,
``value*`` prefixes, terms joined by spaces or ``AND``, and ``OR`` between groups of
terms. Dates compare as instants, numbers as numbers, the rest case-insensitively.
Unknown fields are ignored (Shopify ignores them too, with a search warning).
"""

import re
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation

_TERM = re.compile(r"""(?P<neg>-)?(?:(?P<field>[A-Za-z_.]+):(?P<op><=|>=|<|>|=)?)?(?P<value>'[^']*'|"[^"]*"|\S+)""")


def parse(query: str | None) -> list[list[tuple]]:
    """Return the query as OR-groups of ``(field, operator, value, negated)`` terms."""
    groups, terms = [], []
    for match in _TERM.finditer(query or ""):
        field, op, value = match["field"], match["op"] or ":", match["value"]
        if not field and value in ("OR", "AND"):
            if value == "OR":
                groups.append(terms)
                terms = []
            continue
        terms.append((field.lower() if field else None, op, value.strip("'\""), bool(match["neg"])))
    groups.append(terms)
    return [group for group in groups if group]


def matches(groups: list[list[tuple]], record, fields: dict) -> bool:
    """Whether ``record`` satisfies the parsed query; ``fields`` maps names to value getters."""
    if not groups:
        return True
    return any(all(_term(term, record, fields) for term in group) for group in groups)


def _term(term: tuple, record, fields: dict) -> bool:
    field, op, wanted, negated = term
    if field is None:
        getters = [fields[name] for name in fields.get("_text", ())]
        values = [v for getter in getters for v in _values(getter(record))]
        hit = any(wanted.lower().rstrip("*") in str(v).lower() for v in values if v is not None)
    elif field not in fields:
        return True
    else:
        hit = any(_compare(value, op, wanted) for value in _values(fields[field](record)))
    return hit != negated


def _values(value) -> list:
    return list(value) if isinstance(value, list | tuple | set) else [value]


def _compare(value, op: str, wanted: str) -> bool:
    if value is None:
        return wanted.lower() in ("null", "")
    left, right = _coerce(value), _coerce(wanted)
    if type(left) is not type(right):
        left, right = str(value).lower(), wanted.lower()
    if op in (":", "="):
        if isinstance(right, str) and right.endswith("*"):
            return left.startswith(right[:-1])
        return left == right
    try:
        return {"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right}[op]
    except TypeError:
        return False


def _coerce(value):
    """Turn a value into something comparable: an aware datetime, a Decimal or lowercase text."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | Decimal):
        return Decimal(value)
    text = str(value)
    if re.match(r"^\d{4}-\d{2}-\d{2}", text):
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return text.lower()
        return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    try:
        return Decimal(text)
    except InvalidOperation:
        return text.lower()
