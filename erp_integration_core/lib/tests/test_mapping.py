from datetime import datetime
from decimal import Decimal

import pytest

from ..errors import MappingError, ValidationError
from ..mapping import apply_mappings, resolve, transform

ORDER = {
    "id": 1001,
    "created_at": "2026-11-27T10:15:00+01:00",
    "customer": {"email": "ada@example.com", "first_name": "Ada", "last_name": "Lovelace"},
    "line_items": [{"sku": "MUG-1", "qty": 2}, {"sku": "TEE-M", "qty": 1}],
    "shipping_lines": [{"price": "4.5"}],
    "tags": "gift, b2b",
}


def test_resolve_walks_dicts_and_lists():
    assert resolve(ORDER, "customer.email") == "ada@example.com"
    assert resolve(ORDER, "line_items[].sku") == ["MUG-1", "TEE-M"]
    assert resolve(ORDER, "line_items[1].sku") == "TEE-M"
    assert resolve(ORDER, "line_items[-1].qty") == 1
    assert resolve(ORDER, "line_items[5].sku") is None
    assert resolve(ORDER, "customer.phone") is None
    assert resolve(ORDER, "id.nested") is None


def test_transforms():
    assert transform("4.499", {"target": "x", "transform": "money"}) == Decimal("4.50")
    assert transform("250", {"target": "x", "transform": "unit", "factor": 0.001}) == Decimal("0.250")
    assert transform(ORDER["created_at"], {"target": "x", "transform": "date"}) == datetime(2026, 11, 27, 9, 15)
    assert transform("27/11/2026", {"target": "x", "transform": "date", "date_format": "%d/%m/%Y"}) == datetime(
        2026, 11, 27
    )
    assert transform("gift, b2b", {"target": "x", "transform": "split"}) == ["gift", "b2b"]
    assert transform(["Ada", "", "Lovelace"], {"target": "x", "transform": "join"}) == "Ada Lovelace"


def test_apply_mappings_with_value_map_and_defaults():
    def lookup(map_type, value, mapping):
        table = {("carrier", "Royal Mail"): "royal_mail"}
        try:
            return table[(map_type, value)]
        except KeyError:
            raise MappingError(f"{map_type} '{value}' has no mapping") from None

    mappings = [
        {"name": "Name", "source": "customer.first_name", "target": "name", "required": True},
        {
            "source": "carrier",
            "target": "carrier",
            "transform": "value_map",
            "value_map": "carrier",
            "default": "Royal Mail",
        },
        {"source": "note", "target": "note"},
        {"target": "origin", "transform": "constant", "constant": "shopify"},
        {"source": "line_items[].qty", "target": "quantities"},
    ]
    assert apply_mappings(ORDER, mappings, lookup) == {
        "name": "Ada",
        "carrier": "royal_mail",
        "origin": "shopify",
        "quantities": [2, 1],
    }


def test_missing_required_value_names_the_mapping():
    with pytest.raises(MappingError, match=r"Mapping 'Phone' \(customer.phone → phone\) found no value"):
        apply_mappings(ORDER, [{"name": "Phone", "source": "customer.phone", "target": "phone", "required": True}])


def test_bad_values_name_the_mapping():
    with pytest.raises(MappingError, match="Mapping 'Total'.*'abc' is not a number"):
        transform("abc", {"name": "Total", "source": "total", "target": "amount", "transform": "money"})
    with pytest.raises(MappingError, match="is not a date"):
        transform("yesterday", {"target": "date_order", "transform": "date"})
    with pytest.raises(MappingError, match="not a valid path"):
        resolve(ORDER, "line_items[x.sku")


def test_the_record_transform_finds_an_odoo_record_by_a_field_and_objects_are_not_values():
    countries = {"GB": 77}
    mapping = {"name": "Country", "source": "address.country_code", "target": "country_id", "transform": "record"}
    mapping |= {"record_model": "res.country", "record_field": "code"}

    def find(model, field, value, _mapping):
        assert (model, field) == ("res.country", "code")
        return countries.get(value)

    assert apply_mappings({"address": {"country_code": "GB"}}, [mapping], find=find) == {"country_id": 77}
    assert apply_mappings({"address": {"country_code": "XX"}}, [mapping], find=find) == {}, "unknown: left out"
    with pytest.raises(MappingError, match="no res.country has code 'XX'"):
        apply_mappings({"address": {"country_code": "XX"}}, [dict(mapping, required=True)], find=find)
    street = {"name": "Street", "source": "address.street", "target": "street"}
    with pytest.raises(
        ValidationError, match=r"Mapping 'Street' \(address.street → street\): the payload has an object"
    ):
        apply_mappings({"address": {"street": {"line": 1}}}, [street])
