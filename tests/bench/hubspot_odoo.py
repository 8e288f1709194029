"""The Odoo side of ``tests.bench.hubspot``: run inside ``odoo-bin shell`` on the benchmark database.

from tests.bench import hubspot_odoo
hubspot_odoo.main(env, "configure", api_url=...)
"""

import json

from odoo.addons.erp_integration_demo import prepare_demo


def main(env, task, **params):
    tasks = {"configure": configure, "start_load": start_load}
    result = tasks[task](env(su=True), **params)
    env.cr.commit()
    print("BENCH-RESULT " + json.dumps(result, default=str), flush=True)


def _backend(env):
    return env.ref("erp_integration_demo.backend_hubspot")


def configure(env, api_url):
    """Point the demo's HubSpot backend at the sandbox and press Set up HubSpot."""
    # The demo company's chart, VAT and the portal's products, as make run prepares them.
    prepare_demo(env)
    # Its sample Shopify orders are not this benchmark's: their jobs would only compete for the workers.
    env["queue.job"].search([("state", "in", ("pending", "enqueued"))]).write({"state": "cancelled"})
    backend = _backend(env)
    backend.write({"api_url": api_url, "owner_customers": "external"})
    backend.action_hubspot_setup()
    return {"backend": backend.id, "webhook_url": backend.webhook_url, "secret": backend.webhook_secret}


def start_load(env):
    backend = _backend(env)
    backend.action_hubspot_load()
    return {"flow": backend.flow_ids.filtered(lambda flow: flow.code == "crm.load").id}
