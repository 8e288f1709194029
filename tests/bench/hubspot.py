"""HubSpot initial load and won deals (``make bench-hubspot``).

In one run, on this machine:

1. The sandbox in its own process and a demo database (``erp_integration_demo``)
   whose HubSpot backend is pointed at it and set up with *Set up HubSpot*.
2. **Initial load.** 2,000 companies and 10,000 contacts (each under a company)
   are created in the sandbox portal through its batch API, then its limit is
   set to HubSpot's standard one: 100 requests per rolling 10 s, 100 records per
   page. *Load companies and contacts* is pressed and the time is taken from the
   start of the first load job to the commit of the last page's job. The bound
   the limit imposes: the load needs one request per hundred records plus a
   count of each type, R requests in all; only 100 fit in any 10 s, so the last
   one cannot go before ``floor((R - 1) / 100) * 10`` s after the first.
   Beside it, in the same run, the two floors on this machine: the sandbox
   alone serving the same requests one after the other (limits raised, before
   the load), and plain Odoo creating the partners the load created (after it):
   the same values in the same batches of a hundred, through
   ``res.partner.create`` alone, in two processes sharing the batches as the
   two workers share the pages, companies first. The load is reported as a
   ratio to the bound and to each floor, which holds on a loaded machine.
3. **Won deals.** 200 deals of five lines (three goods, two services that make a
   project and tasks) are created, the portal's ``deal.propertyChange`` on
   ``dealstage`` is subscribed to Odoo, and the deals are marked won at two a
   second. Per deal, the latency is from the event's ``occurredAt`` (HubSpot then
   batches events for a moment before sending them) to the commit of the job
   that confirmed its sale order and made its project.

One Odoo server (``workers=2``, queue_job runner ``root:2``, no cron).

    python3 -m tests.bench.hubspot --odoo-bin "python3 /opt/odoo19/odoo-bin" --addons-path ...
"""

import argparse
import concurrent.futures
import os
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import requests

from .shopify import EXCHANGE_JOB, Database, Odoo, Sandbox, log, percentile

TOKEN = "pat-sandbox-demo-token"
DB = "erp_integration_bench_hubspot"
SUITE = "erp_integration_core,erp_integration_sale_stock,erp_integration_shopify,erp_integration_hubspot"
LINES = (("MUG-STONE-350", 12, "8.50"), ("TEAPOT-CER-1L", 4, "24.00"), ("TRAY-WALNUT", 2, "38.00"))
SERVICES = (("SRV-INSTALL-DAY", 1, "480.00"), ("SRV-TRAINING", 2, "350.00"))
STANDARD_LIMIT, WINDOW = 100, 10


class Portal:
    """The sandbox's HubSpot, through its API (limits raised while it is filled) and its actions."""

    def __init__(self, sandbox):
        self.url = f"{sandbox.url}/hubspot"
        self.control = sandbox.url
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {TOKEN}"

    def act(self, action, **params):
        response = self.session.post(
            f"{self.control}/_sandbox/systems/hubspot/actions/{action}", json=params, timeout=60
        )
        response.raise_for_status()
        return response.json()["result"]

    def batch_create(self, kind, inputs):
        ids = []
        for start in range(0, len(inputs), 100):
            response = self.session.post(
                f"{self.url}/crm/v3/objects/{kind}/batch/create",
                json={"inputs": inputs[start : start + 100]},
                timeout=60,
            )
            response.raise_for_status()
            ids += [result["id"] for result in response.json()["results"]]
        return ids

    def fill(self, companies, contacts):
        self.act("set_limits", ten_secondly=1_000_000, daily=10_000_000)
        company_ids = self.batch_create(
            "companies",
            [
                {
                    "properties": {
                        "name": f"Bench Trading {n:05d} Ltd",
                        "domain": f"bench{n:05d}.example.co.uk",
                        "city": "Leeds",
                        "zip": f"LS{n % 28 + 1} {n % 9 + 1}AB",
                    }
                }
                for n in range(companies)
            ],
        )
        link = [{"associationTypeId": 279}, {"associationTypeId": 1}]
        self.batch_create(
            "contacts",
            [
                {
                    "properties": {
                        "email": f"person{n:06d}@bench{n % companies:05d}.example.co.uk",
                        "firstname": "Bench",
                        "lastname": f"Person {n:06d}",
                    },
                    "associations": [{"to": {"id": company_ids[n % companies]}, "types": link}],
                }
                for n in range(contacts)
            ],
        )
        return company_ids

    def deals(self, count, company_ids):
        lines = (*LINES, *SERVICES)
        items = self.batch_create(
            "line_items",
            [
                {"properties": {"name": sku, "hs_sku": sku, "quantity": str(qty), "price": price}}
                for _ in range(count)
                for sku, qty, price in lines
            ],
        )
        amount = sum(qty * float(price) for _sku, qty, price in lines)
        deal_ids = self.batch_create(
            "deals",
            [
                {
                    "properties": {
                        "dealname": f"Bench deal {n:04d}",
                        "dealstage": "contractsent",
                        "amount": f"{amount:.2f}",
                        "deal_currency_code": "GBP",
                        "payment_terms": "30 days",
                    },
                    "associations": [
                        {"to": {"id": company_ids[n]}, "types": [{"associationTypeId": 5}]},
                        *(
                            {"to": {"id": item}, "types": [{"associationTypeId": 19}]}
                            for item in items[n * len(lines) : (n + 1) * len(lines)]
                        ),
                    ],
                }
                for n in range(count)
            ],
        )
        return deal_ids


