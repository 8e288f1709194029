"""Reading HubSpot requests (object types, JSON bodies, batch inputs, query parameters) and answering batches."""

from ..core import json_response
from .errors import ApiError
from .objects import iso
from .schema import object_type


def kind_of(alias: str) -> str:
    """The plural object type named in a path (``contacts``, ``contact`` or ``0-1``), or HubSpot's 400."""
    kind = object_type(alias)
    if kind is None:
        raise ApiError(400, f"Unable to infer object type from: {alias}")
    return kind


def json_body(request) -> dict:
    data = request.get_json(force=True, silent=True)
    if not isinstance(data, dict):
        raise ApiError(400, "Invalid input JSON: the request body must be a JSON object")
    return data


def batch_inputs(body: dict, maximum: int | None = None) -> list[dict]:
    """A batch's ``inputs``, at most ``maximum`` of them when the endpoint has a published limit."""
    inputs = body.get("inputs")
    if not isinstance(inputs, list) or not all(isinstance(item, dict) for item in inputs):
        raise ApiError(400, "inputs must be a list of objects")
    if maximum is not None and len(inputs) > maximum:
        raise ApiError(400, f"Too many inputs: {len(inputs)}. The maximum batch size is {maximum}.")
    return inputs


def names(request, arg: str) -> list[str]:
    """A list parameter, given comma separated, repeated (as the SDK does) or both."""
    return [name for value in request.args.getlist(arg) for name in value.split(",") if name]


def is_true(value) -> bool:
    return str(value).lower() == "true"


def integer(value, default: int, name: str) -> int:
    """Read an integer parameter, answering HubSpot's 400 for anything else."""
    if value in (None, ""):
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ApiError(400, f"{name} must be an integer, not {value!r}") from None


def page(items: list, after, limit: int) -> tuple[list, str | None]:
    """One page of ``items`` from the opaque cursor ``after``, with the cursor of the next page if any."""
    start = integer(after, 0, "after")
    end = start + limit
    return items[start:end], (str(end) if end < len(items) else None)


def batch_answer(started: str, results: list, errors: list, status: int):
    """A batch's answer: ``status`` when every input succeeded, else a 207 listing the ``errors``."""
    answer = {"status": "COMPLETE", "results": results, "startedAt": started, "completedAt": iso()}
    if errors:
        answer.update(numErrors=len(errors), errors=errors)
    return json_response(answer, 207 if errors else status)
