"""Odoo products for Shopify products, when Shopify owns the catalogue.

A Shopify product becomes one product template: its options (Size, Colour…)
become attributes and each Shopify variant the Odoo variant with the same
option values, carrying its SKU and GTIN. Odoo makes every combination of the
values; those Shopify does not sell are archived.

Odoo prices a variant as the template's price plus extras per attribute value.
When one option explains Shopify's price differences (every Large costs £2
more, say), they become those extras; when none does, the product's variants
become separate products instead, so that every price stays exact.
"""

from collections import defaultdict
from decimal import Decimal

from stdnum import ean

from odoo import Command

DEFAULT_TITLE = "Default Title"


def _options(variant):
    """A variant's (option, value) pairs, none for Shopify's single 'Default Title' variant."""
    return [
        (option["name"], option["value"])
        for option in variant.get("selectedOptions") or []
        if option["value"] != DEFAULT_TITLE
    ]


def _barcode(variant):
    barcode = variant.get("barcode")
    return barcode if barcode and ean.is_valid(barcode) else False


class Catalog:
    def __init__(self, env):
        self.env = env

    def create(self, variants):
        """Create the Odoo products of ``variants``; returns {SKU: product.product}."""
        by_product = defaultdict(list)
        for variant in variants:
            by_product[variant["product"]["id"]].append(variant)
        created = {}
        for group in by_product.values():
            created.update(self._create_product(group))
        return created

    def _create_product(self, variants):
        names = [name for name, _value in _options(variants[0])]
        prices = {variant["sku"]: Decimal(variant.get("price") or 0) for variant in variants}
        base = min(prices.values())
        extras = self._extras(variants, names, prices, base)
        if extras is None:
            return {variant["sku"]: self._create_single(variant) for variant in variants}
        values = {name: [] for name in names}
        for variant in variants:
            for name, value in _options(variant):
                if value not in values[name]:
                    values[name].append(value)
        template = self.env["product.template"].create(
            {
                "name": variants[0]["product"]["title"],
                "is_storable": True,
                "list_price": float(base),
                "attribute_line_ids": [
                    Command.create({"attribute_id": attribute.id, "value_ids": [Command.set(value_ids)]})
                    for attribute, value_ids in (self._attribute(name, values[name]) for name in names)
                ],
            }
        )
        for ptav in template.attribute_line_ids.product_template_value_ids:
            extra = extras.get((ptav.attribute_id.name, ptav.name))
            if extra:
                ptav.price_extra = float(extra)
        by_options = {
            frozenset(
                (ptav.attribute_id.name, ptav.name) for ptav in product.product_template_attribute_value_ids
            ): product
            for product in template.product_variant_ids
        }
        created = {}
        for variant in variants:
            product = by_options[frozenset(_options(variant))]
            product.write({"default_code": variant["sku"], "barcode": _barcode(variant)})
            created[variant["sku"]] = product
        unsold = template.product_variant_ids.filtered(lambda product: product.default_code not in created)
        unsold.action_archive()
        return created

    @staticmethod
    def _extras(variants, names, prices, base):
        """Price extras per (option, value) explaining every variant's price, or None if one option cannot."""
        if len(set(prices.values())) == 1:
            return {}
        for index, name in enumerate(names):
            by_value = {}
            for variant in variants:
                value = _options(variant)[index][1]
                if by_value.setdefault(value, prices[variant["sku"]]) != prices[variant["sku"]]:
                    break
            else:
                return {(name, value): price - base for value, price in by_value.items()}
        return None

    def _attribute(self, name, values):
        """The Odoo attribute called ``name`` that makes variants, with ids of ``values`` (created as needed)."""
        Attribute = self.env["product.attribute"]
        attribute = Attribute.search([("name", "=ilike", name), ("create_variant", "=", "always")], limit=1)
        if not attribute:
            attribute = Attribute.create({"name": name, "create_variant": "always"})
        existing = {value.name.lower(): value for value in attribute.value_ids}
        missing = [value for value in values if value.lower() not in existing]
        if missing:
            for record in self.env["product.attribute.value"].create(
                [{"attribute_id": attribute.id, "name": value} for value in missing]
            ):
                existing[record.name.lower()] = record
        return attribute, [existing[value.lower()].id for value in values]

    def _create_single(self, variant):
        """One plain product for one variant."""
        title = variant["product"]["title"]
        if variant.get("title") and variant["title"] != DEFAULT_TITLE:
            title = f"{title} ({variant['title']})"
        return self.env["product.product"].create(
            {
                "name": title,
                "default_code": variant["sku"],
                "barcode": _barcode(variant),
                "list_price": float(variant.get("price") or 0),
                "is_storable": True,
            }
        )
