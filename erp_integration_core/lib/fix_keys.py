"""What must be fixed before an exchange can go through, as a short key.

An exception queue of hundreds of exchanges is usually a handful of causes:
one tax mapping missing, two SKUs Odoo does not know. The key names the cause
so the queue can be grouped by it and the fix opened from it:

``mapping:<type>:<external value>``  a value mapping to add or complete
``product:<SKU>[, <SKU>…]``          products Odoo does not know by that reference
``unit:<Odoo unit>``                 the warehouse's name for an Odoo unit of measure

A connector states the key where it raises the error
(``MappingError(message, fix_key=product_key(sku))``, or ``mapping_key``),
``backend._lookup_value`` does for every value mapping it misses, and a
channel that wraps that error (``raise TaxError(...) from err``) keeps it
through the exception's cause. Messages of channels that do not state it yet
are recognised by the few patterns below.
"""

import re

MAPPING = "mapping"
PRODUCT = "product"
UNIT = "unit"
# Longest a key may be: it is stored and grouped on, never a whole message.
MAX_LENGTH = 200

# Channel messages that name a fix without stating its key.
PATTERNS = (
    # Shopify: "Shopify order #1004: SKU 'LAMP-01' has no product in Odoo (line 'Lamp')."
    (re.compile(r"SKU '(?P<skus>[^']+)' has no product in Odoo"), PRODUCT),
    # HubSpot: "HubSpot deal 'X' has lines Odoo has no product for: A, B. Give each…"
    (re.compile(r"has lines Odoo has no product for: (?P<skus>.+?)\. Give each"), PRODUCT),
    # Warehouse: "Product EGG-BOX is kept in Dozens, which has no warehouse unit."
    (re.compile(r"is kept in (?P<unit>.+?), which has no warehouse unit"), UNIT),
    # Shopify, a tax mapping left empty: "Shopify tax 'GB VAT' (prices include tax) on … is mapped to no Odoo tax"
    (
        re.compile(r"Shopify tax '(?P<value>[^']+)' \(prices (?P<included>include|exclude) tax\).*? is mapped to no"),
        MAPPING,
    ),
)


def mapping_key(map_type, external_value):
    """The key of a value mapping to add (or complete): ``mapping:tax:GB VAT``."""
    return _clip(f"{MAPPING}:{map_type}:{external_value}")


def product_key(*skus):
    """The key of products Odoo lacks by reference: ``product:SKU-1`` or ``product:SKU-1, SKU-2``."""
    return _clip(f"{PRODUCT}:{', '.join(skus)}")


def unit_key(unit_name):
    """The key of an Odoo unit the warehouse has no name for: ``unit:Dozens``."""
    return _clip(f"{UNIT}:{unit_name}")


def parse(key):
    """``(kind, values)`` of a key: ``("mapping", ["tax", "GB VAT"])``, ``("product", ["A", "B"])``; or None."""
    kind, _sep, rest = (key or "").partition(":")
    if not rest:
        return None
    if kind == MAPPING:
        map_type, _sep, value = rest.partition(":")
        return (MAPPING, [map_type, value]) if map_type and value else None
    if kind == PRODUCT:
        return PRODUCT, [sku.strip() for sku in rest.split(",") if sku.strip()]
    if kind == UNIT:
        return UNIT, [rest]
    return None


def fix_key(error):
    """The key of what must be fixed for ``error`` to go away, or None.

    The error's own ``fix_key`` wins, then one of an error it was raised from
    (a channel rewording ``_lookup_value``'s), then the known message shapes.
    """
    chain = list(_chain(error))
    for link in chain:
        key = getattr(link, "details", {}).get("fix_key")
        if key:
            return _clip(key)
    for link in chain:
        key = _from_message(getattr(link, "message", None) or str(link))
        if key:
            return key
    return None


def _chain(error):
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        yield error
        error = error.__cause__ or error.__context__


def _from_message(message):
    for pattern, kind in PATTERNS:
        found = pattern.search(message or "")
        if not found:
            continue
        if kind == PRODUCT:
            return product_key(*(sku.strip() for sku in found["skus"].split(",")))
        if kind == UNIT:
            return unit_key(found["unit"])
        return mapping_key("tax_included" if found["included"] == "include" else "tax", found["value"])
    return None


def _clip(key):
    return key[:MAX_LENGTH]
