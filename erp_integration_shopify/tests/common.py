"""Shopify test helpers: signed deliveries through the real intake, and order payloads."""

import json
from decimal import Decimal

from odoo.tests import TransactionCase

from odoo.addons.erp_integration_core.lib import signatures
from odoo.addons.erp_integration_core.lib.webhook import WebhookRequest
from odoo.addons.erp_integration_core.tests.common import perform_pending_jobs

SECRET = "shopify-app-client-secret"


def order_payload(order_id=5001, taxes_included=False, lines=None, shipping="4.99", email="ada@example.com", **extra):
    """A REST-shaped order (as orders/create sends it) with consistent UK VAT at 20%."""
    lines = lines or [("MUG-BLU", 2, "12.00", "0.00"), ("TEE-M-BLK", 1, "20.00", "2.00")]
    items, subtotal, tax_total = [], Decimal(0), Decimal(0)
    rate = Decimal("0.2")

    def tax(net_or_gross):
        amount = net_or_gross - net_or_gross / (1 + rate) if taxes_included else net_or_gross * rate
        return amount.quantize(Decimal("0.01"))

    for number, (sku, quantity, price, discount) in enumerate(lines, start=1):
        gross = Decimal(price) * quantity - Decimal(discount)
        line_tax = tax(gross)
        tax_total += line_tax
        subtotal += gross
        items.append(
            {
                "id": order_id * 100 + number,
                "admin_graphql_api_id": f"gid://shopify/LineItem/{order_id * 100 + number}",
                "sku": sku,
                "title": sku.title(),
                "quantity": quantity,
                "price": price,
                "gift_card": False,
                "tax_lines": [{"title": "GB VAT", "rate": 0.2, "price": str(line_tax)}],
                "discount_allocations": [{"amount": discount}] if Decimal(discount) else [],
            }
        )
    shipping_tax = tax(Decimal(shipping))
    tax_total += shipping_tax
    total = subtotal + Decimal(shipping) + (0 if taxes_included else tax_total)
    payload = {
        "id": order_id,
        "admin_graphql_api_id": f"gid://shopify/Order/{order_id}",
        "name": f"#{order_id}",
        "email": email,
        "currency": "GBP",
        "taxes_included": taxes_included,
        "financial_status": "paid",
        "created_at": "2026-11-20T10:00:00+00:00",
        "updated_at": "2026-11-20T10:00:00+00:00",
        "cancelled_at": None,
        "payment_gateway_names": ["shopify_payments"],
        "total_price": str(total),
        "total_tax": str(tax_total),
        "customer": {"id": order_id + 9000, "email": email, "first_name": "Ada", "last_name": "Lovelace"},
        "billing_address": {
            "first_name": "Ada",
            "last_name": "Lovelace",
            "address1": "1 Harbour Street",
            "city": "Bristol",
            "zip": "BS1 4SB",
            "country_code": "GB",
        },
        "line_items": items,
        "shipping_lines": [
            {
                "id": order_id * 10,
                "title": "Royal Mail Tracked 48",
                "price": shipping,
                "tax_lines": [{"title": "GB VAT", "rate": 0.2, "price": str(shipping_tax)}],
            }
        ],
    }
    payload.update(extra)
    return payload


class ShopifyCase(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        company = cls.env.company
        Tax = cls.env["account.tax"]
        cls.vat = Tax.create(
            {
                "name": "20% S (test)",
                "amount": 20,
                "type_tax_use": "sale",
                "price_include_override": "tax_excluded",
                "company_id": company.id,
            }
        )
        cls.vat_included = Tax.create(
            {
                "name": "20% S incl. (test)",
                "amount": 20,
                "type_tax_use": "sale",
                "price_include_override": "tax_included",
                "company_id": company.id,
            }
        )
        cls.backend = cls.env["integration.backend"].create(
            {
                "name": "Brightwater test shop",
                "channel": "shopify",
                "webhook_secret": SECRET,
                "shopify_order_policy": "confirm",
            }
        )
        Mapping = cls.env["integration.value.mapping"]
        Mapping.create(
            {
                "backend_id": cls.backend.id,
                "map_type": "tax",
                "external_value": "GB VAT",
                "odoo_record": f"account.tax,{cls.vat.id}",
            }
        )
        Mapping.create(
            {
                "backend_id": cls.backend.id,
                "map_type": "tax_included",
                "external_value": "GB VAT",
                "odoo_record": f"account.tax,{cls.vat_included.id}",
            }
        )
        cls.bank = cls.env["account.journal"].search([("type", "=", "bank"), ("company_id", "=", company.id)], limit=1)
        Mapping.create(
            {
                "backend_id": cls.backend.id,
                "map_type": "payment_gateway",
                "external_value": "shopify_payments",
                "odoo_record": f"account.journal,{cls.bank.id}",
            }
        )
        Product = cls.env["product.product"]
        cls.mug = Product.create({"name": "Blue mug", "default_code": "MUG-BLU", "list_price": 12, "taxes_id": []})
        cls.tee = Product.create({"name": "Black tee M", "default_code": "TEE-M-BLK", "list_price": 20, "taxes_id": []})
        cls.env.cr.execute("SELECT COALESCE(MAX(id), 0) FROM queue_job")
        cls.job_watermark = cls.env.cr.fetchone()[0]

    def deliver(self, payload, topic="orders/create", event_id=None):
        body = json.dumps(payload).encode()
        headers = {
            "X-Shopify-Topic": topic,
            "X-Shopify-Hmac-Sha256": signatures.sign_base64(SECRET, body),
            "X-Shopify-Event-Id": event_id or f"{topic}-{payload.get('id')}-{payload.get('updated_at')}",
        }
        Exchange = self.env["integration.exchange"]
        row = Exchange._webhook_backend(self.backend.webhook_token)
        status, answer = Exchange._intake(row, WebhookRequest.build(body, headers))
        self.assertEqual(status, 200, answer)
        self.run_jobs()
        return Exchange.browse(answer.get("exchange"))

    def run_jobs(self):
        perform_pending_jobs(self.env, self.job_watermark)

    def sale_order(self, exchange):
        link = exchange.link_ids.filtered(lambda link: link.res_model == "sale.order")[:1]
        return self.env["sale.order"].browse(link.res_id)
