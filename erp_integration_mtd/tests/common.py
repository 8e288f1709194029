"""A UK company with l10n_uk's chart and VAT, and posting invoices and bills in it."""


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
