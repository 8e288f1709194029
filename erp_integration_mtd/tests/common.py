"""A UK company with l10n_uk's chart and VAT, posting invoices and bills in it, and a browser's details."""

# What the VAT return's widget collects in a browser, for HMRC's fraud prevention headers.
BROWSER = {
    "user_agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0 Safari/537.36",
    "device_id": "beec798b-b366-47fa-b1f8-92cede14a1ce",
    "timezone": "UTC+01:00",
    "screens": [{"width": 1920, "height": 1080, "scaling": 1, "depth": 24}],
    "window": {"width": 1256, "height": 803},
}


def uk_company(env, name="Brightwater MTD Ltd"):
    """A new UK company on l10n_uk's chart; returns it and its 20 %, 5 %, 0 % sales and 20 % purchase taxes."""
    gbp = env.ref("base.GBP")
    gbp.active = True
    company = env["res.company"].create({"name": name, "country_id": env.ref("base.uk").id, "currency_id": gbp.id})
    env["account.chart.template"].try_loading("uk", company, install_demo=False)
    template = env["account.chart.template"].with_company(company)
    return company, tuple(template.ref(xmlid) for xmlid in ("ST11", "ST5", "ST0", "PT_20_G"))


def post(env, partner, move_type, lines, date):
    """A posted invoice, credit note or bill of ``lines`` (price, tax) on ``date``."""
    move = env["account.move"].create(
        {
            "move_type": move_type,
            "partner_id": partner.id,
            "invoice_date": date,
            "date": date,
            "invoice_line_ids": [
                (0, 0, {"name": "Goods", "quantity": 1, "price_unit": price, "tax_ids": [(6, 0, tax.ids)]})
                for price, tax in lines
            ],
        }
    )
    move.action_post()
    return move
