"""The store's records as Admin GraphQL objects.

Each view is a dict keyed by GraphQL field name, with ``__typename`` for interfaces
and unions. Fields that take arguments or lead to other records are callables
``(info, **arguments)``, so nothing is looked up unless the query selects it.
Connections page with Shopify's opaque cursors (base64 of ``{"last_id", "last_value"}``);
bulk operations read them whole.
"""

import base64
import binascii
import json
import re
from decimal import Decimal

from graphql import GraphQLError

from .money import ZERO, graphql_amount, money, side, total
from .store import SHOP, gid, order_totals, parse_gid, tax_lines

MAX_PAGE_SIZE = 250
# What Shopify's own fraud analysis says of an ordinary order.
LOW_RISK = {
    "recommendation": "ACCEPT",
    "assessments": [
        {
            "riskLevel": "LOW",
            "provider": None,
            "facts": [
                {
                    "description": "Characteristics of this order are similar to non-fraudulent orders observed in the "
                    "past",
                    "sentiment": "POSITIVE",
                }
            ],
        }
    ],
}


def encode_cursor(record_id, value) -> str:
    data = json.dumps({"last_id": record_id, "last_value": value}, separators=(",", ":"))
    return base64.b64encode(data.encode()).decode()


def decode_cursor(cursor: str) -> tuple:
    try:
        data = json.loads(base64.b64decode(cursor))
        return data["last_id"], data["last_value"]
    except (binascii.Error, ValueError, KeyError, TypeError) as exc:
        raise GraphQLError(f"Invalid cursor for current pagination sort: {cursor!r}") from exc


def connection(records, view, info=None, bulk=False, sort=None, **args) -> dict:
    """Page ``records`` (already filtered) as a Relay connection, the way Shopify pages.

    ``sort`` gives each record's sort value; ties are broken by id. ``after``/``before``
    are keyset cursors, so a record changing between two pages may move, as in Shopify.
    """
    sort = sort or (lambda r: r["id"])
    keyed = sorted(((sort(r), r["id"], r) for r in records), key=lambda k: (k[0], k[1]))
    if args.get("reverse"):
        keyed.reverse()
    first, last = args.get("first"), args.get("last")
    if not bulk:
        if first is None and last is None:
            raise GraphQLError("you must provide one of first or last")
        for name, size in (("first", first), ("last", last)):
            if size is not None and not 0 <= size <= MAX_PAGE_SIZE:
                field = info.field_name if info else "connection"
                raise GraphQLError(f"The {name} argument on {field} must be between 0 and {MAX_PAGE_SIZE}.")
    descending = bool(args.get("reverse"))
    for name, later in (("after", not descending), ("before", descending)):
        if args.get(name):
            record_id, value = decode_cursor(args[name])
            mark = (value, record_id)
            keyed = [k for k in keyed if ((k[0], k[1]) > mark if later else (k[0], k[1]) < mark)]
    more_after = more_before = False
    if not bulk and first is not None and len(keyed) > first:
        keyed, more_after = keyed[:first], True
    if not bulk and last is not None and len(keyed) > last:
        keyed, more_before = keyed[len(keyed) - last :], True
    edges = [{"cursor": encode_cursor(k[1], k[0]), "node": view(k[2])} for k in keyed]
    return {
        "edges": edges,
        "nodes": [edge["node"] for edge in edges],
        "pageInfo": {
            "hasNextPage": more_after,
            "hasPreviousPage": more_before or bool(args.get("after")),
            "startCursor": edges[0]["cursor"] if edges else None,
            "endCursor": edges[-1]["cursor"] if edges else None,
        },
    }


def _strip_html(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html or "")


