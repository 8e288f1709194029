"""The CRM search endpoint's semantics: filter groups, sorts, free-text query and offset paging."""

import fnmatch
import re

from .errors import ApiError
from .objects import parse_time
from .params import integer
from .schema import QUERY_PROPERTIES

MAX_FILTER_GROUPS = 5
MAX_FILTERS_PER_GROUP = 10
MAX_FILTERS = 25
MAX_QUERY_LENGTH = 3000
MAX_LIMIT = 200
MAX_RESULTS = 10_000
OPERATORS = (
    "EQ",
    "NEQ",
    "LT",
    "LTE",
    "GT",
    "GTE",
    "BETWEEN",
    "IN",
    "NOT_IN",
    "HAS_PROPERTY",
    "NOT_HAS_PROPERTY",
    "CONTAINS_TOKEN",
    "NOT_CONTAINS_TOKEN",
)
_NEGATIONS = {"NEQ", "NOT_IN", "NOT_CONTAINS_TOKEN", "NOT_HAS_PROPERTY"}


def search(registry, kind: str, records: list[dict], body: dict) -> tuple[int, list[dict], str | None]:
    """Return the total number of matches, the requested page and the ``after`` of the next page.

    Filters and sorts may name any property ``registry`` (a ``PropertyRegistry``) defines.

    The published limits are enforced with HubSpot's 400: at most 5 filter groups of
    at most 10 filters, 25 filters in all, a ``query`` of at most 3,000 characters,
    200 results a page and no paging past the first 10,000 results.
    """
    groups = body.get("filterGroups") or []
    if not isinstance(groups, list) or not all(isinstance(g, dict) for g in groups):
        raise ApiError(400, "filterGroups must be a list of objects with filters")
    if len(groups) > MAX_FILTER_GROUPS:
        raise ApiError(400, f"Too many filter groups ({len(groups)}). The maximum is {MAX_FILTER_GROUPS}.")
    for group in groups:
        if len(group.get("filters") or []) > MAX_FILTERS_PER_GROUP:
            count = len(group["filters"])
            raise ApiError(
                400, f"Too many filters in a filter group ({count}). The maximum is {MAX_FILTERS_PER_GROUP}."
            )
    filters = [f for group in groups for f in group.get("filters") or []]
    if len(filters) > MAX_FILTERS:
        raise ApiError(400, f"Too many filters ({len(filters)}). The maximum is {MAX_FILTERS} per request.")
    for filter_ in filters:
        _check_filter(registry, kind, filter_)
    limit, offset = integer(body.get("limit"), 10, "limit"), integer(body.get("after"), 0, "after")
    if not 1 <= limit <= MAX_LIMIT:
        raise ApiError(400, f"limit must be between 1 and {MAX_LIMIT}, not {limit}")
    if offset >= MAX_RESULTS:
        raise ApiError(400, f"Paging beyond the first {MAX_RESULTS} results is not supported (after={offset})")
    query = str(body.get("query") or "")
    if len(query) > MAX_QUERY_LENGTH:
        raise ApiError(400, f"query is {len(query)} characters long. The maximum is {MAX_QUERY_LENGTH}.")
    query = query.strip().lower()
    matches = [
        r
        for r in records
        if (not groups or any(all(_matches(r["properties"], f) for f in g.get("filters") or []) for g in groups))
        and (not query or _contains_query(kind, r["properties"], query))
    ]
    matches = _sorted(registry, kind, matches, body.get("sorts") or [])
    end = min(offset + limit, len(matches), MAX_RESULTS)
    return len(matches), matches[offset:end], str(end) if end < min(len(matches), MAX_RESULTS) else None


def _check_filter(registry, kind: str, filter_) -> None:
    if not isinstance(filter_, dict) or not filter_.get("propertyName"):
        raise ApiError(400, "Each filter needs a propertyName and an operator")
    if filter_.get("operator", "EQ") not in OPERATORS:
        raise ApiError(400, f"Unknown operator {filter_.get('operator')!r}; use one of {', '.join(OPERATORS)}")
    name = filter_["propertyName"]
    if registry.get(kind, name) is None:
        raise ApiError(400, f"Property {name!r} does not exist on {kind} and cannot be filtered on")


def _comparable(value: str):
    """Numbers and dates (ISO or epoch milliseconds) compare as numbers, anything else as lower-case text."""
    try:
        return float(value)
    except ValueError:
        pass
    try:
        return parse_time(value).timestamp() * 1000
    except ValueError:
        return value.lower()


def _compare(left: str, right) -> int:
    a, b = _comparable(left), _comparable(str(right))
    if type(a) is not type(b):
        a, b = left.lower(), str(right).lower()
    return (a > b) - (a < b)


def _has_token(value: str, token) -> bool:
    token = str(token).lower()
    words = [value.lower(), *re.split(r"[\s,;]+", value.lower())]
    return any(fnmatch.fnmatchcase(word, token) for word in words)


def _matches(properties: dict, filter_: dict) -> bool:
    operator = filter_.get("operator", "EQ")
    value = properties.get(filter_["propertyName"])
    if value in (None, ""):
        return operator in _NEGATIONS
    if operator in ("HAS_PROPERTY", "NOT_HAS_PROPERTY"):
        return operator == "HAS_PROPERTY"
    target = filter_.get("value")
    if operator in ("IN", "NOT_IN"):
        found = any(_compare(value, v) == 0 for v in filter_.get("values") or [])
        return found == (operator == "IN")
    if operator in ("CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"):
        return _has_token(value, target) == (operator == "CONTAINS_TOKEN")
    if target is None:
        raise ApiError(400, f"The {operator} filter on {filter_['propertyName']} needs a value")
    order = _compare(value, target)
    if operator == "BETWEEN":
        return order >= 0 and _compare(value, filter_.get("highValue", target)) <= 0
    return {"EQ": order == 0, "NEQ": order != 0, "LT": order < 0, "LTE": order <= 0, "GT": order > 0}.get(
        operator, order >= 0
    )


def _contains_query(kind: str, properties: dict, query: str) -> bool:
    return any(query in (properties.get(name) or "").lower() for name in QUERY_PROPERTIES[kind])


def _sorted(registry, kind: str, records: list[dict], sorts: list) -> list[dict]:
    """Apply the first sort (HubSpot takes one); records without the value come last."""
    if not sorts:
        return records
    sort = sorts[0]
    if isinstance(sort, str):
        name, descending = sort.lstrip("-"), sort.startswith("-")
    elif isinstance(sort, dict):
        name, descending = sort.get("propertyName", ""), sort.get("direction", "ASCENDING") == "DESCENDING"
    else:
        raise ApiError(400, "sorts must be property names or objects with propertyName and direction")
    if registry.get(kind, name) is None:
        raise ApiError(400, f"Property {name!r} does not exist on {kind} and cannot be sorted on")
    present = [r for r in records if r["properties"].get(name) not in (None, "")]
    missing = [r for r in records if r["properties"].get(name) in (None, "")]

    def key(record):
        value = _comparable(record["properties"][name])
        return isinstance(value, str), value

    return sorted(present, key=key, reverse=descending) + missing
