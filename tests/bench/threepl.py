"""Warehouse channel: shipments out and despatches back over REST, and a stock reconciliation (``make bench-3pl``).

In one run, on this machine:

1. The sandbox in its own process, its warehouse's clock at an hour a second
   (an order is allocated half an hour after it arrives, picked two hours
   later and despatched an hour after that), and a demo database whose
   warehouse backend is pointed at it, calling back to Odoo.
2. **Shipments.** 1,000 deliveries of one or two of ten SKUs are created and
   reserved at once in Odoo (stock on both sides), a backlog, each becoming a
   shipment pushed to the warehouse; then 200 more are confirmed one by one at
   4 a second, as a day's orders arrive. Shipments per second count from the
   first push job's start to the last push committed. Per delivery, the
   latency is from the warehouse's despatch callback reaching Odoo to the
   commit of the job that validated the delivery with its tracking number.
3. **Reconciliation.** 10,000 stocked products in Odoo and the warehouse's
   stock file of them (1 % off by a unit or two, 0.5 % off by ten): the time
   from reading the file to the drift report, small differences applied.

One Odoo server (``workers=2``, queue_job runner ``root:2``, no cron).

    python3 -m tests.bench.threepl --odoo-bin "python3 /opt/odoo19/odoo-bin" --addons-path ...
"""

import argparse
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import requests

from .shopify import EXCHANGE_JOB, Database, Odoo, Sandbox, log, percentile

API_KEY = "ms-sandbox-demo-key"
DB = "erp_integration_bench_3pl"
SUITE = "erp_integration_core,erp_integration_sale_stock,erp_integration_shopify,erp_integration_3pl"
SKUS = (
    "MUG-BLU",
    "MUG-RED",
    "TEE-M-BLK",
    "TEE-L-BLK",
    "TOTE-NAT",
    "NOTE-A5-DOT",
    "PEN-BRASS",
    "CAP-NVY",
    "TEA-EARLGREY",
    "APRON-DENIM",
)


class Warehouse:
    def __init__(self, sandbox):
        self.control = sandbox.url
        self.api = f"{sandbox.url}/threepl/api"
        self.session = requests.Session()
        self.session.headers["ms-apikey"] = API_KEY

    def act(self, action, **params):
        response = self.session.post(
            f"{self.control}/_sandbox/systems/threepl/actions/{action}", json=params, timeout=60
        )
        response.raise_for_status()
        return response.json()["result"]

    def stock(self, quantity):
        """Book ``quantity`` of every SKU in at the main site, counted exactly."""
        answer = self.session.put(
            f"{self.api}/ASN",
            json={
                "Reference": "BENCH-STOCK",
                "Warehouse": "MAIN",
                "Items": [{"SKU": sku, "Quantity": quantity} for sku in SKUS],
            },
            timeout=30,
        ).json()[0]
        self.act("book_in", asn_id=answer["ASNId"], received=dict.fromkeys(SKUS, quantity))


