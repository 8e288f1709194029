"""The Odoo side of ``tests.bench.threepl``: run inside ``odoo-bin shell`` on the benchmark database.

from tests.bench import threepl_odoo
threepl_odoo.main(env, "configure", api_url=...)
"""

import csv
import io
import json
import random
import time
from pathlib import Path

from odoo.addons.erp_integration_demo import prepare_demo

STOCK_COLUMNS = ("SKU", "WarehouseId", "Level", "Allocated", "Available")


def main(env, task, **params):
    tasks = {
        "configure": configure,
        "prepare_shop": prepare_shop,
        "ship": ship,
        "drafts": drafts,
        "use_files": use_files,
        "use_rest": use_rest,
        "reconcile_setup": reconcile_setup,
        "reconcile": reconcile,
    }
    result = tasks[task](env(su=True), **params)
    env.cr.commit()
    print("BENCH-RESULT " + json.dumps(result, default=str), flush=True)


def _backend(env):
    return env.ref("erp_integration_demo.backend_3pl")


def configure(env, api_url, skus, stock):
    """Point the demo's warehouse backend at the sandbox; Odoo holds ``stock`` of each of ``skus`` there."""
    prepare_demo(env)
    # The demo's sample orders are not this benchmark's: their jobs would only compete for the workers.
    env["queue.job"].search([("state", "in", ("pending", "enqueued"))]).write({"state": "cancelled"})
    warehouse = env.ref("stock.warehouse0")
    backend = _backend(env)
    backend.write({"api_url": api_url, "threepl_warehouse_id": warehouse.id, "threepl_site": "MAIN"})
    Product = env["product.product"]
    for sku in skus:
        if not Product.search([("default_code", "=", sku)], limit=1):
            Product.create({"name": sku, "default_code": sku, "is_storable": True})
    _stock(env, skus, stock)
    return {"backend": backend.id, "webhook_url": backend.webhook_url, "secret": backend.webhook_secret}


def prepare_shop(env, skus, stock):
    """``stock`` more of each of the shop's ``skus`` (linked already) at the 3PL's site; the SMS question answered.

    With ``stock_sms`` installed, Odoo asks once per company, on the first
    delivery to a customer with a phone, whether to text customers; until
    someone answers, validating such a delivery returns that question instead
    of validating it. Shop customers have phones (the benchmark's own
    deliveries do not), so it is answered here as an admin would without SMS
    credits: no texts.
    """
    env.company.write({"has_received_warning_stock_sms": True, "stock_text_confirmation": False})
    return {"stocked": _stock(env, skus, stock), "skus": len(skus)}


def _stock(env, skus, stock):
    """Add ``stock`` of each product of ``skus`` to the stock of the warehouse the 3PL runs; returns how many."""
    warehouse = env.ref("stock.warehouse0")
    products = env["product.product"].search([("default_code", "in", list(skus))])
    Quant = env["stock.quant"]
    for product in products:
        Quant._update_available_quantity(product, warehouse.lot_stock_id, stock)
    return len(products)


def ship(env, count, skus, seed=3):
    """Create and reserve ``count`` deliveries of one or two of ``skus`` each: each goes to the warehouse."""
    started = time.monotonic()
    pickings = _deliveries(env, count, skus, seed)
    pickings.action_confirm()
    pickings.action_assign()
    return {
        "pickings": len(pickings),
        "assigned": len(pickings.filtered(lambda p: p.state == "assigned")),
        "seconds": time.monotonic() - started,
    }


def drafts(env, count, skus, seed=4):
    """``count`` deliveries left in draft, for the benchmark to confirm one by one at a steady rate."""
    return {"ids": _deliveries(env, count, skus, seed).ids}


