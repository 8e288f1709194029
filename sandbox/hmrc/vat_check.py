"""HMRC's Check a UK VAT number API, version 2.0: is a number registered, to whom, and proof of the check.

``GET /organisations/vat/check-vat-number/lookup/{targetVrn}`` answers the name
and address registered under ``targetVrn``. Adding ``/{requesterVrn}``, the
checking business's own number, makes it a verified check: the answer also
names the requester and carries a ``consultationNumber``, HMRC's reference the
business keeps as proof that it checked. The endpoints are application-restricted:
``HmrcSystem`` lets through only the application's own token (client credentials)
with ``Accept: application/vnd.hmrc.2.0+json``, and asks for no fraud prevention headers.

The checks run in the order of HMRC's service: the format of both numbers (9 or
12 digits), then the target (404), then the requester (403), so a verified check
of two unknown numbers is a 404.
"""

from datetime import date, datetime, time, timedelta, timezone

from werkzeug.routing import Rule

from ..core import json_response
from .errors import (
    INVALID_REQUESTER_VRN,
    INVALID_TARGET_AND_REQUESTER_VRN,
    INVALID_TARGET_VRN,
    REQUESTER_NOT_FOUND,
    TARGET_NOT_FOUND,
    ApiError,
    answers_errors,
)
from .register import is_vat_number

LOOKUP = "/organisations/vat/check-vat-number/lookup"
ENDPOINTS = ("check_vat_number", "check_vat_number_verified")
# HMRC draws consultation numbers from A to Z without B, G, I, O, S and Z, nine letters in threes.
CONSULTATION_LETTERS = "ACDEFHJKLMNPQRTUVWXY"


def vat_check_rules() -> list:
    return [
        Rule(f"{LOOKUP}/<target_vrn>", methods=["GET"], endpoint="check_vat_number"),
        Rule(f"{LOOKUP}/<target_vrn>/<requester_vrn>", methods=["GET"], endpoint="check_vat_number_verified"),
    ]


def check_format(target: str, requester: str | None = None) -> None:
    """Refuse numbers that are not 9 or 12 digits, naming which of the two, as HMRC's service does."""
    target_ok, requester_ok = is_vat_number(target), requester is None or is_vat_number(requester)
    if not (target_ok or requester_ok):
        raise ApiError(INVALID_TARGET_AND_REQUESTER_VRN)
    if not requester_ok:
        raise ApiError(INVALID_REQUESTER_VRN)
    if not target_ok:
        raise ApiError(INVALID_TARGET_VRN)


def last_sunday(year: int, month: int) -> date:
    last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() + 1) % 7)


def uk_time(moment: datetime) -> datetime:
    """``moment`` on the UK's clocks: GMT, or BST (UTC+1) from 01:00 UTC on the last Sunday of March to October's."""
    utc = moment.astimezone(timezone.utc)
    starts, ends = (datetime.combine(last_sunday(utc.year, month), time(1), tzinfo=timezone.utc) for month in (3, 10))
    return utc.astimezone(timezone(timedelta(hours=1 if starts <= utc < ends else 0)))


def processing_date(moment: datetime) -> str:
    """HMRC's ``processingDate``: UK time to the second with its offset, ``2026-05-15T10:30:00+01:00``."""
    return uk_time(moment).isoformat(timespec="seconds")


def consultation_number(random) -> str:
    """A reference such as ``HKL-MNP-QRT``, drawn from the system's seeded random numbers."""
    letters = "".join(random.choice(CONSULTATION_LETTERS) for _ in range(9))
    return "-".join(letters[i : i + 3] for i in range(0, 9, 3))


def target(entry: dict) -> dict:
    return {"name": entry["name"], "vatNumber": entry["vatNumber"], "address": entry["address"]}


class VatCheckApi:
    """The Check a UK VAT number endpoints of the HMRC system (a mixin of ``HmrcSystem``)."""

    def _registered_target(self, vrn: str) -> dict:
        entry = self.vat_register.registered(vrn)
        if entry is None:
            raise ApiError(TARGET_NOT_FOUND)
        return entry

    @answers_errors
    def on_check_vat_number(self, request, target_vrn):
        """``GET .../lookup/{targetVrn}``: the registered business's name and address, no reference."""
        check_format(target_vrn)
        entry = self._registered_target(target_vrn)
        return json_response({"target": target(entry), "processingDate": processing_date(self.now())})

    @answers_errors
    def on_check_vat_number_verified(self, request, target_vrn, requester_vrn):
        """``GET .../lookup/{targetVrn}/{requesterVrn}``: the same with a consultation number, which is kept."""
        check_format(target_vrn, requester_vrn)
        entry = self._registered_target(target_vrn)
        requester = self.vat_register.registered(requester_vrn)
        if requester is None:
            raise ApiError(REQUESTER_NOT_FOUND)
        answer = {
            "target": target(entry),
            "requester": requester["vatNumber"],
            "consultationNumber": consultation_number(self.state.random),
            "processingDate": processing_date(self.now()),
        }
        self.state.insert("vat_checks", {**answer, "target": entry["vatNumber"], "name": entry["name"]})
        return json_response(answer)

    def vat_checks(self) -> list[dict]:
        """The verified checks answered so far, oldest first: what each requester was given as proof."""
        return [{key: value for key, value in c.items() if key != "id"} for c in self.state.records("vat_checks")]