def wait(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.5)
    raise SystemExit(f"Timed out after {timeout} s waiting for {what}")


def load_average():
    return " ".join(f"{load:.2f}" for load in os.getloadavg())


def cpu_seconds(pid):
    """User and system CPU time a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def server_cpu_seconds(db):
    """CPU time the Odoo server of ``db`` has used so far: its processes, and the workers they reaped.

    The server is not ours alone to time by the clock on a shared machine;
    its CPU time is, and compares with the floor's.
    """
    marker = f"--db-filter=^{db}$".encode()
    ticks = 0
    for process in Path("/proc").iterdir():
        try:
            if not process.name.isdigit() or marker not in (process / "cmdline").read_bytes():
                continue
            fields = (process / "stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        # utime, stime, and cutime, cstime of children already reaped (recycled workers).
        ticks += sum(int(field) for field in fields[11:15])
    return ticks / os.sysconf("SC_CLK_TCK")


def measure_listing(odoo, portal, sandbox):
    """The sandbox floor: its answers to the load's requests, alone and with the limit raised."""
    portal.act("set_limits", ten_secondly=1_000_000, daily=10_000_000)
    cpu = cpu_seconds(sandbox.process.pid)
    listed = odoo.shell(DB, "list_pages", "hubspot_odoo")
    return listed | {"sandbox_cpu_s": cpu_seconds(sandbox.process.pid) - cpu}


def measure_creation(odoo, workdir, parts=2):
    """The Odoo floor: plain ``res.partner.create`` of what the load created, in ``parts`` processes side by side."""
    barrier = workdir / "floor"
    barrier.mkdir()
    with concurrent.futures.ThreadPoolExecutor(parts) as pool:
        runs = list(
            pool.map(
                lambda part: odoo.shell(
                    DB, "create_floor", "hubspot_odoo", part=part, parts=parts, barrier=str(barrier)
                ),
                range(parts),
            )
        )
    return {
        "seconds": max(run["ended"] for run in runs) - min(run["started"] for run in runs),
        "odoo_cpu_s": sum(run["cpu_s"] for run in runs),
        "created": sum(run["created"] for run in runs),
    }