class Views:
    """Render records for one request; ``bulk`` lifts the page size limit for bulk operations."""

    def __init__(self, store, bulk: bool = False):
        self.store = store
        self.bulk = bulk

    def page(self, records, view, sort=None):
        """A connection field resolver over ``records``."""
        return lambda info, **args: connection(records, view, info, self.bulk, sort, **args)

    @staticmethod
    def money_v2(amount, currency: str = SHOP["currency"]) -> dict:
        return {"amount": graphql_amount(amount), "currencyCode": currency}

    def bag(self, amounts: dict, order: dict) -> dict:
        """A ``MoneyBag`` from a ``{"shop", "presentment"}`` pair of an order."""
        return {
            "shopMoney": self.money_v2(side(amounts, "shop"), order["currency"]),
            "presentmentMoney": self.money_v2(side(amounts, "presentment"), order["presentment_currency"]),
        }

    def shop(self) -> dict:
        return {
            "__typename": "Shop",
            "id": gid("Shop", SHOP["id"]),
            "name": SHOP["name"],
            "email": SHOP["email"],
            "contactEmail": SHOP["email"],
            "myshopifyDomain": SHOP["domain"],
            "url": f"https://{SHOP['domain']}",
            "currencyCode": SHOP["currency"],
            "enabledPresentmentCurrencies": ["GBP", "EUR", "USD"],
            "ianaTimezone": SHOP["timezone"],
            "timezoneAbbreviation": "GMT",
            "timezoneOffset": "+0000",
            "timezoneOffsetMinutes": 0,
            "taxesIncluded": SHOP["taxes_included"],
            "taxShipping": True,
            "weightUnit": "KILOGRAMS",
            "unitSystem": "METRIC_SYSTEM",
            "orderNumberFormatPrefix": "#",
            "orderNumberFormatSuffix": "",
            "shopOwnerName": "Sandbox Owner",
            "description": "A simulated UK clothing shop.",
            "checkoutApiSupported": True,
            "setupRequired": False,
            "transactionalSmsDisabled": False,
            "marketingSmsConsentEnabledAtCheckout": False,
            "shipsToCountries": ["GB", "FR", "US"],
            "createdAt": "2024-01-02T09:00:00Z",
            "updatedAt": "2026-01-05T09:00:00Z",
            "plan": {
                "displayName": "Shopify",
                "partnerDevelopment": True,
                "shopifyPlus": False,
                "publicDisplayName": "Development",
            },
            "primaryDomain": {
                "id": gid("Domain", 1),
                "host": SHOP["domain"],
                "url": f"https://{SHOP['domain']}",
                "sslEnabled": True,
            },
            "shopAddress": {
                "id": gid("ShopAddress", SHOP["id"]),
                "address1": "1 Example Street",
                "city": "Manchester",
                "zip": "M1 1AA",
                "country": "United Kingdom",
                "countryCodeV2": "GB",
                "company": SHOP["name"],
                "coordinatesValidated": False,
                "formatted": lambda info, **_: ["1 Example Street", "Manchester M1 1AA", "United Kingdom"],
            },
        }

    def address(self, address: dict | None, model: str, owner_id: int | None = None) -> dict | None:
        """A ``MailingAddress``; order addresses have no id of their own and borrow the order's."""
        if not address:
            return None
        lines = [
            address.get("address1"),
            address.get("address2"),
            f"{address.get('city') or ''} {address.get('zip') or ''}".strip(),
            address.get("country"),
        ]
        return {
            "__typename": "MailingAddress",
            "id": f"gid://shopify/MailingAddress/{address.get('id') or owner_id}?model_name={model}",
            "firstName": address.get("first_name"),
            "lastName": address.get("last_name"),
            "name": " ".join(filter(None, (address.get("first_name"), address.get("last_name")))) or None,
            "company": address.get("company"),
            "address1": address.get("address1"),
            "address2": address.get("address2"),
            "city": address.get("city"),
            "province": address.get("province"),
            "provinceCode": address.get("province_code"),
            "zip": address.get("zip"),
            "country": address.get("country"),
            "countryCodeV2": address.get("country_code"),
            "phone": address.get("phone"),
            "formatted": lambda info, **_: [line for line in lines if line],
            "formattedArea": ", ".join(filter(None, (address.get("city"), address.get("country")))),
            "coordinatesValidated": False,
            "latitude": None,
            "longitude": None,
        }

    def location(self, record: dict | None) -> dict | None:
        if record is None:
            return None
        address = record["address"]
        return {
            "__typename": "Location",
            "id": gid("Location", record["id"]),
            "legacyResourceId": str(record["id"]),
            "name": record["name"],
            "isActive": record["active"],
            "activatable": not record["active"],
            "deactivatable": record["active"],
            "deletable": False,
            "fulfillsOnlineOrders": record["fulfills_online_orders"],
            "hasActiveInventory": True,
            "hasUnfulfilledOrders": False,
            "isFulfillmentService": False,
            "isPrimary": record["id"] == self.store.primary_location()["id"],
            "shipsInventory": True,
            "addressVerified": True,
            "createdAt": record["created_at"],
            "updatedAt": record["updated_at"],
            "address": {
                "address1": address.get("address1"),
                "address2": address.get("address2"),
                "city": address.get("city"),
                "zip": address.get("zip"),
                "province": address.get("province"),
                "provinceCode": address.get("province_code"),
                "country": address.get("country"),
                "countryCode": address.get("country_code"),
                "phone": address.get("phone"),
                "formatted": [v for v in (address.get("address1"), address.get("city"), address.get("zip")) if v],
            },
            "inventoryLevels": self._levels(location_id=record["id"]),
            "inventoryLevel": lambda info, inventoryItemId: self._level_by_gid(inventoryItemId, record["id"]),
        }

    def _levels(self, item_id=None, location_id=None):
        return lambda info, **args: connection(
            self.store.levels_of(item_id, location_id),
            self.inventory_level,
            info,
            self.bulk,
            lambda r: r["number"],
            **args,
        )

    def _level_by_gid(self, item_gid, location_id):
        item_id = parse_gid(item_gid, "InventoryItem")
        level = self.store.level(item_id, location_id) if item_id else None
        return self.inventory_level(level)

    def product(self, record: dict | None) -> dict | None:
        if record is None:
            return None
        variants = self.store.variants_of(record["id"])
        available = sum(self._available(v) for v in variants)
        return {
            "__typename": "Product",
            "id": gid("Product", record["id"]),
            "legacyResourceId": str(record["id"]),
            "title": record["title"],
            "handle": record["handle"],
            "vendor": record["vendor"],
            "productType": record["product_type"],
            "status": record["status"].upper(),
            "tags": record["tags"],
            "descriptionHtml": record["body_html"],
            "description": lambda info, truncateAt=None: _strip_html(record["body_html"])[:truncateAt],
            "isGiftCard": record["gift_card"],
            "hasOnlyDefaultVariant": len(variants) == 1 and variants[0]["title"] == "Default Title",
            "hasOutOfStockVariants": any(self._available(v) <= 0 for v in variants if not record["gift_card"]),
            "tracksInventory": not record["gift_card"],
            "totalInventory": available,
            "createdAt": record["created_at"],
            "updatedAt": record["updated_at"],
            "publishedAt": record["published_at"],
            "onlineStoreUrl": f"https://{SHOP['domain']}/products/{record['handle']}",
            "templateSuffix": None,
            "requiresSellingPlan": False,
            "options": lambda info, first=None: [
                {
                    "__typename": "ProductOption",
                    "id": gid("ProductOption", record["id"] * 10 + position),
                    "name": option["name"],
                    "position": position,
                    "values": option["values"],
                }
                for position, option in enumerate(record["options"][:first], start=1)
            ],
            "variants": self.page(variants, self.variant, lambda v: v["position"]),
            "variantsCount": {"count": len(variants), "precision": "EXACT"},
        }

    def _available(self, variant: dict) -> int:
        return sum(
            self.store.quantity(level, "available") for level in self.store.levels_of(variant["inventory_item_id"])
        )

    def variant(self, record: dict | None) -> dict | None:
        if record is None:
            return None
        product = self.store.get("products", record["product_id"])
        names = [option["name"] for option in product["options"]]
        available = self._available(record)
        return {
            "__typename": "ProductVariant",
            "id": gid("ProductVariant", record["id"]),
            "legacyResourceId": str(record["id"]),
            "title": record["title"],
            "displayName": f"{product['title']} - {record['title']}",
            "sku": record["sku"],
            "barcode": record["barcode"],
            "price": record["price"],
            "compareAtPrice": record["compare_at_price"],
            "position": record["position"],
            "taxable": record["taxable"],
            "inventoryPolicy": record["inventory_policy"].upper(),
            "inventoryQuantity": available,
            "sellableOnlineQuantity": max(available, 0),
            "availableForSale": product["gift_card"] or available > 0,
            "requiresComponents": False,
            "showUnitPrice": False,
            "selectedOptions": [{"name": n, "value": v} for n, v in zip(names, record["options"])],
            "createdAt": record["created_at"],
            "updatedAt": record["updated_at"],
            "product": lambda info: self.product(self.store.get("products", record["product_id"])),
            "inventoryItem": lambda info: self.inventory_item(
                self.store.get("inventory_items", record["inventory_item_id"])
            ),
        }

    def inventory_item(self, record: dict | None) -> dict | None:
        if record is None:
            return None
        levels = self.store.levels_of(record["id"])
        return {
            "__typename": "InventoryItem",
            "id": gid("InventoryItem", record["id"]),
            "legacyResourceId": str(record["id"]),
            "sku": record["sku"],
            "tracked": record["tracked"],
            "requiresShipping": record["requires_shipping"],
            "duplicateSkuCount": 0,
            "countryCodeOfOrigin": None,
            "harmonizedSystemCode": None,
            "inventoryHistoryUrl": f"https://admin.shopify.com/store/sandbox/products/inventory/{record['id']}/inventory_history",
            "createdAt": record["created_at"],
            "updatedAt": record["updated_at"],
            "unitCost": self.money_v2(record["unit_cost"]) if record.get("unit_cost") else None,
            "locationsCount": {"count": len(levels), "precision": "EXACT"},
            "trackedEditable": {"locked": False, "reason": None},
            "variant": lambda info: self.variant(self.store.get("variants", record["variant_id"])),
            "inventoryLevels": self._levels(item_id=record["id"]),
            "inventoryLevel": lambda info, locationId: self.inventory_level(
                self.store.level(record["id"], _number(locationId, "Location"))
            ),
        }

    def inventory_level(self, record: dict | None) -> dict | None:
        if record is None:
            return None
        item_id = record["inventory_item_id"]
        return {
            "__typename": "InventoryLevel",
            "id": f"gid://shopify/InventoryLevel/{record['number']}?inventory_item_id={item_id}",
            "canDeactivate": True,
            "deactivationAlert": None,
            "createdAt": record["created_at"],
            "updatedAt": record["updated_at"],
            "quantities": lambda info, names: [
                {
                    "id": f"gid://shopify/InventoryQuantity/{record['number']}?inventory_item_id={item_id}&name={name}",
                    "name": name,
                    "quantity": self.store.quantity(record, name),
                    "updatedAt": record["updated_at"],
                }
                for name in names
            ],
            "item": lambda info: self.inventory_item(self.store.get("inventory_items", item_id)),
            "location": lambda info: self.location(self.store.get("locations", record["location_id"])),
        }

    def customer(self, record: dict | None) -> dict | None:
        if record is None:
            return None
        orders = self.store.find("orders", customer_id=record["id"])
        spent = sum(
            (order_totals(o, self.store.find("refunds", order_id=o["id"]), "shop")["net_payment"] for o in orders), ZERO
        )
        vat_number = record.get("vat_number")
        return {
            "__typename": "Customer",
            "id": gid("Customer", record["id"]),
            "legacyResourceId": str(record["id"]),
            "firstName": record["first_name"],
            "lastName": record["last_name"],
            "displayName": " ".join(filter(None, (record["first_name"], record["last_name"]))) or record["email"],
            "email": record["email"],
            "phone": record["phone"],
            "defaultEmailAddress": record["email"]
            and {
                "emailAddress": record["email"],
                "marketingState": "SUBSCRIBED" if record["accepts_marketing"] else "NOT_SUBSCRIBED",
                "marketingOptInLevel": "SINGLE_OPT_IN" if record["accepts_marketing"] else None,
                "validFormat": True,
            },
            "defaultPhoneNumber": record["phone"] and {"phoneNumber": record["phone"]},
            "defaultAddress": self.address(record["default_address"], "CustomerAddress"),
            "addressesV2": self.page(
                [record["default_address"]] if record["default_address"] else [],
                lambda a: self.address(a, "CustomerAddress"),
            ),
            "note": record["note"],
            "tags": record["tags"],
            "taxExempt": record["tax_exempt"],
            "taxExemptions": [],
            "state": record["state"].upper(),
            "verifiedEmail": record["verified_email"],
            "locale": record["locale"],
            "dataSaleOptOut": False,
            "canDelete": not orders,
            "createdAt": record["created_at"],
            "updatedAt": record["updated_at"],
            "numberOfOrders": str(len(orders)),
            "amountSpent": self.money_v2(spent),
            "lifetimeDuration": "about 1 year",
            "lastOrder": lambda info: self.order(max(orders, key=lambda o: o["created_at"])) if orders else None,
            "orders": lambda info, sortKey="ID", **args: connection(
                orders, self.order, info, self.bulk, ORDER_SORTS.get(sortKey, ORDER_SORTS["ID"]), **args
            ),
            "metafield": lambda info, key, namespace=None: (
                self._vat_metafield(record)
                if vat_number and key == "vat_number" and namespace in (None, "custom")
                else None
            ),
        }

    @staticmethod
    def _vat_metafield(record: dict) -> dict:
        """B2B customers keep their VAT registration in the ``custom.vat_number`` metafield (and their note)."""
        return {
            "__typename": "Metafield",
            "id": gid("Metafield", record["id"]),
            "namespace": "custom",
            "key": "vat_number",
            "type": "single_line_text_field",
            "value": record["vat_number"],
            "jsonValue": record["vat_number"],
            "createdAt": record["created_at"],
            "updatedAt": record["updated_at"],
        }

    def order(self, record: dict | None) -> dict | None:
        if record is None:
            return None
        store, order = self.store, record
        refunds = store.find("refunds", order_id=order["id"])
        totals = {w: order_totals(order, refunds, w) for w in ("shop", "presentment")}

        def bag(name):
            return self.bag({w: str(totals[w][name]) for w in totals}, order)

        fulfillment_status = store.fulfillment_status(order)
        refunded = _refunded_quantities(refunds)
        applications = [self.discount_application(a, i, order) for i, a in enumerate(order["discount_applications"])]
        quantity = sum(li["quantity"] for li in order["line_items"])
        current_quantity = 0 if order["cancelled_at"] else quantity - sum(refunded.values())
        return {
            "__typename": "Order",
            "id": gid("Order", order["id"]),
            "legacyResourceId": str(order["id"]),
            "name": order["name"],
            "number": order["number"],
            "confirmationNumber": order["token"][:9].upper(),
            "email": order["email"],
            "phone": order["phone"],
            "createdAt": order["created_at"],
            "updatedAt": order["updated_at"],
            "processedAt": order["processed_at"],
            "cancelledAt": order["cancelled_at"],
            "cancelReason": order["cancel_reason"] and order["cancel_reason"].upper(),
            "closed": bool(order["closed_at"]),
            "closedAt": order["closed_at"],
            "confirmed": True,
            "test": False,
            "edited": False,
            "currencyCode": order["currency"],
            "presentmentCurrencyCode": order["presentment_currency"],
            "taxesIncluded": order["taxes_included"],
            "taxExempt": order["tax_exempt"],
            "dutiesIncluded": False,
            "estimatedTaxes": False,
            "displayFinancialStatus": order["financial_status"].upper(),
            "displayFulfillmentStatus": {"fulfilled": "FULFILLED", "partial": "PARTIALLY_FULFILLED"}.get(
                fulfillment_status, "UNFULFILLED"
            ),
            "fullyPaid": totals["shop"]["total_outstanding"] == 0 and order["financial_status"] != "pending",
            "unpaid": order["financial_status"] == "pending",
            "capturable": False,
            "canMarkAsPaid": order["financial_status"] == "pending" and not order["cancelled_at"],
            "refundable": totals["shop"]["net_payment"] > 0,
            "restockable": True,
            "fulfillable": fulfillment_status != "fulfilled" and not order["cancelled_at"],
            "requiresShipping": any(li["requires_shipping"] for li in order["line_items"]),
            "note": order["note"],
            "tags": order["tags"],
            "sourceName": order["source_name"],
            "sourceIdentifier": None,
            "poNumber": None,
            "customerAcceptsMarketing": False,
            "customerLocale": "en-GB",
            "paymentGatewayNames": sorted({t["gateway"] for t in order["transactions"] if t["kind"] == "sale"}),
            "discountCode": order["discount_codes"][0]["code"] if order["discount_codes"] else None,
            "discountCodes": [c["code"] for c in order["discount_codes"]],
            "subtotalLineItemsQuantity": quantity,
            "currentSubtotalLineItemsQuantity": current_quantity,
            "totalWeight": str(sum(li["grams"] * li["quantity"] for li in order["line_items"])),
            "currentTotalWeight": str(sum(li["grams"] * li["quantity"] for li in order["line_items"])),
            "statusPageUrl": lambda info, **_: (
                f"https://{SHOP['domain']}/{SHOP['id']}/orders/{order['token']}/authenticate"
            ),
            "customer": lambda info: (
                self.customer(store.get("customers", order["customer_id"])) if order["customer_id"] else None
            ),
            "billingAddress": self.address(order["billing_address"], "Address", order["id"]),
            "shippingAddress": self.address(order["shipping_address"], "Address", order["id"]),
            "displayAddress": self.address(
                order["billing_address"] or order["shipping_address"], "Address", order["id"]
            ),
            "billingAddressMatchesShippingAddress": order["billing_address"] == order["shipping_address"],
            "subtotalPriceSet": bag("subtotal_price"),
            "currentSubtotalPriceSet": bag("current_subtotal_price"),
            "totalPriceSet": bag("total_price"),
            "originalTotalPriceSet": bag("total_price"),
            "currentTotalPriceSet": bag("current_total_price"),
            "totalTaxSet": bag("total_tax"),
            "currentTotalTaxSet": bag("current_total_tax"),
            "totalDiscountsSet": bag("total_discounts"),
            "currentTotalDiscountsSet": bag("current_total_discounts"),
            "cartDiscountAmountSet": bag("total_discounts") if order["discount_codes"] else None,
            "currentCartDiscountAmountSet": bag("total_discounts"),
            "totalShippingPriceSet": bag("total_shipping_price"),
            "currentShippingPriceSet": bag("current_shipping_price"),
            "totalRefundedSet": bag("total_refunded"),
            "totalRefundedShippingSet": bag("total_refunded_shipping"),
            "totalReceivedSet": bag("total_received"),
            "totalOutstandingSet": bag("total_outstanding"),
            "netPaymentSet": bag("net_payment"),
            "totalCapturableSet": self.bag({"shop": "0", "presentment": "0"}, order),
            "totalTipReceivedSet": self.bag({"shop": "0", "presentment": "0"}, order),
            "refundDiscrepancySet": self.bag({"shop": "0", "presentment": "0"}, order),
            "totalCapturable": "0.00",
            "taxLines": [self.tax_line(t, order) for t in tax_lines(order)],
            "currentTaxLines": [] if order["cancelled_at"] else [self.tax_line(t, order) for t in tax_lines(order)],
            "lineItems": self.page(order["line_items"], lambda li: self.line_item(li, order, refunded, applications)),
            "shippingLines": lambda info, includeRemovals=False, **args: connection(
                order["shipping_lines"], lambda s: self.shipping_line(s, order, applications), info, self.bulk, **args
            ),
            "shippingLine": (
                self.shipping_line(order["shipping_lines"][0], order, applications) if order["shipping_lines"] else None
            ),
            "discountApplications": self._applications(applications),
            "transactions": lambda info, first=None, **_: [self.transaction(t, order) for t in order["transactions"]][
                :first
            ],
            "refunds": lambda info, first=None: [self.refund(r) for r in refunds][:first],
            "fulfillments": lambda info, first=None, **_: [
                self.fulfillment(f) for f in store.find("fulfillments", order_id=order["id"])
            ][:first],
            "fulfillmentOrders": lambda info, displayable=None, query=None, **args: connection(
                store.find("fulfillment_orders", order_id=order["id"]), self.fulfillment_order, info, self.bulk, **args
            ),
            # Orders are paid in whole pence, by card or gift card: nothing is ever rounded to cash.
            "totalCashRoundingAdjustment": {
                "paymentSet": self.bag({"shop": "0", "presentment": "0"}, order),
                "refundSet": self.bag({"shop": "0", "presentment": "0"}, order),
            },
            "risk": LOW_RISK,
            # The shop takes no returns (refunds only), so every order has none.
            "returns": self.page([], None),
        }

    def _applications(self, applications: list[dict]):
        entries = [{"id": i, "view": a} for i, a in enumerate(applications)]
        return lambda info, **args: connection(entries, lambda e: e["view"], info, self.bulk, **args)

    def tax_line(self, tax: dict, order: dict) -> dict:
        rate = float(tax["rate"])
        return {
            "title": tax["title"],
            "rate": rate,
            "ratePercentage": round(rate * 100, 4),
            "priceSet": self.bag(tax["price"], order),
            "channelLiable": False,
            "source": "Shopify",
        }

    def discount_application(self, application: dict, index: int, order: dict) -> dict:
        if application["value_type"] == "percentage":
            value = {"__typename": "PricingPercentageValue", "percentage": float(application["value"])}
        else:
            value = {"__typename": "MoneyV2", **self.money_v2(application["value"], order["presentment_currency"])}
        view = {
            "index": index,
            "allocationMethod": application["allocation_method"].upper(),
            "targetSelection": application["target_selection"].upper(),
            "targetType": application["target_type"].upper(),
            "value": value,
        }
        if application["type"] == "discount_code":
            return {"__typename": "DiscountCodeApplication", "code": application["code"], **view}
        return {
            "__typename": "ManualDiscountApplication",
            "title": application["title"],
            "description": application["description"],
            **view,
        }

    def line_item(self, item: dict, order: dict, refunded: dict, applications: list[dict]) -> dict:
        quantity = item["quantity"]
        discount = {w: total((a["amount"] for a in item["discount_allocations"]), w) for w in ("shop", "presentment")}
        gross = {w: side(item["price"], w) * quantity for w in ("shop", "presentment")}
        net = {w: str(gross[w] - discount[w]) for w in gross}
        unit_net = {w: str(money((gross[w] - discount[w]) / quantity)) for w in gross}
        current = 0 if order["cancelled_at"] else quantity - refunded.get(item["id"], 0)
        unfulfilled = sum(
            li["remaining_quantity"]
            for fo in self.store.find("fulfillment_orders", order_id=order["id"])
            for li in fo["line_items"]
            if li["line_item_id"] == item["id"]
        )
        return {
            "__typename": "LineItem",
            "id": gid("LineItem", item["id"]),
            "name": item["title"] + (f" - {item['variant_title']}" if item["variant_title"] else ""),
            "title": item["title"],
            "variantTitle": item["variant_title"],
            "sku": item["sku"],
            "vendor": item["vendor"],
            "quantity": quantity,
            "currentQuantity": current,
            "refundableQuantity": current,
            "unfulfilledQuantity": unfulfilled,
            "nonFulfillableQuantity": 0,
            "isGiftCard": item["gift_card"],
            "taxable": item["taxable"],
            "requiresShipping": item["requires_shipping"],
            "restockable": not item["gift_card"],
            "merchantEditable": True,
            "customAttributes": [],
            "duties": [],
            "originalUnitPriceSet": self.bag(item["price"], order),
            "originalTotalSet": self.bag({w: str(gross[w]) for w in gross}, order),
            "discountedUnitPriceSet": self.bag(unit_net, order),
            "discountedUnitPriceAfterAllDiscountsSet": self.bag(unit_net, order),
            "discountedTotalSet": lambda info, **_: self.bag(net, order),
            "totalDiscountSet": self.bag({w: str(discount[w]) for w in discount}, order),
            "unfulfilledOriginalTotalSet": self.bag(
                {w: str(side(item["price"], w) * unfulfilled) for w in gross}, order
            ),
            "unfulfilledDiscountedTotalSet": self.bag(
                {w: str(money(Decimal(unit_net[w]) * unfulfilled)) for w in gross}, order
            ),
            "taxLines": lambda info, first=None: [self.tax_line(t, order) for t in item["tax_lines"]][:first],
            "discountAllocations": [
                {
                    "allocatedAmountSet": self.bag(a["amount"], order),
                    "discountApplication": applications[a["discount_application_index"]],
                }
                for a in item["discount_allocations"]
            ],
            "variant": lambda info: self.variant(self.store.get("variants", item["variant_id"])),
            "product": lambda info: self.product(self.store.get("products", item["product_id"])),
        }

    def shipping_line(self, line: dict, order: dict, applications: list[dict]) -> dict:
        discount = {w: total((a["amount"] for a in line["discount_allocations"]), w) for w in ("shop", "presentment")}
        discounted = {w: str(side(line["price"], w) - discount[w]) for w in discount}
        return {
            "id": gid("ShippingLine", line["id"]),
            "title": line["title"],
            "code": line["code"],
            "source": line["source"],
            "carrierIdentifier": None,
            "custom": False,
            "isRemoved": False,
            "deliveryCategory": None,
            "phone": None,
            "shippingRateHandle": None,
            "originalPriceSet": self.bag(line["price"], order),
            "discountedPriceSet": self.bag(discounted, order),
            "currentDiscountedPriceSet": self.bag(discounted, order),
            "taxLines": [self.tax_line(t, order) for t in line["tax_lines"]],
            "discountAllocations": [
                {
                    "allocatedAmountSet": self.bag(a["amount"], order),
                    "discountApplication": applications[a["discount_application_index"]],
                }
                for a in line["discount_allocations"]
            ],
        }

    def transaction(self, record: dict, order: dict) -> dict:
        return {
            "__typename": "OrderTransaction",
            "id": gid("OrderTransaction", record["id"]),
            "kind": record["kind"].upper(),
            "status": record["status"].upper(),
            "gateway": record["gateway"],
            "formattedGateway": record["gateway"].replace("_", " ").title(),
            "manualPaymentGateway": record["gateway"] in ("manual", "bank_deposit"),
            "amountSet": self.bag(record["amount"], order),
            "createdAt": record["created_at"],
            "processedAt": record["created_at"],
            "test": False,
            "errorCode": None,
            "paymentId": f"{order['token'][:12]}.{record['id'] % 1000}",
            "accountNumber": None,
            "authorizationExpiresAt": None,
            "fees": [],
            "manuallyCapturable": False,
            "multiCapturable": False,
            "parentTransaction": lambda info: next(
                (self.transaction(t, order) for t in order["transactions"] if t["id"] == record["parent_id"]), None
            ),
            "order": lambda info: self.order(self.store.get("orders", order["id"])),
        }

    def refund(self, record: dict | None) -> dict | None:
        if record is None:
            return None
        order = self.store.get("orders", record["order_id"])
        lines = {li["id"]: li for li in order["line_items"]}
        refunded_money = {w: total((t["amount"] for t in record["transactions"]), w) for w in ("shop", "presentment")}
        shipping = [record["shipping"]] if record["shipping"] else []
        refunded = _refunded_quantities(self.store.find("refunds", order_id=order["id"]))
        applications = [self.discount_application(a, i, order) for i, a in enumerate(order["discount_applications"])]
        return {
            "__typename": "Refund",
            "id": gid("Refund", record["id"]),
            "legacyResourceId": str(record["id"]),
            "note": record["note"],
            "createdAt": record["created_at"],
            "processedAt": record["processed_at"],
            "updatedAt": record["processed_at"],
            "duties": [],
            "return": None,
            "staffMember": None,
            "totalRefundedSet": self.bag({w: str(v) for w, v in refunded_money.items()}, order),
            "order": lambda info: self.order(order),
            "refundLineItems": self.page(
                record["refund_line_items"], lambda rl: self.refund_line_item(rl, lines, order, refunded, applications)
            ),
            "refundShippingLines": self.page(
                [{"id": record["id"], **s} for s in shipping],
                lambda s: {
                    "id": gid("RefundShippingLine", s["id"]),
                    "shippingLine": self.shipping_line(order["shipping_lines"][0], order, applications),
                    "subtotalAmountSet": self.bag(s["amount"], order),
                    "taxAmountSet": self.bag(s["tax"], order),
                },
            ),
            "transactions": self.page(record["transactions"], lambda t: self.transaction(t, order)),
            "orderAdjustments": self.page([], None),
        }

    def refund_line_item(self, record: dict, lines: dict, order: dict, refunded: dict, applications) -> dict:
        item = lines[record["line_item_id"]]
        return {
            "id": gid("RefundLineItem", record["id"]),
            "quantity": record["quantity"],
            "restockType": record["restock_type"].upper(),
            "restocked": record["restock_type"] != "no_restock",
            "priceSet": self.bag(item["price"], order),
            "subtotalSet": self.bag(record["subtotal"], order),
            "totalTaxSet": self.bag(record["total_tax"], order),
            "lineItem": self.line_item(item, order, refunded, applications),
            "location": lambda info: self.location(self.store.get("locations", record["location_id"])),
        }

    def fulfillment_order(self, record: dict | None) -> dict | None:
        if record is None:
            return None
        store = self.store
        order = store.get("orders", record["order_id"])
        location = store.get("locations", record["location_id"])
        lines = {li["id"]: li for li in order["line_items"]}
        refunds = store.find("refunds", order_id=order["id"])
        applications = [self.discount_application(a, i, order) for i, a in enumerate(order["discount_applications"])]
        actions = ["CREATE_FULFILLMENT", "MOVE", "HOLD", "SPLIT"] if record["status"] in ("open", "in_progress") else []
        return {
            "__typename": "FulfillmentOrder",
            "id": gid("FulfillmentOrder", record["id"]),
            "orderId": gid("Order", order["id"]),
            "orderName": order["name"],
            "orderProcessedAt": order["processed_at"],
            "status": record["status"].upper(),
            "requestStatus": record["request_status"].upper(),
            "createdAt": record["created_at"],
            "updatedAt": record["updated_at"],
            "fulfillAt": None,
            "fulfillBy": None,
            "fulfillmentHolds": [],
            "supportedActions": [{"action": action, "externalUrl": None} for action in actions],
            "assignedLocation": {
                "name": location["name"],
                "address1": location["address"].get("address1"),
                "city": location["address"].get("city"),
                "zip": location["address"].get("zip"),
                "countryCode": location["address"].get("country_code"),
                "location": lambda info: self.location(location),
            },
            "order": lambda info: self.order(order),
            "lineItems": self.page(
                record["line_items"],
                lambda li: self._fulfillment_order_line(li, lines[li["line_item_id"]], order, refunds, applications),
            ),
            "fulfillments": self.page(
                [
                    f
                    for f in store.find("fulfillments", order_id=order["id"])
                    if record["id"] in f["fulfillment_order_ids"]
                ],
                self.fulfillment,
            ),
        }

    def _fulfillment_order_line(self, record, item, order, refunds, applications) -> dict:
        return {
            "id": gid("FulfillmentOrderLineItem", record["id"]),
            "totalQuantity": record["total_quantity"],
            "remainingQuantity": record["remaining_quantity"],
            "sku": item["sku"],
            "inventoryItemId": gid("InventoryItem", item["inventory_item_id"]),
            "productTitle": item["title"],
            "variantTitle": item["variant_title"],
            "vendor": item["vendor"],
            "requiresShipping": item["requires_shipping"],
            "warnings": [],
            "financialSummaries": [],
            "lineItem": lambda info: self.line_item(item, order, _refunded_quantities(refunds), applications),
            "variant": lambda info: self.variant(self.store.get("variants", item["variant_id"])),
        }

    def fulfillment(self, record: dict | None) -> dict | None:
        if record is None:
            return None
        order = self.store.get("orders", record["order_id"])
        lines = {li["id"]: li for li in order["line_items"]}
        refunds = self.store.find("refunds", order_id=order["id"])
        applications = [self.discount_application(a, i, order) for i, a in enumerate(order["discount_applications"])]
        tracking = []
        if record["tracking_number"] or record["tracking_company"]:
            tracking = [
                {
                    "company": record["tracking_company"],
                    "number": record["tracking_number"],
                    "url": record["tracking_url"],
                }
            ]

        def line(fl):
            item = lines[fl["line_item_id"]]
            amount = {w: str(side(item["price"], w) * fl["quantity"]) for w in ("shop", "presentment")}
            return {
                "id": gid("FulfillmentLineItem", fl["id"]),
                "quantity": fl["quantity"],
                "originalTotalSet": self.bag(amount, order),
                "discountedTotalSet": self.bag(amount, order),
                "lineItem": self.line_item(item, order, _refunded_quantities(refunds), applications),
            }

        return {
            "__typename": "Fulfillment",
            "id": gid("Fulfillment", record["id"]),
            "legacyResourceId": str(record["id"]),
            "name": record["name"],
            "status": record["status"].upper(),
            "displayStatus": "FULFILLED",
            "createdAt": record["created_at"],
            "updatedAt": record["updated_at"],
            "deliveredAt": None,
            "inTransitAt": None,
            "estimatedDeliveryAt": None,
            "requiresShipping": True,
            "service": None,
            "originAddress": None,
            "totalQuantity": sum(fl["quantity"] for fl in record["line_items"]),
            "trackingInfo": lambda info, first=None: tracking[:first],
            "fulfillmentLineItems": self.page(record["line_items"], line),
            "fulfillmentOrders": self.page(
                [self.store.get("fulfillment_orders", i) for i in record["fulfillment_order_ids"]],
                self.fulfillment_order,
            ),
            "order": lambda info: self.order(order),
            "location": lambda info: self.location(self.store.get("locations", record["location_id"])),
        }

    def adjustment_group(self, record: dict | None) -> dict | None:
        if record is None:
            return None

        def changes(info, inventoryItemIds=None, locationIds=None, quantityNames=None):
            items = {_number(i, "InventoryItem") for i in inventoryItemIds or []}
            locations = {_number(i, "Location") for i in locationIds or []}
            return [
                {
                    "name": c["name"],
                    "delta": c["delta"],
                    "quantityAfterChange": c["quantity_after"],
                    "ledgerDocumentUri": c.get("ledger_document_uri"),
                    "item": lambda info, c=c: self.inventory_item(
                        self.store.get("inventory_items", c["inventory_item_id"])
                    ),
                    "location": lambda info, c=c: self.location(self.store.get("locations", c["location_id"])),
                }
                for c in record["changes"]
                if (not items or c["inventory_item_id"] in items)
                and (not locations or c["location_id"] in locations)
                and (not quantityNames or c["name"] in quantityNames)
            ]

        return {
            "__typename": "InventoryAdjustmentGroup",
            "id": gid("InventoryAdjustmentGroup", record["id"]),
            "createdAt": record["created_at"],
            "reason": record["reason"],
            "referenceDocumentUri": record["reference_document_uri"],
            "changes": changes,
            "app": None,
            "staffMember": None,
        }


def _number(value, kind: str) -> int | None:
    return parse_gid(value, kind)


def _refunded_quantities(refunds: list[dict]) -> dict:
    counts: dict = {}
    for refund in refunds:
        for line in refund["refund_line_items"]:
            counts[line["line_item_id"]] = counts.get(line["line_item_id"], 0) + line["quantity"]
    return counts


ORDER_SORTS = {
    "ID": lambda o: o["id"],
    "CREATED_AT": lambda o: o["created_at"],
    "UPDATED_AT": lambda o: o["updated_at"],
    "PROCESSED_AT": lambda o: o["processed_at"],
    "ORDER_NUMBER": lambda o: o["number"],
    "TOTAL_PRICE": lambda o: float(order_totals(o, [], "shop")["total_price"]),
    "FINANCIAL_STATUS": lambda o: o["financial_status"],
}
