"""A week of exchanges behind the demo's dashboard: traffic every hour, a few exceptions of each channel.

The week is written straight into the exchanges table, backdated, in one
statement: replaying a week through the intake and the jobs would take
minutes, and the exchange model stores nothing computed that an insert could
leave stale (its SHA-256 and size are computed here as ``create`` would). The
history is not in the audit trail: only what the demo then really does is.
The exceptions read exactly as the connectors word them, with what must be
fixed, so the exception queue groups and opens them as it would live ones;
the Shopify orders among them are whole orders, so fixing one (the product,
the tax mapping) and pressing Retry imports it for real.
"""

import json
import math
import random
from datetime import timedelta

from odoo import fields
from odoo.tools import SQL

from odoo.addons.erp_integration_core.lib import fix_keys
from odoo.addons.erp_integration_core.lib.payload import sha256_hex

from .demo import CUSTOMERS, _order

KEY_PREFIX = "demo-history:"
# Exchanges per hour of a UK working day, per backend, and how many of them a quiet night still sees.
BUSY_HOUR = {"shopify": 6, "hubspot": 3, "3pl": 4, "hmrc": 0.05}
NIGHT = 0.25
# Flows each backend's traffic comes by (direction, flow, share of the traffic).
FLOWS = {
    "shopify": [("in", "orders/create", 0.6), ("in", "refunds/create", 0.05), ("out", "fulfillment.create", 0.35)],
    "hubspot": [("in", "deal.propertyChange", 0.5), ("in", "contact.creation", 0.3), ("out", "invoices.push", 0.2)],
    "3pl": [("out", "shipment.create", 0.45), ("in", "order.despatched", 0.45), ("out", "item.create", 0.1)],
    "hmrc": [("out", "vat.check", 1.0)],
}
# Rejected deliveries per day: (backend, status, how many on a bad day).
REJECTIONS = [("shopify", "401", 6), ("hubspot", "401", 3), ("3pl", "400", 2), ("shopify", "413", 1)]


def demo_history(env, now=None, seed=7):
    """Give the demo backends a week of exchanges ending ``now``; returns False if they have it already."""
    now = (now or fields.Datetime.now()).replace(microsecond=0)
    backends = {
        backend.channel: backend
        for backend in (
            env.ref(f"erp_integration_demo.backend_{name}") for name in ("shopify", "hubspot", "3pl", "hmrc")
        )
    }
    Exchange = env["integration.exchange"]
    if Exchange.search_count([("idempotency_key", "=like", f"{KEY_PREFIX}%")], limit=1):
        return False
    rng = random.Random(seed)
    rows = []
    for channel, backend in backends.items():
        rows += _traffic(rng, backend, channel, now)
        rows += _exceptions(backend, channel, now)
    # Ids in the order of arrival, as the intake would have given them.
    _insert(env, sorted(rows, key=lambda row: row["create_date"]))
    _rejections(env, rng, backends, now)
    return True


def _traffic(rng, backend, channel, now):
    """An hour-by-hour week of exchanges done, busier in UK working hours.

    None is left queued: without a job, the requeue cron would process its
    sketch of a payload for real.
    """
    rows = []
    start = now - timedelta(days=7)
    for hour in range(7 * 24):
        at = start + timedelta(hours=hour)
        rate = BUSY_HOUR[channel] * (1 if 8 <= at.hour < 19 and at.weekday() < 5 else NIGHT)
        for number in range(_poisson(rng, rate)):
            received = at + timedelta(seconds=rng.randrange(3600))
            if received >= now:
                continue
            direction, flow = _pick_flow(rng, channel)
            took = timedelta(seconds=min(rng.lognormvariate(0.7, 1.1), 900))
            rows.append(
                _row(
                    backend,
                    direction,
                    flow,
                    f"{channel}:{hour}:{number}",
                    _payload(rng, channel, flow),
                    received,
                    state="done",
                    processed_at=min(received + took, now),
                )
            )
    return rows


