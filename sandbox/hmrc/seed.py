"""The seeded organisation: quarterly obligations for the past year and this quarter, the oldest three filed.

The last quarter that has ended is still open, ready for a return; this
quarter's is open too, and too early to file. The filed returns are a small
business's figures (20% VAT on sales and purchases), drawn from the system's
seeded random numbers, with their receipts and Direct Debit payments.
"""

from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

from .periods import previous_quarter, quarter, quarter_key, quarter_of

QUARTERS = 5
FILED = 3
PENNY = Decimal("0.01")


def boxes(random) -> dict:
    """The nine boxes of a plausible return: sales and purchases at the standard rate, nothing from abroad."""
    sales, purchases = random.randint(40_000, 90_000), random.randint(15_000, 45_000)
    output = (Decimal(sales) * Decimal("0.2") + Decimal(random.randint(0, 99)) / 100).quantize(PENNY)
    inputs = (Decimal(purchases) * Decimal("0.2") + Decimal(random.randint(0, 99)) / 100).quantize(PENNY)
    return {
        "vatDueSales": output,
        "vatDueAcquisitions": Decimal("0.00"),
        "totalVatDue": output,
        "vatReclaimedCurrPeriod": inputs,
        "netVatDue": abs(output - inputs),
        "totalValueSalesExVAT": Decimal(sales),
        "totalValuePurchasesExVAT": Decimal(purchases),
        "totalValueGoodsSuppliedExVAT": Decimal(0),
        "totalAcquisitionsExVAT": Decimal(0),
    }


def populate(account, today: date, ids) -> None:
    """Fill ``account`` relative to ``today``; ``ids`` draws the receipts' references from the seeded random."""
    year, number = quarter_of(today)
    periods = [(year, number)]
    for _ in range(QUARTERS - 1):
        periods.insert(0, previous_quarter(*periods[0]))
    for position, (year, number) in enumerate(periods):
        start, end = quarter(year, number)
        obligation = account.add_obligation(start.isoformat(), end.isoformat(), period_key=quarter_key(year, number))
        if position < FILED:
            due = date.fromisoformat(obligation["due"])
            filed_on = due - timedelta(days=account.state.random.randint(1, 20))
            at = datetime.combine(filed_on, time(9, account.state.random.randint(0, 59)), tzinfo=timezone.utc)
            account.submit(obligation["periodKey"], boxes(account.state.random), at, ids)
