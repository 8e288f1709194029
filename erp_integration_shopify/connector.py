from dataclasses import replace

from odoo import fields

from odoo.addons.erp_integration_core.connector import Connector
from odoo.addons.erp_integration_core.lib import shape
from odoo.addons.erp_integration_core.lib.errors import Ignored
from odoo.addons.erp_integration_core.lib.events import Event

from .fulfillment import delivered_quantities, export_fulfillment, queue_fulfillments
from .guided_setup import ShopifySetupSteps
from .lib.order import ORDER_TOPICS
from .lib.rest_shape import order_to_rest
from .order_import import OrderImport
from .privacy import Privacy
from .product_push import ProductPush
from .setup import ShopifySetup
from .stock_sync import StockSync


class ShopifyConnector(Connector):
    """Shopify webhooks: base64 HMAC-SHA256 of the raw body with the app's client secret.

    ``X-Shopify-Event-Id`` is the same for every delivery caused by one action,
    so it is the idempotency key; the topic header names the flow.
    """

    channel = "shopify"
    label = "Shopify"
    setup_steps = ShopifySetupSteps
    signature_header = "X-Shopify-Hmac-Sha256"
    event_id_header = "X-Shopify-Event-Id"
    topic_header = "X-Shopify-Topic"
    events = {"stock.moved": ("stock.push",), "product.changed": ("products.push",), "picking.done": ()}

    def describe_request(self, request, data):
        """One event per delivery; the object is the one its GraphQL id names.

        A refund is applied to its order (credit note, restock), so it locks
        the order: it never runs beside that order's own events.
        """
        [event] = super().describe_request(request, data)
        gid = data.get("admin_graphql_api_id") if isinstance(data, dict) else None
        if not isinstance(gid, str) or not gid.startswith("gid://shopify/"):
            return [event]
        kind, external_id = gid.removeprefix("gid://shopify/").rsplit("/", 1)
        lock_key = f"Order:{data['order_id']}" if kind == "Refund" and data.get("order_id") else f"{kind}:{external_id}"
        return [replace(event, external_type=kind, external_id=external_id, lock_key=lock_key)]

    def map(self, exchange, data):
        # Orders are mapped by OrderImport, which needs the whole payload.
        return {}

    def validate(self, exchange, data):
        shape.obj(data, "The body of a Shopify webhook")

    def apply(self, exchange, data, values):
        flow = exchange.flow
        if flow.startswith("orders/") and data.get("test") and not self.backend.shopify_import_test_orders:
            raise Ignored(f"Shopify test order {data.get('name') or data.get('id')}: test orders are not imported.")
        if flow in ORDER_TOPICS:
            return OrderImport(self.work(exchange)).upsert(data)
        if flow == "orders/cancelled":
            return OrderImport(self.work(exchange)).cancel(data)
        if flow == "refunds/create":
            return OrderImport(self.work(exchange)).refund(data)
        privacy = {
            "customers/data_request": Privacy.data_request,
            "customers/redact": Privacy.redact_customer,
            "shop/redact": Privacy.redact_shop,
            "app/uninstalled": Privacy.uninstalled,
        }.get(flow)
        if privacy:
            return privacy(Privacy(self.work(exchange)), data)
        raise Ignored(f"Shopify topic '{flow}' is not used by this connector.")

    def client(self):
        return self.backend._shopify_client()

    def on_event(self, event, records):
        if event == "picking.done":
            # A delivery of a Shopify order is a message of its own: a fulfilment with tracking.
            return queue_fulfillments(self.backend, records)
        return super().on_event(event, records)

    def export(self, exchange):
        if exchange.flow == "fulfillment.create":
            data = self.parse(exchange)
            delivered = delivered_quantities(self.backend, data["order_id"])
            return export_fulfillment(self.work(exchange).client, data, delivered)
        if exchange.flow == "stock.push":
            return StockSync(self.work(exchange)).send(self.parse(exchange))
        if exchange.flow == "products.push":
            return ProductPush(self.work(exchange)).send(self.parse(exchange))
        return super().export(exchange)

    def run_flow(self, flow):
        sync = {
            "products.link": lambda: StockSync(self.work()).link_products(),
            "products.push": lambda: ProductPush(self.work()).push(),
            "stock.push": lambda: StockSync(self.work()).push(),
            "stock.reconcile": lambda: StockSync(self.work()).push(reconcile=True),
        }.get(flow.code)
        if flow.code == "orders.reconcile":
            return self._reconcile_orders(flow)
        if not sync:
            return super().run_flow(flow)
        flow.last_result = sync()
        return fields.Datetime.to_string(fields.Datetime.now())

    def _reconcile_orders(self, flow):
        """Queue every order updated since the cursor, as if its webhook had arrived.

        Catches events Shopify gave up delivering. Each order version is queued
        once (keyed by its update time); one the webhooks already brought is a
        no-op update. The cursor moves to the newest update seen.
        """
        client = self.work().client
        cursor = flow.cursor or "1970-01-01T00:00:00Z"
        after, newest, queued = None, cursor, 0
        while True:
            page = client.execute(
                "orders_updated_since",
                {"first": 50, "after": after, "query": f"updated_at:>'{cursor}'"},
                expected_cost=300,
            )["orders"]
            events = []
            for order in page["nodes"]:
                payload = order_to_rest(order)
                key = f"reconcile:{payload['id']}:{order['updatedAt']}"
                events.append(
                    Event.of("orders/updated", key, payload, external_type="Order", external_id=payload["id"])
                )
                newest = max(newest, order["updatedAt"])
            self.backend._receive_events(events)
            queued += len(events)
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]
        flow.last_result = {"orders": queued, "since": cursor}
        return newest

    def test_connection(self):
        setup = ShopifySetup(self.work())
        data = setup.client.execute("shop")
        shop = data["shop"]
        missing = setup.missing_scopes(data)
        scopes = f"scopes missing: {', '.join(missing)}" if missing else "every scope it needs is granted"
        return f"{shop['name']} ({shop['myshopifyDomain']}), currency {shop['currencyCode']}; {scopes}"
