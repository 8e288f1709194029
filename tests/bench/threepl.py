"""Warehouse channel: shipments out and despatches back over REST and files, a Shopify order's way to its
fulfilment, and a stock reconciliation (``make bench-3pl``).

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
3. **Files.** The same 1,000 at once with the backend on the drop folder: each
   shipment written as an order file, which the warehouse takes on its clock;
   its despatch files are read by the backend's ``despatches.read`` flow, run
   every 2 s over JSON-RPC as a cron would. The latency is from the despatch
   file's write (its modification time) to the commit of the job that
   validated the delivery.
4. **Shopify fulfilment.** A small shop's orders placed in the sandbox store,
   their ``orders/create`` webhooks recorded and replayed to our Shopify
   backend at 2 a second; each order is imported and confirmed, its delivery
   pushed to the warehouse (REST), despatched on the clock, validated with
   tracking, and sent back to the store as a fulfilment. Per order, the latency
   is from the despatch callback reaching Odoo to the commit of the
   ``fulfillment.create`` job; the store is then asked which fulfilments carry
   the tracking numbers.
5. **Reconciliation.** 10,000 stocked products in Odoo and the warehouse's
   stock file of them (1 % off by a unit or two, 0.5 % off by ten): the time
   from reading the file to the drift report, small differences applied.

One Odoo server (``workers=2``, queue_job runner ``root:2``, no cron), started
again after the Shopify backend is set up, so that the first phases run
without it.

    python3 -m tests.bench.threepl --odoo-bin "python3 /opt/odoo19/odoo-bin" --addons-path ...
"""

import argparse
import concurrent.futures
import json
import os
import posixpath
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import requests

from .shopify import EXCHANGE_JOB, Database, Odoo, Recorder, Sandbox, log, percentile, place_orders, replay, timestamp

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
SPEED = 3600
# Files: a despatch file younger than this is left for the next read, in case it is still being written.
FILE_SETTLE_SECONDS = 1
# Files: how often the benchmark runs despatches.read, in place of the cron.
READ_EVERY = 2.0
# With no job left and nothing new for this long, a phase is over, whatever is missing.
QUIET_SECONDS = 60


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

    def know(self, skus):
        """Put ``skus`` in the warehouse's item master, as onboarding a shop's catalogue does; known ones stay."""
        for sku in skus:
            answer = self.session.put(f"{self.api}/Product", json={"SKU": sku, "Name": sku}, timeout=30).json()
            if not answer.get("Success") and not answer.get("ID"):
                raise SystemExit(f"The warehouse refused product {sku}: {answer.get('Message')}")

    def stock(self, quantities):
        """Book ``{SKU: quantity}`` in at the main site, in one ASN, counted exactly."""
        answer = self.session.put(
            f"{self.api}/ASN",
            json={
                "Reference": "BENCH-STOCK",
                "Warehouse": "MAIN",
                "Items": [{"SKU": sku, "Quantity": quantity} for sku, quantity in quantities.items()],
            },
            timeout=30,
        ).json()[0]
        if not answer.get("Success"):
            raise SystemExit(f"The warehouse refused the stock ASN: {answer.get('Message')}")
        self.act("book_in", asn_id=answer["ASNId"], received=quantities)


