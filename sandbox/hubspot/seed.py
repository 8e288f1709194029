"""The demo account: UK companies, their people, products and deals, the same for a given seed.

It holds the awkward cases an integration must cope with: VAT numbers that fail
their check digits, one spaced the way people type it, the same person twice with
differently cased emails, contacts without a company, closed deals both won and
lost, and deals for goods or for services.
"""

from datetime import datetime, timedelta, timezone
from decimal import Decimal

from .schema import association_type

BASE_TIME = datetime(2025, 3, 3, 9, 0, tzinfo=timezone.utc)
VAT_WEIGHTS = (8, 7, 6, 5, 4, 3, 2)

# name, domain, city, postcode, industry, payment terms; the last two get invalid VAT numbers.
COMPANIES = (
    ("Thornbury Tea Company Ltd", "thornburytea.co.uk", "Bristol", "BS35 2AA", "Food & Beverages", "30 days"),
    ("Wrenfield Joinery Ltd", "wrenfieldjoinery.co.uk", "York", "YO1 7HH", "Construction", "14 days"),
    ("Harbour & Hearth Interiors", "harbourandhearth.co.uk", "Brighton", "BN1 1AE", "Retail", "30 days"),
    ("Pennine Outdoor Supplies", "pennineoutdoor.co.uk", "Leeds", "LS1 4DY", "Sporting Goods", "60 days"),
    ("Caledonia Craft Brewers", "caledoniacraft.co.uk", "Edinburgh", "EH1 1YZ", "Food & Beverages", "30 days"),
    ("Severn Valley Florists", "severnflorists.co.uk", "Shrewsbury", "SY1 1HH", "Retail", "Due on receipt"),
    ("Ashdown Dental Practice", "ashdowndental.co.uk", "Tunbridge Wells", "TN1 1UT", "Health Care", "30 days"),
    ("Kestrel Print Studio", "kestrelprint.co.uk", "Manchester", "M1 1AD", "Printing", "14 days"),
    ("Mersey Marine Electrical", "merseymarine.co.uk", "Liverpool", "L3 4AF", "Marine", "30 days"),
    ("Cotswold Cheese Cellar", "cotswoldcheese.co.uk", "Cirencester", "GL7 2NX", "Food & Beverages", "30 days"),
    ("Lindenbrook Garden Centre", "lindenbrook.co.uk", "Norwich", "NR2 1NH", "Retail", "30 days"),
    ("Tamar Valley Cycles", "tamarcycles.co.uk", "Plymouth", "PL1 2AA", "Sporting Goods", "14 days"),
)
INVALID_VAT = (10, 11)
SPACED_VAT = 2

# One per company, in the same order.
PEOPLE = (
    ("Oliver", "Bennett", "Director"),
    ("Amelia", "Clarke", "Office Manager"),
    ("Harry", "Patel", "Buyer"),
    ("Isla", "Hughes", "Operations Manager"),
    ("George", "MacLeod", "Head Brewer"),
    ("Freya", "Evans", "Owner"),
    ("Arjun", "Shah", "Practice Manager"),
    ("Poppy", "Walsh", "Studio Lead"),
    ("Callum", "Doyle", "Finance Director"),
    ("Grace", "Whitfield", "Buyer"),
    ("Noah", "Fenwick", "Store Manager"),
    ("Ruby", "Trelawny", "Owner"),
)
DUPLICATE_EMAILS = ("Jane.Doe@Example.com", "jane.doe@example.com")
WITHOUT_COMPANY = (("Sam", "Taylor", "sam.taylor@gmail.com"), ("Priya", "Nair", "priya.nair@outlook.com"))

# sku, name, unit price, product type
PRODUCTS = (
    ("MUG-STONE-350", "Stoneware mug 350 ml", "8.50", "inventory"),
    ("TEAPOT-CER-1L", "Ceramic teapot 1 l", "24.00", "inventory"),
    ("TEA-EB-250", "English breakfast loose tea 250 g", "6.75", "inventory"),
    ("COASTER-OAK-4", "Oak coaster set of 4", "12.00", "inventory"),
    ("TRAY-WALNUT", "Walnut serving tray", "38.00", "inventory"),
    ("HAMPER-GIFT", "Gift hamper", "45.00", "inventory"),
    ("SRV-INSTALL-DAY", "Installation, day rate", "480.00", "service"),
    ("SRV-CONSULT-HR", "Consultancy, per hour", "95.00", "service"),
    ("SRV-TRAINING", "Staff training session", "350.00", "service"),
)

# stage, kind, company index
DEALS = (
    ("closedwon", "goods", 0),
    ("closedwon", "goods", 3),
    ("closedwon", "services", 6),
    ("closedwon", "services", 1),
    ("closedwon", "goods", 10),
    ("closedlost", "goods", 4),
    ("closedlost", "services", 7),
    ("appointmentscheduled", "goods", 2),
    ("qualifiedtobuy", "services", 5),
    ("presentationscheduled", "goods", 8),
    ("decisionmakerboughtin", "services", 9),
    ("contractsent", "goods", 11),
)


