"""Reproducible demo data: a small UK clothing shop with the cases a connector trips over.

``generate`` fills a store with products whose variants carry SKUs and valid GTIN-13
barcodes, two stocked locations, customers (a B2B buyer with a valid GB VAT number,
the same person under two capitalisations of one email, guest checkouts) and orders
in GBP, EUR and USD, VAT-inclusive and VAT-exclusive, with discount codes, line
discounts, shipping, gift cards, partial and full refunds and cancellations. The
same seed always gives the same data, timestamps included.
"""

import random
from datetime import datetime, timedelta, timezone

SEED_EPOCH = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
CATALOGUE = [
    ("Merino Crew Jumper", "Knitwear", "Highland Knitwear", "64.00"),
    ("Waxed Cotton Jacket", "Outerwear", "Northfield & Co", "149.00"),
    ("Oxford Button-Down Shirt", "Shirts", "Savile Basics", "45.00"),
    ("Chino Trousers", "Trousers", "Savile Basics", "55.00"),
    ("Lambswool Scarf", "Accessories", "Highland Knitwear", "29.50"),
    ("Breton Stripe Top", "Tops", "Coastline", "34.99"),
    ("Quilted Gilet", "Outerwear", "Northfield & Co", "89.00"),
    ("Cord Baker Boy Cap", "Accessories", "Coastline", "24.00"),
    ("Organic Cotton T-Shirt", "Tops", "Coastline", "19.99"),
    ("Harris Tweed Blazer", "Tailoring", "Savile Basics", "229.00"),
    ("Fisherman Rib Beanie", "Accessories", "Highland Knitwear", "18.50"),
    ("Selvedge Denim Jeans", "Trousers", "Northfield & Co", "98.00"),
]
SIZES = ["S", "M", "L", "XL"]
COLOURS = ["Navy", "Charcoal", "Forest", "Oatmeal", "Burgundy", "Sand"]
PEOPLE = [
    ("Sarah", "Jones", "Manchester", "M1 2AB"),
    ("Oliver", "Smith", "Leeds", "LS1 4DY"),
    ("Amelia", "Patel", "Birmingham", "B1 1AA"),
    ("Harry", "Williams", "Bristol", "BS1 5TR"),
    ("Isla", "Brown", "Edinburgh", "EH1 1YZ"),
    ("George", "Taylor", "Cardiff", "CF10 1EP"),
    ("Ava", "Davies", "Glasgow", "G1 1XQ"),
    ("Noah", "Evans", "Norwich", "NR2 1TF"),
    ("Mia", "Wilson", "York", "YO1 7HH"),
    ("Jack", "Thomas", "Brighton", "BN1 1AE"),
]
COMPANIES = [
    ("Priya", "Shah", "Shah Boutique Ltd", "Leicester", "LE1 5WW"),
    ("Tom", "Hughes", "Hughes Workwear Supplies Ltd", "Sheffield", "S1 2HE"),
]
SHIPPING = {
    "GB": [("Royal Mail Tracked 48", "3.95"), ("DPD Next Day", "6.95")],
    "INTL": [("DHL Express International", "14.95")],
}
FREE_SHIPPING = ("Free UK delivery", "0.00")
FREE_SHIPPING_OVER = 75
DISCOUNT_CODES = [("WELCOME10", 10), ("SPRING15", 15)]
LINE_DISCOUNTS = [("Staff discount", "percentage", 20), ("Price match", "fixed_amount", "5.00")]
# Scenarios every seeded shop has at least once (when it has that many orders), in this order.
FORCED = [
    "eur",
    "usd",
    "excl_vat",
    "b2b",
    "code",
    "line_discount",
    "gift_card_line",
    "gift_card_payment",
    "guest_capitalised",
    "pending",
    "cancel",
    "partial_refund",
    "full_refund",
    "partial_fulfil",
]


def gtin13(first12: str) -> str:
    """Append the GS1 check digit: weights 1 and 3 alternating from the left."""
    weighted = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(first12))
    return first12 + str((10 - weighted % 10) % 10)


def gb_vat_number(rnd: random.Random) -> str:
    """A GB VAT number passing HMRC's modulus 97 check (weights 8..2 on the first seven digits)."""
    digits = [rnd.randint(1, 9)] + [rnd.randint(0, 9) for _ in range(6)]
    weighted = sum(w * d for w, d in zip(range(8, 1, -1), digits))
    check = -weighted % 97
    return "GB" + "".join(map(str, digits)) + f"{check:02d}"


