"""The Admin GraphQL endpoint: parse, validate, cost, throttle, execute.

Every document is validated against the real schema before anything else, so a
field that does not exist in 2026-01 fails here exactly as it would at Shopify.
Execution uses graphql-core with the views of ``views.py``; root fields and mutations
the sandbox does not simulate fail with an error saying so, rather than returning
made-up data.
"""

import json
import re
import threading
import uuid
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from operator import itemgetter

from graphql import GraphQLError, execute, is_non_null_type, parse
from graphql.error import GraphQLSyntaxError
from graphql.language import VariableNode
from graphql.utilities import get_operation_ast

from . import bulk, payloads, search
from .errors import coerce_variables, max_cost_exceeded, throttled, validate
from .schema import API_VERSION, load_schema
from .store import SET_REASONS, SHOP, UserError, gid, gid_kind, parse_gid
from .throttle import MAX_QUERY_COST, QueryCost
from .views import ORDER_SORTS, Views, connection
from .webhooks import PRIVACY_TOPICS, enum_topic, rest_topic

SCOPE = (
    "read_products,write_products,read_inventory,write_inventory,read_locations,read_orders,write_orders,"
    "read_customers,read_fulfillments,write_fulfillments,read_merchant_managed_fulfillment_orders,"
    "write_merchant_managed_fulfillment_orders"
)
SCOPES = SCOPE.split(",")
ADJUSTABLE = ("available", "damaged", "incoming", "quality_control", "reserved", "safety_stock")


@dataclass
class Context:
    """What one request's resolvers share: the API version, the public base URL, the webhook event."""

    api: "AdminApi"
    api_version: str = API_VERSION
    base_url: str = ""
    bulk: bool = False
    _event: object = field(default=None, repr=False)

    @property
    def event(self):
        if self._event is None:
            self._event = self.api.system.hooks.event()
        return self._event


def resolve_field(source, info, **args):
    """Read dict views; refuse clearly, instead of inventing data, for fields not simulated."""
    if isinstance(source, dict):
        if info.field_name in source:
            value = source[info.field_name]
        elif is_non_null_type(info.return_type) or source.get("__root__"):
            raise GraphQLError(
                f"The sandbox does not simulate {info.parent_type.name}.{info.field_name}; "
                "see sandbox/shopify/README.md for what it serves."
            )
        else:
            return None
    else:
        value = getattr(source, info.field_name, None)
    return value(info, **args) if callable(value) else value


def resolve_type(value, info, abstract_type):
    return value.get("__typename") if isinstance(value, dict) else None


def _search_fields(*plain, text=(), **computed) -> dict:
    """Search fields for ``search.matches``: record keys read as they are, plus computed ones."""
    return {name: itemgetter(name) for name in plain} | computed | {"_text": text}


ORDER_FIELDS = _search_fields(
    "id",
    "email",
    "created_at",
    "updated_at",
    "processed_at",
    "financial_status",
    "customer_id",
    text=("name", "email", "sku"),
    name=lambda o: [o["name"], o["name"].lstrip("#")],
    status=lambda o: "cancelled" if o["cancelled_at"] else "closed" if o["closed_at"] else "open",
    sku=lambda o: [li["sku"] for li in o["line_items"]],
    tag=itemgetter("tags"),
    gateway=lambda o: [t["gateway"] for t in o["transactions"]],
    currency=itemgetter("presentment_currency"),
)
PRODUCT_FIELDS = _search_fields(
    "id",
    "title",
    "handle",
    "vendor",
    "product_type",
    "status",
    "gift_card",
    "created_at",
    "updated_at",
    text=("title", "vendor"),
    tag=itemgetter("tags"),
)
VARIANT_FIELDS = _search_fields(
    "id", "sku", "barcode", "title", "product_id", "created_at", "updated_at", text=("sku", "barcode", "title")
)
CUSTOMER_FIELDS = _search_fields(
    "id",
    "email",
    "first_name",
    "last_name",
    "phone",
    "state",
    "created_at",
    "updated_at",
    text=("email", "first_name", "last_name"),
    tag=itemgetter("tags"),
    country=lambda c: (c["default_address"] or {}).get("country"),
)
ITEM_FIELDS = _search_fields("id", "sku", "created_at", "updated_at", text=("sku",))
LOCATION_FIELDS = _search_fields("id", "name", text=("name",))


def _filter(records, query, fields):
    groups = search.parse(query)
    return [r for r in records if search.matches(groups, r, fields)]