def _exceptions(backend, channel, now):
    """The channel's exceptions: what an operator finds in the queue, some of them past the 4 h SLA."""
    name = backend.name
    found = {
        "shopify": [
            (
                "in",
                "orders/create",
                _shopify_order(1901, "LAMP-01", "GB VAT"),
                timedelta(days=2, hours=3),
                "needs_attention",
                "mapping",
                "Shopify order #1901: SKU 'LAMP-01' has no product in Odoo (line 'LAMP-01'). Give the product that "
                "Internal Reference (or create it), then press Retry.",
                fix_keys.product_key("LAMP-01"),
            ),
            (
                "in",
                "orders/create",
                _shopify_order(1902, "LAMP-01", "GB VAT"),
                timedelta(hours=20),
                "needs_attention",
                "mapping",
                "Shopify order #1902: SKU 'LAMP-01' has no product in Odoo (line 'LAMP-01'). Give the product that "
                "Internal Reference (or create it), then press Retry.",
                fix_keys.product_key("LAMP-01"),
            ),
            (
                "in",
                "orders/create",
                _shopify_order(1903, "MUG-BLU", "GB VAT 5%"),
                timedelta(hours=2, minutes=10),
                "needs_attention",
                "tax",
                f"Shopify tax 'GB VAT 5%' (prices include tax) on 'MUG-BLU' of order #1903 has no Odoo tax mapping "
                f"(type 'tax_included') on backend '{name}'. Add it under Configuration > Value mappings, then press "
                "Retry.",
                fix_keys.mapping_key("tax_included", "GB VAT 5%"),
            ),
            (
                "out",
                "fulfillment.create",
                {"picking": 0, "name": "WH/OUT/00031"},
                timedelta(hours=30),
                "failed",
                "transient",
                "Gave up after 6 attempts: ConnectionError: the Shopify store did not answer. Press Retry once the "
                "other side is back.",
                None,
            ),
        ],
        "hubspot": [
            (
                "in",
                "deal.propertyChange",
                {"objectId": 90331, "subscriptionType": "deal.propertyChange", "propertyName": "dealstage"},
                timedelta(days=1, hours=5),
                "needs_attention",
                "mapping",
                f"HubSpot deal 'Harbour Cafe refit' has the payment terms '90 days', which have no Odoo payment term "
                f"on backend '{name}'. Map them under Configuration > Value mappings (type payment_terms), then "
                "press Retry.",
                fix_keys.mapping_key("payment_terms", "90 days"),
            ),
            (
                "in",
                "deal.propertyChange",
                {"objectId": 90347, "subscriptionType": "deal.propertyChange", "propertyName": "dealstage"},
                timedelta(hours=3),
                "needs_attention",
                "mapping",
                "HubSpot deal 'Spring hampers' has lines Odoo has no product for: HAMPER-XL. Give each HubSpot "
                "product the SKU of an Odoo product (its Internal Reference), then press Retry.",
                fix_keys.product_key("HAMPER-XL"),
            ),
        ],
        "3pl": [
            (
                "out",
                "item.create",
                {"product": 0, "sku": "EGG-BOX"},
                timedelta(hours=9),
                "needs_attention",
                "mapping",
                "Product EGG-BOX is kept in Dozens, which has no warehouse unit. Add a value mapping of type 'unit' "
                "from Dozens to the warehouse's name for it, then press Retry.",
                fix_keys.unit_key("Dozens"),
            ),
            (
                "in",
                "order.despatched",
                {"ID": 5577, "OrderNumber": "WH/OUT/00027", "OrderStatus": "DESPATCHED"},
                timedelta(minutes=40),
                "needs_attention",
                "business",
                "The warehouse despatched order WH/OUT/00027, which Odoo never sent. Check it with the warehouse, "
                "then Ignore this exchange saying why.",
                None,
            ),
        ],
        "hmrc": [
            (
                "out",
                "vat.check",
                {"partner": 0, "target": "GB146295999"},
                timedelta(days=3),
                "failed",
                "auth",
                "HMRC refused the application's credentials (401). Check the client ID and secret on the backend, "
                "then press Retry.",
                None,
            ),
        ],
    }[channel]
    rows = []
    for number, (direction, flow, data, age, state, category, message, fix_key) in enumerate(found):
        received = now - age
        rows.append(
            _row(
                backend,
                direction,
                flow,
                f"{channel}:exception:{number}",
                data,
                received,
                state=state,
                failed_at=received + timedelta(seconds=4),
                error_category=category,
                message=message,
                fix_key=fix_key,
                attempts=6 if state == "failed" else 1,
            )
        )
    return rows


