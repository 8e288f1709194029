"""The nine-box VAT return: reading the submitted JSON and checking it as HMRC's VAT API does.

Checks run in HMRC's order, and each stage reports all its errors before the
next one runs: the fields one by one (present, of the right type, in range, to
the pennies allowed), then the totals, then the declaration.
"""

import json
import re
from decimal import Decimal

from .errors import INVALID_REQUEST, NOT_FINALISED, ApiError, field_errors

PERIOD_KEY = re.compile(r"^[#0-9A-Z]{4}$")
# Boxes 1 to 4: pounds and pence, either sign.
PENCE = ("vatDueSales", "vatDueAcquisitions", "totalVatDue", "vatReclaimedCurrPeriod")
# Box 5: the absolute difference of boxes 3 and 4.
NET = "netVatDue"
# Boxes 6 to 9: whole pounds.
POUNDS = ("totalValueSalesExVAT", "totalValuePurchasesExVAT", "totalValueGoodsSuppliedExVAT", "totalAcquisitionsExVAT")
BOXES = (*PENCE, NET, *POUNDS)
FIELDS = ("periodKey", *BOXES, "finalised")
PENCE_LIMIT = Decimal("9999999999999.99")
NET_LIMIT = Decimal("99999999999.99")
POUNDS_LIMIT = Decimal("9999999999999")
MESSAGES = {
    "pence": "amount should be a monetary value (to 2 decimal places), between -9,999,999,999,999.99 and "
    "9,999,999,999,999.99",
    "net": "amount should be a monetary value (to 2 decimal places), between 0 and 99,999,999,999.99",
    "pounds": "The value must be between -9999999999999 and 9999999999999",
}


def _reject_constant(name):
    raise ValueError(f"{name} is not a number")


def parse(body: bytes) -> dict:
    """The JSON body with every number as a ``Decimal``, so pennies are counted exactly."""
    try:
        data = json.loads(body, parse_float=Decimal, parse_int=Decimal, parse_constant=_reject_constant)
    except ValueError:
        raise ApiError(INVALID_REQUEST) from None
    return data if isinstance(data, dict) else {}


def _error(code: str, message: str, field: str) -> dict:
    return {"code": code, "message": message, "path": f"/{field}"}


def _is_number(value) -> bool:
    return isinstance(value, Decimal)


def _field_errors(body: dict) -> list[dict]:
    errors = [_error("MANDATORY_FIELD_MISSING", "a mandatory field is missing", f) for f in FIELDS if f not in body]
    key = body.get("periodKey")
    if "periodKey" in body and not isinstance(key, str):
        errors.append(_error("INVALID_STRING_VALUE", "please provide a string field", "periodKey"))
    elif isinstance(key, str) and not PERIOD_KEY.match(key):
        errors.append(_error("PERIOD_KEY_INVALID", "period key should be a 4 character string", "periodKey"))
    for name in BOXES:
        if name not in body:
            continue
        value = body[name]
        if not _is_number(value):
            errors.append(_error("INVALID_NUMERIC_VALUE", "please provide a numeric field", name))
            continue
        if name in PENCE:
            wrong, kind = value.as_tuple().exponent < -2 or abs(value) > PENCE_LIMIT, "pence"
        elif name == NET:
            wrong, kind = value.as_tuple().exponent < -2 or not 0 <= value <= NET_LIMIT, "net"
        else:
            wrong, kind = abs(value) > POUNDS_LIMIT or value % 1 != 0, "pounds"
        if wrong:
            errors.append(_error("INVALID_MONETARY_AMOUNT", MESSAGES[kind], name))
    if "finalised" in body and not isinstance(body["finalised"], bool):
        errors.append(_error("UNMAPPED_PLAY_ERROR", "error.expected.jsboolean", "finalised"))
    return errors


def _total_errors(body: dict) -> list[dict]:
    errors = []
    due, reclaimed = body["totalVatDue"], body["vatReclaimedCurrPeriod"]
    if abs(due - reclaimed) != body[NET]:
        message = (
            "netVatDue should be the difference between the largest and the smallest values among totalVatDue "
            "and vatReclaimedCurrPeriod"
        )
        errors.append(_error("VAT_NET_VALUE", message, NET))
    if body["vatDueSales"] + body["vatDueAcquisitions"] != due:
        message = "totalVatDue should be equal to the sum of vatDueSales and vatDueAcquisitions"
        errors.append(_error("VAT_TOTAL_VALUE", message, "totalVatDue"))
    return errors


def validate(body: dict) -> dict:
    """Return the boxes of a valid return; raise the ``ApiError`` HMRC answers for an invalid one."""
    errors = _field_errors(body)
    if not errors:
        errors = _total_errors(body)
    if errors:
        raise field_errors(errors)
    if body["finalised"] is not True:
        raise ApiError(NOT_FINALISED)
    return {name: body[name] for name in BOXES}


def money(value: Decimal) -> float:
    """An amount as a JSON number; two decimal places survive the trip through a float."""
    return float(value)