def measure_load(odoo, database, portal, pages):
    portal.act("set_limits", ten_secondly=STANDARD_LIMIT, daily=250_000)
    first = database.last_job_id()
    cpu = server_cpu_seconds(DB)
    odoo.shell(DB, "start_load", "hubspot_odoo")

    def done():
        rows = database.query(
            "SELECT count(*) FILTER (WHERE state IN ('done', 'ignored')), count(*) FILTER (WHERE state NOT IN "
            "('queued', 'processing', 'done', 'ignored')) FROM integration_exchange WHERE flow LIKE '%%.load'"
        )
        finished, stuck = rows[0]
        if stuck:
            raise SystemExit(f"{stuck} load pages failed; see the exception queue of {DB}")
        return finished >= pages

    wait(done, 3600, f"{pages} load pages")
    wait(lambda: not database.pending_jobs(), 600, "the last jobs")
    cpu = server_cpu_seconds(DB) - cpu
    jobs = [job for job in database.jobs(first) if job["state"] == "done"]
    start = min(job["date_started"] for job in jobs)
    end = max(job["date_done"] for job in jobs)
    seconds = (end - start).total_seconds()
    requests_needed = pages + 2
    bound = (requests_needed - 1) // STANDARD_LIMIT * WINDOW
    bound_pages = database.query(
        "SELECT count(*) FROM integration_binding b JOIN integration_backend k ON k.id = b.backend_id "
        "WHERE k.channel = 'hubspot' AND b.res_model = 'res.partner'"
    )[0][0]
    listing = [job for job in jobs if "integration.flow" in job["func_string"]]
    page_jobs = [job for job in jobs if EXCHANGE_JOB.search(job["func_string"] or "")]
    return {
        "bound_partners": bound_pages,
        "requests": requests_needed,
        "bound_s": bound,
        "seconds": seconds,
        "ratio": seconds / bound if bound else float("nan"),
        "listing_s": (max(j["date_done"] for j in listing) - start).total_seconds(),
        "page_exec_p50_s": percentile([j["exec_time"] for j in page_jobs], 0.5),
        "page_jobs": len(page_jobs),
        "odoo_cpu_s": cpu,
    }


