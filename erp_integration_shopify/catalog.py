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

from odoo.addons.erp_integration_core.work import Component

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


class Catalog(Component):
    def create(self, variants, templates=None):
        """Create the Odoo products of ``variants``; returns {SKU: product.product}.

        ``templates`` maps a Shopify product id to the Odoo template its other
        variants are already linked to: a new variant (a new colour, say)
        joins that template rather than starting another one.
        """
        templates = templates or {}
        by_product = defaultdict(list)
        for variant in variants:
            by_product[variant["product"]["id"]].append(variant)
        created = {}
        for product_id, group in by_product.items():
            template = templates.get(product_id)
            added = self._extend(template, group) if template else None
            created.update(added if added is not None else self._create_product(group))
        return created

    def _extend(self, template, variants):
        """Add ``variants`` to ``template``, or None when they do not fit its attributes and prices."""
        lines = {line.attribute_id.name.lower(): line for line in template.attribute_line_ids}
        names = [name for name, _value in _options(variants[0])]
        if not names or sorted(name.lower() for name in names) != sorted(lines):
            return None
        extras = {
            (ptav.attribute_id.name.lower(), ptav.name.lower()): Decimal(str(ptav.price_extra))
            for ptav in template.attribute_line_ids.product_template_value_ids
        }
        base = Decimal(str(template.list_price))
        for variant in variants:
            price = base + sum(extras.get((n.lower(), v.lower()), Decimal(0)) for n, v in _options(variant))
            if price != Decimal(variant.get("price") or 0):
                return None
        before = template.with_context(active_test=False).product_variant_ids
        for name in names:
            line = lines[name.lower()]
            values = [value for n, value in (o for v in variants for o in _options(v)) if n == name]
            _attribute, value_ids = self._attribute(
                line.attribute_id.name, list(dict.fromkeys(values)), line.attribute_id
            )
            missing = set(value_ids) - set(line.value_ids.ids)
            if missing:
                line.value_ids = [Command.link(value_id) for value_id in missing]
        return self._match(template, variants, template.product_variant_ids - before)

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
            extra = extras.get((ptav.attribute_id.name.lower(), ptav.name.lower()))
            if extra:
                ptav.price_extra = float(extra)
        return self._match(template, variants, template.product_variant_ids)

    @staticmethod
    def _match(template, variants, new_products):
        """Give each Shopify variant's SKU and GTIN to the Odoo variant with its options.

        Of ``new_products`` (the variants Odoo just generated), the
        combinations Shopify does not sell are archived.
        """
        by_options = {
            frozenset(
                (ptav.attribute_id.name.lower(), ptav.name.lower())
                for ptav in product.product_template_attribute_value_ids
            ): product
            for product in template.product_variant_ids
        }
        created = {}
        for variant in variants:
            product = by_options[frozenset((n.lower(), v.lower()) for n, v in _options(variant))]
            product.write({"default_code": variant["sku"], "barcode": _barcode(variant)})
            created[variant["sku"]] = product
        new_products.filtered(lambda product: product.default_code not in created).action_archive()
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
                return {(name.lower(), value.lower()): price - base for value, price in by_value.items()}
        return None

    def _attribute(self, name, values, attribute=None):
        """The Odoo attribute called ``name`` that makes variants, with ids of ``values`` (created as needed)."""
        Attribute = self.env["product.attribute"]
        attribute = attribute or Attribute.search(
            [("name", "=ilike", name), ("create_variant", "=", "always")], limit=1
        )
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