def _row(backend, direction, flow, key, data, received, **values):
    body = json.dumps(data)
    external = data.get("id") or data.get("objectId") or data.get("ID") or data.get("name") or data.get("sku")
    return dict(
        {
            "external_id": str(external) if external else None,
            "backend_id": backend.id,
            "company_id": backend.company_id.id,
            "direction": direction,
            "flow": flow,
            "idempotency_key": f"{KEY_PREFIX}{key}",
            "payload": body,
            "payload_sha256": sha256_hex(body),
            "payload_size": len(body.encode()),
            "create_date": received,
            "write_date": values.get("processed_at") or values.get("failed_at") or received,
            "state": "queued",
            "attempts": 1,
            "processed_at": None,
            "failed_at": None,
            "error_category": None,
            "message": None,
            "fix_key": None,
        },
        **values,
    )


def _insert(env, rows):
    """All the rows in one INSERT: a week is a few thousand exchanges."""
    if not rows:
        return
    columns = list(rows[0])
    env.flush_all()
    values = SQL(", ").join(SQL("(%s)", SQL(", ").join(SQL("%s", row[column]) for column in columns)) for row in rows)
    env.cr.execute(
        SQL(
            "INSERT INTO integration_exchange (%s, create_uid, write_uid) SELECT v.*, %s, %s FROM (VALUES %s) AS v",
            SQL(", ").join(SQL.identifier(column) for column in columns),
            env.uid,
            env.uid,
            values,
        )
    )
    env["integration.exchange"].invalidate_model()


def _rejections(env, rng, backends, now):
    """Deliveries the webhook addresses refused over the week: a sender on an old secret, a body too large."""
    Rejection = env["integration.webhook.rejection"]
    for days_ago in range(7):
        day = (now - timedelta(days=days_ago)).date()
        for channel, status, most in REJECTIONS:
            count = rng.randint(0, most)
            if count:
                backend = backends[channel]
                Rejection.create(
                    {
                        "backend_id": backend.id,
                        "company_id": backend.company_id.id,
                        "day": day,
                        "status": status,
                        "count": count,
                    }
                )


def _poisson(rng, rate):
    """How many events an hour brings at this average ``rate`` (Knuth's method)."""
    count, threshold, product = 0, math.exp(-rate), rng.random()
    while product > threshold:
        count += 1
        product *= rng.random()
    return count


def _pick_flow(rng, channel):
    draw, total = rng.random(), 0
    for direction, flow, share in FLOWS[channel]:
        total += share
        if draw <= total:
            return direction, flow
    return FLOWS[channel][-1][:2]


def _payload(rng, channel, flow):
    number = rng.randrange(1000, 99999)
    if channel == "shopify" and flow.startswith("orders"):
        return {"id": number, "name": f"#{number}", "admin_graphql_api_id": f"gid://shopify/Order/{number}"}
    if channel == "hubspot":
        return {"objectId": number, "subscriptionType": flow}
    return {"name": f"WH/OUT/{number:05d}", "id": number}


def _shopify_order(order_id, sku, tax_title):
    """A whole orders/create payload (as the demo's sample orders), so a fix and a Retry import it for real."""
    order = _order(order_id, CUSTOMERS[order_id % len(CUSTOMERS)], sku, 1)
    for line in order["line_items"] + order["shipping_lines"]:
        for tax in line["tax_lines"]:
            tax["title"] = tax_title
    return order
