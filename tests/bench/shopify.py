"""Shopify order import and stock push, ours against the OCA connector (``make bench-shopify``).

In one run, on this machine:

1. The sandbox, in its own process: a shop of 2,000 variants on plan ``plus``
   (so Shopify's throttle does not decide the order import), plus an HTTPS
   listener for the OCA connector, which only calls ``https://{shop}/admin/...``.
2. Two databases on the same Odoo: ours (``erp_integration_shopify``, set up
   with *Set up Shopify* and *Link products*, which creates the 2,000 products)
   and the peer (``shopify_connector``, with a variant binding per variant),
   both with the same British company and VAT taxes (``shopify_odoo.py``).
3. Orders placed in the sandbox store, a mix like its seed generator's: GB
   customers, business buyers and guest checkouts, VAT included or excluded,
   discount codes, shipping. The store's signed ``orders/create`` deliveries
   are recorded, then replayed byte for byte to each connector's webhook: a
   warm-up, a run at a fixed offered rate, then a burst. One Odoo server per
   database, in turn (``workers=2``, queue_job runner ``root:2``, no cron).
4. Our ``stock.push`` of every variant's available stock, on plan ``standard``
   and on a plan small enough for the throttle to decide the time, each next
   to the time the throttle makes unavoidable: total query cost ÷ restore rate.
5. A markdown table; the databases are dropped at the end.

Per order, *latency* is from the moment the webhook POST is sent to the
commit of the job that confirmed the sale order (``queue_job.date_done`` of
our ``_process``, of the peer's ``_job_import_order_from_api``); *processing*
is the execution time of the jobs up to that one. SQL queries are counted the
same way for both: Odoo's own per-request counter, printed at the end of each
access log line, summed over the webhook POSTs and the job runs; the
``pg_stat_database`` deltas of the burst are given too.

    python3 -m tests.bench.shopify --odoo-bin "python3 /opt/odoo19/odoo-bin" --addons-path ...
"""

import argparse
import concurrent.futures
import contextlib
import http.server
import json
import os
import random
import re
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import timezone
from pathlib import Path

import psycopg2
import requests

from sandbox.shopify.seed import DISCOUNT_CODES, FREE_SHIPPING, FREE_SHIPPING_OVER, PEOPLE, SHIPPING

REPO = Path(__file__).resolve().parents[2]
API = "2026-01"
TOKEN = "shpat_sandbox_demo_token"
WARM_UP = 4
# "... "POST /path HTTP/1.1" 200 - <queries> <sql seconds> <other seconds>"
ACCESS_LINE = re.compile(r'"(?:GET|POST) (?P<path>\S+) HTTP/[\d.]+" (?P<status>\d{3}) - (?P<queries>\d+) ')
ORDER_GID = re.compile(r"gid://shopify/Order/(\d+)")
EXCHANGE_JOB = re.compile(r"integration\.exchange\((\d+),\)\._process")
SETTLED_STATES = ("done", "failed", "cancelled")
# Idle backends flush their statistics to pg_stat_database after 10 s.
PG_STATS_DELAY = 11


def log(message):
    print(f"{time.strftime('%H:%M:%S')} {message}", flush=True)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values, fraction):
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


# The sandbox --------------------------------------------------------------------


class Sandbox:
    """``python -m sandbox`` with an HTTPS listener, in its own process."""

    def __init__(self, workdir, seed, env=None):
        self.workdir = workdir
        self.seed = seed
        self.env = env

    def __enter__(self):
        command = [sys.executable, "-m", "sandbox", "--port", "0", "--https-port", "0", "--seed", str(self.seed)]
        command += ["--tls-dir", str(self.workdir / "tls")]
        self.stderr = open(self.workdir / "sandbox.log", "w")
        self.process = subprocess.Popen(
            command,
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            text=True,
            env={**os.environ, **(self.env or {})},
        )
        first, second = self.process.stdout.readline(), self.process.stdout.readline()
        if not second.startswith("Sandbox serving HTTPS on "):
            self.process.kill()
            raise SystemExit(f"The sandbox did not start: {first!r} {second!r}; see {self.workdir / 'sandbox.log'}")
        self.url = first.split()[-1]
        self.https_url, self.ca_pem = second.split()[4], second.split()[-1]
        self.session = requests.Session()
        return self

    def __exit__(self, *exc):
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.stderr.close()

    @property
    def shop(self):
        """The shop as the peer takes it: a host, no scheme and no path."""
        return self.https_url.removeprefix("https://")

    def act(self, action, **params):
        response = self.session.post(f"{self.url}/_sandbox/systems/shopify/actions/{action}", json=params, timeout=60)
        response.raise_for_status()
        return response.json()["result"]

    def graphql(self, query, variables=None):
        response = self.session.post(
            f"{self.url}/shopify/admin/api/{API}/graphql.json",
            json={"query": query, "variables": variables or {}},
            headers={"X-Shopify-Access-Token": TOKEN},
            timeout=60,
        )
        body = response.json()
        if body.get("errors"):
            raise RuntimeError(body["errors"])
        return body["data"]

    def throttle(self):
        return self.session.get(f"{self.url}/_sandbox/systems/shopify", timeout=10).json()["throttle"]

    def clear_requests(self):
        self.session.delete(f"{self.url}/_sandbox/requests", timeout=10)

    def graphql_requests(self):
        entries = self.session.get(f"{self.url}/_sandbox/requests?system=shopify", timeout=30).json()["requests"]
        return [entry for entry in entries if entry["path"].endswith("/graphql.json")]

    def variants(self):
        variants, after = [], None
        while True:
            page = self.graphql(
                """query($after: String) { productVariants(first: 250, after: $after) {
                     pageInfo { hasNextPage endCursor }
                     nodes { id sku price title product { id title isGiftCard } } } }""",
                {"after": after},
            )["productVariants"]
            variants += page["nodes"]
            if not page["pageInfo"]["hasNextPage"]:
                return variants
            after = page["pageInfo"]["endCursor"]


