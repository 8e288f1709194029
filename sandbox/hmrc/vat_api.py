"""The VAT (MTD) API's endpoints: obligations, returns, liabilities, payments, and the fraud header check.

Each handler validates its request in HMRC's order (VRN, then parameters or
body) and then either answers the ``Gov-Test-Scenario`` asked for or the
organisation's own account. Only the organisation's VRN is authorised.
"""

import re
from datetime import date, timedelta

from werkzeug.routing import Rule

from ..core import json_response
from . import scenarios
from .errors import (
    DATE_FROM_INVALID,
    DATE_RANGE_INVALID,
    DATE_RANGE_TOO_LARGE,
    DATE_TO_INVALID,
    INVALID_BODY_TYPE,
    INVALID_DATE_FROM,
    INVALID_DATE_RANGE,
    INVALID_DATE_TO,
    INVALID_STATUS,
    MISSING_DATE_RANGE,
    NOT_AUTHORISED,
    NOT_FOUND,
    PERIOD_KEY_INVALID,
    VRN_INVALID,
    ApiError,
    answers_errors,
)
from .periods import add_years, parse_date
from .returns import BOXES, PERIOD_KEY, money, parse, validate

VRN = re.compile(r"^\d{9}$")
VAT = "/organisations/vat/<vrn>"
# The earliest ``from`` HMRC's financial data endpoints take.
FINANCIAL_DATA_START = date(2016, 4, 6)
# Ways the requester asks for JSON, as HMRC's API takes them.
JSON_TYPES = ("application/json", "text/json")
FRAUD_CHECK = "sandbox.hmrc.fraud_check"


def vat_rules() -> list:
    return [
        Rule(f"{VAT}/obligations", methods=["GET"], endpoint="obligations"),
        Rule(f"{VAT}/returns", methods=["POST"], endpoint="submit_return"),
        Rule(f"{VAT}/returns/<period_key>", methods=["GET"], endpoint="view_return"),
        Rule(f"{VAT}/liabilities", methods=["GET"], endpoint="liabilities"),
        Rule(f"{VAT}/payments", methods=["GET"], endpoint="payments"),
        Rule("/test/fraud-prevention-headers/validate", methods=["GET"], endpoint="validate_fraud_headers"),
    ]


def obligation_query(args) -> tuple:
    """``(from, to, status)`` of an obligations request, checked as HMRC checks them."""
    start_text, end_text, status = args.get("from"), args.get("to"), args.get("status")
    if start_text is None and end_text is None:
        if status == "O":
            return None, None, "O"
        if status == "F":
            raise ApiError(MISSING_DATE_RANGE)
        raise ApiError(INVALID_DATE_FROM if status is None else INVALID_STATUS)
    if end_text is None:
        raise ApiError(INVALID_DATE_TO)
    start, end = parse_date(start_text), parse_date(end_text)
    if start is None:
        raise ApiError(INVALID_DATE_FROM)
    if end is None:
        raise ApiError(INVALID_DATE_TO)
    if status not in (None, "O", "F"):
        raise ApiError(INVALID_STATUS)
    if not start < end or add_years(start) < end:
        raise ApiError(INVALID_DATE_RANGE)
    return start, end, status


def financial_query(args, today: date) -> tuple[date, date]:
    """``(from, to)`` of a liabilities or payments request: from 6 April 2016, up to today, under a year."""
    start = parse_date(args.get("from"))
    if start is None or start < FINANCIAL_DATA_START:
        raise ApiError(DATE_FROM_INVALID)
    end = parse_date(args.get("to"))
    if end is None or end > today:
        raise ApiError(DATE_TO_INVALID)
    if not start < end or add_years(start) - timedelta(days=1) < end:
        raise ApiError(DATE_RANGE_INVALID)
    return start, end


def within(day: str, start: date, end: date) -> bool:
    return start.isoformat() <= day <= end.isoformat()


def public(record: dict, *hidden: str) -> dict:
    return {key: value for key, value in record.items() if key not in ("id", *hidden)}


