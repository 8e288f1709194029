"""The seeded organisation and VAT register.

The organisation has quarterly obligations for the past year and this quarter,
the oldest three filed. The last quarter that has ended is still open, ready
for a return; this quarter's is open too, and too early to file. The filed
returns are a small business's figures (20% VAT on sales and purchases), drawn
from the system's seeded random numbers, with their receipts and Direct Debit
payments.

The register holds a handful of businesses for the Check a UK VAT number API,
their names and addresses in capitals as HMRC's register keeps them. The first
is the demo company of the Odoo demo data (Brightwater Goods Ltd, GB980780684);
the last has deregistered, so its number, valid as it looks, is not found. Every
number has valid GB check digits. The register draws nothing from the random
numbers, so the organisation's figures are the same with or without it.
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


# (VAT number, name, address lines, postcode, registered today)
REGISTER = (
    ("980780684", "BRIGHTWATER GOODS LTD", ("1 HARBOUR STREET", "BRISTOL"), "BS1 4SB", True),
    (
        "287319426",
        "HOLLOWAY & FINCH WHOLESALE LTD",
        ("UNIT 4 KIRKSTALL TRADING ESTATE", "KIRKSTALL ROAD", "LEEDS"),
        "LS4 2AZ",
        True,
    ),
    ("351906207", "PENNINE OUTDOOR SUPPLIES LIMITED", ("27 DALE STREET", "MANCHESTER"), "M1 1EY", True),
    ("446071851", "THISTLE LOGISTICS LTD", ("SUITE 3", "140 WEST GEORGE STREET", "GLASGOW"), "G2 2HG", True),
    ("662830572", "MARSH LANE CERAMICS", ("THE OLD FORGE", "MARSH LANE", "LUDLOW", "SHROPSHIRE"), "SY8 1BE", True),
    ("195332746", "OLD MILL BAKERY LTD", ("5 MILL ROAD", "NORWICH"), "NR1 3AA", False),
)


def populate_register(register) -> None:
    """Put the seeded businesses on ``register`` (a ``VatRegister``), the deregistered one included."""
    for vat_number, name, lines, postcode, registered in REGISTER:
        address = dict(zip(("line1", "line2", "line3", "line4", "line5"), lines))
        register.register(vat_number, name, registered=registered, postcode=postcode, countryCode="GB", **address)
