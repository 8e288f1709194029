"""Error classification shared by every connector.

A connector raises one of these to say what kind of failure happened; the
exchange pipeline decides from the class alone whether to retry, to stop and
wait for a person, or to keep the traceback as a bug.
"""

TRANSIENT = "transient"
AUTH = "auth"
VALIDATION = "validation"
MAPPING = "mapping"
BUSINESS = "business"
TAX = "tax"
BUG = "bug"

CATEGORIES = [
    (TRANSIENT, "Transient"),
    (AUTH, "Authentication"),
    (VALIDATION, "Validation"),
    (MAPPING, "Mapping"),
    (BUSINESS, "Business rule"),
    (TAX, "VAT anomaly"),
    (BUG, "Unexpected error"),
]


class IntegrationError(Exception):
    """Base class: a failure with an actionable message and a category."""

    category = BUSINESS

    def __init__(self, message, **details):
        super().__init__(message)
        self.message = message
        self.details = details


class TransientError(IntegrationError):
    """The other side is busy, slow or briefly down: try again later.

    ``retry_after`` (seconds) is what the remote system asked for, if anything.
    ``attempted=False`` says the other side was not asked at all: a client
    holding back for a rate limit it keeps itself, or work waiting for another
    exchange of Odoo's still on its way. The exchange is then postponed
    without using up one of the attempts meant for the other side's failures.
    """

    category = TRANSIENT

    def __init__(self, message, retry_after=None, attempted=True, **details):
        super().__init__(message, **details)
        self.retry_after = retry_after
        self.attempted = attempted


class AuthError(IntegrationError):
    """Credentials were refused: a person must fix the backend."""

    category = AUTH


class ValidationError(IntegrationError):
    """The payload does not have the shape or values the flow needs."""

    category = VALIDATION


class MappingError(IntegrationError):
    """A field or value mapping is missing or cannot be applied."""

    category = MAPPING


class Ignored(IntegrationError):
    """Nothing to do, deliberately: the exchange is set aside with this reason.

    For payloads a connector recognises and chooses not to process (test
    orders, topics the backend does not use), so they leave no exception.
    """

    category = None


class Suppressed(Ignored):
    """About someone erased at their request and on the suppression list: set aside, its payload redacted.

    The payload names them (their id in the other system, perhaps a new
    e-mail), so it is not kept, as the erasure kept none that did, unless
    the backend is on legal hold.
    """


class BusinessError(IntegrationError):
    """The data is well formed but breaks a business rule (totals, taxes…)."""

    category = BUSINESS


class TaxError(IntegrationError):
    """A VAT anomaly: a rate no mapping covers, a rate that disagrees, a line with no tax at all.

    Money and tax are never guessed: the exchange waits for the mapping or the
    product setting the message names.
    """

    category = TAX