def _deliveries(env, count, skus, seed):
    rng = random.Random(seed)
    warehouse = env.ref("stock.warehouse0")
    products = {p.default_code: p for p in env["product.product"].search([("default_code", "in", skus)])}
    uk = env.ref("base.uk")
    partners = env["res.partner"].create(
        [
            {
                "name": f"Bench Customer {n:04d}",
                "street": f"{n} High Street",
                "city": "Leeds",
                "zip": "LS1 4AB",
                "country_id": uk.id,
            }
            for n in range(count)
        ]
    )
    picking_type = warehouse.out_type_id
    return env["stock.picking"].create(
        [
            {
                "partner_id": partner.id,
                "picking_type_id": picking_type.id,
                "location_id": picking_type.default_location_src_id.id,
                "location_dest_id": env.ref("stock.stock_location_customers").id,
                "move_ids": [
                    (0, 0, {"product_id": products[sku].id, "product_uom_qty": rng.randint(1, 2)})
                    for sku in rng.sample(skus, rng.randint(1, 2))
                ],
            }
            for partner in partners
        ]
    )


def use_files(env, root, settle_seconds):
    """Switch the warehouse backend to the drop folder at ``root`` and set it up as an admin would.

    *Set up* gives a file warehouse its flows, among them ``despatches.read``,
    whose id the benchmark runs (there is no cron). A file younger than
    ``settle_seconds`` is left for the next read.
    """
    backend = _backend(env)
    backend.write({"threepl_transport": "folder", "threepl_folder": root, "threepl_settle_seconds": settle_seconds})
    backend.action_threepl_setup()
    flow = backend.flow_ids.filtered(lambda flow: flow.code == "despatches.read")
    return {"flow": flow.id, "flows": backend.flow_ids.mapped("code")}


def use_rest(env):
    """Switch the warehouse backend back to its REST API, which calls back."""
    _backend(env).threepl_transport = "rest"
    return {"transport": "rest"}


def reconcile_setup(env, root, count, seed=5):
    """``count`` stocked products in Odoo and the warehouse's stock file of them: most agree, a few do not."""
    rng = random.Random(seed)
    warehouse = env.ref("stock.warehouse0")
    products = env["product.product"].create(
        [{"name": f"Bench SKU {n:05d}", "default_code": f"BENCH-{n:05d}", "is_storable": True} for n in range(count)]
    )
    Quant = env["stock.quant"]
    rows, expected = [], {"adjusted": 0, "held": 0}
    for product in products:
        level = rng.randint(1, 200)
        Quant._update_available_quantity(product, warehouse.lot_stock_id, level)
        drift = rng.random()
        if drift < 0.01:
            level += rng.choice((-1, 1, 2))
            expected["adjusted"] += 1
        elif drift < 0.015:
            level += 10
            expected["held"] += 1
        rows.append(
            {"SKU": product.default_code, "WarehouseId": "1", "Level": level, "Allocated": 0, "Available": level}
        )
    text = io.StringIO()
    writer = csv.DictWriter(text, STOCK_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    folder = Path(root, "out/stock")
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.csv"):
        old.unlink()
    (folder / "stock_20260102.csv").write_text(text.getvalue(), encoding="utf-8")
    _backend(env).write(
        {"threepl_transport": "folder", "threepl_folder": root, "threepl_settle_seconds": 0, "threepl_stock_site": "1"}
    )
    return dict(expected, products=count)


def reconcile(env):
    """Read the stock file and process its report: the time a reconciliation takes, and what it found."""
    backend = _backend(env)
    flow = backend.flow_ids.filtered(lambda flow: flow.code == "stock.reconcile") or env["integration.flow"].create(
        {"backend_id": backend.id, "code": "stock.reconcile", "name": "Reconcile", "mode": "manual"}
    )
    started = time.monotonic()
    flow._execute()
    report = env["integration.exchange"].search(
        [("backend_id", "=", backend.id), ("flow", "=", "stock.report")], order="id desc", limit=1
    )
    read = time.monotonic() - started
    report._process()
    seconds = time.monotonic() - started
    result = report.result or {}
    return {
        "seconds": seconds,
        "read_s": read,
        "state": report.state,
        "message": report.message,
        "compared": result.get("compared"),
        "matched": result.get("matched"),
        "adjusted": len(result.get("adjusted") or {}),
        "held": len(result.get("held") or {}),
    }
