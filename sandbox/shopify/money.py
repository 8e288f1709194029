"""Money arithmetic in Decimal, and the two ways Shopify writes amounts.

Every amount the store keeps is a pair ``{"shop": "8.50", "presentment": "9.95"}``:
the shop currency (GBP) and the currency the customer paid in. Each pair is computed
on its own side from the same inputs, so the totals of an order add up to the penny in
both currencies, as they do in Shopify.
"""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def money(value) -> Decimal:
    """Round to the penny, halves away from zero (HMRC accepts either way per line)."""
    return Decimal(str(value)).quantize(CENT, ROUND_HALF_UP)


def graphql_amount(value) -> str:
    """Write an amount as the Admin GraphQL ``Decimal`` scalar does: ``"10.0"``, ``"12.5"``, ``"9.99"``."""
    text = format(money(value).normalize(), "f")
    return text if "." in text else f"{text}.0"


def rest_amount(value) -> str:
    """Write an amount as REST payloads (webhooks) do: always two decimals."""
    return format(money(value), "f")


def pair(shop, presentment) -> dict:
    return {"shop": str(money(shop)), "presentment": str(money(presentment))}


def same(amount) -> dict:
    """A pair for an amount that is the same in both currencies, such as zero."""
    return pair(amount, amount)


def side(value: dict, which: str) -> Decimal:
    return Decimal(value[which])


def total(pairs, which: str) -> Decimal:
    return sum((Decimal(p[which]) for p in pairs), ZERO)


def sum_pairs(pairs) -> dict:
    pairs = list(pairs)
    return pair(total(pairs, "shop"), total(pairs, "presentment"))


def to_shop(amount, rate) -> Decimal:
    """Convert a presentment amount to the shop currency; ``rate`` is presentment units per shop unit."""
    return money(Decimal(str(amount)) / Decimal(str(rate)))


def allocate(amount: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """Split ``amount`` in proportion to ``weights``; the last weighted share takes the rounding."""
    base = sum(weights, ZERO)
    shares = [ZERO] * len(weights)
    if not base:
        return shares
    last = max(i for i, w in enumerate(weights) if w)
    for i, weight in enumerate(weights):
        if weight and i != last:
            shares[i] = money(amount * weight / base)
    shares[last] = money(amount) - sum(shares, ZERO)
    return shares


def vat(net: Decimal, rate: Decimal, included: bool) -> Decimal:
    """VAT on ``net``: the fraction ``rate / (1 + rate)`` of a gross price, or ``rate`` of a net one."""
    return money(net * rate / (1 + rate)) if included else money(net * rate)
