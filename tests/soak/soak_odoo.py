"""The Odoo side of ``tests.soak``: run inside ``odoo-bin shell`` on the soak database.

Each task returns a JSON-serialisable dict, printed as one ``BENCH-RESULT``
line as ``tests.bench`` does, so ``Odoo.shell`` reads it::

    from tests.soak import soak_odoo
    soak_odoo.main(env, "configure", sandbox_url=..., recorder_url=...)
"""

import json
import secrets

from tests.bench import shopify_odoo

OPERATOR_LOGIN = "soak.operator"


def main(env, task, **params):
    tasks = {"configure": configure}
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
        "shopify": {"id": shopify.id, "webhook_path": configured["webhook_path"], "secret": shopify.webhook_secret},
        "hubspot": {
            "id": hubspot.id,
            "webhook_path": f"/integration/webhook/{hubspot.webhook_token}",
            "secret": hubspot.webhook_secret,
        },
        "3pl": {
            "id": warehouse.id,
            "webhook_path": f"/integration/webhook/{warehouse.webhook_token}",
            "secret": warehouse.webhook_secret,
        },
        "operator": {"login": operator.login, "password": password},
        "admin": {"login": "admin", "password": admin_password},
        "products_link": configured["products_link"],
    }
