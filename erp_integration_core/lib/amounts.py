"""Money as received: ``Decimal`` read strictly, or a ``ValidationError`` naming the field.

Every channel reads amounts the same way (Shopify's decimal strings,
HubSpot's number properties, a warehouse file's columns): never through
``float``, never rounded on the way in, and an amount finer than its
currency's smallest unit is refused, since it cannot be posted.
"""

from decimal import ROUND_DOWN, Decimal, InvalidOperation

from .errors import ValidationError

CENT = Decimal("0.01")
# No order line of a small business comes near it; beyond it, it is not an amount.
LIMIT = Decimal("1e12")


def money(value, field="amount", decimals=None):
    """An amount as received (a decimal string or a number) as ``Decimal``, or a ``ValidationError`` naming ``field``.

    With ``decimals``, an amount finer than the currency's smallest unit
    (``12.345`` in pounds) is refused too: such an amount cannot be posted.
    """
    if value is None or value == "":
        return Decimal(0)
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise ValidationError(f"{field} is {value!r}, not an amount. Correct the payload and press Replay.")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite() or abs(amount) >= LIMIT:
        raise ValidationError(f"{field} is '{value}', not a decimal amount. Correct the payload and press Replay.")
    if decimals is not None and amount != amount.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_DOWN):
        raise ValidationError(
            f"{field} is {value}, finer than the currency's {decimals} decimals: Odoo cannot post it as it is. "
            "Correct the payload and press Replay."
        )
    return amount