def measure_deals(database, portal, deal_ids, webhook_url, secret, rate):
    portal.act("set_limits", ten_secondly=STANDARD_LIMIT, daily=250_000)
    portal.act(
        "subscribe",
        target_url=webhook_url,
        client_secret=secret,
        types=["deal.propertyChange"],
        property_name="dealstage",
    )
    for deal_id in deal_ids:
        started = time.monotonic()
        portal.act("close_deal", deal_id=deal_id)
        time.sleep(max(0.0, 1 / rate - (time.monotonic() - started)))

    def rows():
        return database.query(
            "SELECT id, state, payload::json->>'occurredAt', result::text, message FROM integration_exchange "
            "WHERE flow = 'deal.propertyChange'"
        )

    wait(lambda: len([r for r in rows() if r[1] not in ("queued", "processing")]) >= len(deal_ids), 1800, "the deals")
    wait(lambda: not database.pending_jobs(), 600, "the last jobs")
    done = {row[0]: row for row in rows()}
    jobs = {
        int(EXCHANGE_JOB.search(job["func_string"]).group(1)): job
        for job in database.jobs(0)
        if EXCHANGE_JOB.search(job["func_string"] or "") and job["state"] == "done"
    }
    latencies, failed, projects = [], [], 0
    for exchange_id, (_id, state, occurred, result, message) in done.items():
        if state != "done" or "sale_order" not in (result or ""):
            failed.append(f"{exchange_id} {state}: {message or result}"[:300])
            continue
        projects += '"projects"' in result
        committed = jobs[exchange_id]["date_done"].timestamp()
        latencies.append(committed - int(occurred) / 1000)
    return {
        "deals": len(deal_ids),
        "confirmed": len(latencies),
        "with_project": projects,
        "failed": failed[:3],
        "p50_s": percentile(latencies, 0.5),
        "p95_s": percentile(latencies, 0.95),
        "max_s": max(latencies) if latencies else float("nan"),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--odoo-bin", required=True)
    parser.add_argument("--addons-path", required=True)
    parser.add_argument("--db-flag", action="append", default=[])
    parser.add_argument("--companies", type=int, default=2_000)
    parser.add_argument("--contacts", type=int, default=10_000)
    parser.add_argument("--deals", type=int, default=200, help="won deals (0: the initial load only)")
    parser.add_argument("--rate", type=float, default=2.0, help="deals marked won per second")
    options = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-hubspot-"))
    odoo = Odoo(options.odoo_bin, options.addons_path, options.db_flag, workdir)
    log(f"load average before: {load_average()}")
    deals = None
    with Sandbox(workdir, seed=7) as sandbox:
        portal = Portal(sandbox)
        log(f"Filling the portal: {options.companies} companies, {options.contacts} contacts")
        company_ids = portal.fill(options.companies, options.contacts)
        deal_ids = portal.deals(options.deals, company_ids) if options.deals else []
        odoo.create(DB, f"{SUITE},erp_integration_demo")
        try:
            configured = odoo.shell(DB, "configure", "hubspot_odoo", api_url=portal.url)
            database = Database(DB)
            log("Sandbox floor: the load's requests alone, limit raised")
            listing = measure_listing(odoo, portal, sandbox)
            log(f"Sandbox floor: {listing}")
            with odoo.server(DB, sandbox.ca_pem) as (url, _logfile):
                log(f"Initial load at 100 requests per 10 s (load average {load_average()})")
                load = measure_load(odoo, database, portal, sum(listing["pages"].values()))
                log(f"Initial load: {load}")
                log(f"Odoo floor: res.partner.create of what the load created (load average {load_average()})")
                creation = measure_creation(odoo, workdir)
                log(f"Odoo floor: {creation}")
                if deal_ids:
                    webhook_url = url + urlsplit(configured["webhook_url"]).path
                    log(f"{options.deals} won deals at {options.rate}/s")
                    deals = measure_deals(database, portal, deal_ids, webhook_url, configured["secret"], options.rate)
                    log(f"Won deals: {deals}")
        finally:
            odoo.drop(DB)
    report(load, listing, creation, deals)
    log(f"load average after: {load_average()}")


def report(load, listing, creation, deals):
    seconds = load["seconds"]
    print()
    print("| measure | figure |")
    print("|---|---:|")
    print(
        f"| requests needed ({listing['pages']['companies']} + {listing['pages']['contacts']} pages + 2 counts) "
        f"| {load['requests']} |"
    )
    print(f"| bound at 100 requests / 10 s | {load['bound_s']} s |")
    print(f"| sandbox floor: the same requests alone, limit raised | {listing['seconds']:.1f} s |")
    print(f"| sandbox CPU serving them | {listing['sandbox_cpu_s']:.1f} s |")
    print(f"| Odoo floor: res.partner.create of the same partners, 2 processes | {creation['seconds']:.1f} s |")
    print(f"| Odoo CPU creating them (both processes) | {creation['odoo_cpu_s']:.1f} s |")
    print(f"| partners created by the floor | {creation['created']:,} |")
    print(f"| initial load, first job start → last page committed | {seconds:.1f} s |")
    print(f"| ratio to the bound | {load['ratio']:.2f} |")
    print(f"| ratio to the Odoo floor | {seconds / creation['seconds']:.2f} |")
    print(f"| ratio to the sandbox floor | {seconds / listing['seconds']:.2f} |")
    print(f"| Odoo server CPU during the load (workers and runner) | {load['odoo_cpu_s']:.1f} s |")
    print(f"| ratio of that to the Odoo floor's CPU | {load['odoo_cpu_s'] / creation['odoo_cpu_s']:.2f} |")
    print(f"| ratio to the sum of both floors | {seconds / (creation['seconds'] + listing['seconds']):.2f} |")
    print(f"| of which listing (all pages queued) | {load['listing_s']:.1f} s |")
    print(f"| page jobs | {load['page_jobs']} |")
    print(f"| page job, p50 execution | {load['page_exec_p50_s']:.2f} s |")
    print(f"| partners bound | {load['bound_partners']:,} |")
    if deals:
        print(
            f"| won deals confirmed (with a project) | {deals['confirmed']} ({deals['with_project']}) "
            f"of {deals['deals']} |"
        )
        print(f"| won deal → confirmed order and project committed, p50 | {deals['p50_s'] * 1000:.0f} ms |")
        print(f"| same, p95 | {deals['p95_s'] * 1000:.0f} ms |")
        print(f"| same, max | {deals['max_s'] * 1000:.0f} ms |")


if __name__ == "__main__":
    main()