@dataclass
class Delivery:
    """One signed ``orders/create`` delivery, as the store sent it."""

    order_id: str
    headers: dict
    body: bytes


class Recorder(http.server.ThreadingHTTPServer):
    """Where the store's webhooks go: each delivery is kept for replay, once."""

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), RecorderHandler)
        self.deliveries = {}
        self.lock = threading.Lock()
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_port}"

    def orders_created(self):
        with self.lock:
            found = [d for d in self.deliveries.values() if d.headers.get("X-Shopify-Topic") == "orders/create"]
        return sorted(found, key=lambda delivery: int(delivery.order_id))


class RecorderHandler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = {k: v for k, v in self.headers.items() if k.lower().startswith("x-shopify-")}
        headers["Content-Type"] = "application/json"
        with self.server.lock:
            self.server.deliveries[headers.get("X-Shopify-Webhook-Id")] = Delivery(
                str(json.loads(body)["id"]), headers, body
            )
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def place_orders(sandbox, recorder, variants, count, seed):
    """Place ``count`` paid GBP orders, mixed like the seed generator's, and return their deliveries."""
    rnd = random.Random(seed)
    customers = sandbox.graphql("{ customers(first: 50) { nodes { id tags } } }")["customers"]["nodes"]
    business = [c["id"] for c in customers if "b2b" in c["tags"]]
    consumers = [c["id"] for c in customers if "b2b" not in c["tags"]]
    before = len(recorder.orders_created())
    for _ in range(count):
        order = {"currency": "GBP", "paid": True}
        roll = rnd.random()
        if roll < 0.10:
            order |= {"customer_id": rnd.choice(business), "taxes_included": False}
        elif roll < 0.25:
            first, last, city, postcode = rnd.choice(PEOPLE)
            order["email"] = f"{first.lower()}{rnd.randint(1, 99)}@guest.example.com"
            order["address"] = {
                "first_name": first,
                "last_name": last,
                "address1": "1 Station Road",
                "city": city,
                "zip": postcode,
                "country_code": "GB",
            }
        else:
            order |= {"customer_id": rnd.choice(consumers), "taxes_included": rnd.random() >= 0.05}
        chosen = rnd.sample(variants, rnd.randint(1, 3))
        order["lines"] = [{"variant_id": v["id"], "quantity": rnd.randint(1, 3)} for v in chosen]
        if rnd.random() < 0.2:
            order["discount_code"] = list(rnd.choice(DISCOUNT_CODES))
        goods = sum(float(v["price"]) * line["quantity"] for v, line in zip(chosen, order["lines"]))
        order["shipping"] = list(FREE_SHIPPING if goods >= FREE_SHIPPING_OVER else rnd.choice(SHIPPING["GB"]))
        sandbox.act("create_order", **order)
    deadline = time.monotonic() + 120
    while len(recorder.orders_created()) < before + count and time.monotonic() < deadline:
        time.sleep(0.2)
    deliveries = recorder.orders_created()[before:]
    if len(deliveries) != count:
        raise SystemExit(f"{count} orders placed but {len(deliveries)} orders/create deliveries recorded")
    return deliveries


# Odoo -------------------------------------------------------------------------


