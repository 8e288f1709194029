"""The Odoo side of ``tests.bench.shopify``: run inside ``odoo-bin shell`` on one benchmark database.

Each function prepares or measures something and returns a JSON-serialisable
dict; the benchmark prints it as one ``BENCH-RESULT {...}`` line::

    from tests.bench import shopify_odoo
    shopify_odoo.main(env, "configure_ours", api_url=..., recorder_url=...)

Both databases get the same company set-up first: a British company in pounds,
VAT rounded per line as Shopify rounds it, with two sales taxes for Shopify's
"GB VAT" at 20 %, prices with and without tax.
"""

import json
import time

from odoo import Command

TOKEN = "shpat_sandbox_demo_token"
SECRET = "sandbox-shopify-secret"
MANCHESTER = "gid://shopify/Location/7100000000001"


def main(env, task, **params):
    tasks = {
        "configure_ours": configure_ours,
        "configure_peer": configure_peer,
        "push_stock": push_stock,
        "odoo_alone": odoo_alone,
    }
    result = tasks[task](env(su=True), **params)
    env.cr.commit()
    print("BENCH-RESULT " + json.dumps(result, default=str), flush=True)


def _company(env):
    """GBP, GB, and the two VAT taxes; returns ``(tax included, tax excluded)``."""
    company = env.company
    gb = env.ref("base.uk")
    gbp = env.ref("base.GBP")
    gbp.active = True
    if company.currency_id != gbp and not env["account.move.line"].search_count([], limit=1):
        company.currency_id = gbp
    company.country_id = company.country_id or gb
    # As Set up Shopify advises: Shopify rounds VAT line by line.
    company.tax_calculation_rounding_method = "round_per_line"

    def vat(name, included):
        return env["account.tax"].create(
            {
                "name": name,
                "amount": 20.0,
                "amount_type": "percent",
                "type_tax_use": "sale",
                "price_include_override": "tax_included" if included else "tax_excluded",
                "company_id": company.id,
                "country_id": company.account_fiscal_country_id.id or gb.id,
            }
        )

    return vat("GB VAT 20% (incl.)", True), vat("GB VAT 20% (excl.)", False)


def configure_ours(env, api_url, recorder_url):
    """Our backend, set up as an admin would: Set up Shopify, mappings completed, products linked.

    The webhook subscriptions point at the benchmark's recorder (``web.base.url``), which
    keeps the store's signed deliveries for replay at a controlled pace.
    """
    vat_included, vat_excluded = _company(env)
    env["ir.config_parameter"].set_param("web.base.url", recorder_url)
    backend = env["integration.backend"].create(
        {
            "name": "Shopify (benchmark)",
            "channel": "shopify",
            "api_url": api_url,
            "api_token": TOKEN,
            "webhook_secret": SECRET,
            "owner_products": "external",
            "shopify_order_policy": "confirm",
        }
    )
    backend.action_shopify_setup()
    warehouse = env["stock.warehouse"].search([("company_id", "=", env.company.id)], limit=1)
    Mapping = env["integration.value.mapping"]
    for mapping in backend.value_mapping_ids.filtered(lambda m: m.map_type == "location"):
        if mapping.external_value == MANCHESTER:
            mapping.odoo_record = f"stock.warehouse,{warehouse.id}"
        else:
            mapping.unlink()
    for map_type, tax in (("tax_included", vat_included), ("tax", vat_excluded)):
        existing = backend.value_mapping_ids.filtered(
            lambda m, map_type=map_type: m.map_type == map_type and m.external_value == "GB VAT"
        )
        values = {"odoo_record": f"account.tax,{tax.id}"}
        if existing:
            existing.write(values)
        else:
            Mapping.create(dict(values, backend_id=backend.id, map_type=map_type, external_value="GB VAT"))
    link = backend.flow_ids.filtered(lambda flow: flow.code == "products.link")
    started = time.monotonic()
    link._run()
    return {
        "webhook_path": f"/integration/webhook/{backend.webhook_token}",
        "products_link": dict(link.last_result, seconds=round(time.monotonic() - started, 1)),
    }