def wait(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(1)
    raise SystemExit(f"Timed out after {timeout} s waiting for {what}")


def last_exchange(database):
    return database.query("SELECT COALESCE(MAX(id), 0) FROM integration_exchange")[0][0]


def finished(database, since, flow):
    """Exchanges of ``flow`` after ``since`` that are no longer waiting or running."""
    return database.query(
        "SELECT count(*) FROM integration_exchange WHERE id > %s AND flow = %s "
        "AND state NOT IN ('queued', 'processing')",
        [since, flow],
    )[0][0]


def settle(database, since, count):
    """Wait until ``count`` shipments and their despatch callbacks since exchange ``since`` are processed."""
    wait(lambda: finished(database, since, "shipment.create") >= count, 1800, "the shipments")
    wait(lambda: finished(database, since, "order.despatched") >= count, 1800, "the despatches")
    wait(lambda: not database.pending_jobs(), 600, "the last jobs")


def progress(database, since):
    """What has happened since exchange ``since``: the newest exchange and how many are settled."""
    [row] = database.query(
        "SELECT COALESCE(MAX(id), 0), count(*) FILTER (WHERE state NOT IN ('queued', 'processing')) "
        "FROM integration_exchange WHERE id > %s",
        [since],
    )
    return tuple(row)


def settle_quietly(database, since, done, timeout, what):
    """Wait until ``done()`` and no job is left, or until nothing moves for a while: True if ``done()``.

    A phase whose last orders failed (an exchange in the exception queue) ends
    quiet rather than with a timeout, so its figures still show what went through.
    """
    started, last, quiet_since = time.monotonic(), None, time.monotonic()
    while time.monotonic() - started < timeout:
        idle = not database.pending_jobs()
        if idle and done():
            return True
        now = progress(database, since)
        if now != last or not idle:
            last, quiet_since = now, time.monotonic()
        elif time.monotonic() - quiet_since > QUIET_SECONDS:
            log(f"  nothing moved for {QUIET_SECONDS} s: {what} incomplete")
            return False
        time.sleep(1)
    log(f"  {what}: timed out after {timeout} s")
    return False


def done_jobs(database, first_job):
    """``{exchange id: its done job}`` of the jobs after ``first_job``."""
    return {
        int(match.group(1)): job
        for job in database.jobs(first_job)
        if job["state"] == "done"
        for match in [EXCHANGE_JOB.search(job["func_string"] or "")]
        if match
    }


def figures(database, first_job, since, despatch_flow="order.despatched", written=None):
    """Shipments per second, and despatch → tracking latency, of the exchanges after ``since``.

    A despatch's latency starts when its callback reached Odoo (the
    exchange's creation) or, given ``written`` (``{exchange id: epoch}``),
    when the warehouse wrote the file it came in.
    """
    jobs = done_jobs(database, first_job)
    rows = database.query(
        "SELECT id, flow, state, create_date FROM integration_exchange "
        "WHERE id > %s AND flow IN ('shipment.create', %s)",
        [since, despatch_flow],
    )
    pushes = [jobs[row[0]] for row in rows if row[1] == "shipment.create" and row[2] == "done" and row[0] in jobs]
    start = min((job["date_started"] for job in pushes), default=None)
    end = max((job["date_done"] for job in pushes), default=None)
    seconds = (end - start).total_seconds() if pushes else float("nan")
    latencies, reads = [], []
    for exchange_id, flow, state, created_at in rows:
        if flow != despatch_flow or state != "done" or exchange_id not in jobs:
            continue
        origin = timestamp(created_at) if written is None else written.get(exchange_id)
        if origin is not None:
            latencies.append(timestamp(jobs[exchange_id]["date_done"]) - origin)
            # The part of it before Odoo had the despatch: the read (files), nothing (callbacks).
            reads.append(timestamp(created_at) - origin)
    states = database.query(
        "SELECT flow, state, count(*) FROM integration_exchange WHERE id > %s GROUP BY flow, state", [since]
    )
    # A despatch applied should leave its delivery done; one that did not is counted, not trusted.
    undone = database.query(
        "SELECT count(*) FROM integration_exchange e JOIN stock_picking p ON p.name = e.result->>'picking' "
        "WHERE e.id > %s AND e.flow = %s AND e.state = 'done' AND p.state != 'done'",
        [since, despatch_flow],
    )[0][0]
    problems = database.query(
        "SELECT flow, left(message, 300), count(*) FROM integration_exchange "
        "WHERE id > %s AND state IN ('needs_attention', 'failed') GROUP BY 1, 2",
        [since],
    )
    return {
        "pushed": len(pushes),
        "push_seconds": seconds,
        "shipments_per_s": len(pushes) / seconds if pushes and seconds > 0 else float("nan"),
        "despatched": sum(1 for row in rows if row[1] == despatch_flow and row[2] == "done"),
        "undone": undone,
        "timed": len(latencies),
        "p50_s": percentile(latencies, 0.5),
        "p95_s": percentile(latencies, 0.95),
        "read_p50_s": percentile(reads, 0.5),
        "read_p95_s": percentile(reads, 0.95),
        "states": {f"{flow} {state}": count for flow, state, count in states},
        "problems": [f"{count} × {flow}: {message}" for flow, message, count in problems],
    }


def measure_burst(odoo, database, count):
    """``count`` deliveries reserved at once: the backlog the warehouse channel pushes and follows."""
    first, since = database.last_job_id(), last_exchange(database)
    created = odoo.shell(DB, "ship", "threepl_odoo", count=count, skus=list(SKUS))
    log(f"Deliveries: {created}")
    settle(database, since, count)
    return dict(figures(database, first, since), shipments=count)


class RpcError(Exception):
    """Odoo answered a JSON-RPC call with an error."""


def login(url):
    """A JSON-RPC session of the admin on the benchmark database."""
    session = requests.Session()
    answer = session.post(
        f"{url}/web/session/authenticate",
        json={"jsonrpc": "2.0", "params": {"db": DB, "login": "admin", "password": "admin"}},
        timeout=60,
    ).json()
    if "error" in answer:
        raise SystemExit(f"cannot log in to {DB}: {answer['error']['data']['message']}")
    return session


def call(session, url, model, method, *args):
    answer = session.post(
        f"{url}/web/dataset/call_kw",
        json={"jsonrpc": "2.0", "params": {"model": model, "method": method, "args": list(args), "kwargs": {}}},
        timeout=120,
    ).json()
    if "error" in answer:
        raise RpcError(f"{model}.{method}: {answer['error']['data']['message']}")
    return answer["result"]


def measure_steady(odoo, database, url, count, rate):
    """``count`` deliveries confirmed one by one at ``rate`` a second, as a day's orders arrive."""
    ids = odoo.shell(DB, "drafts", "threepl_odoo", count=count, skus=list(SKUS))["ids"]
    session = login(url)
    first, since = database.last_job_id(), last_exchange(database)
    for picking_id in ids:
        started = time.monotonic()
        call(session, url, "stock.picking", "action_confirm", [picking_id])
        time.sleep(max(0.0, 1 / rate - (time.monotonic() - started)))
    settle(database, since, count)
    return dict(figures(database, first, since), shipments=count, rate=rate)


# Files ------------------------------------------------------------------------------


def clear_despatch_files(root):
    """Remove the despatch files the REST phases left: the sandbox writes one for every despatch, whatever the channel.

    A warehouse on files writes them for the orders it took as files only;
    read here, the REST orders' would be despatches of deliveries already done.
    """
    folder = root / "out/despatches"
    removed = list(folder.glob("*.csv"))
    for path in removed:
        path.unlink()
    return len(removed)


def read_despatches(session, url, flow_id, database, since, count, shipping, timeout=1800):
    """Run ``despatches.read`` every ``READ_EVERY`` s, as its cron would, until ``count`` despatches are read.

    Stops early once the deliveries are made (``shipping``), no job is left
    and nothing new was read for ``QUIET_SECONDS``: some shipments never went.
    """
    started, runs, failures, quiet_since, seen = time.monotonic(), [], [], time.monotonic(), 0
    while time.monotonic() - started < timeout:
        began = time.monotonic()
        try:
            call(session, url, "integration.flow", "action_run_now", [flow_id])
            runs.append(time.monotonic() - began)
        except (RpcError, requests.RequestException) as err:
            failures.append(str(err)[:200])
        read = database.query(
            "SELECT count(*) FROM integration_exchange WHERE id > %s AND flow = 'shipment.despatched'", [since]
        )[0][0]
        if read >= count:
            break
        if read != seen or not shipping.done() or database.pending_jobs():
            seen, quiet_since = read, time.monotonic()
        elif time.monotonic() - quiet_since > QUIET_SECONDS:
            log(f"  {read} of {count} despatches read; nothing new for {QUIET_SECONDS} s")
            break
        time.sleep(max(0.0, READ_EVERY - (time.monotonic() - began)))
    return {
        "runs": len(runs),
        "run_p50_s": percentile(runs, 0.5),
        "run_max_s": max(runs, default=float("nan")),
        "failed_runs": len(failures),
        "failures": failures[:3],
    }


def file_times(database, since, root):
    """``{exchange id: epoch}``: when the warehouse wrote the despatch file each despatch after ``since`` came in.

    The reader moves a file to ``processed/`` beside it, which keeps its
    modification time; the exchange's delivery is named after the file.
    """
    rows = database.query(
        "SELECT e.id, d.name FROM integration_exchange e JOIN integration_delivery d ON d.id = e.delivery_id "
        "WHERE e.id > %s AND e.flow = 'shipment.despatched'",
        [since],
    )
    times = {}
    for exchange_id, name in rows:
        folder, file = posixpath.split(name)
        path = root / folder / "processed" / file
        if path.exists():
            times[exchange_id] = path.stat().st_mtime
    return times


def measure_files(odoo, database, url, warehouse, root, count):
    """``count`` deliveries at once with the backend on the drop folder: order files out, despatch files read back."""
    warehouse.act("set_callback", url="")  # a file warehouse calls no one back
    log(f"  {clear_despatch_files(root)} despatch files of the REST phases removed")
    flow_id = odoo.shell(DB, "use_files", "threepl_odoo", root=str(root), settle_seconds=FILE_SETTLE_SECONDS)["flow"]
    session = login(url)
    first, since = database.last_job_id(), last_exchange(database)
    warehouse.act("configure", speed=SPEED)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        shipping = pool.submit(odoo.shell, DB, "ship", "threepl_odoo", count=count, skus=list(SKUS), seed=6)
        reading = read_despatches(session, url, flow_id, database, since, count, shipping)
        log(f"Deliveries: {shipping.result()}")
    wait(lambda: not database.pending_jobs(), 600, "the last jobs")
    warehouse.act("configure", speed=0)
    written = file_times(database, since, root)
    result = figures(database, first, since, "shipment.despatched", written)
    files = len(list((root / "in/orders/processed").glob("*.csv")))
    return dict(result, **reading, shipments=count, order_files=files, file_times=len(written))


# Shopify fulfilment -----------------------------------------------------------------


def set_up_shop(odoo, sandbox, recorder, skus, stock):
    """Our Shopify backend on the sandbox store, set up as an admin would, and stock of its products in Odoo."""
    configured = odoo.shell(
        DB, "configure_ours", "shopify_odoo", api_url=f"{sandbox.url}/shopify", recorder_url=recorder.url
    )
    stocked = odoo.shell(DB, "prepare_shop", "threepl_odoo", skus=skus, stock=stock)
    odoo.shell(DB, "use_rest", "threepl_odoo")
    log(f"Shopify backend: {configured['products_link']}; stock: {stocked}")
    return configured["webhook_path"]


def store_tracking(sandbox):
    """``{order id: tracking numbers}`` of the fulfilments in the sandbox store."""
    found, after = {}, None
    while True:
        page = sandbox.graphql(
            """query($after: String) { orders(first: 100, after: $after) {
                 pageInfo { hasNextPage endCursor }
                 nodes { id fulfillments { trackingInfo { number } } } } }""",
            {"after": after},
        )["orders"]
        for order in page["nodes"]:
            numbers = {info["number"] for f in order["fulfillments"] for info in f["trackingInfo"] if info["number"]}
            found[order["id"].rsplit("/", 1)[-1]] = numbers
        if not page["pageInfo"]["hasNextPage"]:
            return found
        after = page["pageInfo"]["endCursor"]


def shop_figures(database, sandbox, first_job, since, placed):
    """Orders imported, confirmed, fulfilled with tracking; despatch callback → fulfilment latency per order."""
    jobs = done_jobs(database, first_job)
    [(imported, confirmed)] = database.query(
        """SELECT count(*) FILTER (WHERE e.state = 'done'), count(so.id) FILTER (WHERE so.state = 'sale')
             FROM integration_exchange e
             LEFT JOIN integration_binding b ON b.backend_id = e.backend_id AND b.res_model = 'sale.order'
                                            AND b.external_id = e.external_id
             LEFT JOIN sale_order so ON so.id = b.res_id
            WHERE e.id > %s AND e.flow = 'orders/create'""",
        [since],
    )
    fulfilments = database.query(
        "SELECT id, state, payload FROM integration_exchange WHERE id > %s AND flow = 'fulfillment.create'", [since]
    )
    sent = {}
    for _id, state, payload in fulfilments:
        data = json.loads(payload)
        if state == "done" and data.get("tracking_number"):
            sent[str(data["order_id"])] = {n.strip() for n in data["tracking_number"].split(",")}
    in_store = store_tracking(sandbox)
    pairs = database.query(
        """SELECT d.create_date, f.id FROM integration_exchange d
             JOIN integration_exchange f ON f.flow = 'fulfillment.create'
                                        AND f.idempotency_key = 'fulfillment:' || (d.result->>'picking')
            WHERE d.id > %s AND d.flow = 'order.despatched' AND d.state = 'done' AND f.id > %s""",
        [since, since],
    )
    latencies = [timestamp(jobs[f_id]["date_done"]) - timestamp(at) for at, f_id in pairs if f_id in jobs]
    delivery = figures(database, first_job, since)
    return {
        "placed": placed,
        "imported": imported,
        "confirmed": confirmed,
        "pushed": delivery["pushed"],
        "despatched": delivery["despatched"],
        "undone": delivery["undone"],
        "delivery_p50_s": delivery["p50_s"],
        "delivery_p95_s": delivery["p95_s"],
        "fulfilled": len(sent),
        "in_store": sum(1 for order, numbers in sent.items() if numbers and numbers <= in_store.get(order, set())),
        "timed": len(latencies),
        "p50_s": percentile(latencies, 0.5),
        "p95_s": percentile(latencies, 0.95),
        "states": delivery["states"],
        "problems": delivery["problems"],
    }


def measure_shop(database, sandbox, warehouse, url, webhook_path, deliveries, rate):
    """Replay the store's ``orders/create`` webhooks at ``rate`` a second and follow each order to its fulfilment."""
    first, since = database.last_job_id(), last_exchange(database)
    warehouse.act("configure", speed=SPEED)
    sent = replay(url + webhook_path, deliveries, 4, rate)
    statuses = {str(status) for _at, status in sent.values()}
    log(f"  {len(sent)} webhooks replayed at {rate:g}/s, HTTP {sorted(statuses)}")

    def fulfilled():
        return finished(database, since, "fulfillment.create") >= len(deliveries)

    complete = settle_quietly(database, since, fulfilled, 1800, "the fulfilments")
    warehouse.act("configure", speed=0)
    return dict(shop_figures(database, sandbox, first, since, len(deliveries)), complete=complete, rate=rate)


# Report -----------------------------------------------------------------------------


def latency(run, prefix=""):
    """p50 / p95 of ``run``, in ms below ten seconds, else in seconds."""
    p50, p95 = run[f"{prefix}p50_s"], run[f"{prefix}p95_s"]
    if max(p50, p95) < 10:
        return f"{p50 * 1000:.0f} / {p95 * 1000:.0f} ms"
    return f"{p50:.1f} / {p95:.1f} s"


def undone(run):
    """Despatches applied, and in brackets those whose delivery was not validated."""
    return f"{run['despatched']:,} ({run['undone']})"


def report(burst, steady, files, shop, reconciled, expected, options):
    """The run's figures as the markdown table ``docs/benchmarks.md`` keeps, a row per figure."""
    print()
    print("| measure | figure |")
    print("|---|---:|")
    for name, run in (
        (f"{burst['shipments']:,} at once", burst),
        (f"{steady['shipments']} at {options.rate:g}/s", steady),
    ):
        print(f"| {name}: shipments pushed (REST) | {run['pushed']:,} of {run['shipments']:,} |")
        print(f"| {name}: shipments per second, first push started → last committed | {run['shipments_per_s']:.1f} |")
        print(f"| {name}: despatches applied with tracking (delivery left undone) | {undone(run)} |")
        print(f"| {name}: despatch callback received → delivery validated with tracking, p50 / p95 | {latency(run)} |")
    name = f"{files['shipments']:,} at once, files"
    print(f"| {name}: shipments written as order files | {files['pushed']:,} of {files['shipments']:,} |")
    print(f"| {name}: shipments per second, first write started → last committed | {files['shipments_per_s']:.1f} |")
    print(f"| {name}: despatches read and applied with tracking (delivery left undone) | {undone(files)} |")
    print(f"| {name}: despatch file written → delivery validated with tracking, p50 / p95 | {latency(files)} |")
    print(f"| {name}: of which despatch file written → read and stored, p50 / p95 | {latency(files, 'read_')} |")
    runs = f"{files['runs']} ({files['failed_runs']}), {files['run_p50_s']:.2f} / {files['run_max_s']:.2f} s"
    print(f"| {name}: despatches.read runs every {READ_EVERY:g} s (failed), p50 / max time of a run | {runs} |")
    name = f"Shopify, {shop['placed']} orders at {shop['rate']:g}/s"
    print(
        f"| {name}: placed / imported / confirmed / fulfilled with tracking | {shop['placed']} / {shop['imported']} "
        f"/ {shop['confirmed']} / {shop['fulfilled']} |"
    )
    print(f"| {name}: shipments pushed / despatches applied (left undone) | {shop['pushed']} / {undone(shop)} |")
    print(f"| {name}: despatch callback → delivery validated with tracking, p50 / p95 | {latency(shop, 'delivery_')} |")
    print(f"| {name}: despatch callback → fulfilment sent to Shopify with tracking, p50 / p95 | {latency(shop)} |")
    print(f"| {name}: fulfilments in the store with the tracking sent | {shop['in_store']} of {shop['fulfilled']} |")
    print(
        f"| stock reconciliation of {reconciled['compared']:,} SKUs (read, compare, adjust) | "
        f"{reconciled['seconds']:.2f} s (bound 10 s) |"
    )
    print(f"| of which reading the file and storing it | {reconciled['read_s']:.2f} s |")
    print(
        f"| differences applied / held for approval (expected) | {reconciled['adjusted']} / {reconciled['held']} "
        f"({expected['adjusted']} / {expected['held']}) |"
    )


def load_average():
    """The machine's 1, 5 and 15 minute load averages: other work on it moves every figure."""
    return " ".join(f"{load:.2f}" for load in os.getloadavg())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--odoo-bin", required=True)
    parser.add_argument("--addons-path", required=True)
    parser.add_argument("--db-flag", action="append", default=[])
    parser.add_argument("--shipments", type=int, default=1_000, help="deliveries at once, over REST and over files")
    parser.add_argument("--steady", type=int, default=200, help="deliveries confirmed one by one")
    parser.add_argument("--rate", type=float, default=4.0, help="deliveries confirmed per second")
    parser.add_argument("--shop-products", type=int, default=12, help="products of the sandbox shop")
    parser.add_argument("--shop-orders", type=int, default=100, help="Shopify orders followed to their fulfilment")
    parser.add_argument("--shop-rate", type=float, default=2.0, help="Shopify webhooks replayed per second")
    parser.add_argument("--skus", type=int, default=10_000, help="products in the stock reconciliation")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the database")
    options = parser.parse_args()
    began = time.monotonic()
    log(f"load average before: {load_average()}")
    workdir = Path(tempfile.mkdtemp(prefix="bench-3pl-"))
    root = workdir / "drop"
    odoo = Odoo(options.odoo_bin, options.addons_path, options.db_flag, workdir)
    stock = 2 * options.shipments + options.steady
    with Sandbox(workdir, seed=9, env={"SANDBOX_THREEPL_ROOT": str(root)}) as sandbox:
        recorder = Recorder()
        shop = sandbox.act("seed", products=options.shop_products, orders=0, seed=options.seed)
        variants = [v for v in sandbox.variants() if not v["product"]["isGiftCard"]]
        shop_skus = [v["sku"] for v in variants]
        log(f"Shop: {shop}, {len(variants)} variants for sale")
        warehouse = Warehouse(sandbox)
        warehouse.act("configure", shrinkage_rate=0, receipt_variance_rate=0)
        warehouse.know(shop_skus)
        warehouse.stock(dict.fromkeys(SKUS + tuple(shop_skus), stock))
        odoo.create(DB, f"{SUITE},erp_integration_demo")
        try:
            configured = odoo.shell(
                DB, "configure", "threepl_odoo", api_url=f"{sandbox.url}/threepl", skus=list(SKUS), stock=stock
            )
            database = Database(DB)
            callback = {"url": urlsplit(configured["webhook_url"]).path, "secret": configured["secret"]}
            with odoo.server(DB, sandbox.ca_pem) as (url, _logfile):
                warehouse.act("set_callback", url=url + callback["url"], secret=callback["secret"])
                warehouse.act("configure", speed=SPEED)
                log(f"{options.shipments} shipments at once, despatched on the warehouse's clock")
                burst = measure_burst(odoo, database, options.shipments)
                log(f"At once: {burst}")
                log(f"{options.steady} shipments at {options.rate:g}/s")
                steady = measure_steady(odoo, database, url, options.steady, options.rate)
                log(f"Steady: {steady}")
                warehouse.act("configure", speed=0)
                log(f"{options.shipments} shipments at once over the drop folder")
                files = measure_files(odoo, database, url, warehouse, root, options.shipments)
                log(f"Files: {files}")
            log(f"Shopify: {options.shop_orders} orders followed to their fulfilment")
            webhook_path = set_up_shop(odoo, sandbox, recorder, shop_skus, stock)
            deliveries = place_orders(sandbox, recorder, variants, options.shop_orders, options.seed)
            with odoo.server(DB, sandbox.ca_pem) as (url, _logfile):
                warehouse.act("set_callback", url=url + callback["url"], secret=callback["secret"])
                shopify = measure_shop(database, sandbox, warehouse, url, webhook_path, deliveries, options.shop_rate)
                log(f"Shopify: {shopify}")
            log(f"Stock reconciliation of {options.skus} products")
            expected = odoo.shell(DB, "reconcile_setup", "threepl_odoo", root=str(root), count=options.skus)
            reconciled = odoo.shell(DB, "reconcile", "threepl_odoo")
            log(f"Reconciliation: {reconciled} (expected {expected})")
        finally:
            recorder.shutdown()
            if not options.keep:
                odoo.drop(DB)
    report(burst, steady, files, shopify, reconciled, expected, options)
    log(f"load average after: {load_average()}")
    log(f"whole benchmark: {(time.monotonic() - began) / 60:.1f} min; logs in {workdir}")


if __name__ == "__main__":
    main()