class Odoo:
    """Odoo's command line for the benchmark databases."""

    def __init__(self, command, addons_path, db_flags, workdir):
        self.command = shlex.split(command)
        self.common = ["-c", str(REPO / "odoo.conf"), f"--addons-path={addons_path}", *db_flags]
        self.workdir = workdir

    def run(self, args, stdin=None, env=None):
        done = subprocess.run(
            [*self.command, *args, *self.common],
            input=stdin,
            capture_output=True,
            text=True,
            cwd=REPO,
            env={**os.environ, **(env or {})},
            check=False,
        )
        if done.returncode:
            raise SystemExit(f"{' '.join(args[:4])} failed:\n{done.stderr[-4000:]}")
        return done

    def create(self, db, modules):
        self.drop(db)
        started = time.monotonic()
        self.run(["-d", db, "-i", modules, "--without-demo", "--stop-after-init", "--workers=0", "--log-level=warn"])
        log(f"{db}: {modules} installed in {time.monotonic() - started:.0f} s")

    @staticmethod
    def drop(db):
        subprocess.run(["dropdb", "--if-exists", "--force", db], check=False, capture_output=True)

    def shell(self, db, task, module="shopify_odoo", package="tests.bench", **params):
        """Run a task of ``<package>.<module>`` inside ``odoo-bin shell`` and return its result."""
        code = f"from {package} import {module}\n{module}.main(env, {task!r}, **{params!r})\n"
        done = self.run(["shell", "-d", db, "--no-http", "--log-level=warn"], stdin=code, env={"PYTHONPATH": str(REPO)})
        for line in done.stdout.splitlines():
            if line.startswith("BENCH-RESULT "):
                return json.loads(line.removeprefix("BENCH-RESULT "))
        raise SystemExit(f"{task} on {db} gave no result:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")

    @contextlib.contextmanager
    def server(self, db, ca_pem, runner=True):
        """One Odoo for ``db``: two workers, queue_job's runner with two slots (or none: an outage), no cron."""
        server = self.start(db, ca_pem, runner)
        try:
            yield server.url, server.logfile
        finally:
            server.stop()

    def start(self, db, ca_pem, runner=True, name=None):
        """Start the Odoo of ``server()`` and return it once it answers; the caller stops (or kills) it."""
        port, logfile = free_port(), self.workdir / f"{name or db}.log"
        if not logfile.exists():
            logfile.write_text("")
        args = ["-d", db, f"--db-filter=^{db}$", f"--http-port={port}", f"--gevent-port={free_port()}"]
        # The core server-wide, as odoo.conf loads it: its webhooks answer 503 while PostgreSQL is away.
        modules = f"base,web{',queue_job' if runner else ''},erp_integration_core"
        args += ["--workers=2", "--max-cron-threads=0", f"--load={modules}"]
        args += [f"--logfile={logfile}", "--log-level=info"]
        # A zero root capacity keeps queue_job's runner off: the core, loaded server-wide, imports queue_job,
        # whose runner starts with any server that has not been told so.
        channels = "root:2" if runner else "root:0"
        env = {**os.environ, "ODOO_QUEUE_JOB_CHANNELS": channels, "REQUESTS_CA_BUNDLE": str(ca_pem)}
        stderr = open(self.workdir / f"{name or db}.stderr", "a")  # noqa: SIM115 - closed by Server.stop
        start = logfile.stat().st_size
        process = subprocess.Popen(
            [*self.command, *args, *self.common], cwd=REPO, env=env, stderr=stderr, start_new_session=True
        )
        server = Server(process, f"http://127.0.0.1:{port}", logfile, stderr)
        deadline = time.monotonic() + 120
        while runner and f"queue job runner ready for db {db}" not in server.log_since(start):
            if time.monotonic() > deadline or process.poll() is not None:
                server.stop()
                raise SystemExit(f"Odoo for {db} did not start; see {logfile}")
            time.sleep(0.5)
        while time.monotonic() < deadline:
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"{server.url}/web/health", timeout=2).ok:
                    break
            time.sleep(0.5)
        return server


