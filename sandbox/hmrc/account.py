"""The business's VAT account at HMRC: obligations, filed returns, the liabilities they raise and the payments.

Amounts are kept as decimal strings. A return that leaves VAT to pay raises a
"VAT Return Debit Charge" due with the obligation; HMRC collects it by Direct
Debit three days after that date (or after the return, if filed late), so its
payment appears once the sandbox's today reaches that day. A repayment raises a "VAT Return Credit Charge".
"""

import string
from datetime import date, datetime, timedelta
from decimal import Decimal

from .errors import DUPLICATE_SUBMISSION, PERIOD_KEY_INVALID, TAX_PERIOD_NOT_ENDED, ApiError
from .periods import due_date, parse_date
from .returns import PERIOD_KEY

DIRECT_DEBIT_DELAY = timedelta(days=3)
ALPHANUMERIC = string.ascii_letters + string.digits


def overlaps(record: dict, start: date | None, end: date | None) -> bool:
    """Whether an obligation's period touches ``start``..``end`` (an open bound matches everything)."""
    return (end is None or record["start"] <= end.isoformat()) and (start is None or record["end"] >= start.isoformat())


class VatAccount:
    """One organisation's account, kept in the system's ``State``."""

    def __init__(self, state, strict_period_keys: bool = False):
        self.state = state
        # HMRC's sandbox files a return for any well-formed period key; production only for one it issued.
        self.strict_period_keys = strict_period_keys

    def obligations(self, status=None, start=None, end=None) -> list[dict]:
        """The obligations, sorted by start date, of ``status`` (O or F) whose period touches the range."""
        found = self.state.records(
            "obligations", lambda o: (status is None or o["status"] == status) and overlaps(o, start, end)
        )
        return sorted(found, key=lambda o: (o["start"], o["periodKey"]))

    def obligation(self, period_key: str) -> dict | None:
        found = self.state.records("obligations", lambda o: o["periodKey"] == period_key)
        return found[0] if found else None

    def add_obligation(self, start, end, due=None, period_key=None, status="O", received=None) -> dict:
        """Open an obligation for ``start``..``end`` (ISO dates); ``due`` defaults to a month and seven days on."""
        first, last = parse_date(str(start)), parse_date(str(end))
        if first is None or last is None or last < first:
            raise ValueError("start and end must be YYYY-MM-DD dates, start first")
        due_day = parse_date(str(due)) if due else due_date(last)
        if due_day is None:
            raise ValueError("due must be a YYYY-MM-DD date")
        key = period_key or f"{last.year % 100:02d}{self.state.random.choice(string.ascii_uppercase)}{last.month:X}"
        if not PERIOD_KEY.match(key):
            raise ValueError("periodKey must be four characters: digits, capital letters or #")
        with self.state.lock:
            if self.obligation(key):
                raise ValueError(f"An obligation with periodKey {key!r} exists already")
            record = {"start": first.isoformat(), "end": last.isoformat(), "due": due_day.isoformat()}
            record.update(status=status, periodKey=key)
            if status == "F":
                record["received"] = received or due_day.isoformat()
            return self.state.insert("obligations", record)

    def filed_return(self, period_key: str) -> dict | None:
        found = self.state.records("returns", lambda r: r["periodKey"] == period_key)
        return found[0] if found else None

    def submit(self, period_key: str, boxes: dict, now: datetime, ids) -> dict:
        """File a return on the day of ``now``: the stored return with its receipt, or HMRC's refusal.

        ``ids`` makes the receipt's references (``ids.digits(n)``, ``ids.letters(n)``, ``ids.uuid()``).
        """
        today = now.date()
        with self.state.lock:
            obligation = self.obligation(period_key)
            if self.filed_return(period_key) or (obligation and obligation["status"] == "F"):
                raise ApiError(DUPLICATE_SUBMISSION)
            if obligation is None and self.strict_period_keys:
                raise ApiError(PERIOD_KEY_INVALID)
            # A period ends with its last day: a return on that day is still too early.
            if obligation and obligation["end"] >= today.isoformat():
                raise ApiError(TAX_PERIOD_NOT_ENDED)
            debit = boxes["totalVatDue"] > boxes["vatReclaimedCurrPeriod"]
            receipt = {
                "processingDate": now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z",
                "formBundleNumber": ids.digits(12),
            }
            if boxes["netVatDue"]:
                receipt["paymentIndicator"] = "DD" if debit else "BANK"
            if debit and boxes["netVatDue"]:
                receipt["chargeRefNumber"] = ids.letters(16)
            filed = {
                "periodKey": period_key,
                "boxes": {name: str(value) for name, value in boxes.items()},
                "receipt": receipt,
                "receiptId": ids.uuid(),
                "receiptTimestamp": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "filed": today.isoformat(),
            }
            filed = self.state.insert("returns", filed)
            if obligation:
                self.state.update("obligations", obligation["id"], {"status": "F", "received": today.isoformat()})
                self._raise_liability(obligation, boxes["netVatDue"] if debit else -boxes["netVatDue"], today)
            return filed

    def _raise_liability(self, obligation: dict, amount: Decimal, today: date) -> None:
        if not amount:
            return
        self.state.insert(
            "liabilities",
            {
                "taxPeriod": {"from": obligation["start"], "to": obligation["end"]},
                "type": "VAT Return Debit Charge" if amount > 0 else "VAT Return Credit Charge",
                "originalAmount": str(amount),
                "due": obligation["due"],
                "periodKey": obligation["periodKey"],
                "raised": today.isoformat(),
                "directDebit": amount > 0,
            },
        )

    def payments(self, today: date) -> list[dict]:
        """Payments received by ``today``: those recorded, and each Direct Debit collected."""
        paid = [p for p in self.state.records("payments") if p["received"] <= today.isoformat()]
        for liability in self.state.records("liabilities", lambda item: item["directDebit"]):
            collected = date.fromisoformat(max(liability["due"], liability["raised"])) + DIRECT_DEBIT_DELAY
            if collected <= today:
                paid.append(
                    {
                        "amount": liability["originalAmount"],
                        "received": collected.isoformat(),
                        "periodKey": liability["periodKey"],
                        "period_to": liability["taxPeriod"]["to"],
                    }
                )
        return sorted(paid, key=lambda p: p["received"])

    def liabilities(self, today: date) -> list[dict]:
        """Every liability with what remains to pay on ``today``."""
        payments = self.payments(today)
        answer = []
        for liability in self.state.records("liabilities"):
            paid = sum(Decimal(p["amount"]) for p in payments if p["periodKey"] == liability["periodKey"])
            original = Decimal(liability["originalAmount"])
            outstanding = original - paid if original > 0 else original
            answer.append({**liability, "outstandingAmount": str(outstanding)})
        return sorted(answer, key=lambda item: item["taxPeriod"]["to"])
