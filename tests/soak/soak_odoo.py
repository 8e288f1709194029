"""The Odoo side of ``tests.soak``: run inside ``odoo-bin shell`` on the soak database.

Each task returns a JSON-serialisable dict, printed as one ``BENCH-RESULT``
line as ``tests.bench`` does, so ``Odoo.shell`` reads it::

    from tests.soak import soak_odoo
    soak_odoo.main(env, "configure", sandbox_url=..., recorder_url=...)
"""

import json
import secrets

from tests.bench import shopify_odoo, threepl_odoo

OPERATOR_LOGIN = "soak.operator"


def main(env, task, **params):
    tasks = {"configure": configure, "r3_prepare": r3_prepare, "r3_load": r3_load, "r3_done": r3_done}
    result = tasks[task](env(su=True), **params)
    env.cr.commit()
    print("BENCH-RESULT " + json.dumps(result, default=str), flush=True)


def configure(env, sandbox_url, recorder_url):
    """The Shopify backend as the benchmark sets it up, HubSpot and warehouse backends on the sandbox, an operator.

    The operator is an Integration User (no manager rights), with a password
    of this run's, so the soak can log in as them over HTTP.
    """
    configured = shopify_odoo.configure_ours(env, api_url=f"{sandbox_url}/shopify", recorder_url=recorder_url)
    hubspot = env["integration.backend"].create(
        {
            "name": "HubSpot (soak)",
            "channel": "hubspot",
            "api_url": f"{sandbox_url}/hubspot",
            "api_token": "pat-sandbox-demo-token",
            "webhook_secret": secrets.token_hex(16),
        }
    )
    warehouse = env["integration.backend"].create(
        {
            "name": "Warehouse (soak)",
            "channel": "3pl",
            "threepl_transport": "rest",
            "api_url": f"{sandbox_url}/threepl",
            "api_token": "ms-sandbox-demo-key",
            "webhook_secret": secrets.token_hex(16),
        }
    )
    password = secrets.token_urlsafe(12)
    operator = env["res.users"].create(
        {
            "name": "Soak operator",
            "login": OPERATOR_LOGIN,
            "password": password,
            "group_ids": [
                (6, 0, [env.ref("base.group_user").id, env.ref("erp_integration_core.group_integration_user").id])
            ],
        }
    )
    admin_password = secrets.token_urlsafe(12)
    env.ref("base.user_admin").password = admin_password
    shopify = env["integration.backend"].search([("channel", "=", "shopify")], limit=1)
    return {
        "shopify": {"id": shopify.id, "webhook_path": shopify._webhook_path(), "secret": shopify.webhook_secret},
        "hubspot": {
            "id": hubspot.id,
            "webhook_path": hubspot._webhook_path(),
            "secret": hubspot.webhook_secret,
        },
        "3pl": {
            "id": warehouse.id,
            "webhook_path": warehouse._webhook_path(),
            "secret": warehouse.webhook_secret,
        },
        "operator": {"login": operator.login, "password": password},
        "admin": {"login": "admin", "password": admin_password},
        "products_link": configured["products_link"],
    }


def _backend(env, channel):
    return env["integration.backend"].search([("channel", "=", channel)], limit=1)


def r3_prepare(env, skus, stock, goods, services):
    """R3's three channels at work on one warehouse: the warehouse backend runs it, HubSpot is set up.

    Odoo holds ``stock`` of each of ``skus`` (the shop's and the HubSpot
    ``goods``) where the warehouse backend ships from, so each order's delivery
    is reserved and sent. The deals' products are made as the portal names
    them, taxed as HubSpot's deals are priced (before VAT); *Set up HubSpot*
    is pressed once the portal has its deals, so it proposes their payment
    terms. Customers stay HubSpot's, as in its benchmark.
    """
    warehouse = env.ref("stock.warehouse0")
    vat = env["account.tax"].search([("name", "=", "GB VAT 20% (excl.)"), ("company_id", "=", env.company.id)])
    Product = env["product.product"]
    for lines, storable in ((goods, True), (services, False)):
        for sku, _quantity, price in lines:
            if not Product.search([("default_code", "=", sku)], limit=1):
                Product.create(
                    {
                        "name": sku,
                        "default_code": sku,
                        "list_price": float(price),
                        "type": "consu" if storable else "service",
                        "is_storable": storable,
                        "taxes_id": [(6, 0, vat.ids)],
                    }
                )
    stocked = threepl_odoo.prepare_shop(env, skus, stock)
    _backend(env, "3pl").write({"threepl_warehouse_id": warehouse.id, "threepl_site": "MAIN"})
    hubspot = _backend(env, "hubspot")
    hubspot.owner_customers = "external"
    set_up = hubspot.action_hubspot_setup()
    return {**stocked, "hubspot_setup": set_up["params"]["message"]}


def r3_load(env):
    """Press *Load companies and contacts* on the HubSpot backend: its listing and pages are jobs."""
    _backend(env, "hubspot").action_hubspot_load()
    return {"load": "started"}


def r3_done(env):
    """The warehouse backend stops running the warehouse: the scenarios after R3 send nothing to it."""
    _backend(env, "3pl").threepl_warehouse_id = False
    return {"warehouse": None}