@dataclass
class Server:
    """A running Odoo: its process group (the main process, its workers and the job runner)."""

    process: subprocess.Popen
    url: str
    logfile: Path
    stderr: object

    def log_since(self, offset):
        with open(self.logfile) as file:
            file.seek(offset)
            return file.read()

    def stop(self, sig=signal.SIGTERM):
        """Stop every process of the server: SIGTERM waits for it, SIGKILL is a crash."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, sig)
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(30)
        self.stderr.close()


class Database:
    """A plain connection for polling; every statement is its own transaction, and counted."""

    def __init__(self, db):
        self.db = db
        self.connection = psycopg2.connect(dbname=db)
        self.connection.autocommit = True
        self.statements = 0

    def query(self, sql, params=None):
        self.statements += 1
        with self.connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def pg_stats(self):
        [row] = self.query(
            "SELECT xact_commit, xact_rollback, tup_returned, tup_fetched, tup_inserted, tup_updated, tup_deleted "
            "FROM pg_stat_database WHERE datname = %s",
            [self.db],
        )
        keys = ("xact_commit", "xact_rollback", "tup_returned", "tup_fetched", "tup_inserted", "tup_updated")
        return dict(zip((*keys, "tup_deleted"), row)) | {"statements": self.statements}

    def pending_jobs(self):
        return self.query("SELECT count(*) FROM queue_job WHERE state NOT IN %s", [SETTLED_STATES])[0][0]

    def jobs(self, since_id):
        rows = self.query(
            "SELECT id, uuid, method_name, func_string, identity_key, state, date_started, date_done, exec_time, "
            "exc_info, result FROM queue_job WHERE id > %s ORDER BY id",
            [since_id],
        )
        keys = ("id", "uuid", "method", "func_string", "identity_key", "state", "date_started", "date_done")
        keys += ("exec_time", "exc_info", "result")
        return [dict(zip(keys, row)) for row in rows]

    def last_job_id(self):
        return self.query("SELECT coalesce(max(id), 0) FROM queue_job")[0][0]


# The two connectors -------------------------------------------------------------


@dataclass
class Connector:
    """What differs between the two connectors: install, set-up, and where to look for results."""

    name: str
    db: str
    modules: str
    confirming_job: str
    webhook_path: str = ""
    runs: dict = field(default_factory=dict)

    def outcomes(self, database, order_ids):
        """``{order id: "confirmed" or why not}`` for the orders that went through."""
        raise NotImplementedError

    def order_of_job(self, database, deliveries):
        """A function giving the order a queue job worked for (or None)."""
        raise NotImplementedError


class Ours(Connector):
    def outcomes(self, database, order_ids):
        rows = database.query(
            """SELECT e.external_id, e.state, e.message, so.state
                 FROM integration_exchange e
                 LEFT JOIN integration_binding b ON b.backend_id = e.backend_id AND b.res_model = 'sale.order'
                                                AND b.external_id = e.external_id
                 LEFT JOIN sale_order so ON so.id = b.res_id
                WHERE e.flow = 'orders/create' AND e.external_id = ANY(%s)""",
            [list(order_ids)],
        )
        return {
            order: "confirmed" if sale_state == "sale" else f"exchange {state}: {message}"
            for order, state, message, sale_state in rows
        }

    def order_of_job(self, database, deliveries):
        exchanges = dict(database.query("SELECT id, external_id FROM integration_exchange"))

        def order_of(job):
            match = EXCHANGE_JOB.search(job["func_string"] or "")
            return exchanges.get(int(match.group(1))) if match else None

        return order_of


class Peer(Connector):
    def outcomes(self, database, order_ids):
        gids = [f"gid://shopify/Order/{order}" for order in order_ids]
        rows = database.query(
            """SELECT b.shopify_id, b.state, b.error_message, so.state
                 FROM shopify_order b LEFT JOIN sale_order so ON so.id = b.odoo_id
                WHERE b.shopify_id = ANY(%s)""",
            [gids],
        )
        return {
            gid.rsplit("/", 1)[-1]: "confirmed" if sale_state == "sale" else f"binding {state}: {error}"
            for gid, state, error, sale_state in rows
        }

    def order_of_job(self, database, deliveries):
        by_webhook = {d.headers.get("X-Shopify-Webhook-Id"): d.order_id for d in deliveries}

        def order_of(job):
            key = job["identity_key"] or ""
            match = ORDER_GID.search(key)
            if match:
                return match.group(1)
            return by_webhook.get(key.rsplit(".", 1)[-1])

        return order_of


# Replay and measurement -----------------------------------------------------------


def replay(url, deliveries, concurrency, rate=None):
    """POST the recorded deliveries: as fast as ``concurrency`` senders go, or one every 1/``rate`` s.

    Returns ``{order id: (time sent, HTTP status)}``.
    """
    sent, local = {}, threading.local()
    origin = time.time() + 0.2

    def post(indexed):
        index, delivery = indexed
        if rate:
            time.sleep(max(0.0, origin + index / rate - time.time()))
        session = getattr(local, "session", None) or requests.Session()
        local.session = session
        at = time.time()
        try:
            status = session.post(url, data=delivery.body, headers=delivery.headers, timeout=60).status_code
        except requests.RequestException as err:
            status = type(err).__name__
        sent[delivery.order_id] = (at, status)

    with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(post, enumerate(deliveries)))
    return sent


def settle(database, connector, order_ids, timeout):
    """Wait until no job is left to run; report progress every few seconds."""
    started, reported = time.monotonic(), 0.0
    while time.monotonic() - started < timeout:
        if not database.pending_jobs():
            return True
        if time.monotonic() - reported > 15:
            confirmed = sum(1 for o in connector.outcomes(database, order_ids).values() if o == "confirmed")
            log(f"  {connector.name}: {confirmed}/{len(order_ids)} confirmed")
            reported = time.monotonic()
        time.sleep(0.25)
    log(f"  {connector.name}: jobs still pending after {timeout} s")
    return False


def sql_from_log(logfile, start, end, webhook_path, method_of_uuid):
    """Queries per request kind from Odoo's access lines between two log offsets."""
    counts = {}
    with open(logfile) as file:
        file.seek(start)
        text = file.read(end - start)
    for line in text.splitlines():
        match = ACCESS_LINE.search(line)
        if not match:
            continue
        path = match["path"]
        if path.startswith(webhook_path):
            kind = "webhook POST"
        elif path.startswith("/queue_job/runjob"):
            uuid = re.search(r"job_uuid=([\w-]+)", path)
            kind = method_of_uuid.get(uuid.group(1) if uuid else None, "other job")
        else:
            continue
        counts.setdefault(kind, []).append(int(match["queries"]))
    return counts


