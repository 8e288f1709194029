import json

from odoo.addons.erp_integration_core.lib import signatures
from odoo.addons.erp_integration_core.lib.webhook import WebhookRequest

SAMPLE_ORDERS = [
    {
        "id": 820982911946154500 + n,
        "name": f"#10{n:02d}",
        "email": f"buyer{n}@example.com",
        "currency": "GBP",
        "total_price": f"{20 + n * 7}.00",
        "taxes_included": True,
    }
    for n in range(1, 5)
]


def post_init_hook(env):
    """Give the demo company the UK chart of accounts and a few real deliveries.

    The sample orders go through the same intake as a live webhook, so the
    dashboard and the exception queue show what an operator will see.
    """
    company = env.ref("base.main_company")
    if not company.chart_template:
        env["account.chart.template"].try_loading("uk", company, install_demo=False)
    backend = env.ref("erp_integration_demo.backend_shopify")
    Exchange = env["integration.exchange"]
    row = Exchange._webhook_backend(backend.webhook_token)
    for order in SAMPLE_ORDERS:
        body = json.dumps(order).encode()
        headers = {
            "X-Shopify-Topic": "orders/create",
            "X-Shopify-Event-Id": f"demo-{order['id']}",
            "X-Shopify-Hmac-Sha256": signatures.sign_base64(backend.webhook_secret, body),
        }
        Exchange._intake(row, WebhookRequest.build(body, headers))
