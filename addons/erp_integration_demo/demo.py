from decimal import ROUND_HALF_UP, Decimal

PRODUCTS = [
    ("MUG-BLU", "Blue enamel mug", "12.00"),
    ("TEE-M-BLK", "Black tee, M", "20.00"),
    ("TOTE-NAT", "Natural canvas tote", "9.50"),
]
# What the sandbox portal's deals sell (its seed's products), by SKU; services make a project and tasks.
HUBSPOT_PRODUCTS = [
    ("MUG-STONE-350", "Stoneware mug 350 ml", "8.50"),
    ("TEAPOT-CER-1L", "Ceramic teapot 1 l", "24.00"),
    ("TEA-EB-250", "English breakfast loose tea 250 g", "6.75"),
    ("COASTER-OAK-4", "Oak coaster set of 4", "12.00"),
    ("TRAY-WALNUT", "Walnut serving tray", "38.00"),
    ("HAMPER-GIFT", "Gift hamper", "45.00"),
    ("SRV-INSTALL-DAY", "Installation, day rate", "480.00"),
    ("SRV-CONSULT-HR", "Consultancy, per hour", "95.00"),
    ("SRV-TRAINING", "Staff training session", "350.00"),
]
# The portal's payment terms and the Odoo terms they mean.
HUBSPOT_TERMS = {
    "Due on receipt": "account.account_payment_term_immediate",
    "14 days": "account.account_payment_term_15days",
    "30 days": "account.account_payment_term_30days",
    "60 days": "account.account_payment_term_45days",
}
CUSTOMERS = [
    ("Ada", "Lovelace", "ada@example.com", "BS1 4SB"),
    ("Grace", "Hopper", "grace@example.com", "M1 1AE"),
    ("Alan", "Turing", "alan@example.com", "SK9 5AF"),
    ("Mary", "Somerville", "mary@example.com", "EH1 1YZ"),
]


CENT = Decimal("0.01")


def prepare_demo(env):
    """Give the demo company the UK chart of accounts, Shopify mappings and a week of history.

    Run once after the addon is installed (``make run`` does it): the chart can
    only be loaded once the registry is complete, after accounting's own
    automatic choice. The dashboard is given a week of history
    (``history.demo_history``); a demo prepared before it had one gets it on
    the next run. Live orders come from the sandbox store once
    ``scripts/demo-connect`` has connected it: an order Odoo takes in must be
    one the store has, or its fulfilment would have nothing to fulfil.
    """
    # Imported here: the history builds its orders with this module's.
    from .history import demo_history

    backend = env.ref("erp_integration_demo.backend_shopify")
    if backend.value_mapping_ids:
        return demo_history(env)
    # Webhook addresses are built from it: the demo listens on 127.0.0.1:8069.
    env["ir.config_parameter"].set_param("web.base.url", "http://127.0.0.1:8069")
    company = env.ref("base.main_company")
    if company.chart_template != "uk":
        # Accounting was installed before the company became British; nothing is
        # posted yet, so the UK chart (and its VAT taxes) can still replace it.
        env["account.chart.template"].try_loading("uk", company, install_demo=False)
    # Shopify rounds VAT line by line; so does the demo company, as Set up Shopify advises.
    company.tax_calculation_rounding_method = "round_per_line"
    vat = env["account.chart.template"].with_company(company).ref("ST11")
    vat_included = vat.copy({"name": "20% (incl.)", "price_include_override": "tax_included"})
    Mapping = env["integration.value.mapping"]
    Mapping.create(
        {
            "backend_id": backend.id,
            "map_type": "tax",
            "external_value": "GB VAT",
            "odoo_record": f"account.tax,{vat.id}",
        }
    )
    Mapping.create(
        {
            "backend_id": backend.id,
            "map_type": "tax_included",
            "external_value": "GB VAT",
            "odoo_record": f"account.tax,{vat_included.id}",
        }
    )
    for sku, name, price in PRODUCTS:
        env["product.product"].create(
            {
                "name": name,
                "default_code": sku,
                "list_price": float(price),
                "is_storable": True,
                "taxes_id": [(6, 0, vat.ids)],
            }
        )
    _prepare_hubspot(env, vat)
    # The warehouse the 3PL runs: Odoo's own, at its main site. Set here rather than
    # in the data, so that databases with the demo installed (tests) ship nothing to it.
    env.ref("erp_integration_demo.backend_3pl").write(
        {"threepl_warehouse_id": env.ref("stock.warehouse0").id, "threepl_site": "MAIN"}
    )
    demo_history(env)
    return True


def _order(order_id, customer, sku, quantity):
    """A small VAT-inclusive UK order, shaped like Shopify's orders/create payload."""
    first, last, email, postcode = customer
    price = {code: Decimal(p) for code, _name, p in PRODUCTS}.get(sku, Decimal("30.00"))
    gross = price * quantity
    shipping = Decimal("3.99")
    # Rounded half up, line by line, as Shopify rounds VAT.
    tax = [(amount - amount / Decimal("1.2")).quantize(CENT, rounding=ROUND_HALF_UP) for amount in (gross, shipping)]
    return {
        "id": order_id,
        "admin_graphql_api_id": f"gid://shopify/Order/{order_id}",
        "name": f"#{order_id}",
        "email": email,
        "currency": "GBP",
        "taxes_included": True,
        "financial_status": "paid",
        "total_price": str(gross + shipping),
        "total_tax": str(sum(tax)),
        "customer": {"id": 70000 + order_id, "email": email, "first_name": first, "last_name": last},
        "billing_address": {"first_name": first, "last_name": last, "zip": postcode, "country_code": "GB"},
        "line_items": [
            {
                "id": order_id * 10,
                "sku": sku,
                "title": sku,
                "quantity": quantity,
                "price": str(price),
                "tax_lines": [{"title": "GB VAT", "rate": 0.2, "price": str(tax[0])}],
            }
        ],
        "shipping_lines": [
            {
                "id": order_id * 10 + 1,
                "title": "Royal Mail Tracked 48",
                "price": str(shipping),
                "tax_lines": [{"title": "GB VAT", "rate": 0.2, "price": str(tax[1])}],
            }
        ],
    }


def _prepare_hubspot(env, vat):
    """What the HubSpot portal's won deals need: its products by SKU and its payment terms mapped."""
    backend = env.ref("erp_integration_demo.backend_hubspot")
    for sku, name, price in HUBSPOT_PRODUCTS:
        values = {"name": name, "default_code": sku, "list_price": float(price), "taxes_id": [(6, 0, vat.ids)]}
        if sku.startswith("SRV-"):
            values |= {"type": "service", "service_tracking": "task_in_project"}
        else:
            values["is_storable"] = True
        env["product.product"].create(values)
    env["integration.value.mapping"].create(
        [
            {
                "backend_id": backend.id,
                "map_type": "payment_terms",
                "external_value": terms,
                "odoo_record": f"account.payment.term,{env.ref(xmlid).id}",
            }
            for terms, xmlid in HUBSPOT_TERMS.items()
        ]
    )