def measure(connector, database, server, sandbox, deliveries, kind, concurrency, rate=None, timeout=1200):
    """Replay ``deliveries``, wait until every job has run, and work out the figures of that run."""
    url, logfile = server
    first_job = database.last_job_id()
    before = database.pg_stats()
    log_start = logfile.stat().st_size
    sandbox.clear_requests()
    sent = replay(f"{url}{connector.webhook_path}", deliveries, concurrency, rate)
    settled = settle(database, connector, list(sent), timeout)
    time.sleep(1)  # the last access lines reach the log
    result = figures(connector, database, sandbox, deliveries, sent, first_job, (logfile, log_start))
    result |= {"kind": kind, "rate": rate, "settled": settled}
    if kind == "burst":
        time.sleep(PG_STATS_DELAY)
        after = database.pg_stats()
        delta = {key: after[key] - before[key] for key in before}
        # Our own polling statements are transactions too.
        delta["xact_commit"] -= delta.pop("statements")
        n = len(sent)
        result["pg_per_order"] = {key: value / n for key, value in delta.items()}
    return result


def measure_backlog(odoo, connector, database, sandbox, deliveries, options, timeout=1200):
    """A backlog after an outage: deliveries arrive while no job runs, then the runner starts.

    Throughput and latency are counted from the first job's start, so they
    are the draining's alone.
    """
    first_job = database.last_job_id()
    with odoo.server(connector.db, sandbox.ca_pem, runner=False) as (url, logfile):
        log_start = logfile.stat().st_size
        sent = replay(f"{url}{connector.webhook_path}", deliveries, options.concurrency)
    waiting = database.pending_jobs()
    log(f"  {connector.name}: {len(deliveries)} deliveries received, {waiting} jobs waiting; starting the runner")
    sandbox.clear_requests()
    with odoo.server(connector.db, sandbox.ca_pem):
        settled = settle(database, connector, list(sent), timeout)
        time.sleep(1)
    started = [timestamp(job["date_started"]) for job in database.jobs(first_job) if job["date_started"]]
    origin = min(started, default=time.time())
    sent = {order: (origin, status) for order, (_at, status) in sent.items()}
    result = figures(connector, database, sandbox, deliveries, sent, first_job, (logfile, log_start))
    return result | {"kind": "backlog", "rate": None, "settled": settled, "waiting_jobs": waiting}


def figures(connector, database, sandbox, deliveries, sent, first_job, log_span):
    """The figures of a run: what was sent, and every job since ``first_job``."""
    logfile, log_start = log_span
    jobs = database.jobs(first_job)
    outcomes = connector.outcomes(database, list(sent))
    order_of = connector.order_of_job(database, deliveries)
    method_of_uuid = {job["uuid"]: job["method"] for job in jobs}
    sql = sql_from_log(logfile, log_start, logfile.stat().st_size, connector.webhook_path, method_of_uuid)
    n = len(sent)
    result = {"orders": n}
    result |= order_figures(connector, sent, outcomes, jobs, order_of)
    result |= {
        "http": dict(Counter(str(status) for _at, status in sent.values())),
        "jobs_per_order": len(jobs) / n,
        "jobs_run_per_order": sum(1 for job in jobs if not in_batch(job)) / n,
        "jobs": job_figures(jobs),
        "sql_per_order": sum(sum(counts) for counts in sql.values()) / n,
        "sql_by_kind_p50": {kind: statistics.median(counts) for kind, counts in sql.items()},
        "graphql_per_order": len(sandbox.graphql_requests()) / n,
        "problems": problems(sent, outcomes, jobs, order_of, deliveries),
    }
    return result


BATCHED = re.compile(r"in the backlog batch of job ([0-9a-f-]{36})")


def in_batch(job):
    """The uuid of the job that processed this one's exchange in its backlog batch, or None."""
    match = BATCHED.search(job["result"] or "")
    return match.group(1) if match else None


def own_exec_times(jobs):
    """``{job id: seconds}``: a batch's job without the exchanges it processed for others.

    Those exchanges' jobs carry their own processing time, so an order's
    processing is its own in both modes.
    """
    for_others = Counter()
    for job in jobs:
        leader = in_batch(job)
        if leader:
            for_others[leader] += job["exec_time"] or 0
    return {job["id"]: max(0.0, (job["exec_time"] or 0) - for_others[job["uuid"]]) for job in jobs}


def timestamp(moment):
    """queue_job's times are naive UTC."""
    return moment.replace(tzinfo=timezone.utc).timestamp()


def order_figures(connector, sent, outcomes, jobs, order_of):
    """Throughput, latency (POST sent → confirming commit) and processing (job execution) per order."""
    by_order, own = {}, own_exec_times(jobs)
    for job in jobs:
        by_order.setdefault(order_of(job), []).append(job)
    done_at, processing, processing_all = {}, [], []
    for order in sent:
        jobs_of = by_order.get(order, [])
        confirming = [j for j in jobs_of if j["method"] == connector.confirming_job and j["state"] == "done"]
        if outcomes.get(order) != "confirmed" or not confirming:
            continue
        done = max(j["date_done"] for j in confirming)
        done_at[order] = timestamp(done)
        processing.append(sum(own[j["id"]] for j in jobs_of if j["date_done"] and j["date_done"] <= done))
        processing_all.append(sum(own[j["id"]] for j in jobs_of))
    latencies = [done_at[order] - sent[order][0] for order in done_at]
    first_sent = min(at for at, _status in sent.values())
    finished = [timestamp(j["date_done"]) for j in jobs if j["date_done"]]
    return {
        "confirmed": len(done_at),
        "orders_per_second": len(done_at) / (max(done_at.values()) - first_sent) if done_at else 0.0,
        "latency_p50": percentile(latencies, 0.50),
        "latency_p95": percentile(latencies, 0.95),
        "latency_max": max(latencies, default=float("nan")),
        "processing_p50": percentile(processing, 0.50),
        "processing_p95": percentile(processing, 0.95),
        "processing_all_p50": percentile(processing_all, 0.50),
        "drain_seconds": (max(finished) - first_sent) if finished else float("nan"),
    }


