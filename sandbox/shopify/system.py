"""The simulated Shopify shop: the Admin GraphQL API, OAuth, bulk results and webhooks.

Mounted at ``/shopify``: a client's shop URL ``https://{shop}.myshopify.com`` becomes
``http://<sandbox>/shopify``. Settings come from the constructor or, for
``python -m sandbox``, from ``SANDBOX_SHOPIFY_*`` environment variables.
"""

import os
import re
import uuid

from werkzeug.routing import Rule
from werkzeug.wrappers import Response

from ..core import System, hmac_sha256_base64, json_response
from . import bulk, payloads
from .auth import INVALID_TOKEN, Credentials
from .graphql_api import SCOPES, AdminApi
from .schema import API_VERSION, SchemaNotFound, last_load
from .seed import generate
from .store import SHOP, Store, UserError, gid, parse_gid
from .throttle import LeakyBucket
from .webhooks import Hooks

VERSION = re.compile(r"^(\d{4}-(01|04|07|10)|unstable)$")


def _env(name: str, default):
    value = os.environ.get(f"SANDBOX_SHOPIFY_{name}")
    return type(default)(value) if value else default


class ShopifySystem(System):
    """A UK shop on Shopify, seen by a custom app through the 2026-01 Admin GraphQL API."""

    name = "shopify"
    title = "Shopify (Admin GraphQL 2026-01)"

    def __init__(
        self,
        seed: int | None = None,
        access_token: str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        plan: str | None = None,
        token_lifetime: int | None = None,
        products: int | None = None,
        orders: int | None = None,
    ):
        self.access_token = access_token or _env("TOKEN", "shpat_sandbox_demo_token")
        self.client_id = client_id or _env("CLIENT_ID", "sandbox-client-id")
        self.client_secret = client_secret or _env("CLIENT_SECRET", "sandbox-shopify-secret")
        self.plan = plan or _env("PLAN", "standard")
        self.token_lifetime = token_lifetime or _env("TOKEN_LIFETIME", 86399)
        self.seed_products = products if products is not None else _env("PRODUCTS", 12)
        self.seed_orders = orders if orders is not None else _env("ORDERS", 40)
        self.bulk_seconds = 0.5
        self.bucket = LeakyBucket(self.plan)
        self.api = AdminApi(self)
        self.hooks = Hooks(self)
        super().__init__(seed)
        self.credentials = Credentials(
            self.state, self.access_token, self.client_id, self.client_secret, ",".join(SCOPES), self.token_lifetime
        )

    def routes(self):
        return [
            Rule("/admin/api/<version>/graphql.json", methods=["POST"], endpoint="graphql"),
            Rule("/admin/oauth/access_token", methods=["POST"], endpoint="access_token"),
            Rule("/admin/oauth/access_scopes.json", methods=["GET"], endpoint="access_scopes"),
            Rule("/bulk/<int:operation_id>.jsonl", methods=["GET"], endpoint="bulk_result"),
        ]

    def populate(self):
        self.store = Store(self.state)
        generate(self.store, self.seed_products, self.seed_orders, self.seed)

    def reset(self):
        super().reset()
        self.bucket.configure(self.plan)

    def error_response(self, status, message):
        return json_response({"errors": message}, status)

    def sign_webhook(self, url, body):
        """Shopify signs the raw body with the app's client secret: base64 of HMAC-SHA256."""
        return {"X-Shopify-Hmac-Sha256": hmac_sha256_base64(self.client_secret, body)}

    def on_graphql(self, request, version):
        """``POST /admin/api/<version>/graphql.json``: any version is answered with the 2026-01 schema."""
        if not VERSION.match(version):
            return self.error_response(404, "Not Found")
        if not self.credentials.valid(request.headers.get("X-Shopify-Access-Token")):
            return self.error_response(401, INVALID_TOKEN)
        if request.mimetype == "application/graphql":
            body = {"query": request.get_data(as_text=True)}
        else:
            body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return json_response({"errors": {"query": "Required parameter missing or invalid"}}, 400)
        try:
            answer = self.api.handle(body, version, request.host_url.rstrip("/") + request.script_root)
        except SchemaNotFound as exc:
            return self.error_response(500, str(exc))
        headers = {"X-Shopify-API-Version": API_VERSION, "X-Request-Id": str(uuid.uuid4())}
        return json_response(answer, 200, headers)

    def on_access_token(self, request):
        """The client-credentials grant, form-encoded or JSON."""
        params = request.get_json(silent=True) if request.is_json else request.form.to_dict()
        status, body = self.credentials.grant(params or {})
        return json_response(body, status)

    def on_access_scopes(self, request):
        if not self.credentials.valid(request.headers.get("X-Shopify-Access-Token")):
            return self.error_response(401, INVALID_TOKEN)
        return json_response({"access_scopes": [{"handle": scope} for scope in SCOPES]})

    def on_bulk_result(self, request, operation_id):
        """The JSONL of a finished bulk operation; like Shopify's signed URL, it needs no token."""
        record = self.state.get("bulk_operations", operation_id)
        if record is None or bulk.status(record) != "completed":
            return self.error_response(404, "Not Found")
        return Response(record["content"], mimetype="application/jsonl")

    def announce_order(self, event, order_id: int, *topics: str) -> None:
        body = payloads.order(self.store.get("orders", order_id), self.store)
        for topic in topics:
            self.hooks.send(event, topic, body)

    def announce_refund(self, event, refund: dict) -> None:
        self.hooks.send(event, "refunds/create", payloads.refund(refund, self.store))
        self.announce_order(event, refund["order_id"], "orders/updated")

    def actions(self):
        return {
            "seed": self.act_seed,
            "create_order": self.act_create_order,
            "update_order": self.act_update_order,
            "pay_order": self.act_pay_order,
            "fulfill_order": self.act_fulfill_order,
            "cancel_order": self.act_cancel_order,
            "refund_order": self.act_refund_order,
            "update_product": self.act_update_product,
            "add_variant": self.act_add_variant,
            "set_stock": self.act_set_stock,
            "subscribe": self.act_subscribe,
            "expire_tokens": self.act_expire_tokens,
            "set_plan": self.act_set_plan,
            "redact_customer": self.act_redact_customer,
            "request_customer_data": self.act_request_customer_data,
            "redact_shop": self.act_redact_shop,
            "uninstall_app": self.act_uninstall_app,
        }

    def _id(self, collection: str, kind: str, value) -> int:
        """Accept a number, a gid or, for orders, a name like ``#1001``."""
        if isinstance(value, str) and value.startswith("#") and collection == "orders":
            match = next((o for o in self.store.find("orders", name=value)), None)
            value = match["id"] if match else None
        elif isinstance(value, str) and value.startswith("gid://"):
            value = parse_gid(value, kind)
        record = self.store.get(collection, int(value)) if value is not None else None
        if record is None:
            raise UserError(f"No {kind} {value!r}")
        return record["id"]

    @staticmethod
    def _summary(order: dict) -> dict:
        return {
            "id": order["id"],
            "admin_graphql_api_id": gid("Order", order["id"]),
            "name": order["name"],
            "financial_status": order["financial_status"],
            "updated_at": order["updated_at"],
        }

    def act_seed(self, products: int = 12, orders: int = 40, seed: int | None = None) -> dict:
        """Replace the shop's data with freshly generated data; subscriptions and tokens stay."""
        kept = {name: self.state.records(name) for name in ("webhook_subscriptions", "access_tokens", "app")}
        self.state.reset()
        for name, records in kept.items():
            for record in records:
                self.state.insert(name, record)
        self.store = Store(self.state)
        return generate(self.store, products, orders, seed if seed is not None else self.seed)

    def act_create_order(
        self,
        lines=None,
        customer_id=None,
        email=None,
        currency="GBP",
        taxes_included=True,
        discount_code=None,
        shipping=("Royal Mail Tracked 48", "3.95"),
        paid=True,
        gift_card_payment=None,
        address=None,
    ) -> dict:
        """Place an order as a customer would; emits ``orders/create`` (and ``orders/paid``).

        ``address`` (``first_name``, ``address1``, ``city``, ``zip``, ``country_code``...) is where a guest
        checkout bills and ships to; a customer's order uses their default address.
        """
        if lines is None:
            stocked = [v for v in self.state.records("variants") if v["sku"] and not v["sku"].startswith("GIFT")]
            lines = [{"variant_id": v["id"], "quantity": 1} for v in self.state.random.sample(stocked, 2)]
        resolved = []
        for line in lines:
            variant_id = line.get("variant_id")
            if "sku" in line:
                variant_id = next((v["id"] for v in self.store.find("variants", sku=line["sku"])), None)
            resolved.append(
                {
                    "variant_id": self._id("variants", "ProductVariant", variant_id),
                    "quantity": int(line.get("quantity", 1)),
                    "price": line.get("price"),
                }
            )
        if isinstance(discount_code, str):
            discount_code = (discount_code, 10)
        order = self.store.create_order(
            resolved,
            customer_id=self._id("customers", "Customer", customer_id) if customer_id else None,
            email=email,
            currency=currency,
            taxes_included=taxes_included,
            shipping=tuple(shipping) if shipping else None,
            discount_code=tuple(discount_code) if discount_code else None,
            gift_card_payment=gift_card_payment,
            paid=paid,
            address=address,
        )
        topics = ["orders/create", "orders/paid"] if paid else ["orders/create"]
        self.announce_order(self.hooks.event(), order["id"], *topics)
        return self._summary(order) | {
            "total_price": str(self.store.totals(order, "presentment")["total_price"]),
            "currency": order["presentment_currency"],
        }

    def act_update_order(self, order_id, **values) -> dict:
        order = self.store.update_order(self._id("orders", "Order", order_id), **values)
        self.announce_order(self.hooks.event(), order["id"], "orders/updated")
        return self._summary(order)

    def act_pay_order(self, order_id) -> dict:
        order = self.store.mark_as_paid(self._id("orders", "Order", order_id))
        self.announce_order(self.hooks.event(), order["id"], "orders/paid", "orders/updated")
        return self._summary(order)

    def act_fulfill_order(self, order_id, company: str = "Royal Mail", number: str | None = None, url=None) -> dict:
        order_id = self._id("orders", "Order", order_id)
        groups = [
            {"fulfillment_order_id": fo["id"], "line_items": None}
            for fo in self.store.find("fulfillment_orders", order_id=order_id)
            if fo["status"] in ("open", "in_progress")
        ]
        if not groups:
            raise UserError("The order has nothing left to fulfil")
        number = number or f"RM{order_id % 10**9:09d}GB"
        fulfillment = self.store.fulfill(groups, {"company": company, "number": number, "url": url})
        self.announce_order(self.hooks.event(), order_id, "orders/updated", "orders/fulfilled")
        return {"id": fulfillment["id"], "admin_graphql_api_id": gid("Fulfillment", fulfillment["id"])}

    def act_cancel_order(self, order_id, reason: str = "customer", refund: bool = True, restock: bool = True) -> dict:
        order_id = self._id("orders", "Order", order_id)
        before = {r["id"] for r in self.store.find("refunds", order_id=order_id)}
        order = self.store.cancel(order_id, reason, refund=refund, restock=restock)
        event = self.hooks.event()
        for record in self.store.find("refunds", order_id=order_id):
            if record["id"] not in before:
                self.hooks.send(event, "refunds/create", payloads.refund(record, self.store))
        self.announce_order(event, order_id, "orders/cancelled", "orders/updated")
        return self._summary(order)

    def act_refund_order(self, order_id, lines=None, shipping: bool = False, restock_type: str = "no_restock") -> dict:
        """Refund line quantities (all that is left by default) and optionally shipping, to the original payment."""
        order = self.store.get("orders", self._id("orders", "Order", order_id))
        if lines is None:
            lines = self.store.refundable_lines(order)
        lines = [{"restock_type": restock_type, **line} for line in lines]
        refund = self.store.refund(order["id"], lines, "full" if shipping else None, "auto")
        self.announce_refund(self.hooks.event(), refund)
        amount = sum(float(t["amount"]["presentment"]) for t in refund["transactions"])
        return {"id": refund["id"], "admin_graphql_api_id": gid("Refund", refund["id"]), "amount": f"{amount:.2f}"}

    def act_update_product(self, product_id, title: str | None = None, price=None) -> dict:
        product = self.store.update_product(self._id("products", "Product", product_id), title, price)
        self.hooks.send(self.hooks.event(), "products/update", payloads.product(product, self.store))
        return {"id": product["id"], "title": product["title"], "updated_at": product["updated_at"]}

    def act_add_variant(self, product_id, options: list, sku: str, price, barcode: str | None = None) -> dict:
        """Add a variant to a product, as a merchant adding a new colour would."""
        variant = self.store.add_variant(
            self._id("products", "Product", product_id),
            {"options": list(options), "sku": sku, "price": price, "barcode": barcode},
        )
        product = self.store.get("products", variant["product_id"])
        self.hooks.send(self.hooks.event(), "products/update", payloads.product(product, self.store))
        return {"id": variant["id"], "admin_graphql_api_id": gid("ProductVariant", variant["id"]), "sku": sku}

    def act_set_stock(self, sku: str, available: int, location_id=None) -> dict:
        """Set what is available of a SKU, as a stock count in the Shopify admin would."""
        variant = next(iter(self.store.find("variants", sku=sku)), None)
        if variant is None:
            raise UserError(f"No variant with SKU {sku!r}")
        location = (
            self.store.get("locations", self._id("locations", "Location", location_id))
            if location_id
            else self.store.primary_location()
        )
        level = self.store.level(variant["inventory_item_id"], location["id"])
        if level is None:
            level = self.store.stock(variant["inventory_item_id"], location["id"], 0)
        self.store.change_quantity(level, "available", int(available) - self.store.quantity(level, "available"))
        level = self.store.level(variant["inventory_item_id"], location["id"])
        self.hooks.send(self.hooks.event(), "inventory_levels/update", payloads.inventory_level(level, self.store))
        return payloads.inventory_level(level, self.store)

    def act_subscribe(self, topic: str, address: str) -> dict:
        """Subscribe ``address`` to a REST-style topic, privacy topics included."""
        record = self.hooks.subscribe(topic, address)
        return {"id": record["id"], "admin_graphql_api_id": gid("WebhookSubscription", record["id"]), "topic": topic}

    def act_expire_tokens(self) -> dict:
        return {"expired": self.credentials.expire_all()}

    def act_set_plan(self, plan: str = "standard", restore_rate: int | None = None, maximum: int | None = None) -> dict:
        """Switch the rate-limit plan (``standard``, ``advanced``, ``plus``) or set its numbers; the bucket refills."""
        self.plan = plan
        self.bucket.configure(plan, restore_rate, maximum)
        return self.bucket.status().to_json()

    def act_redact_customer(self, customer_id) -> dict:
        customer = self.store.get("customers", self._id("customers", "Customer", customer_id))
        order_ids = [o["id"] for o in self.store.find("orders", customer_id=customer["id"])]
        self.hooks.send(self.hooks.event(), "customers/redact", payloads.customers_redact(customer, order_ids))
        return {"customer_id": customer["id"], "orders_to_redact": order_ids}

    def act_request_customer_data(self, customer_id) -> dict:
        customer = self.store.get("customers", self._id("customers", "Customer", customer_id))
        order_ids = [o["id"] for o in self.store.find("orders", customer_id=customer["id"])]
        request_id = self.store.new_id("data_requests")
        body = payloads.customers_data_request(customer, order_ids, request_id)
        self.hooks.send(self.hooks.event(), "customers/data_request", body)
        return {"customer_id": customer["id"], "data_request_id": request_id}

    def act_redact_shop(self) -> dict:
        self.hooks.send(self.hooks.event(), "shop/redact", payloads.shop_redact())
        return {"shop_id": SHOP["id"]}

    def act_uninstall_app(self) -> dict:
        """Uninstall the app: every token stops working and ``app/uninstalled`` is sent."""
        self.credentials.uninstall()
        body = payloads.shop(self.store.primary_location()["id"])
        self.hooks.send(self.hooks.event(), "app/uninstalled", body)
        return {"uninstalled": True}

    def status(self):
        return super().status() | {"throttle": self.bucket.status().to_json(), "schema": dict(last_load)}

    def status_tables(self):
        locations = self.state.records("locations")
        orders = sorted(self.state.records("orders"), key=lambda o: o["created_at"], reverse=True)[:25]
        order_rows = [
            {
                "name": o["name"],
                "id": o["id"],
                "created": o["created_at"],
                "email": o["email"],
                "total": f"{self.store.totals(o, 'presentment')['total_price']} {o['presentment_currency']}",
                "VAT": "included" if o["taxes_included"] else "excluded",
                "financial": o["financial_status"],
                "fulfilment": self.store.fulfillment_status(o),
                "cancelled": o["cancelled_at"] or "",
            }
            for o in orders
        ]
        stock_rows = []
        for variant in self.state.records("variants")[:80]:
            product = self.store.get("products", variant["product_id"])
            row = {
                "sku": variant["sku"],
                "barcode": variant["barcode"] or "",
                "product": f"{product['title']} - {variant['title']}",
                "price": variant["price"],
            }
            for location in locations:
                level = self.store.level(variant["inventory_item_id"], location["id"])
                quantity = self.store.quantity
                row[location["name"]] = (
                    f"{quantity(level, 'available')} available, {quantity(level, 'committed')} committed"
                    if level
                    else "not stocked"
                )
            stock_rows.append(row)
        deliveries = {d["id"]: d for d in self.state.records("deliveries")}
        attempt_rows = [
            {
                "time": a.time,
                "topic": deliveries.get(a.delivery_id, {}).get("topic", ""),
                "url": a.url,
                "attempt": a.attempt,
                "status": a.status,
                "outcome": a.outcome,
                "duplicate": a.duplicate,
                "event id": deliveries.get(a.delivery_id, {}).get("event_id", ""),
            }
            for a in self.webhooks.attempts[-30:]
        ]
        return {
            "Orders (newest first)": order_rows,
            "Variants and stock": stock_rows,
            "Webhook subscriptions": [
                {"topic": s["topic"], "uri": s["uri"], "id": s["id"]} for s in self.hooks.subscriptions()
            ],
            "Webhook deliveries (last 30 attempts)": attempt_rows,
        }
