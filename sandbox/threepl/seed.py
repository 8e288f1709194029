"""Starting data: two UK sites, a small gift-shop catalogue with stock, and a few orders under way."""

WAREHOUSES = ((1, "MAIN", "Manchester Fulfilment Centre"), (2, "SOUTH", "Milton Keynes Hub"))

CATALOGUE = (
    ("MUG-BLU", "Enamel mug, blue"),
    ("MUG-RED", "Enamel mug, red"),
    ("MUG-GRN", "Enamel mug, green"),
    ("MUG-WHT", "Bone china mug, white"),
    ("TEE-S-BLK", "Organic cotton T-shirt, black, S"),
    ("TEE-M-BLK", "Organic cotton T-shirt, black, M"),
    ("TEE-L-BLK", "Organic cotton T-shirt, black, L"),
    ("TEE-XL-BLK", "Organic cotton T-shirt, black, XL"),
    ("TEE-S-WHT", "Organic cotton T-shirt, white, S"),
    ("TEE-M-WHT", "Organic cotton T-shirt, white, M"),
    ("TEE-L-WHT", "Organic cotton T-shirt, white, L"),
    ("HOOD-M-NVY", "Hooded sweatshirt, navy, M"),
    ("HOOD-L-NVY", "Hooded sweatshirt, navy, L"),
    ("HOOD-M-GRY", "Hooded sweatshirt, heather grey, M"),
    ("CAP-NVY", "Baseball cap, navy"),
    ("BEANIE-MUS", "Lambswool beanie, mustard"),
    ("SOCK-WOOL-ML", "Wool socks, size 7-11"),
    ("TOTE-NAT", "Canvas tote bag, natural"),
    ("TOTE-BLK", "Canvas tote bag, black"),
    ("NOTE-A5-DOT", "A5 notebook, dot grid"),
    ("NOTE-A5-LIN", "A5 notebook, lined"),
    ("PEN-BRASS", "Brass ballpoint pen"),
    ("CANDLE-FIG", "Soy candle, fig and cassis"),
    ("CANDLE-SEA", "Soy candle, sea salt"),
    ("PRINT-A3-MAP", "A3 print, map of the Lake District"),
    ("PRINT-A4-BIRD", "A4 print, garden birds"),
    ("TEA-EARLGREY", "Loose leaf tea, Earl Grey, 100 g"),
    ("TEA-BREAKFAST", "Loose leaf tea, English breakfast, 100 g"),
    ("COASTER-SLATE-4", "Welsh slate coasters, set of 4"),
    ("APRON-DENIM", "Denim apron"),
)
OUT_OF_STOCK = ("CANDLE-FIG", "PRINT-A3-MAP")

CUSTOMERS = (
    ("Amelia", "Hughes", "14 Station Road", "Leeds", "LS1 4DY", "amelia.hughes@example.co.uk"),
    ("Oliver", "Patel", "3 Mill Lane", "Bristol", "BS1 5TR", "oliver.patel@example.co.uk"),
    ("Isla", "Morgan", "27 High Street", "Cardiff", "CF10 1AA", "isla.morgan@example.co.uk"),
    ("Harry", "Walsh", "9 Church Street", "Norwich", "NR2 1RQ", "harry.walsh@example.co.uk"),
)
ORDERS = (
    ("SO-1001", "Royal Mail Tracked 48", [("MUG-BLU", 2), ("TEA-EARLGREY", 1)], "despatch"),
    ("SO-1002", "DPD Next Day", [("TEE-M-BLK", 1), ("TOTE-NAT", 1)], "allocate"),
    ("SO-1003", "Royal Mail Tracked 24", [("CANDLE-FIG", 1), ("NOTE-A5-DOT", 2)], "allocate"),
    ("SO-1004", "Royal Mail Tracked 48", [("HOOD-L-NVY", 1)], None),
)


def ean13(digits12: str) -> str:
    """Complete a 12-digit GS1 number with its check digit."""
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(digits12))
    return digits12 + str((10 - total % 10) % 10)


def populate(warehouse) -> None:
    """Fill an empty warehouse; randomness comes from its seeded state, so a seed gives the same data."""
    rng = warehouse.random
    for warehouse_id, code, name in WAREHOUSES:
        warehouse.add_warehouse(warehouse_id, code, name)
    for position, (sku, name) in enumerate(CATALOGUE, 1):
        warehouse.add_product(sku, name, ean13(f"50601234{position:04d}"))
        main, south = (0, 0) if sku in OUT_OF_STOCK else (rng.randint(20, 150), rng.randint(0, 60))
        warehouse.set_stock(1, sku, main)
        warehouse.set_stock(2, sku, south)
    for (number, service, items, stage), customer in zip(ORDERS, CUSTOMERS):
        first, last, street, town, postcode, email = customer
        order = warehouse.create_order(
            {
                "OrderNumber": number,
                "ExternalOrderReference": f"#{number[3:]}",
                "FirstName": first,
                "LastName": last,
                "Address1": street,
                "Town": town,
                "PostCode": postcode,
                "Country": "GB",
                "Email": email,
                "CourierService": service,
                "Channel": "Shopify",
                "OrderItems": [
                    {"SKU": sku, "Quantity": quantity, "UnitPrice": 12.5, "UnitPriceVat": 2.5}
                    for sku, quantity in items
                ],
            }
        )
        if stage == "despatch":
            warehouse.despatch(order["ID"])
        elif stage == "allocate":
            warehouse.allocate(order["ID"])
    warehouse.create_asn(
        {
            "Reference": "PO-2001",
            "Warehouse": "MAIN",
            "Items": [{"SKU": "CANDLE-FIG", "Quantity": 24}, {"SKU": "PRINT-A3-MAP", "Quantity": 10}],
        }
    )