def job_figures(jobs):
    figures = {}
    for method in sorted({job["method"] for job in jobs}):
        group = [job for job in jobs if job["method"] == method]
        figures[method] = {
            "count": len(group),
            "exec_p50": percentile([job["exec_time"] or 0 for job in group], 0.50),
            "exec_p95": percentile([job["exec_time"] or 0 for job in group], 0.95),
            "states": dict(Counter(job["state"] for job in group)),
        }
    return figures


def problems(sent, outcomes, jobs, order_of, deliveries):
    """``{what went wrong: [order names]}``: orders not confirmed, and failed jobs."""
    names = {delivery.order_id: json.loads(delivery.body)["name"] for delivery in deliveries}
    found = {}
    for order in sent:
        outcome = outcomes.get(order, "never imported")
        if outcome != "confirmed":
            found.setdefault(outcome[:300], []).append(names[order])
    for job in jobs:
        if job["state"] == "failed":
            reason = ((job["exc_info"] or "").strip().splitlines() or ["?"])[-1]
            found.setdefault(f"job {job['method']} failed: {reason[:300]}", []).append(names.get(order_of(job)))
    return found


def run_connector(odoo, connector, sandbox, runs, options):
    warm_up, rated, burst, backlog = runs
    database = Database(connector.db)
    with odoo.server(connector.db, sandbox.ca_pem) as server:
        log(f"{connector.name}: Odoo up; warm-up with {len(warm_up)} orders")
        replay(f"{server[0]}{connector.webhook_path}", warm_up, 2)
        settle(database, connector, [d.order_id for d in warm_up], 300)
        log(f"{connector.name}: {len(rated)} orders at {options.rate}/s")
        connector.runs["rate"] = measure(connector, database, server, sandbox, rated, "rate", 8, options.rate)
        log(f"{connector.name}: burst of {len(burst)} orders, {options.concurrency} senders")
        time.sleep(PG_STATS_DELAY)
        connector.runs["burst"] = measure(connector, database, server, sandbox, burst, "burst", options.concurrency)
    log(f"{connector.name}: backlog of {len(backlog)} orders received while no job runs")
    connector.runs["backlog"] = measure_backlog(odoo, connector, database, sandbox, backlog, options)
    database.connection.close()
    for kind, run in connector.runs.items():
        log(
            f"{connector.name} {kind}: {run['confirmed']}/{run['orders']} confirmed, "
            f"{run['orders_per_second']:.2f} orders/s, p50 {run['latency_p50']:.3f} s, p95 {run['latency_p95']:.3f} s"
        )


# Plans for the stock push: Shopify's standard plan, whose bucket holds more
# than the push costs, and a small one on which the throttle decides the time.
STOCK_PLANS = (
    ("standard", {"plan": "standard"}),
    ("throttled: 10 points/s, bucket 20", {"plan": "standard", "restore_rate": 10, "maximum": 20}),
)


def push_stock(odoo, sandbox, db):
    """Our stock.push of every variant, per plan, against total cost ÷ restore rate."""
    runs = []
    for label, plan in STOCK_PLANS:
        sandbox.act("set_plan", **plan)
        bucket = sandbox.throttle()
        pushed = odoo.shell(db, "push_stock")
        bound = pushed["actual_cost"] / bucket["restoreRate"]
        runs.append(pushed | {"plan": label, "bucket": bucket, "bound_seconds": bound})
    return runs


# Report ---------------------------------------------------------------------------


def ms(seconds):
    return f"{seconds * 1000:.0f}"


def ratio(ours, peer):
    return f"{ours / peer:.2f}" if peer else "–"