class AdminApi:
    """Serve ``POST /admin/api/<version>/graphql.json`` for one ``ShopifySystem``."""

    def __init__(self, system):
        self.system = system
        self._idempotency_lock = threading.Lock()

    @property
    def store(self):
        return self.system.store

    @staticmethod
    def schema():
        return load_schema()

    def handle(self, body: dict, api_version: str, base_url: str) -> dict:
        """Answer one request body; the HTTP status is 200 whatever happens, as with Shopify."""
        schema = self.schema()
        query = body.get("query")
        if not isinstance(query, str) or not query.strip():
            return {"errors": [{"message": "No query string was present"}]}
        try:
            document = parse(query)
        except GraphQLSyntaxError as exc:
            return {"errors": [exc.formatted]}
        errors = validate(schema, document)
        if errors:
            return {"errors": errors}
        operation_name = body.get("operationName")
        operation = get_operation_ast(document, operation_name)
        if operation is None:
            message = f'No operation named "{operation_name}"' if operation_name else "An operation name is required"
            return {"errors": [{"message": message}]}
        raw_variables = body.get("variables") or {}
        if not isinstance(raw_variables, dict):
            return {"errors": [{"message": "Variables must be a JSON object"}]}
        _, errors = coerce_variables(schema, operation, raw_variables)
        if errors:
            return {"errors": errors}
        costing = QueryCost(schema, document, operation, raw_variables)
        requested = costing.requested()
        bucket = self.system.bucket
        if requested > MAX_QUERY_COST:
            return {"errors": [max_cost_exceeded(requested, MAX_QUERY_COST)], "extensions": self._cost(requested, None)}
        if not bucket.take(requested):
            return {"errors": [throttled()], "extensions": self._cost(requested, None)}
        context = Context(self, api_version, base_url)
        result = self.execute_document(document, operation_name, raw_variables, context=context)
        actual = min(costing.actual(result.data), requested)
        bucket.give_back(requested - actual)
        response = {}
        if result.errors:
            response["errors"] = [error.formatted for error in result.errors]
        response["data"] = result.data
        response["extensions"] = self._cost(requested, actual)
        return response

    def _cost(self, requested: int, actual: int | None) -> dict:
        return {
            "cost": {
                "requestedQueryCost": requested,
                "actualQueryCost": actual,
                "throttleStatus": self.system.bucket.status().to_json(),
            }
        }

    def execute_document(self, document, operation_name, variables, context=None, bulk=False):
        context = context or Context(self, bulk=bulk)
        context.bulk = bulk or context.bulk
        with self.system.state.lock:
            return execute(
                self.schema(),
                document,
                root_value=self._root(context, document, operation_name),
                context_value=context,
                variable_values=variables,
                operation_name=operation_name,
                field_resolver=resolve_field,
                type_resolver=resolve_type,
            )

    def _root(self, context: Context, document, operation_name) -> dict:
        operation = get_operation_ast(document, operation_name)
        views = Views(self.store, bulk=context.bulk)
        if operation is not None and operation.operation.value == "mutation":
            return {"__root__": True, **self._mutations(context, views)}
        return {"__root__": True, **self._queries(context, views)}

    def _queries(self, context: Context, views: Views) -> dict:
        store = self.store

        def lookup(collection, kind, view):
            return lambda info, id=None: view(store.get(collection, parse_gid(id, kind)))

        def listing(collection, fields, view, sorts=None):
            def resolve(info, query=None, sortKey="ID", **args):
                records = _filter(store.state.records(collection), query, fields)
                sort = (sorts or {}).get(sortKey) or (lambda r: r["id"])
                args = {k: v for k, v in args.items() if k in ("first", "after", "last", "before", "reverse")}
                return connection(records, view, info, context.bulk, sort, **args)

            return resolve

        return {
            "shop": lambda info: views.shop(),
            "currentAppInstallation": lambda info: self._installation(),
            "locations": self._locations(views, context),
            "location": lambda info, id=None: views.location(
                store.get("locations", parse_gid(id, "Location")) if id else store.primary_location()
            ),
            "products": listing(
                "products",
                PRODUCT_FIELDS,
                views.product,
                {
                    "TITLE": lambda p: p["title"],
                    "UPDATED_AT": lambda p: p["updated_at"],
                    "CREATED_AT": lambda p: p["created_at"],
                },
            ),
            "product": lookup("products", "Product", views.product),
            "productVariants": listing(
                "variants",
                VARIANT_FIELDS,
                views.variant,
                {"SKU": lambda v: v["sku"] or "", "POSITION": lambda v: v["position"]},
            ),
            "productVariant": lookup("variants", "ProductVariant", views.variant),
            "inventoryItems": listing("inventory_items", ITEM_FIELDS, views.inventory_item),
            "inventoryItem": lookup("inventory_items", "InventoryItem", views.inventory_item),
            "inventoryLevel": lambda info, id: views.inventory_level(self._level_by_gid(id)),
            "orders": listing("orders", ORDER_FIELDS, views.order, ORDER_SORTS),
            "order": lookup("orders", "Order", views.order),
            "customers": listing(
                "customers",
                CUSTOMER_FIELDS,
                views.customer,
                {
                    "UPDATED_AT": lambda c: c["updated_at"],
                    "CREATED_AT": lambda c: c["created_at"],
                    "NAME": lambda c: f"{c['first_name']} {c['last_name']}",
                },
            ),
            "customer": lookup("customers", "Customer", views.customer),
            "fulfillmentOrder": lookup("fulfillment_orders", "FulfillmentOrder", views.fulfillment_order),
            "fulfillment": lookup("fulfillments", "Fulfillment", views.fulfillment),
            "refund": lookup("refunds", "Refund", views.refund),
            # No order has returns (see Views.order), so no return id exists.
            "return": lambda info, id: None,
            "inventoryAdjustmentGroup": lookup("adjustment_groups", "InventoryAdjustmentGroup", views.adjustment_group),
            "webhookSubscriptions": self._webhook_subscriptions(context),
            "webhookSubscription": lambda info, id: self._subscription_view(
                store.get("webhook_subscriptions", parse_gid(id, "WebhookSubscription"))
            ),
            "currentBulkOperation": lambda info, type="QUERY": bulk.view(
                max(
                    (op for op in store.state.records("bulk_operations") if op["type"] == type.lower()),
                    key=lambda op: op["id"],
                    default=None,
                )
            ),
            "bulkOperation": lambda info, id: bulk.view(store.get("bulk_operations", parse_gid(id, "BulkOperation"))),
            "node": lambda info, id: self._node(views, id),
            "nodes": lambda info, ids: [self._node(views, i) for i in ids],
        }

    def _locations(self, views: Views, context: Context):
        def resolve(info, query=None, includeInactive=False, includeLegacy=False, sortKey="NAME", **args):
            records = [r for r in self.store.state.records("locations") if includeInactive or r["active"]]
            records = _filter(records, query, LOCATION_FIELDS)
            sort = (lambda r: r["name"]) if sortKey == "NAME" else (lambda r: r["id"])
            return connection(records, views.location, info, context.bulk, sort, **args)

        return resolve

    def _level_by_gid(self, value: str):
        number = parse_gid(value, "InventoryLevel")
        match = re.search(r"inventory_item_id=(\d+)", value or "")
        for level in self.store.levels_of(int(match.group(1)) if match else None):
            if level["number"] == number:
                return level
        return None

    def _node(self, views: Views, value: str):
        kinds = {
            "Order": ("orders", views.order),
            "Product": ("products", views.product),
            "ProductVariant": ("variants", views.variant),
            "InventoryItem": ("inventory_items", views.inventory_item),
            "Location": ("locations", views.location),
            "Customer": ("customers", views.customer),
            "FulfillmentOrder": ("fulfillment_orders", views.fulfillment_order),
            "Fulfillment": ("fulfillments", views.fulfillment),
            "Refund": ("refunds", views.refund),
            "WebhookSubscription": ("webhook_subscriptions", self._subscription_view),
            "BulkOperation": ("bulk_operations", bulk.view),
        }
        kind = gid_kind(value)
        if kind == "InventoryLevel":
            return views.inventory_level(self._level_by_gid(value))
        if kind not in kinds:
            return None
        collection, view = kinds[kind]
        return view(self.store.get(collection, parse_gid(value)))

    def _installation(self) -> dict:
        return {
            "id": gid("AppInstallation", 1),
            "accessScopes": [
                {"handle": scope, "description": scope.replace("_", " ").capitalize()} for scope in SCOPES
            ],
            "launchUrl": f"https://{SHOP['domain']}/admin/apps/erp-integration",
            "uninstallUrl": None,
            "activeSubscriptions": [],
            "app": {
                "id": gid("App", 1),
                "title": "ERP Integration",
                "handle": "erp-integration",
                "apiKey": self.system.client_id,
                "developerName": "ERP Integration",
                "embedded": False,
                "published": False,
                "shopifyDeveloped": False,
                "previouslyInstalled": False,
                "webhookApiVersion": API_VERSION,
                "features": [],
            },
        }

    def _webhook_subscriptions(self, context: Context):
        def resolve(
            info, topics=None, callbackUrl=None, uri=None, format=None, query=None, sortKey="CREATED_AT", **args
        ):
            wanted = {rest_topic(t) for t in topics or []}
            records = [
                s
                for s in self.system.hooks.subscriptions()
                if s["topic"] not in PRIVACY_TOPICS
                and (not wanted or s["topic"] in wanted)
                and (not (callbackUrl or uri) or s["uri"] == (uri or callbackUrl))
            ]
            sort = (lambda s: s["created_at"]) if sortKey == "CREATED_AT" else (lambda s: s["id"])
            return connection(records, self._subscription_view, info, context.bulk, sort, **args)

        return resolve

    @staticmethod
    def _subscription_view(record: dict | None) -> dict | None:
        if record is None:
            return None
        return {
            "__typename": "WebhookSubscription",
            "id": gid("WebhookSubscription", record["id"]),
            "legacyResourceId": str(record["id"]),
            "topic": enum_topic(record["topic"]),
            "uri": record["uri"],
            "callbackUrl": record["uri"],
            "endpoint": {"__typename": "WebhookHttpEndpoint", "callbackUrl": record["uri"]},
            "format": record["format"].upper(),
            "includeFields": record["include_fields"],
            "metafieldNamespaces": [],
            "filter": record["filter"],
            "apiVersion": {"handle": record["api_version"], "displayName": record["api_version"], "supported": True},
            "createdAt": record["created_at"],
            "updatedAt": record["updated_at"],
        }

    def _mutations(self, context: Context, views: Views) -> dict:
        return {
            "inventorySetQuantities": lambda info, input: self._idempotent(
                info,
                "inventorySetQuantities",
                {"input": input},
                lambda: self._set_quantities(context, input),
                lambda r: self._adjustment_payload(views, r),
            ),
            "inventoryAdjustQuantities": lambda info, input: self._idempotent(
                info,
                "inventoryAdjustQuantities",
                {"input": input},
                lambda: self._adjust_quantities(context, input),
                lambda r: self._adjustment_payload(views, r),
            ),
            "fulfillmentCreate": lambda info, fulfillment, message=None: self._fulfillment_create(
                context, views, fulfillment
            ),
            "refundCreate": lambda info, input: self._idempotent(
                info,
                "refundCreate",
                {"input": input},
                lambda: self._refund_create(context, input),
                lambda r: {
                    "refund": views.refund(self.store.get("refunds", r.get("refund_id"))),
                    "order": views.order(self.store.get("orders", r.get("order_id"))),
                    "userErrors": r["errors"],
                },
            ),
            "productUpdate": lambda info, product=None, input=None, media=None: self._product_update(
                context, views, product or input or {}
            ),
            "productVariantsBulkUpdate": lambda info, productId, variants, **_: self._variants_update(
                context, views, productId, variants
            ),
            "orderCancel": lambda info, **args: self._order_cancel(context, **args),
            "orderMarkAsPaid": lambda info, input: self._mark_as_paid(context, views, input),
            "webhookSubscriptionCreate": lambda info, topic, webhookSubscription: self._subscribe(
                topic, webhookSubscription
            ),
            "webhookSubscriptionDelete": lambda info, id: self._unsubscribe(id),
            "bulkOperationRunQuery": lambda info, query, groupObjects=False: self._bulk_run(context, query),
            "bulkOperationCancel": lambda info, id: self._bulk_cancel(id),
        }

    def _idempotent(self, info, name: str, args: dict, run, render) -> dict:
        """Run a mutation once per ``@idempotent(key:)``: a replay returns the first result unchanged.

        The key is optional in 2026-01 and mandatory from 2026-04. Reusing a key with
        other arguments, or after an attempt that failed, is refused with Shopify's codes.
        """
        key = self._idempotency_key(info)
        if key is None:
            return render(run())
        if not key.strip():
            raise GraphQLError("The idempotency key cannot be an empty string or whitespace only.")
        fingerprint = json.dumps([name, args], sort_keys=True, default=str)
        with self._idempotency_lock:
            previous = self.system.state.get("idempotency_keys", key)
            if previous is not None:
                if previous["fingerprint"] != fingerprint:
                    return render(
                        _failure(
                            "The same idempotency key cannot be used with different operation parameters.",
                            "IDEMPOTENCY_KEY_PARAMETER_MISMATCH",
                            name,
                        )
                    )
                if previous["result"]["errors"]:
                    return render(
                        _failure(
                            "A previous request with this idempotency key failed. Retry with a new idempotency key.",
                            "IDEMPOTENCY_PREVIOUS_ATTEMPT_FAILED",
                            name,
                        )
                    )
                return render(previous["result"])
            result = run()
            self.system.state.insert("idempotency_keys", {"id": key, "fingerprint": fingerprint, "result": result})
            return render(result)

    @staticmethod
    def _idempotency_key(info) -> str | None:
        for directive in info.field_nodes[0].directives:
            if directive.name.value == "idempotent":
                for argument in directive.arguments:
                    if argument.name.value == "key":
                        if isinstance(argument.value, VariableNode):
                            return info.variable_values.get(argument.value.name.value)
                        return getattr(argument.value, "value", None)
        return None

    def _adjustment_payload(self, views: Views, result: dict) -> dict:
        group = self.store.get("adjustment_groups", result.get("group_id"))
        return {"inventoryAdjustmentGroup": views.adjustment_group(group), "userErrors": result["errors"]}

    def _set_quantities(self, context: Context, data: dict) -> dict:
        """``inventorySetQuantities``: all or nothing, with the compare-and-swap of ``changeFromQuantity``.

        ``changeFromQuantity`` set: it must equal the current quantity; explicitly null:
        no check. Absent: the deprecated ``compareQuantity``/``ignoreCompareQuantity``
        pair decides, and neither is an error, as in 2026-01 - from 2026-04
        ``changeFromQuantity`` itself is required.
        """
        errors, plan = [], []
        name = data["name"]
        if name not in ("available", "on_hand"):
            errors.append(
                _error(["input", "name"], "The quantity name must be either 'available' or 'on_hand'.", "INVALID_NAME")
            )
        if data["reason"] not in SET_REASONS:
            errors.append(_error(["input", "reason"], "The specified reason is invalid.", "INVALID_REASON"))
        if not _valid_uri(data.get("referenceDocumentUri")):
            errors.append(
                _error(
                    ["input", "referenceDocumentUri"],
                    "The specified reference document is invalid.",
                    "INVALID_REFERENCE_DOCUMENT",
                )
            )
        seen = set()
        for index, entry in enumerate(data["quantities"]):
            path = ["input", "quantities", str(index)]
            level, problem = self._level_for(entry, path)
            if problem:
                errors.append(problem)
                continue
            if level["id"] in seen:
                errors.append(
                    _error(
                        path,
                        "The combination of inventoryItemId and locationId must be unique.",
                        "NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR",
                    )
                )
                continue
            seen.add(level["id"])
            quantity = entry["quantity"]
            if quantity > 1_000_000_000:
                errors.append(
                    _error(
                        [*path, "quantity"],
                        "The total quantity can't be higher than 1,000,000,000.",
                        "INVALID_QUANTITY_TOO_HIGH",
                    )
                )
                continue
            if quantity < -1_000_000_000:
                errors.append(
                    _error(
                        [*path, "quantity"],
                        "The total quantity can't be lower than -1,000,000,000.",
                        "INVALID_QUANTITY_TOO_LOW",
                    )
                )
                continue
            current = self.store.quantity(level, name) if name in ("available", "on_hand") else 0
            if "changeFromQuantity" in entry:
                expected = entry["changeFromQuantity"]
                if expected is not None and expected != current:
                    errors.append(
                        _error(
                            [*path, "changeFromQuantity"],
                            "The changeFromQuantity value does not match persisted value.",
                            "CHANGE_FROM_QUANTITY_STALE",
                        )
                    )
                    continue
            elif entry.get("compareQuantity") is not None:
                if entry["compareQuantity"] != current:
                    errors.append(
                        _error(
                            [*path, "compareQuantity"],
                            "The compareQuantity value does not match persisted value.",
                            "COMPARE_QUANTITY_STALE",
                        )
                    )
                    continue
            elif not data.get("ignoreCompareQuantity"):
                errors.append(
                    _error(
                        [*path, "changeFromQuantity"],
                        "The compareQuantity argument must be given to each quantity or ignored using "
                        "ignoreCompareQuantity.",
                        "COMPARE_QUANTITY_REQUIRED",
                    )
                )
                continue
            plan.append((level, quantity - current))
        if errors:
            return {"group_id": None, "errors": errors}
        changes = []
        for level, delta in plan:
            changes += self.store.change_quantity(level, name, delta)
        return self._record_adjustment(context, data, changes)

    def _adjust_quantities(self, context: Context, data: dict) -> dict:
        errors, plan = [], []
        name = data["name"]
        if name not in ADJUSTABLE:
            errors.append(_error(["input", "name"], "The specified quantity name is invalid.", "INVALID_QUANTITY_NAME"))
        if data["reason"] not in SET_REASONS:
            errors.append(_error(["input", "reason"], "The specified reason is invalid.", "INVALID_REASON"))
        for index, change in enumerate(data["changes"]):
            path = ["input", "changes", str(index)]
            level, problem = self._level_for(change, path)
            if problem:
                errors.append(problem)
                continue
            expected = change.get("changeFromQuantity")
            if name in ADJUSTABLE and expected is not None and expected != self.store.quantity(level, name):
                errors.append(
                    _error(
                        [*path, "changeFromQuantity"],
                        "The changeFromQuantity argument no longer matches the persisted quantity.",
                        "CHANGE_FROM_QUANTITY_STALE",
                    )
                )
                continue
            plan.append((level, change["delta"], change.get("ledgerDocumentUri")))
        if errors:
            return {"group_id": None, "errors": errors}
        changes = []
        for level, delta, ledger in plan:
            for change in self.store.change_quantity(level, name, delta):
                changes.append(change | {"ledger_document_uri": ledger if change["name"] == name else None})
        return self._record_adjustment(context, data, changes)

    def _level_for(self, entry: dict, path: list) -> tuple:
        item_id = parse_gid(entry["inventoryItemId"], "InventoryItem")
        if item_id is None or self.store.get("inventory_items", item_id) is None:
            return None, _error(
                [*path, "inventoryItemId"], "The specified inventory item could not be found.", "INVALID_INVENTORY_ITEM"
            )
        location_id = parse_gid(entry["locationId"], "Location")
        if location_id is None or self.store.get("locations", location_id) is None:
            return None, _error([*path, "locationId"], "The specified location could not be found.", "INVALID_LOCATION")
        level = self.store.level(item_id, location_id)
        if level is None:
            return None, _error(
                [*path, "locationId"],
                "The specified inventory item is not stocked at the location.",
                "ITEM_NOT_STOCKED_AT_LOCATION",
            )
        return level, None

    def _record_adjustment(self, context: Context, data: dict, changes: list[dict]) -> dict:
        group = self.store.record_adjustment(data["reason"], data.get("referenceDocumentUri"), changes)
        touched = {(c["inventory_item_id"], c["location_id"]) for c in changes}
        for key in sorted(touched):
            level = self.store.level(*key)
            self.system.hooks.send(
                context.event, "inventory_levels/update", payloads.inventory_level(level, self.store)
            )
        return {"group_id": group["id"], "errors": []}

    def _fulfillment_create(self, context: Context, views: Views, data: dict) -> dict:
        groups = []
        for group in data["lineItemsByFulfillmentOrder"]:
            lines = group.get("fulfillmentOrderLineItems")
            groups.append(
                {
                    "fulfillment_order_id": parse_gid(group["fulfillmentOrderId"], "FulfillmentOrder"),
                    "line_items": None
                    if lines is None
                    else [
                        {"id": parse_gid(line["id"], "FulfillmentOrderLineItem"), "quantity": line["quantity"]}
                        for line in lines
                    ],
                }
            )
        tracking = data.get("trackingInfo") or {}
        tracking = {
            "company": tracking.get("company"),
            "number": tracking.get("number") or (tracking.get("numbers") or [None])[0],
            "url": tracking.get("url") or (tracking.get("urls") or [None])[0],
        }
        try:
            fulfillment = self.store.fulfill(groups, tracking)
        except UserError as exc:
            return {"fulfillment": None, "userErrors": [_error(exc.field, exc.message)]}
        order = self.store.get("orders", fulfillment["order_id"])
        status = self.store.fulfillment_status(order)
        topics = ["orders/updated", "orders/fulfilled" if status == "fulfilled" else "orders/partially_fulfilled"]
        self.system.announce_order(context.event, order["id"], *topics)
        return {"fulfillment": views.fulfillment(fulfillment), "userErrors": []}

    def _refund_create(self, context: Context, data: dict) -> dict:
        order_id = parse_gid(data["orderId"], "Order")
        lines = [
            {
                "line_item_id": parse_gid(line["lineItemId"], "LineItem"),
                "quantity": line["quantity"],
                "restock_type": (line.get("restockType") or "NO_RESTOCK").lower(),
                "location_id": parse_gid(line.get("locationId"), "Location"),
            }
            for line in data.get("refundLineItems") or []
        ]
        shipping = data.get("shipping") or {}
        shipping = "full" if shipping.get("fullRefund") else shipping.get("amount")
        transactions = [
            {
                "amount": t["amount"],
                "gateway": t["gateway"],
                "kind": t["kind"],
                "parent_id": parse_gid(t.get("parentId"), "OrderTransaction"),
            }
            for t in data.get("transactions") or []
        ]
        try:
            if order_id is None or self.store.get("orders", order_id) is None:
                raise UserError("Order does not exist", ["orderId"])
            for t in transactions:
                Decimal(str(t["amount"]))
            refund = self.store.refund(order_id, lines, shipping, transactions, data.get("note"))
        except UserError as exc:
            return {"refund_id": None, "order_id": order_id, "errors": [_error(exc.field, exc.message)]}
        except InvalidOperation:
            return {
                "refund_id": None,
                "order_id": order_id,
                "errors": [_error(["transactions"], "Amount is not a valid decimal")],
            }
        self.system.announce_refund(context.event, refund)
        return {"refund_id": refund["id"], "order_id": order_id, "errors": []}

    def _order_cancel(
        self,
        context: Context,
        orderId,
        restock,
        reason,
        refund=None,
        refundMethod=None,
        notifyCustomer=False,
        staffNote=None,
    ) -> dict:
        def failure(message, code, field_name):
            errors = [_error([field_name] if field_name else None, message, code)]
            return {
                "job": None,
                "orderCancelUserErrors": errors,
                "userErrors": [{"field": e["field"], "message": e["message"]} for e in errors],
            }

        if refund is not None and refundMethod is not None:
            return failure("Only one of the arguments `refund` or `refund_method` is allowed.", "INVALID", None)
        refund_money = bool(refund) or bool((refundMethod or {}).get("originalPaymentMethodsRefund"))
        order_id = parse_gid(orderId, "Order")
        try:
            if order_id is None:
                raise UserError("Order does not exist", ["orderId"], "NOT_FOUND")
            refunds_before = {r["id"] for r in self.store.find("refunds", order_id=order_id)}
            self.store.cancel(order_id, reason, refund=refund_money, restock=restock)
        except UserError as exc:
            return failure(exc.message, exc.code or "INVALID", (exc.field or [None])[0])
        for new_refund in self.store.find("refunds", order_id=order_id):
            if new_refund["id"] not in refunds_before:
                self.system.hooks.send(context.event, "refunds/create", payloads.refund(new_refund, self.store))
        self.system.announce_order(context.event, order_id, "orders/cancelled", "orders/updated")
        return {
            "job": {"id": gid("Job", uuid.uuid4()), "done": False, "query": None},
            "orderCancelUserErrors": [],
            "userErrors": [],
        }

    def _mark_as_paid(self, context: Context, views: Views, data: dict) -> dict:
        order_id = parse_gid(data["id"], "Order")
        try:
            order = self.store.mark_as_paid(order_id)
        except UserError as exc:
            return {
                "order": views.order(self.store.get("orders", order_id)),
                "userErrors": [_error(exc.field, exc.message)],
            }
        self.system.announce_order(context.event, order["id"], "orders/paid", "orders/updated")
        return {"order": views.order(order), "userErrors": []}

    def _product_update(self, context: Context, views: Views, data: dict) -> dict:
        """Rename a product; Shopify then sends ``products/update``."""
        product_id = parse_gid(data.get("id"), "Product")
        if product_id is None or self.store.get("products", product_id) is None:
            return {"product": None, "userErrors": [_error(["id"], "Product does not exist")]}
        if "title" in data and not (data["title"] or "").strip():
            return {"product": None, "userErrors": [_error(["title"], "Title can't be blank")]}
        product = self.store.update_product(product_id, title=data.get("title"))
        self.system.hooks.send(context.event, "products/update", payloads.product(product, self.store))
        return {"product": views.product(product), "userErrors": []}

    def _variants_update(self, context: Context, views: Views, product_gid: str, variants: list) -> dict:
        """Reprice variants of one product: all or nothing, as without ``allowPartialUpdates``."""
        product_id = parse_gid(product_gid, "Product")
        if product_id is None or self.store.get("products", product_id) is None:
            return {
                "product": None,
                "productVariants": None,
                "userErrors": [_error(["productId"], "Product does not exist", "PRODUCT_DOES_NOT_EXIST")],
            }
        errors, changes = [], []
        for index, variant in enumerate(variants):
            record = self.store.get("variants", parse_gid(variant.get("id"), "ProductVariant"))
            if record is None or record["product_id"] != product_id:
                errors.append(
                    _error(
                        ["variants", str(index), "id"],
                        "Product variant does not exist",
                        "PRODUCT_VARIANT_DOES_NOT_EXIST",
                    )
                )
                continue
            try:
                price = Decimal(str(variant["price"])) if variant.get("price") is not None else None
            except InvalidOperation:
                price = Decimal(-1)
            if price is not None and price < 0:
                errors.append(_error(["variants", str(index), "price"], "Price must be greater than or equal to 0"))
                continue
            changes.append((record, price))
        if errors:
            return {"product": None, "productVariants": None, "userErrors": errors}
        updated = [self.store.update_variant_price(record["id"], price) for record, price in changes]
        product = self.store.get("products", product_id)
        self.system.hooks.send(context.event, "products/update", payloads.product(product, self.store))
        return {
            "product": views.product(product),
            "productVariants": [views.variant(record) for record in updated],
            "userErrors": [],
        }

    def _subscribe(self, topic: str, data: dict) -> dict:
        uri = data.get("uri") or data.get("callbackUrl")
        rest = rest_topic(topic)
        if not uri or not re.match(r"^https?://", uri):
            return {
                "webhookSubscription": None,
                "userErrors": [_error(["webhookSubscription", "callbackUrl"], "Address is invalid")],
            }
        if (data.get("format") or "JSON") != "JSON":
            return {
                "webhookSubscription": None,
                "userErrors": [_error(["webhookSubscription", "format"], "The sandbox only delivers JSON webhooks")],
            }
        if any(s["uri"] == uri for s in self.system.hooks.subscriptions(rest)):
            return {
                "webhookSubscription": None,
                "userErrors": [
                    _error(["webhookSubscription", "callbackUrl"], "Address for this topic has already been taken")
                ],
            }
        record = self.system.hooks.subscribe(
            rest, uri, include_fields=data.get("includeFields") or (), filter=data.get("filter")
        )
        return {"webhookSubscription": self._subscription_view(record), "userErrors": []}

    def _unsubscribe(self, value: str) -> dict:
        record_id = parse_gid(value, "WebhookSubscription")
        if record_id is None or not self.system.state.delete("webhook_subscriptions", record_id):
            return {
                "deletedWebhookSubscriptionId": None,
                "userErrors": [_error(["id"], "Webhook subscription does not exist")],
            }
        return {"deletedWebhookSubscriptionId": value, "userErrors": []}

    def _bulk_run(self, context: Context, query: str) -> dict:
        try:
            record = bulk.run_query(self, query, context.base_url, self.system.bulk_seconds)
        except UserError as exc:
            return {"bulkOperation": None, "userErrors": [_error(exc.field, exc.message, exc.code)]}
        self.system.hooks.send(
            context.event,
            "bulk_operations/finish",
            payloads.bulk_operation_finish(record),
            delay=self.system.bulk_seconds,
        )
        return {"bulkOperation": bulk.view(record) | {"status": "CREATED"}, "userErrors": []}

    def _bulk_cancel(self, value: str) -> dict:
        record = self.store.get("bulk_operations", parse_gid(value, "BulkOperation"))
        if record is None:
            return {"bulkOperation": None, "userErrors": [_error(["id"], "Bulk operation does not exist")]}
        if bulk.status(record) == "running":
            record = self.system.state.update("bulk_operations", record["id"], {"status": "canceled"})
        return {"bulkOperation": bulk.view(record), "userErrors": []}


def _error(field_path, message: str, code: str | None = None) -> dict:
    error = {"field": list(field_path) if field_path else None, "message": message}
    if code:
        error["code"] = code
    return error


def _failure(message: str, code: str, mutation: str) -> dict:
    """A refusal of an idempotent replay; ``refundCreate`` user errors carry no code."""
    return {"errors": [_error(None, message, None if mutation == "refundCreate" else code)]}


def _valid_uri(value) -> bool:
    return value is None or bool(re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://\S+$", value))
