"""HubSpot's error bodies, and the exception handlers raise to answer with one."""

import functools
import json
import math
import uuid

from werkzeug.exceptions import HTTPException

from ..core import json_response

CATEGORIES = {
    400: "VALIDATION_ERROR",
    401: "INVALID_AUTHENTICATION",
    403: "MISSING_SCOPES",
    404: "OBJECT_NOT_FOUND",
    405: "VALIDATION_ERROR",
    409: "CONFLICT",
    429: "RATE_LIMITS",
}
RATE_LIMIT_MESSAGES = {
    "TEN_SECONDLY_ROLLING": "You have reached your ten_secondly_rolling limit.",
    "SECONDLY": "You have reached your secondly limit.",
    "DAILY": "You have reached your daily limit.",
}


def category_of(status: int) -> str:
    return CATEGORIES.get(status, "INTERNAL_ERROR" if status >= 500 else "VALIDATION_ERROR")


class ApiError(HTTPException):
    """An error answer raised from deep inside a handler.

    It is a werkzeug ``HTTPException`` so that ``System.dispatch`` turns it into
    ``error_response(code, name)``: ``name`` is therefore the message. ``context``
    and ``sub_category`` go into batch errors, which report each failed input on its own.
    A ``category`` other than the status's own (``OBJECT_ALREADY_EXISTS`` for a 409)
    reaches the answer only through a handler wrapped in ``own_categories``.
    """

    def __init__(
        self,
        code: int,
        message: str,
        context: dict | None = None,
        sub_category: str | None = None,
        category: str | None = None,
    ):
        super().__init__(message)
        self.code = code
        self.context = context or {}
        self.sub_category = sub_category
        self.category = category or category_of(code)

    @property
    def name(self) -> str:
        return self.description

    def batch_error(self, **context) -> dict:
        """This error as one entry of a batch answer's ``errors``, with ``context`` added to its own."""
        error = {"status": "error", "category": self.category}
        if self.sub_category:
            error["subCategory"] = self.sub_category
        error.update(message=self.description, context={**self.context, **context}, errors=[], links={})
        return error


def property_errors(errors: list[dict]) -> ApiError:
    """HubSpot's 400 for invalid property values: the details are JSON inside the message."""
    context = {"propertyName": sorted({e["name"] for e in errors})}
    return ApiError(400, "Property values were not valid: " + json.dumps(errors, separators=(",", ":")), context)


def invalid_property(name: str, error: str, message: str) -> dict:
    return {"isValid": False, "message": message, "error": error, "name": name, "localizedErrorMessage": message}


def error_body(status: int, message: str, category: str | None = None) -> dict:
    return {
        "status": "error",
        "message": message,
        "correlationId": str(uuid.uuid4()),
        "category": category or category_of(status),
    }


def own_categories(handler):
    """Answer the ``ApiError`` of ``handler`` with its own category.

    ``System.dispatch`` builds an error answer from the status and message alone,
    which gives every 409 HubSpot's ``CONFLICT``.
    """

    @functools.wraps(handler)
    def answer(self, request, **values):
        try:
            return handler(self, request, **values)
        except ApiError as error:
            return json_response(error_body(error.code, error.description, error.category), error.code)

    return answer


def rate_limit_response(policy: str, retry_after: float | None):
    """The 429 of an exhausted policy: ``TEN_SECONDLY_ROLLING``, ``SECONDLY`` or ``DAILY``.

    HubSpot does not promise a ``Retry-After``; with ``retry_after`` None there is none.
    """
    body = {
        "status": "error",
        "message": RATE_LIMIT_MESSAGES[policy],
        "errorType": "RATE_LIMIT",
        "correlationId": str(uuid.uuid4()),
        "policyName": policy,
    }
    headers = {} if retry_after is None else {"Retry-After": str(max(1, math.ceil(retry_after)))}
    return json_response(body, 429, headers)