def report(ours, peer, stock, alone, options):
    lines = ["", "## Shopify order import: ours against the OCA connector", ""]
    lines += ["| measure | ours | peer (OCA) | ours/peer |", "|---|---:|---:|---:|"]

    def row(label, key, run, fmt=lambda v: f"{v:.2f}"):
        a, b = ours.runs[run][key], peer.runs[run][key]
        lines.append(f"| {label} | {fmt(a)} | {fmt(b)} | {ratio(a, b)} |")

    burst, rated = ours.runs["burst"], ours.runs["rate"]
    lines.append(
        f"| burst: orders confirmed | {burst['confirmed']}/{burst['orders']} "
        f"| {peer.runs['burst']['confirmed']}/{peer.runs['burst']['orders']} | |"
    )
    row("burst: orders/s, first POST → last confirmation", "orders_per_second", "burst")
    row("burst: latency p50, s (POST sent → confirming commit)", "latency_p50", "burst")
    row("burst: latency p95, s", "latency_p95", "burst")
    row("burst: processing per order p50, ms (jobs to confirmed)", "processing_p50", "burst", ms)
    row("burst: processing per order p95, ms", "processing_p95", "burst", ms)
    row("burst: processing per order, all its jobs, p50, ms", "processing_all_p50", "burst", ms)
    row("burst: every job done, s after first POST", "drain_seconds", "burst", lambda v: f"{v:.1f}")
    lines.append(
        f"| rate {options.rate:g}/s: orders confirmed | {rated['confirmed']}/{rated['orders']} "
        f"| {peer.runs['rate']['confirmed']}/{peer.runs['rate']['orders']} | |"
    )
    row(f"rate {options.rate:g}/s: latency p50, ms", "latency_p50", "rate", ms)
    row(f"rate {options.rate:g}/s: latency p95, ms", "latency_p95", "rate", ms)
    row(f"rate {options.rate:g}/s: processing per order p50, ms", "processing_p50", "rate", ms)
    row(f"rate {options.rate:g}/s: processing per order p95, ms", "processing_p95", "rate", ms)
    lines.append(
        f"| Odoo alone: the {options.rate:g}/s run's {alone['orders']} sale orders created and confirmed again, "
        f"one process, p50 / p95, ms | {ms(alone['p50'])} / {ms(alone['p95'])} | | |"
    )
    backlog = ours.runs["backlog"]
    lines.append(
        f"| backlog of {backlog['orders']} after an outage: orders confirmed "
        f"| {backlog['confirmed']}/{backlog['orders']} "
        f"| {peer.runs['backlog']['confirmed']}/{peer.runs['backlog']['orders']} | |"
    )
    row("backlog: orders/s, first job started → last confirmation", "orders_per_second", "backlog")
    row("backlog: processing per order p50, ms", "processing_p50", "backlog", ms)
    row("backlog: processing per order p95, ms", "processing_p95", "backlog", ms)
    row("backlog: queue jobs run per order", "jobs_run_per_order", "backlog")
    row("backlog: every job done, s after the first started", "drain_seconds", "backlog", lambda v: f"{v:.1f}")
    row("SQL queries per order (Odoo's counter, burst)", "sql_per_order", "burst", lambda v: f"{v:.0f}")
    row("queue jobs per order (burst)", "jobs_per_order", "burst")
    row("GraphQL calls per order (burst)", "graphql_per_order", "burst")
    for key, label in (
        ("xact_commit", "transactions"),
        ("tup_inserted", "rows inserted"),
        ("tup_updated", "rows updated"),
        ("tup_fetched", "rows fetched"),
    ):
        a, b = burst.get("pg_per_order", {}).get(key, 0), peer.runs["burst"].get("pg_per_order", {}).get(key, 0)
        lines.append(f"| {label} per order (pg_stat_database, burst) | {a:.0f} | {b:.0f} | {ratio(a, b)} |")
    throughput = burst["orders_per_second"] / (peer.runs["burst"]["orders_per_second"] or float("nan"))
    draining = backlog["orders_per_second"] / (peer.runs["backlog"]["orders_per_second"] or float("nan"))
    lines += [
        "",
        f"Target ours ≥ 2× the peer's burst throughput: {throughput:.2f}× — "
        + ("met." if throughput >= 2 else "**not met**."),
        f"Target ours ≥ 3× the peer's throughput on a backlog: {draining:.2f}× — "
        + ("met." if draining >= 3 else "**not met**."),
        f"Target processing p95 ≤ 100 ms per order at {options.rate:g} orders/s: "
        f"{ms(rated['processing_p95'])} ms — "
        + ("met." if rated["processing_p95"] <= 0.1 else "**not met**.")
        + f" Odoo's own create and confirm of the same orders: p95 {ms(alone['p95'])} ms.",
    ]
    for connector in (ours, peer):
        for kind, run in connector.runs.items():
            jobs = ", ".join(
                f"{m} ×{v['count']} exec p50/p95 {ms(v['exec_p50'])}/{ms(v['exec_p95'])} ms {v['states']}"
                for m, v in sorted(run["jobs"].items())
            )
            queries = ", ".join(f"{k} {v:g}" for k, v in sorted(run["sql_by_kind_p50"].items()))
            lines.append(f"\n{connector.name}, {kind}: jobs {jobs}; SQL p50 per request: {queries}; HTTP {run['http']}")
            for problem, orders in run["problems"].items():
                lines.append(f"  - {len(orders)} × {problem} (orders {', '.join(map(str, orders[:5]))})")
    lines += ["", "## Stock push (ours)", ""]
    lines += [
        "| plan | variants | elapsed s | GraphQL calls | actual cost | bucket at start | restore/s "
        "| bound: cost ÷ restore, s | elapsed ÷ bound |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run in stock:
        bucket = run["bucket"]
        lines.append(
            f"| {run['plan']} | {run['variants']} | {run['seconds']:.2f} | {run['calls']} | {run['actual_cost']} "
            f"| {bucket['currentlyAvailable']:g} | {bucket['restoreRate']:g} | {run['bound_seconds']:.2f} "
            f"| {run['seconds'] / run['bound_seconds']:.2f} |"
        )
    worst = max(run["seconds"] / run["bound_seconds"] for run in stock)
    lines.append(
        f"\nTarget elapsed ≤ 1.1 × (total cost ÷ restore rate): {worst:.2f}× at worst — "
        + ("met." if worst <= 1.1 else "**not met**.")
    )
    lines.append(f"\nPush result: {stock[-1]['result']}")
    print("\n".join(lines), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--odoo-bin", required=True, help="how to run Odoo, e.g. 'python3 /opt/odoo19/odoo-bin'")
    parser.add_argument("--addons-path", required=True)
    parser.add_argument("--db-flag", action="append", default=[], help="Odoo database option, e.g. --db_host=...")
    parser.add_argument("--db-prefix", default="erp_integration_bench_shopify")
    parser.add_argument("--products", type=int, default=340, help="seeded products (340 give 2,000 variants)")
    parser.add_argument("--orders", type=int, default=1000, help="orders in the burst")
    parser.add_argument("--rate-orders", type=int, default=120, help="orders sent at the fixed rate")
    parser.add_argument("--backlog-orders", type=int, default=500, help="orders received while no job runs")
    parser.add_argument("--rate", type=float, default=4.0, help="offered rate, orders per second")
    parser.add_argument("--concurrency", type=int, default=4, help="senders in the burst")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workdir", default=str(REPO / "var" / "bench-shopify"))
    parser.add_argument("--keep", action="store_true", help="keep the databases")
    options = parser.parse_args()
    workdir = Path(options.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    odoo = Odoo(options.odoo_bin, options.addons_path, options.db_flag, workdir)
    ours = Ours("ours", f"{options.db_prefix}_ours", "erp_integration_core,erp_integration_shopify", "_process")
    peer = Peer("peer", f"{options.db_prefix}_peer", "shopify_connector", "_job_import_order_from_api")
    began = time.monotonic()
    log(f"load average before: {' '.join(f'{load:.2f}' for load in os.getloadavg())}")
    try:
        with Sandbox(workdir, options.seed) as sandbox:
            recorder = Recorder()
            shop = sandbox.act("seed", products=options.products, orders=40, seed=options.seed)
            sandbox.act("set_plan", plan="plus")
            variants = [v for v in sandbox.variants() if not v["product"]["isGiftCard"]]
            log(f"sandbox {sandbox.url} (HTTPS {sandbox.https_url}): {shop}, {len(variants)} variants for sale")
            odoo.create(ours.db, ours.modules)
            configured = odoo.shell(
                ours.db, "configure_ours", api_url=f"{sandbox.url}/shopify", recorder_url=recorder.url
            )
            ours.webhook_path = configured["webhook_path"]
            log(f"ours configured: {configured['products_link']}")
            variants_file = workdir / "variants.json"
            variants_file.write_text(
                json.dumps(
                    [
                        {
                            "id": v["id"],
                            "product_id": v["product"]["id"],
                            "sku": v["sku"],
                            "price": v["price"],
                            "title": f"{v['product']['title']} ({v['title']})",
                        }
                        for v in variants
                    ]
                )
            )
            odoo.create(peer.db, peer.modules)
            configured = odoo.shell(peer.db, "configure_peer", shop=sandbox.shop, variants_file=str(variants_file))
            peer.webhook_path = configured["webhook_path"]
            log(f"peer configured: {configured}")
            sizes = (WARM_UP, options.rate_orders, options.orders, options.backlog_orders)
            log(f"placing {sum(sizes)} orders in the sandbox store")
            deliveries = place_orders(sandbox, recorder, variants, sum(sizes), options.seed)
            with open(workdir / "deliveries.jsonl", "w") as file:
                file.writelines(json.dumps(json.loads(d.body)) + "\n" for d in deliveries)
            runs, start = [], 0
            for size in sizes:
                runs.append(deliveries[start : start + size])
                start += size
            for connector in (ours, peer):
                run_connector(odoo, connector, sandbox, runs, options)
            log("Odoo alone: the 4/s run's sale orders made and confirmed again")
            refs = [json.loads(delivery.body)["name"] for delivery in runs[1]]
            alone = odoo.shell(ours.db, "odoo_alone", order_refs=refs)
            log("stock push")
            stock = push_stock(odoo, sandbox, ours.db)
            recorder.shutdown()
        (workdir / "result.json").write_text(
            json.dumps(
                {"ours": ours.runs, "peer": peer.runs, "stock": stock, "odoo_alone": alone}, indent=2, default=str
            )
        )
        report(ours, peer, stock, alone, options)
        log(f"load average after: {' '.join(f'{load:.2f}' for load in os.getloadavg())}")
        log(f"whole benchmark: {(time.monotonic() - began) / 60:.1f} min; figures in {workdir / 'result.json'}")
    finally:
        if not options.keep:
            for connector in (ours, peer):
                odoo.drop(connector.db)


if __name__ == "__main__":
    main()
