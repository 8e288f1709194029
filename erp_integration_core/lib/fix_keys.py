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
through the exception's cause. The key is stated, never read back out of a
message: a reworded message cannot lose it.
"""

MAPPING = "mapping"
PRODUCT = "product"
UNIT = "unit"
# Longest a key may be: it is stored and grouped on, never a whole message.
MAX_LENGTH = 200


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
    (a channel rewording ``_lookup_value``'s).
    """
    for link in _chain(error):
        key = getattr(link, "details", {}).get("fix_key")
        if key:
            return _clip(key)
    return None


def _chain(error):
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        yield error
        error = error.__cause__ or error.__context__


def _clip(key):
    return key[:MAX_LENGTH]
