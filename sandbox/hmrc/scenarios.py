"""``Gov-Test-Scenario``: the canned answers HMRC's sandbox gives instead of the account's own data.

Each endpoint honours the scenarios its "Test data" table lists (``SCENARIOS``);
any other value is refused with ``RULE_INCORRECT_GOV_TEST_SCENARIO``, as HMRC's
sandbox refuses a scenario it has no stub for. The request is still validated
first: a scenario replaces what HMRC's back end would answer, not the checks.
"""

from datetime import date

from .errors import (
    DATE_RANGE_TOO_LARGE,
    DUPLICATE_SUBMISSION,
    INSOLVENT_TRADER,
    INVALID_REQUEST,
    NOT_FOUND,
    PERIOD_KEY_INVALID,
    TAX_PERIOD_NOT_ENDED,
    UNKNOWN_SCENARIO,
    VRN_INVALID,
    ApiError,
)
from .periods import due_date, month_end, month_key, quarter, quarter_key

HEADER = "Gov-Test-Scenario"
COUNTS = ("NONE", "ONE", "TWO", "THREE", "FOUR")


def _obligation(start: date, end: date, key: str, met: bool) -> dict:
    due = due_date(end)
    obligation = {"start": start.isoformat(), "end": end.isoformat(), "due": due.isoformat(), "periodKey": key}
    obligation["status"] = "F" if met else "O"
    if met:
        obligation["received"] = date.fromordinal(due.toordinal() - 1).isoformat()
    return obligation


def quarterly(year: int, met: int, count: int = 4) -> list[dict]:
    return [_obligation(*quarter(year, n), quarter_key(year, n), n <= met) for n in range(1, count + 1)]


def monthly(year: int, met: int, count: int) -> list[dict]:
    return [
        _obligation(date(year, m, 1), month_end(year, m), month_key(year, m), m <= met) for m in range(1, count + 1)
    ]


OBLIGATIONS = {
    **{f"QUARTERLY_{word}_MET": quarterly(2017, met) for met, word in enumerate(COUNTS)},
    **{f"MONTHLY_{word}_MET": monthly(2017, met, 3) for met, word in enumerate(COUNTS[:4])},
    **{f"MONTHLY_OBS_{n:02d}_OPEN": monthly(2018, n - 1, n) for n in range(1, 13)},
    "MONTHLY_OBS_12_FULFILLED": monthly(2018, 12, 12),
    **{f"QUARTERLY_OBS_{n:02d}_OPEN": quarterly(2018, n - 1, n) for n in range(1, 5)},
    "QUARTERLY_OBS_04_FULFILLED": quarterly(2018, 4, 4),
    "MULTIPLE_OPEN_MONTHLY": monthly(2018, 1, 3),
    "MULTIPLE_OPEN_QUARTERLY": quarterly(2018, 1, 3),
    "OBS_SPANS_MULTIPLE_YEARS": [_obligation(date(2018, 11, 1), date(2019, 1, 31), "18AN", False)],
}


def _liability(start, end, kind, original, outstanding, due):
    return {
        "taxPeriod": {"from": start, "to": end},
        "type": kind,
        "originalAmount": original,
        "outstandingAmount": outstanding,
        "due": due,
    }


def _a_year_later(records: list[dict]) -> list[dict]:
    """The same records with every date moved a year on, for the ``_2018_19`` scenarios."""

    def move(value):
        if isinstance(value, dict):
            return {key: move(item) for key, item in value.items()}
        if isinstance(value, str) and value[:4] == "2017":
            return "2018" + value[4:]
        return value

    return [move(record) for record in records]


SINGLE_LIABILITY = [
    _liability("2017-01-01", "2017-02-01", "VAT Return Debit Charge", 463872.0, 463872.0, "2017-03-08"),
]
MULTIPLE_LIABILITIES = [
    _liability("2017-04-01", "2017-06-30", "VAT Return Debit Charge", 463872.0, 463872.0, "2017-08-07"),
    _liability("2017-07-01", "2017-09-30", "VAT Return Debit Charge", 15.0, 0.0, "2017-11-07"),
    _liability("2017-08-01", "2017-10-31", "VAT Officer's Assessment", 8493.38, 7493.38, "2017-12-07"),
]
LIABILITIES = {
    "SINGLE_LIABILITY": SINGLE_LIABILITY,
    "MULTIPLE_LIABILITIES": MULTIPLE_LIABILITIES,
    "SINGLE_LIABILITY_2018_19": _a_year_later(SINGLE_LIABILITY),
    "MULTIPLE_LIABILITIES_2018_19": _a_year_later(MULTIPLE_LIABILITIES),
}
# Each payment keeps the end of the period it paid for: the date range selects payments by it.
SINGLE_PAYMENT = [{"amount": 463872.0, "received": "2017-02-11", "period_to": "2017-02-01"}]
MULTIPLE_PAYMENTS = [
    {"amount": 5.0, "received": "2017-02-28", "period_to": "2017-03-31"},
    {"amount": 50.0, "received": "2017-03-26", "period_to": "2017-03-31"},
    {"amount": 1000.0, "received": "2017-08-02", "period_to": "2017-06-30"},
    {"amount": 321.0, "received": "2017-11-15", "period_to": "2017-09-30"},
]
PAYMENTS = {
    "SINGLE_PAYMENT": SINGLE_PAYMENT,
    "MULTIPLE_PAYMENTS": MULTIPLE_PAYMENTS,
    "SINGLE_PAYMENT_2018_19": _a_year_later(SINGLE_PAYMENT),
    "MULTIPLE_PAYMENTS_2018_19": _a_year_later(MULTIPLE_PAYMENTS),
}
SUBMIT_ERRORS = {
    "INVALID_VRN": VRN_INVALID,
    "INVALID_PERIODKEY": PERIOD_KEY_INVALID,
    "INVALID_PAYLOAD": INVALID_REQUEST,
    "DUPLICATE_SUBMISSION": DUPLICATE_SUBMISSION,
    "TAX_PERIOD_NOT_ENDED": TAX_PERIOD_NOT_ENDED,
    "INSOLVENT_TRADER": INSOLVENT_TRADER,
}
VIEW_ERRORS = {"DATE_RANGE_TOO_LARGE": DATE_RANGE_TOO_LARGE, "INSOLVENT_TRADER": INSOLVENT_TRADER}
OBLIGATION_ERRORS = {"INSOLVENT_TRADER": INSOLVENT_TRADER, "NOT_FOUND": NOT_FOUND}
FINANCIAL_ERRORS = {"INSOLVENT_TRADER": INSOLVENT_TRADER}
SCENARIOS = {
    "obligations": (*OBLIGATIONS, *OBLIGATION_ERRORS),
    "submit_return": tuple(SUBMIT_ERRORS),
    "view_return": tuple(VIEW_ERRORS),
    "liabilities": (*LIABILITIES, *FINANCIAL_ERRORS),
    "payments": (*PAYMENTS, *FINANCIAL_ERRORS),
}


def scenario(request, endpoint: str) -> str | None:
    """The scenario ``request`` asks ``endpoint`` for, or None for the account's own data."""
    name = (request.headers.get(HEADER) or "").strip()
    if not name:
        return None
    if name not in SCENARIOS[endpoint]:
        raise ApiError(UNKNOWN_SCENARIO)
    return name


def raise_error(name: str | None, errors: dict) -> None:
    """Answer the scenario's error, if ``name`` is one of ``errors``."""
    if name in errors:
        raise ApiError(errors[name])