def generate(store, products: int = 12, orders: int = 40, seed=None, now: datetime = SEED_EPOCH) -> dict:
    """Fill ``store`` with ``products`` products and ``orders`` orders; return the counts."""
    rnd = random.Random(seed)
    start = now - timedelta(days=60)
    primary = store.add_location(
        "Manchester Warehouse",
        {
            "address1": "Unit 4, Trafford Park",
            "city": "Manchester",
            "zip": "M17 1AB",
            "country_code": "GB",
            "country": "United Kingdom",
            "province": "England",
            "province_code": "ENG",
            "phone": "+44 161 496 0000",
        },
        at=start,
    )
    shop = store.add_location(
        "London Shop",
        {
            "address1": "12 Carnaby Street",
            "city": "London",
            "zip": "W1F 9PS",
            "country_code": "GB",
            "country": "United Kingdom",
            "province": "England",
            "province_code": "ENG",
            "phone": "+44 20 7946 0000",
        },
        at=start,
    )
    variants = _products(store, rnd, products, [primary, shop], start)
    gift_cards = _gift_card(store, start)
    customers, b2b = _customers(store, rnd, start)
    scenarios = [FORCED[i] if i < len(FORCED) and orders >= len(FORCED) else None for i in range(orders)]
    step = timedelta(days=55) / max(orders, 1)
    for index, scenario in enumerate(scenarios):
        at = start + timedelta(days=2) + step * index + timedelta(minutes=rnd.randint(0, 600))
        _order(store, rnd, scenario, at, variants, gift_cards, customers, b2b)
    return {
        "locations": 2,
        "products": products + 1,
        "variants": len(variants) + len(gift_cards),
        "customers": len(customers) + len(b2b),
        "orders": orders,
    }


def _products(store, rnd, count, locations, at) -> list[dict]:
    barcodes, variants = set(), []
    for index in range(count):
        title, product_type, vendor, price = CATALOGUE[index % len(CATALOGUE)]
        if index >= len(CATALOGUE):
            title = f"{title} {index // len(CATALOGUE) + 1}"
        colours = rnd.sample(COLOURS, rnd.randint(1, 3))
        sizes = SIZES[: rnd.randint(2, 4)]
        code = "".join(word[0] for word in title.split() if word[0].isalnum()).upper() + f"{index:02d}"
        specs = []
        for colour in colours:
            for size in sizes:
                barcode = gtin13(f"50{rnd.randrange(10**10):010d}")
                while barcode in barcodes:
                    barcode = gtin13(f"50{rnd.randrange(10**10):010d}")
                barcodes.add(barcode)
                specs.append(
                    {
                        "options": [size, colour],
                        "sku": f"{code}-{colour[:3].upper()}-{size}",
                        "barcode": barcode,
                        "price": price,
                        "cost": str(round(float(price) * 0.4, 2)),
                    }
                )
        product = store.add_product(
            title,
            vendor,
            product_type,
            [("Size", sizes), ("Colour", colours)],
            specs,
            tags=[product_type.lower()],
            at=at,
        )
        for variant in store.variants_of(product["id"]):
            store.stock(variant["inventory_item_id"], locations[0]["id"], rnd.randint(20, 80), at=at)
            store.stock(variant["inventory_item_id"], locations[1]["id"], rnd.randint(0, 12), at=at)
            variants.append(variant)
    return variants


def _gift_card(store, at) -> list[dict]:
    product = store.add_product(
        "Gift Card",
        "Sandbox Outfitters",
        "Gift Cards",
        [("Denomination", ["£10", "£25", "£50"])],
        [{"options": [f"£{v}"], "sku": f"GIFT-{v}", "barcode": None, "price": v} for v in ("10", "25", "50")],
        gift_card=True,
        at=at,
    )
    return store.variants_of(product["id"])


def _customers(store, rnd, at) -> tuple[list[dict], list[dict]]:
    customers = []
    for first, last, city, postcode in PEOPLE:
        email = f"{first}.{last}@example.co.uk".lower()
        address = {
            "address1": f"{rnd.randint(1, 200)} High Street",
            "city": city,
            "zip": postcode,
            "country": "United Kingdom",
            "country_code": "GB",
            "province": "England",
            "province_code": "ENG",
        }
        phone = f"+44 7700 900{rnd.randint(100, 999)}"
        customers.append(
            store.add_customer(first, last, email, phone, address, at=at, accepts_marketing=rnd.random() < 0.5)
        )
    b2b = []
    for first, last, company, city, postcode in COMPANIES:
        vat_number = gb_vat_number(rnd)
        address = {
            "company": company,
            "address1": "Unit 7, Riverside Trading Estate",
            "city": city,
            "zip": postcode,
            "country": "United Kingdom",
            "country_code": "GB",
            "province": "England",
            "province_code": "ENG",
        }
        b2b.append(
            store.add_customer(
                first,
                last,
                f"accounts@{company.split()[0].lower()}.example.co.uk",
                None,
                address,
                at=at,
                tags=["b2b", "wholesale"],
                vat_number=vat_number,
                note=f"VAT registration {vat_number}",
            )
        )
    return customers, b2b


