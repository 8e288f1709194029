"""HMRC's error answers: the APIs' ``{code, message, errors}`` bodies and OAuth's ``{error, error_description}``.

Codes and messages are those of HMRC's VAT (MTD) 1.0 description
(``contracts/hmrc/vat-api/1.0/application.yaml``); where it is silent (the API
platform's own refusals, the body field errors), those HMRC's services answer.
The Check a UK VAT number API's are those of its 2.0 description and of the
service behind it (``hmrc/vat-registered-companies-api``).
"""

import functools

from ..core import json_response

# The API platform, in front of every API.
MISSING_CREDENTIALS = (401, "MISSING_CREDENTIALS", "Authentication information is not provided")
INVALID_CREDENTIALS = (401, "INVALID_CREDENTIALS", "Invalid Authentication information provided")
INVALID_SCOPE = (
    403,
    "INVALID_SCOPE",
    "Can not access the required resource. Ensure this token has all the required scopes.",
)
ACCEPT_HEADER_INVALID = (406, "ACCEPT_HEADER_INVALID", "The accept header is missing or invalid")
INCORRECT_ACCESS_TOKEN_TYPE = (
    401,
    "INCORRECT_ACCESS_TOKEN_TYPE",
    "The access token type used is not supported when invoking the API",
)
UNSUPPORTED_VERSION = (404, "NOT_FOUND", "The requested resource could not be found")
UNKNOWN_RESOURCE = (
    404,
    "MATCHING_RESOURCE_NOT_FOUND",
    "A resource with the name in the request can not be found in the API",
)

# The VAT API.
VRN_INVALID = (400, "VRN_INVALID", "The provided VRN is invalid")
NOT_AUTHORISED = (403, "CLIENT_OR_AGENT_NOT_AUTHORISED", "The client and/or agent is not authorised")
INSOLVENT_TRADER = (403, "RULE_INSOLVENT_TRADER", "The remote endpoint has indicated that the Trader is insolvent")
NOT_FOUND = (404, "NOT_FOUND", "The requested resource could not be found")
INVALID_REQUEST = (400, "INVALID_REQUEST", "Invalid request")
INVALID_BODY_TYPE = (415, "INVALID_BODY_TYPE", "Expecting text/json or application/json body")
UNKNOWN_SCENARIO = (400, "RULE_INCORRECT_GOV_TEST_SCENARIO", "The Gov-Test-Scenario was not found")
INVALID_DATE_FROM = (400, "INVALID_DATE_FROM", "The provided from date is invalid")
INVALID_DATE_TO = (400, "INVALID_DATE_TO", "The provided to date is invalid")
INVALID_DATE_RANGE = (400, "INVALID_DATE_RANGE", "Invalid date range, must be 366 days or less")
MISSING_DATE_RANGE = (400, "MISSING_DATE_RANGE", "Missing date range")
INVALID_STATUS = (400, "INVALID_STATUS", "The provided data is failed validation, invalid status")
DATE_FROM_INVALID = (400, "DATE_FROM_INVALID", "The provided from date is invalid")
DATE_TO_INVALID = (400, "DATE_TO_INVALID", "The provided to date is invalid")
DATE_RANGE_INVALID = (400, "DATE_RANGE_INVALID", "Invalid date range, must be 365 days or less")
PERIOD_KEY_INVALID = (400, "PERIOD_KEY_INVALID", "Invalid period key")
DATE_RANGE_TOO_LARGE = (
    403,
    "DATE_RANGE_TOO_LARGE",
    "The date of the requested return cannot be further than four years from the current date",
)
NOT_FINALISED = (403, "NOT_FINALISED", "User has not declared VAT return as final")
DUPLICATE_SUBMISSION = (403, "DUPLICATE_SUBMISSION", "The VAT return was already submitted for the given period")
TAX_PERIOD_NOT_ENDED = (
    403,
    "TAX_PERIOD_NOT_ENDED",
    "The remote endpoint has indicated that the submission is for a tax period that has not ended",
)

# The Check a UK VAT number API (2.0). A VRN is 9 or 12 digits; an unknown requester is a 403 with INVALID_REQUEST.
VRN_FORMAT = "Vrn parameters should be 9 or 12 digits"
INVALID_TARGET_VRN = (400, "INVALID_REQUEST", f"Invalid targetVrn - {VRN_FORMAT}")
INVALID_REQUESTER_VRN = (400, "INVALID_REQUEST", f"Invalid requesterVrn - {VRN_FORMAT}")
INVALID_TARGET_AND_REQUESTER_VRN = (400, "INVALID_REQUEST", f"Invalid targetVrn and requesterVrn - {VRN_FORMAT}")
REQUESTER_NOT_FOUND = (403, "INVALID_REQUEST", "requesterVrn does not match a registered company")
TARGET_NOT_FOUND = (404, "NOT_FOUND", "targetVrn does not match a registered company")

# What the platform answers for the sandbox's injected faults, by status.
FAULTS = {
    404: UNKNOWN_RESOURCE[1:],
    405: ("METHOD_NOT_ALLOWED", "The request method is not supported for this resource"),
    429: ("MESSAGE_THROTTLED_OUT", "The request for the API is throttled as you have exceeded your quota."),
    500: ("INTERNAL_SERVER_ERROR", "An internal server error occurred"),
    503: ("SERVICE_UNAVAILABLE", "Internal server error"),
    504: ("GATEWAY_TIMEOUT", "The request timed out"),
}


class ApiError(Exception):
    """An error answer raised from inside an API handler: status, code, message and field errors."""

    def __init__(self, error: tuple, errors: list[dict] | None = None):
        super().__init__(error[1])
        self.status, self.code, self.message = error
        self.errors = errors or []

    def body(self) -> dict:
        body = {"code": self.code, "message": self.message}
        if self.errors:
            body["errors"] = self.errors
        return body

    def response(self):
        return json_response(self.body(), self.status)


def field_errors(errors: list[dict]) -> ApiError:
    """A 400 ``INVALID_REQUEST`` listing each body field's error with its ``path``, as HMRC answers a bad return."""
    return ApiError(INVALID_REQUEST, errors)


def answers_errors(handler):
    """Let a handler raise ``ApiError`` for its answer."""

    @functools.wraps(handler)
    def wrapper(*args, **kwargs):
        try:
            return handler(*args, **kwargs)
        except ApiError as error:
            return error.response()

    return wrapper


def fault_body(status: int, message: str) -> dict:
    """The platform's body for an error the sandbox injects (or a status no handler answers)."""
    code, text = FAULTS.get(status, (message.upper().replace(" ", "_"), message))
    return {"code": code, "message": text}


class OAuthError(ValueError):
    """A refusal of the token or authorisation endpoint, answered as OAuth 2.0 does."""

    def __init__(self, error: str, description: str, status: int = 400):
        super().__init__(description)
        self.error, self.description, self.status = error, description, status

    def response(self):
        return json_response({"error": self.error, "error_description": self.description}, self.status)
