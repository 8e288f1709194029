"""Webhook intake throughput and latency, next to Odoo's own floor.

Sends ``REQUESTS`` signed, distinct deliveries per sender to the intake of a
running Odoo, with 1, 8 and 32 concurrent senders, and the same load to
``GET /web/health`` (no database work at all) as the floor. Prints a table
and the ratios the targets are stated in.

The intake is sent three ways: to the backend's webhook address as Shopify
sends it (the address names its database, ``?db=``), to the same address
without the name (as given out before it had one: Odoo lists the databases
for every request without a session cookie, on a new PostgreSQL connection),
and with the ``X-Odoo-Database`` header a reverse proxy can add
(``docs/deployment.md``), against the floor given that header too.

    python3 -m tests.bench.intake --url http://127.0.0.1:8069 --token TOKEN --secret SECRET --database DB
"""

import argparse
import base64
import collections
import hashlib
import hmac
import http.client
import json
import statistics
import threading
import time
import urllib.parse

CONCURRENCY = (1, 8, 32)
KINDS = ("floor", "intake", "intake, unnamed", "floor, named", "intake, named")
# What each reading compares: (floor, intake, what it stands for).
READINGS = (
    ("floor", "intake", "the backend's address"),
    ("floor", "intake, unnamed", "the address without its database"),
    ("floor, named", "intake, named", "like for like, the header on both"),
)


def percentile(samples, fraction):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def make_requests(kind, sender, count, token, secret, run_id, database):
    """Pre-build every request of one sender so signing is not measured."""
    named = {"X-Odoo-Database": database} if kind.endswith(", named") else {}
    if kind.startswith("floor"):
        return [("GET", "/web/health", None, named)] * count
    # Each series' orders are its own: every delivery is new.
    run_id += str(KINDS.index(kind))
    address = f"/integration/webhook/{token}"
    if kind == "intake":
        address += "?" + urllib.parse.urlencode({"db": database})
    requests = []
    for number in range(count):
        order_id = f"{run_id}{sender:03d}{number:05d}"
        body = json.dumps(
            {
                "id": int(order_id),
                "name": f"#B{order_id}",
                "email": f"bench{number}@example.com",
                "currency": "GBP",
                "total_price": "24.00",
                "line_items": [{"sku": "MUG-BLU", "quantity": 1}],
            }
        ).encode()
        signature = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
        headers = {
            "Content-Type": "application/json",
            "X-Shopify-Topic": "orders/create",
            "X-Shopify-Hmac-Sha256": signature,
            "X-Shopify-Event-Id": f"bench-{order_id}",
            **named,
        }
        requests.append(("POST", address, body, headers))
    return requests


def sender(host, port, requests, latencies, errors, start):
    connection = http.client.HTTPConnection(host, port, timeout=60)
    start.wait()
    for method, path, body, headers in requests:
        began = time.perf_counter()
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                errors.append(response.status)
        except (OSError, http.client.HTTPException) as err:
            errors.append(repr(err))
            connection.close()
            connection = http.client.HTTPConnection(host, port, timeout=60)
        latencies.append(time.perf_counter() - began)
    connection.close()


def run(url, kind, concurrency, count, token, secret, run_id, database):
    parsed = urllib.parse.urlsplit(url)
    latencies, errors = [], []
    start = threading.Barrier(concurrency + 1)
    threads = [
        threading.Thread(
            target=sender,
            args=(
                parsed.hostname,
                parsed.port,
                make_requests(kind, n, count, token, secret, run_id, database),
                latencies,
                errors,
                start,
            ),
        )
        for n in range(concurrency)
    ]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    return {
        "kind": kind,
        "senders": concurrency,
        "requests": len(latencies),
        "errors": len(errors),
        "failures": collections.Counter(errors),
        "rps": len(latencies) / elapsed,
        "p50": percentile(latencies, 0.50) * 1000,
        "p95": percentile(latencies, 0.95) * 1000,
        "p99": percentile(latencies, 0.99) * 1000,
        "mean": statistics.mean(latencies) * 1000,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8069")
    parser.add_argument("--token", required=True)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--database", required=True, help="the database, as a proxy names it in X-Odoo-Database")
    parser.add_argument("--requests", type=int, default=500, help="deliveries per sender")
    args = parser.parse_args()
    run_id = str(int(time.time()) % 100000)
    rows = {}
    for concurrency in CONCURRENCY:
        for kind in KINDS:
            row = run(args.url, kind, concurrency, args.requests, args.token, args.secret, run_id, args.database)
            rows[kind, concurrency] = row
            print(
                f"{row['kind']:>15} senders={row['senders']:>2} requests={row['requests']:>6} errors={row['errors']} "
                f"req/s={row['rps']:8.1f} p50={row['p50']:6.1f}ms p95={row['p95']:6.1f}ms p99={row['p99']:6.1f}ms",
                flush=True,
            )
    print()
    print(
        "| senders | intake at | floor req/s | intake req/s | ratio "
        "| floor p50/p95/p99 ms | intake p50/p95/p99 ms | p99 ratio |"
    )
    print("|---:|---|---:|---:|---:|---|---|---:|")
    for concurrency in CONCURRENCY:
        for floor_kind, intake_kind, label in READINGS:
            floor, intake = rows[floor_kind, concurrency], rows[intake_kind, concurrency]
            print(
                f"| {concurrency} | {label} "
                f"| {floor['rps']:.0f} | {intake['rps']:.0f} | {intake['rps'] / floor['rps']:.2f} "
                f"| {floor['p50']:.1f} / {floor['p95']:.1f} / {floor['p99']:.1f} "
                f"| {intake['p50']:.1f} / {intake['p95']:.1f} / {intake['p99']:.1f} "
                f"| {intake['p99'] / floor['p99']:.2f} |"
            )
    failed = {key: row for key, row in rows.items() if row["errors"]}
    if failed:
        print(f"\n{sum(row['errors'] for row in failed.values())} requests failed:")
        for (kind, concurrency), row in failed.items():
            what = ", ".join(f"{count} × {failure}" for failure, count in row["failures"].most_common())
            print(f"  {kind}, {concurrency} senders: {what}")


if __name__ == "__main__":
    main()
