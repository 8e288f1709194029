"""VAT numbers as every channel checks them before a partner carries one: format and check digits (python-stdnum).

A number is kept in its compact form with its country prefix (``GB123456789``,
``DE136695976``); one given without a prefix is taken as a UK number. Northern
Ireland's ``XI`` numbers follow the UK's rules. Whether a valid-looking number
is actually registered is another question, which only HMRC (UK numbers) or
VIES (EU numbers) can answer.
"""

import re

from stdnum import get_cc_module
from stdnum.exceptions import ValidationError as StdnumError

from .errors import ValidationError

UK = ("GB", "XI")


def compact(number):
    """The number without spaces, dots or dashes, upper case: ``gb 123 4567 89`` is ``GB123456789``."""
    return re.sub(r"[\s.\-/]", "", str(number or "")).upper()


def country_of(number):
    """The two-letter prefix of a compact number, ``GB`` when it has none."""
    return number[:2] if number[:2].isalpha() else "GB"


def checked(number, whose, fix="Correct it at the source (or clear it), then press Retry."):
    """``number`` in compact form with its prefix once format and check digits pass; None when it is empty.

    ``whose`` names the record in the error (``HubSpot company 'Acme Ltd'``),
    ``fix`` says what to do about a number that does not pass.
    """
    number = compact(number)
    if not number:
        return None
    country = country_of(number)
    module = get_cc_module("gb" if country in UK else "eu", "vat")
    try:
        digits = module.validate(number)
    except StdnumError as err:
        raise ValidationError(f"{whose} has the VAT number '{number}', which is not valid ({err}). {fix}") from None
    if country == "XI":
        return f"XI{digits}"
    return digits if digits[:2].isalpha() else f"GB{digits}"


def uk_digits(number):
    """The nine (or twelve, with a branch) digits HMRC knows a UK number by, or None for a non-UK number."""
    number = compact(number)
    if country_of(number) not in UK:
        return None
    return number[2:] if number[:2].isalpha() else number
