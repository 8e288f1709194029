from ..errors import BusinessError, MappingError, TaxError
from ..fix_keys import fix_key, mapping_key, parse, product_key, unit_key


def test_keys_read_back_as_what_they_name():
    assert parse(mapping_key("tax", "GB VAT 5%")) == ("mapping", ["tax", "GB VAT 5%"])
    assert parse(mapping_key("payment_terms", "Net: 30")) == ("mapping", ["payment_terms", "Net: 30"])
    assert parse(product_key("SKU-1", "SKU-2")) == ("product", ["SKU-1", "SKU-2"])
    assert parse(unit_key("Dozens")) == ("unit", ["Dozens"])
    assert parse("mapping:tax") is None
    assert parse("nonsense") is None
    assert parse(None) is None


def test_an_error_s_own_key_wins_even_through_a_channel_s_rewording():
    missing = MappingError("tax 'GB VAT' has no Odoo mapping", fix_key=mapping_key("tax", "GB VAT"))
    try:
        try:
            raise missing
        except MappingError as err:
            raise TaxError("Shopify tax 'GB VAT' (prices exclude tax) on … has no Odoo tax mapping") from err
    except TaxError as reworded:
        assert fix_key(reworded) == "mapping:tax:GB VAT"


def test_a_message_alone_names_no_fix_however_it_reads():
    """Keys are stated where the error is raised; a message is never parsed for one."""
    unstated = MappingError("Shopify order #1004: SKU 'LAMP-01' has no product in Odoo (line 'Lamp'). Give…")
    assert fix_key(unstated) is None
    assert fix_key(MappingError("…", fix_key=product_key("LAMP-01"))) == "product:LAMP-01"
    assert fix_key(BusinessError("The totals differ.")) is None
    assert fix_key(KeyError("no-such-key")) is None


def test_a_key_is_never_a_whole_message():
    assert len(mapping_key("tax", "x" * 500)) == 200
