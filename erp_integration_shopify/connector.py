from odoo.addons.erp_integration_core.connector import Connector


class ShopifyConnector(Connector):
    """Shopify webhooks: base64 HMAC-SHA256 of the raw body with the app's client secret.

    ``X-Shopify-Event-Id`` is the same for every delivery caused by one action,
    so it is the idempotency key; the topic header names the flow.
    """

    channel = "shopify"
    label = "Shopify"
    signature_header = "X-Shopify-Hmac-Sha256"
    event_id_header = "X-Shopify-Event-Id"
    topic_header = "X-Shopify-Topic"