class VatApi:
    """The VAT endpoints of the HMRC system (a mixin of ``HmrcSystem``)."""

    def _check_vrn(self, vrn: str) -> None:
        if not VRN.match(vrn):
            raise ApiError(VRN_INVALID)
        if vrn != self.vrn:
            raise ApiError(NOT_AUTHORISED)

    @answers_errors
    def on_obligations(self, request, vrn):
        """``GET .../obligations?from=&to=&status=``: the obligations touching the range, by start date."""
        self._check_vrn(vrn)
        start, end, status = obligation_query(request.args)
        name = scenarios.scenario(request, "obligations")
        scenarios.raise_error(name, scenarios.OBLIGATION_ERRORS)
        if name:
            found = [o for o in scenarios.OBLIGATIONS[name] if status is None or o["status"] == status]
        else:
            found = [public(o) for o in self.account.obligations(status, start, end)]
        if not found:
            raise ApiError(NOT_FOUND)
        return json_response({"obligations": found})

    @answers_errors
    def on_submit_return(self, request, vrn):
        """``POST .../returns``: file the nine boxes; 201 with the receipt, in the body and the headers."""
        self._check_vrn(vrn)
        now = self.now()
        receipt = {"Receipt-ID": self.ids.uuid(), "Receipt-Timestamp": now.strftime("%Y-%m-%dT%H:%M:%SZ")}
        try:
            if request.mimetype not in JSON_TYPES:
                raise ApiError(INVALID_BODY_TYPE)
            body = parse(request.get_data())
            boxes = validate(body)
            scenarios.raise_error(scenarios.scenario(request, "submit_return"), scenarios.SUBMIT_ERRORS)
            filed = self.account.submit(body["periodKey"], boxes, now, self.ids)
        except ApiError as error:
            response = error.response()
            response.headers.update(receipt)
            return response
        headers = {
            "Receipt-ID": filed["receiptId"],
            "Receipt-Timestamp": filed["receiptTimestamp"],
            "Receipt-Signature": "DO NOT USE",
        }
        return json_response(filed["receipt"], 201, headers)

    @answers_errors
    def on_view_return(self, request, vrn, period_key):
        """``GET .../returns/{periodKey}``: a filed return's nine boxes."""
        self._check_vrn(vrn)
        if not PERIOD_KEY.match(period_key):
            raise ApiError(PERIOD_KEY_INVALID)
        scenarios.raise_error(scenarios.scenario(request, "view_return"), scenarios.VIEW_ERRORS)
        filed = self.account.filed_return(period_key)
        if filed is None:
            raise ApiError(NOT_FOUND)
        obligation = self.account.obligation(period_key)
        if obligation and obligation["end"] < add_years(self.today(), -4).isoformat():
            raise ApiError(DATE_RANGE_TOO_LARGE)
        boxes = {name: money(filed["boxes"][name]) for name in BOXES}
        return json_response({"periodKey": period_key, **boxes})

    @answers_errors
    def on_liabilities(self, request, vrn):
        """``GET .../liabilities?from=&to=``: charges whose period ends in the range."""
        self._check_vrn(vrn)
        start, end = financial_query(request.args, self.today())
        name = scenarios.scenario(request, "liabilities")
        scenarios.raise_error(name, scenarios.FINANCIAL_ERRORS)
        if name:
            found = scenarios.LIABILITIES[name]
        else:
            found = [
                {
                    "taxPeriod": item["taxPeriod"],
                    "type": item["type"],
                    "originalAmount": money(item["originalAmount"]),
                    "outstandingAmount": money(item["outstandingAmount"]),
                    "due": item["due"],
                }
                for item in self.account.liabilities(self.today())
            ]
        found = [item for item in found if within(item["taxPeriod"]["to"], start, end)]
        if not found:
            raise ApiError(NOT_FOUND)
        return json_response({"liabilities": found})

    @answers_errors
    def on_payments(self, request, vrn):
        """``GET .../payments?from=&to=``: payments for periods ending in the range."""
        self._check_vrn(vrn)
        start, end = financial_query(request.args, self.today())
        name = scenarios.scenario(request, "payments")
        scenarios.raise_error(name, scenarios.FINANCIAL_ERRORS)
        found = scenarios.PAYMENTS[name] if name else self.account.payments(self.today())
        found = [
            {"amount": money(item["amount"]), "received": item["received"]}
            for item in found
            if within(item["period_to"], start, end)
        ]
        if not found:
            raise ApiError(NOT_FOUND)
        return json_response({"payments": found})

    def on_validate_fraud_headers(self, request):
        """``GET /test/fraud-prevention-headers/validate``: the verdict on this request's own headers."""
        return json_response(request.environ[FRAUD_CHECK])