def wait(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(1)
    raise SystemExit(f"Timed out after {timeout} s waiting for {what}")


def last_exchange(database):
    return database.query("SELECT COALESCE(MAX(id), 0) FROM integration_exchange")[0][0]


def settle(database, since, count):
    """Wait until ``count`` shipments and their despatches since exchange ``since`` are processed."""

    def finished(flow):
        return database.query(
            "SELECT count(*) FROM integration_exchange WHERE id > %s AND flow = %s "
            "AND state NOT IN ('queued', 'processing')",
            [since, flow],
        )[0][0]

    wait(lambda: finished("shipment.create") >= count, 1800, "the shipments")
    wait(lambda: finished("order.despatched") >= count, 1800, "the despatches")
    wait(lambda: not database.pending_jobs(), 600, "the last jobs")


def figures(database, first_job, since):
    """Shipments per second, and callback → tracking latency, of the exchanges after ``since``."""
    jobs = {
        int(match.group(1)): job
        for job in database.jobs(first_job)
        if job["state"] == "done"
        for match in [EXCHANGE_JOB.search(job["func_string"] or "")]
        if match
    }
    rows = database.query(
        "SELECT id, flow, state, create_date FROM integration_exchange WHERE id > %s "
        "AND flow IN ('shipment.create', 'order.despatched')",
        [since],
    )
    pushes = [jobs[row[0]] for row in rows if row[1] == "shipment.create" and row[2] == "done" and row[0] in jobs]
    start = min(job["date_started"] for job in pushes)
    end = max(job["date_done"] for job in pushes)
    latencies = [
        (jobs[exchange_id]["date_done"] - created_at).total_seconds()
        for exchange_id, flow, state, created_at in rows
        if flow == "order.despatched" and state == "done" and exchange_id in jobs
    ]
    states = database.query(
        "SELECT flow, state, count(*) FROM integration_exchange WHERE id > %s GROUP BY flow, state", [since]
    )
    return {
        "pushed": len(pushes),
        "push_seconds": (end - start).total_seconds(),
        "shipments_per_s": len(pushes) / max((end - start).total_seconds(), 1e-9),
        "despatched": len(latencies),
        "p50_s": percentile(latencies, 0.5),
        "p95_s": percentile(latencies, 0.95),
        "states": {f"{flow} {state}": count for flow, state, count in states},
    }


def measure_burst(odoo, database, count):
    """``count`` deliveries reserved at once: the backlog the warehouse channel pushes and follows."""
    first, since = database.last_job_id(), last_exchange(database)
    created = odoo.shell(DB, "ship", "threepl_odoo", count=count, skus=list(SKUS))
    log(f"Deliveries: {created}")
    settle(database, since, count)
    return dict(figures(database, first, since), shipments=count)


def call(session, url, model, method, *args):
    answer = session.post(
        f"{url}/web/dataset/call_kw",
        json={"jsonrpc": "2.0", "params": {"model": model, "method": method, "args": list(args), "kwargs": {}}},
        timeout=60,
    ).json()
    if "error" in answer:
        raise SystemExit(f"{model}.{method}: {answer['error']['data']['message']}")
    return answer["result"]


def measure_steady(odoo, database, url, count, rate):
    """``count`` deliveries confirmed one by one at ``rate`` a second, as a day's orders arrive."""
    ids = odoo.shell(DB, "drafts", "threepl_odoo", count=count, skus=list(SKUS))["ids"]
    session = requests.Session()
    login = session.post(
        f"{url}/web/session/authenticate",
        json={"jsonrpc": "2.0", "params": {"db": DB, "login": "admin", "password": "admin"}},
        timeout=60,
    ).json()
    if "error" in login:
        raise SystemExit(f"cannot log in to {DB}: {login['error']['data']['message']}")
    first, since = database.last_job_id(), last_exchange(database)
    for picking_id in ids:
        started = time.monotonic()
        call(session, url, "stock.picking", "action_confirm", [picking_id])
        time.sleep(max(0.0, 1 / rate - (time.monotonic() - started)))
    settle(database, since, count)
    return dict(figures(database, first, since), shipments=count, rate=rate)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--odoo-bin", required=True)
    parser.add_argument("--addons-path", required=True)
    parser.add_argument("--db-flag", action="append", default=[])
    parser.add_argument("--shipments", type=int, default=1_000)
    parser.add_argument("--steady", type=int, default=200, help="deliveries confirmed one by one")
    parser.add_argument("--rate", type=float, default=4.0, help="deliveries confirmed per second")
    parser.add_argument("--skus", type=int, default=10_000, help="products in the stock reconciliation")
    options = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-3pl-"))
    root = workdir / "drop"
    odoo = Odoo(options.odoo_bin, options.addons_path, options.db_flag, workdir)
    with Sandbox(workdir, seed=9, env={"SANDBOX_THREEPL_ROOT": str(root)}) as sandbox:
        warehouse = Warehouse(sandbox)
        warehouse.act("configure", shrinkage_rate=0, receipt_variance_rate=0)
        warehouse.stock(options.shipments + options.steady)
        odoo.create(DB, f"{SUITE},erp_integration_demo")
        try:
            configured = odoo.shell(
                DB,
                "configure",
                "threepl_odoo",
                api_url=f"{sandbox.url}/threepl",
                skus=list(SKUS),
                stock=options.shipments + options.steady,
            )
            database = Database(DB)
            with odoo.server(DB, sandbox.ca_pem) as (url, _logfile):
                webhook_url = url + urlsplit(configured["webhook_url"]).path
                warehouse.act("set_callback", url=webhook_url, secret=configured["secret"])
                warehouse.act("configure", speed=3600)
                log(f"{options.shipments} shipments at once, despatched on the warehouse's clock")
                burst = measure_burst(odoo, database, options.shipments)
                log(f"At once: {burst}")
                log(f"{options.steady} shipments at {options.rate:g}/s")
                steady = measure_steady(odoo, database, url, options.steady, options.rate)
                log(f"Steady: {steady}")
                warehouse.act("configure", speed=0)
            log(f"Stock reconciliation of {options.skus} products")
            expected = odoo.shell(DB, "reconcile_setup", "threepl_odoo", root=str(root), count=options.skus)
            reconciled = odoo.shell(DB, "reconcile", "threepl_odoo")
            log(f"Reconciliation: {reconciled} (expected {expected})")
        finally:
            odoo.drop(DB)
    print()
    print("| measure | figure |")
    print("|---|---:|")
    for name, run in (
        (f"{burst['shipments']:,} at once", burst),
        (f"{steady['shipments']} at {options.rate:g}/s", steady),
    ):
        print(f"| {name}: shipments pushed (REST) | {run['pushed']:,} of {run['shipments']:,} |")
        print(f"| {name}: shipments per second, first push started → last committed | {run['shipments_per_s']:.1f} |")
        print(f"| {name}: despatches applied with tracking | {run['despatched']:,} |")
        print(
            f"| {name}: despatch callback received → delivery validated with tracking, p50 / p95 | "
            f"{run['p50_s'] * 1000:.0f} / {run['p95_s'] * 1000:.0f} ms |"
        )
    print(
        f"| stock reconciliation of {reconciled['compared']:,} SKUs (read, compare, adjust) | "
        f"{reconciled['seconds']:.2f} s (bound 10 s) |"
    )
    print(f"| of which reading the file and storing it | {reconciled['read_s']:.2f} s |")
    print(
        f"| differences applied / held for approval (expected) | {reconciled['adjusted']} / {reconciled['held']} "
        f"({expected['adjusted']} / {expected['held']}) |"
    )


if __name__ == "__main__":
    main()
