"""The Odoo side of ``tests.bench.hubspot``: run inside ``odoo-bin shell`` on the benchmark database.

from tests.bench import hubspot_odoo
hubspot_odoo.main(env, "configure", api_url=...)
"""

import json
import time
from pathlib import Path

from odoo.addons.erp_integration_demo import prepare_demo
from odoo.addons.erp_integration_hubspot.crm import CrmImport
from odoo.addons.erp_integration_hubspot.lib.client import BATCH_SIZE
from odoo.addons.erp_integration_hubspot.sync import LOAD_ASSOCIATIONS, LOAD_KINDS, LOAD_PROPERTIES

LOAD_FLOWS = tuple(f"{kind}.load" for kind in LOAD_KINDS)


def main(env, task, **params):
    tasks = {"configure": configure, "start_load": start_load, "list_pages": list_pages, "create_floor": create_floor}
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


def list_pages(env):
    """The sandbox alone serving the load's requests: its counts and pages, one after the other, through its client.

    Nothing is stored: the time is the sandbox's answers and the client reading them.
    """
    client = _backend(env)._hubspot_client()
    pages = dict.fromkeys(LOAD_KINDS, 0)
    started = time.monotonic()
    for kind in LOAD_KINDS:
        client.search(kind, {"limit": 1, "properties": ["hs_object_id"]})
        after = None
        while True:
            page = client.list_page(kind, LOAD_PROPERTIES[kind], after, BATCH_SIZE, LOAD_ASSOCIATIONS[kind])
            pages[kind] += 1
            after = ((page.get("paging") or {}).get("next") or {}).get("after")
            if not after:
                break
    return {"seconds": time.monotonic() - started, "pages": pages, "requests": sum(pages.values()) + len(LOAD_KINDS)}


def create_floor(env, part, parts, barrier):
    """Plain Odoo creating what the load created: the same values, in its batches, through ``res.partner.create``.

    ``parts`` processes take every ``parts``-th batch, as the two workers
    share the pages, and commit each. The values are made beforehand by
    the channel's own mapping from the pages the load imported; no suite
    code runs while the clock does. Companies are created first, by every
    part, and only then contacts, under the copies of their companies, as
    the load does. Returns this part's wall-clock span and CPU time.
    """
    backend = _backend(env)
    batches = _load_batches(env, backend)
    Partner = env["res.partner"].with_context(tracking_disable=True)
    _meet(barrier, "start", part, parts)
    started, cpu = time.time(), time.process_time()
    copies, created = {}, 0
    for originals, vals_list in batches["companies"][part::parts]:
        partners = Partner.create(vals_list)
        env.cr.commit()
        copies.update(zip(map(str, originals), partners.ids))
        created += len(partners)
    for shared in _meet(barrier, "companies", part, parts, copies):
        copies.update(shared)
    for _originals, vals_list in batches["contacts"][part::parts]:
        for vals in vals_list:
            vals["parent_id"] = copies.get(str(vals.get("parent_id")), vals.get("parent_id"))
        created += len(Partner.create(vals_list))
        env.cr.commit()
    return {"started": started, "ended": time.time(), "cpu_s": time.process_time() - cpu, "created": created}


def _load_batches(env, backend):
    """``{kind: [(load's partner ids, values)]}``: per page of the load, what it passed to ``create``.

    Records the load could not create together (an invalid VAT number, a
    contact whose company was not imported) are left out, as it left them.
    """
    crm = CrmImport(backend._connector().work(env["integration.exchange"]))
    pages = env["integration.exchange"].search(
        [("backend_id", "=", backend.id), ("flow", "in", LOAD_FLOWS)], order="id"
    )
    batches = {kind: [] for kind in LOAD_KINDS}
    for page in pages:
        kind = page.flow.partition(".")[0]
        records = json.loads(page.payload)
        ids = [str(record["id"]) for record in records]
        plans = [plan for _id, _record, plan in crm._load_plans(kind, ids, records)[0] if plan]
        bound = crm._bound_partners([plan.external_id for plan in plans])
        plans = [plan for plan in plans if plan.external_id in bound]
        values = [dict(crm._values(plan), company_id=backend.company_id.id) for plan in plans]
        batches[kind].append(([bound[plan.external_id].id for plan in plans], values))
    return batches


def _meet(barrier, name, part, parts, data=None, timeout=900):
    """Wait until every part has reached ``name``; returns what each left there."""
    folder = Path(barrier)
    written = folder / f"{name}.{part}.json"
    written.with_suffix(".tmp").write_text(json.dumps(data))
    written.with_suffix(".tmp").rename(written)
    deadline = time.monotonic() + timeout
    while len(list(folder.glob(f"{name}.*.json"))) < parts:
        if time.monotonic() > deadline:
            raise TimeoutError(f"only some of the {parts} parts reached {name}")
        time.sleep(0.02)
    return [json.loads(path.read_text()) for path in sorted(folder.glob(f"{name}.*.json"))]