def gb_vat_number(rng, valid: bool = True) -> str:
    """A GB VAT number whose two check digits bring the weighted sum of all nine to a multiple of 97.

    That is HMRC's modulus 97 rule (weights 8 to 2, then 10 and 1 for the check
    digits). An invalid number is one off, so only the checksum gives it away.
    """
    digits = [rng.randint(1, 9)] + [rng.randint(0, 9) for _ in range(6)]
    check = -sum(w * d for w, d in zip(VAT_WEIGHTS, digits)) % 97
    if not valid:
        check = (check + 1) % 97
    return "GB" + "".join(map(str, digits)) + f"{check:02d}"


def populate(store, associations, rng) -> None:
    """Fill ``store`` and ``associations`` without announcing anything (no webhooks for the seed)."""
    clock = iter(BASE_TIME + timedelta(minutes=17 * step) for step in range(10_000))

    def create(kind, properties):
        return store.create(kind, properties, source=None, at=next(clock), unique=False)["id"]

    def link(from_type, from_id, to_type, to_id, *type_ids):
        associations.add(from_type, from_id, to_type, to_id, [association_type(from_type, t) for t in type_ids])

    companies, contacts = [], []
    for index, (name, domain, city, postcode, industry, terms) in enumerate(COMPANIES):
        vat = gb_vat_number(rng, valid=index not in INVALID_VAT)
        if index == SPACED_VAT:
            vat = f"{vat[:2]} {vat[2:5]} {vat[5:9]} {vat[9:]}"
        properties = {"name": name, "domain": domain, "city": city, "zip": postcode, "country": "United Kingdom"}
        properties.update(industry=industry, phone=_phone(rng), vat_number=vat, payment_terms=terms)
        companies.append(create("companies", {**properties, "lifecyclestage": "customer"}))
    for index, (first, last, title) in enumerate(PEOPLE):
        company_id, email = companies[index], f"{first}.{last}@{COMPANIES[index][1]}".lower()
        contact_id = create("contacts", {"firstname": first, "lastname": last, "email": email, "jobtitle": title})
        link("contacts", contact_id, "companies", company_id, 279, 1)
        contacts.append(contact_id)
    for email in DUPLICATE_EMAILS:
        contact_id = create("contacts", {"firstname": "Jane", "lastname": "Doe", "email": email, "phone": _phone(rng)})
        link("contacts", contact_id, "companies", companies[0], 279)
    for first, last, email in WITHOUT_COMPANY:
        create("contacts", {"firstname": first, "lastname": last, "email": email, "lifecyclestage": "lead"})

    products = {}
    for sku, name, price, product_type in PRODUCTS:
        properties = {"name": name, "price": price, "hs_sku": sku, "sku": sku, "hs_product_type": product_type}
        products[sku] = (create("products", properties), name, price, product_type)

    for number, (stage, kind, company_index) in enumerate(DEALS, start=1):
        wanted = "service" if kind == "services" else "inventory"
        catalogue = [sku for sku, *_, product_type in PRODUCTS if product_type == wanted]
        lines = []
        for sku in rng.sample(catalogue, rng.randint(1, 2 if kind == "services" else 3)):
            product_id, name, price, _ = products[sku]
            quantity = rng.randint(1, 5) if kind == "services" else rng.randint(2, 48)
            lines.append({"name": name, "hs_sku": sku, "hs_product_id": product_id, "quantity": quantity})
            lines[-1]["price"] = price
        closing = BASE_TIME + timedelta(days=3 * number + (0 if stage in ("closedwon", "closedlost") else 30))
        subject = "stock order" if kind == "goods" else "installation and training"
        properties = {
            "dealname": f"{COMPANIES[company_index][0]}: {subject}",
            "dealstage": stage,
            "amount": sum(line["quantity"] * Decimal(line["price"]) for line in lines),
            "closedate": closing.isoformat(),
            "deal_kind": kind,
            "deal_currency_code": "GBP",
            "payment_terms": COMPANIES[company_index][5],
        }
        if number % 3:
            properties["purchase_order_number"] = f"PO-{rng.randint(10000, 99999)}"
        deal_id = create("deals", properties)
        link("deals", deal_id, "companies", companies[company_index], 341, 5)
        link("deals", deal_id, "contacts", contacts[company_index], 3)
        for line in lines:
            link("line_items", create("line_items", line), "deals", deal_id, 20)


def _phone(rng) -> str:
    """A number from Ofcom's range reserved for drama, so it can never ring anyone."""
    return f"+44 117 496 0{rng.randint(100, 999)}"