def configure_peer(env, shop, variants_file):
    """The OCA connector's instance: static token, automatic confirmation, taxes and variant bindings.

    Order lines resolve only through ``shopify.product.variant`` bindings keyed by the
    variant id, so every variant gets a product and a binding, as its product import would.
    """
    vat_included, vat_excluded = _company(env)
    gb = env.ref("base.uk")
    company = env.company
    instance = env["shopify.instance"].create(
        {
            "name": "Shopify (benchmark)",
            "shop_url": shop,
            "access_token": TOKEN,
            "webhook_secret": SECRET,
            "accept_webhooks": True,
            "order_confirmation_policy": "auto",
            "auto_confirm_paid": True,
            "order_invoicing_policy": "manual",
            "draft_order_import_enabled": False,
        }
    )
    for tax, included in ((vat_included, True), (vat_excluded, False)):
        env["shopify.tax.mapping"].create(
            {
                "instance_id": instance.id,
                "rate": "0.2",
                "country_id": gb.id,
                "price_included": included,
                "tax_id": tax.id,
            }
        )
    with open(variants_file) as file:
        variants = json.load(file)
    started = time.monotonic()
    for variant in variants:
        product = env["product.product"].create(
            {
                "name": variant["title"],
                "default_code": variant["sku"],
                "list_price": float(variant["price"]),
                "is_storable": True,
                "company_id": company.id,
                "taxes_id": [Command.set(vat_included.ids)],
            }
        )
        template = env["shopify.product.template"].create(
            {
                "instance_id": instance.id,
                "shopify_id": f"{variant['product_id']}#{variant['id']}",
                "odoo_id": product.product_tmpl_id.id,
                "status": "ACTIVE",
                "state": "synced",
            }
        )
        env["shopify.product.variant"].create(
            {
                "instance_id": instance.id,
                "shopify_id": variant["id"],
                "template_binding_id": template.id,
                "odoo_id": product.id,
                "sku_snapshot": variant["sku"],
                "state": "synced",
            }
        )
    return {
        "webhook_path": f"/shopify/webhook/{instance.id}",
        "variants_bound": len(variants),
        "seconds": round(time.monotonic() - started, 1),
    }


def push_stock(env):
    """Give every linked product some stock, then time our ``stock.push`` flow.

    Every GraphQL answer's cost is recorded on the way (``ShopifyClient.last_cost``),
    so the throttle's share of the time can be worked out.
    """
    from odoo.addons.erp_integration_shopify.lib.client import ShopifyClient
    from odoo.addons.queue_job.job import Job

    backend = env["integration.backend"].search([("channel", "=", "shopify")], limit=1)
    warehouse = env["stock.warehouse"].search([("company_id", "=", env.company.id)], limit=1)
    bindings = env["integration.binding"].search(
        [("backend_id", "=", backend.id), ("res_model", "=", "product.product")]
    )
    Quant = env["stock.quant"]
    for product in env["product.product"].browse(bindings.mapped("res_id")):
        Quant._update_available_quantity(product, warehouse.lot_stock_id, 5 + product.id % 40)
    env.cr.commit()
    flow = backend.flow_ids.filtered(lambda f: f.code == "stock.push")
    costs, execute = [], ShopifyClient.execute

    def recording(client, *args, **kwargs):
        client.last_cost = None
        try:
            return execute(client, *args, **kwargs)
        finally:
            costs.append(client.last_cost)

    ShopifyClient.execute = recording
    env.cr.execute("SELECT COALESCE(MAX(id), 0) FROM queue_job")
    watermark = env.cr.fetchone()[0]
    try:
        started = time.monotonic()
        flow._run()
        # Each batch is an outbound exchange: its job makes the call, as the runner would run it.
        sends = env["queue.job"].search([("id", ">", watermark), ("model_name", "=", "integration.exchange")])
        for record in sends:
            job = Job.load(env, record.uuid)
            job.perform()
            job.set_done()
            job.store()
        env.cr.commit()
        elapsed = time.monotonic() - started
    finally:
        ShopifyClient.execute = execute
    exchanges = env["integration.exchange"].search([("backend_id", "=", backend.id), ("flow", "=", "stock.push")])
    return {
        "variants": len(bindings),
        "seconds": elapsed,
        "batches": len(sends),
        "pushed": sum((exchange.result or {}).get("pushed", 0) for exchange in exchanges),
        "result": flow.last_result,
        "calls": len(costs),
        "actual_cost": sum((cost or {}).get("actualQueryCost") or 0 for cost in costs),
        "requested_cost": sum((cost or {}).get("requestedQueryCost") or 0 for cost in costs),
    }


def odoo_alone(env, order_refs):
    """Odoo's own share of an order: the sale orders of ``order_refs`` made and confirmed again, one at a time.

    Each is created with the values our import gave it (customer, lines with
    their prices and taxes, pricelist) and confirmed, then committed, as a
    job would; nothing of the connector runs. The time is the floor under any
    connector's processing of the same orders on this machine.
    """
    Sale = env["sale.order"].with_context(tracking_disable=True)
    times = []
    for sale in Sale.search([("client_order_ref", "in", order_refs), ("state", "=", "sale")]):
        values = {
            "partner_id": sale.partner_id.id,
            "client_order_ref": sale.client_order_ref,
            "company_id": sale.company_id.id,
            "pricelist_id": sale.pricelist_id.id,
            "order_line": [
                Command.create(
                    {
                        "product_id": line.product_id.id,
                        "name": line.name,
                        "product_uom_qty": line.product_uom_qty,
                        "price_unit": line.price_unit,
                        "discount": line.discount,
                        "tax_ids": [Command.set(line.tax_ids.ids)],
                    }
                )
                for line in sale.order_line
            ],
        }
        env.invalidate_all()
        started = time.perf_counter()
        Sale.create(values).action_confirm()
        env.flush_all()
        env.cr.commit()
        times.append(time.perf_counter() - started)
        env.invalidate_all()
    times.sort()
    return {
        "orders": len(times),
        "p50": times[len(times) // 2] if times else None,
        "p95": times[min(len(times) - 1, int(0.95 * len(times)))] if times else None,
    }
