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


def test_channel_messages_without_a_key_are_recognised():
    shopify = MappingError("Shopify order #1004: SKU 'LAMP-01' has no product in Odoo (line 'Lamp'). Give…")
    hubspot = MappingError("HubSpot deal 'Big one' has lines Odoo has no product for: A-1, B-2. Give each HubSpot…")
    warehouse = BusinessError("Product EGG-BOX is kept in Dozens, which has no warehouse unit. Add a value…")
    empty = TaxError(
        "Shopify tax 'GB VAT' (prices include tax) on 'Mug' of order #1 is mapped to no Odoo tax on backend 'S'."
    )
    assert fix_key(shopify) == "product:LAMP-01"
    assert fix_key(hubspot) == "product:A-1, B-2"
    assert fix_key(warehouse) == "unit:Dozens"
    assert fix_key(empty) == "mapping:tax_included:GB VAT"
    assert fix_key(BusinessError("The totals differ.")) is None
    assert fix_key(KeyError("no-such-key")) is None


def test_a_key_is_never_a_whole_message():
    assert len(mapping_key("tax", "x" * 500)) == 200
