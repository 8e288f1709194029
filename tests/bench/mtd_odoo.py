"""The Odoo side of ``tests.bench.mtd``: run inside ``odoo-bin shell`` on the benchmark database.

from tests.bench import mtd_odoo
mtd_odoo.main(env, "invoices", count=...)
"""

import json
import random
import time

from odoo.addons.erp_integration_demo import prepare_demo

START, END = "2026-07-01", "2026-09-30"


def main(env, task, **params):
    tasks = {"invoices": invoices, "measure": measure}
    result = tasks[task](env(su=True), **params)
    env.cr.commit()
    print("BENCH-RESULT " + json.dumps(result, default=str), flush=True)


def invoices(env, count, chunk=500, seed=11):
    """``count`` posted customer invoices of the quarter, each made from a Shopify order's exchange."""
    prepare_demo(env)
    env["queue.job"].search([("state", "in", ("pending", "enqueued"))]).write({"state": "cancelled"})
    env.cr.commit()
    rng = random.Random(seed)
    company = env.ref("base.main_company")
    template = env["account.chart.template"].with_company(company)
    taxes = [template.ref("ST11"), template.ref("ST5"), template.ref("ST0")]
    backend = env.ref("erp_integration_demo.backend_shopify")
    customer = env["res.partner"].create({"name": "Bench Customer", "country_id": env.ref("base.uk").id})
    started, made = time.monotonic(), 0
    while made < count:
        size = min(chunk, count - made)
        exchanges = env["integration.exchange"].create(
            [
                {
                    "backend_id": backend.id,
                    "direction": "in",
                    "flow": "orders/create",
                    "idempotency_key": f"bench-order-{made + n}",
                    "external_id": str(7100000000000 + made + n),
                    "payload": json.dumps({"id": 7100000000000 + made + n, "name": f"#B{made + n}"}),
                    "state": "done",
                }
                for n in range(size)
            ]
        )
        moves = env["account.move"].create(
            [
                {
                    "move_type": "out_invoice",
                    "partner_id": customer.id,
                    "invoice_date": f"2026-{rng.randint(7, 9):02d}-{rng.randint(1, 28):02d}",
                    "invoice_line_ids": [
                        (
                            0,
                            0,
                            {
                                "name": "Goods",
                                "quantity": rng.randint(1, 3),
                                "price_unit": rng.randint(500, 9999) / 100,
                                "tax_ids": [(6, 0, rng.choice(taxes).ids)],
                            },
                        )
                        for _line in range(rng.randint(1, 3))
                    ],
                }
                for _n in range(size)
            ]
        )
        moves.action_post()
        for exchange, move in zip(exchanges, moves, strict=True):
            exchange._link(move, "created")
        env.cr.commit()
        made += size
    return {"invoices": made, "seconds": time.monotonic() - started}


def measure(env):
    """Compute the quarter's return, then open box 1 and read its first page as the list shows it."""
    vat_return = env["integration.vat.return"].create({"date_from": START, "date_to": END})
    env.cr.commit()
    started = time.monotonic()
    vat_return.action_compute()
    env.cr.commit()
    computed = time.monotonic() - started
    started = time.monotonic()
    action = vat_return.with_context(box="1").action_open_box()
    Line = env[action["res_model"]]
    page = Line.web_search_read(
        action["domain"],
        {name: {} for name in ("box", "date", "move_id", "amount", "source_channel", "external_id", "payload_sha256")},
        limit=80,
    )
    drilled = time.monotonic() - started
    return {
        "compute_s": computed,
        "drill_s": drilled,
        "lines": len(vat_return.line_ids),
        "box1_lines": page["length"],
        "with_payload": sum(1 for record in page["records"] if record["payload_sha256"]),
        "boxes": {f"box{n}": vat_return[f"box{n}"] for n in range(1, 10)},
    }