def _order(store, rnd, scenario, at, variants, gift_cards, customers, b2b) -> None:
    chance = rnd.random
    customer = rnd.choice(customers)
    email, currency, taxes_included, address = None, "GBP", True, None
    if scenario == "b2b" or (scenario is None and chance() < 0.1):
        customer, taxes_included = rnd.choice(b2b), False
    elif scenario == "guest_capitalised":
        customer, email, address = None, "Sarah.Jones@Example.co.uk", _guest_address(PEOPLE[0])
    elif scenario is None and chance() < 0.15:
        person = rnd.choice(PEOPLE)
        customer, email = None, f"{person[0].lower()}{rnd.randint(1, 99)}@guest.example.com"
        address = _guest_address(person)
    if scenario in ("eur", "usd"):
        currency = scenario.upper()
    elif scenario is None:
        currency = rnd.choices(["GBP", "EUR", "USD"], [8, 1, 1])[0]
    if scenario == "excl_vat" or (scenario is None and chance() < 0.05):
        taxes_included = False
    lines = [{"variant_id": v["id"], "quantity": rnd.randint(1, 3)} for v in rnd.sample(variants, rnd.randint(1, 3))]
    if scenario in ("partial_refund", "full_refund", "partial_fulfil") and lines[0]["quantity"] < 2:
        lines[0]["quantity"] = 2
    if scenario == "gift_card_line" or (scenario is None and chance() < 0.06):
        lines.append({"variant_id": rnd.choice(gift_cards)["id"], "quantity": 1})
    code = rnd.choice(DISCOUNT_CODES) if scenario == "code" or (scenario is None and chance() < 0.2) else None
    line_discounts = None
    if scenario == "line_discount" or (scenario is None and chance() < 0.12):
        line_discounts = {0: rnd.choice(LINE_DISCOUNTS)}
    international = currency != "GBP"
    goods = sum(float(store.get("variants", line["variant_id"])["price"]) * line["quantity"] for line in lines)
    if international:
        shipping = SHIPPING["INTL"][0]
    elif goods >= FREE_SHIPPING_OVER:
        shipping = FREE_SHIPPING
    else:
        shipping = rnd.choice(SHIPPING["GB"])
    if international:
        city, country, code_ = ("Paris", "France", "FR") if currency == "EUR" else ("New York", "United States", "US")
        address = {
            "first_name": "Alex",
            "last_name": "Martin",
            "address1": "5 Rue Exemple",
            "city": city,
            "zip": "75001" if code_ == "FR" else "10001",
            "country": country,
            "country_code": code_,
        }
    paid = scenario != "pending" and not (scenario is None and chance() < 0.08)
    gift_card_payment = "10.00" if scenario == "gift_card_payment" or (scenario is None and chance() < 0.05) else None
    order = store.create_order(
        lines,
        customer_id=customer["id"] if customer else None,
        email=email,
        currency=currency,
        taxes_included=taxes_included,
        shipping=shipping,
        discount_code=code,
        line_discounts=line_discounts,
        gift_card_payment=gift_card_payment if paid else None,
        paid=paid,
        address=address,
        at=at,
    )
    _lifecycle(store, rnd, scenario, order, at)


def _guest_address(person) -> dict:
    first, last, city, postcode = person
    return {
        "first_name": first,
        "last_name": last,
        "address1": "1 Station Road",
        "city": city,
        "zip": postcode,
        "country": "United Kingdom",
        "country_code": "GB",
    }


def _lifecycle(store, rnd, scenario, order, at) -> None:
    """What happened to the order after it was placed: shipped, refunded or cancelled."""
    if scenario is None:
        roll = rnd.random()
        scenario = (
            "cancel"
            if roll < 0.05
            else "partial_refund"
            if roll < 0.13
            else "full_refund"
            if roll < 0.17
            else "fulfil"
            if roll < 0.65
            else None
        )
    fulfilment_orders = store.find("fulfillment_orders", order_id=order["id"])
    if scenario == "cancel":
        store.cancel(order["id"], "customer", refund=True, restock=True, at=at + timedelta(hours=2))
        return
    if order["financial_status"] != "paid":
        return
    if scenario in ("fulfil", "partial_refund", "partial_fulfil") and fulfilment_orders:
        fo = fulfilment_orders[0]
        wanted = None
        if scenario == "partial_fulfil":
            wanted = [{"id": fo["line_items"][0]["id"], "quantity": 1}]
        store.fulfill(
            [{"fulfillment_order_id": fo["id"], "line_items": wanted}],
            {
                "company": "Royal Mail",
                "number": f"RM{rnd.randrange(10**9):09d}GB",
                "url": "https://www.royalmail.com/track-your-item",
            },
            at=at + timedelta(days=1),
        )
    if scenario == "partial_refund":
        first = order["line_items"][0]
        store.refund(
            order["id"],
            [{"line_item_id": first["id"], "quantity": 1, "restock_type": "return"}],
            note="Returned: wrong size",
            at=at + timedelta(days=4),
        )
    elif scenario == "full_refund":
        lines = [dict(line, restock_type="cancel") for line in store.refundable_lines(order)]
        store.refund(order["id"], lines, "full", note="Customer changed their mind", at=at + timedelta(days=1))
