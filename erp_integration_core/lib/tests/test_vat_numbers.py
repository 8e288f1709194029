import pytest

from .. import vat_numbers
from ..errors import ValidationError


def test_uk_numbers_are_kept_compact_with_their_prefix_whatever_way_they_are_written():
    assert vat_numbers.checked("gb 980 7806 84", "Acme") == "GB980780684"
    assert vat_numbers.checked("980780684", "Acme") == "GB980780684", "no prefix: a UK number"
    assert vat_numbers.checked("XI980780684", "Acme") == "XI980780684", "Northern Ireland keeps its prefix"
    assert vat_numbers.checked("GB980780684001", "Acme") == "GB980780684001", "with a branch"
    assert vat_numbers.checked("  ", "Acme") is None


def test_eu_numbers_are_checked_by_their_own_country_s_rules():
    assert vat_numbers.checked("DE 136 695 976", "Acme GmbH") == "DE136695976"
    assert vat_numbers.checked("IE6388047V", "Acme Ltd (IE)") == "IE6388047V"
    with pytest.raises(ValidationError, match=r"Acme GmbH has the VAT number 'DE136695977', which is not valid"):
        vat_numbers.checked("DE136695977", "Acme GmbH")


def test_a_bad_check_digit_or_an_unknown_prefix_names_whose_number_and_the_fix():
    with pytest.raises(
        ValidationError, match=r"HubSpot company 'Acme' .* '123456789'.*checksum.*Correct it in HubSpot"
    ):
        vat_numbers.checked("123456789", "HubSpot company 'Acme'", fix="Correct it in HubSpot, then press Retry.")
    with pytest.raises(ValidationError, match="'ZZ12345'"):
        vat_numbers.checked("ZZ12345", "Acme")


def test_hmrc_knows_a_uk_number_by_its_digits_and_knows_no_other():
    assert vat_numbers.uk_digits("GB 980780684") == "980780684"
    assert vat_numbers.uk_digits("980780684") == "980780684"
    assert vat_numbers.uk_digits("DE136695976") is None
