"""Webhook bodies: the REST-shaped (snake_case) JSON Shopify posts for each topic.

Key sets and order follow Shopify's published example payloads for API 2026-01;
what the sandbox does not model (browser, landing site, duties...) is present and
null, as Shopify sends it for orders that lack them. Times are in the shop's time
zone with an offset, REST amounts are strings with two decimals, except the
``subtotal`` and ``total_tax`` of refund lines, which are numbers as in the examples.
"""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from .money import ZERO, rest_amount, side, total
from .store import SHOP, gid, order_totals, tax_lines

SHOP_ZONE = ZoneInfo(SHOP["timezone"])


def rest_time(value: str | None) -> str | None:
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(SHOP_ZONE).isoformat(timespec="seconds")


def money_set(amounts: dict, order: dict) -> dict:
    return {
        "shop_money": {"amount": rest_amount(side(amounts, "shop")), "currency_code": order["currency"]},
        "presentment_money": {
            "amount": rest_amount(side(amounts, "presentment")),
            "currency_code": order["presentment_currency"],
        },
    }


def _tax_lines(lines: list[dict], order: dict) -> list[dict]:
    return [
        {
            "price": rest_amount(side(t["price"], "shop")),
            "rate": float(t["rate"]),
            "title": t["title"],
            "price_set": money_set(t["price"], order),
            "channel_liable": False,
        }
        for t in lines
    ]


def _allocations(allocations: list[dict], order: dict) -> list[dict]:
    return [
        {
            "amount": rest_amount(side(a["amount"], "shop")),
            "amount_set": money_set(a["amount"], order),
            "discount_application_index": a["discount_application_index"],
        }
        for a in allocations
    ]


def _address(address: dict | None) -> dict | None:
    if not address:
        return None
    keys = ("first_name", "address1", "phone", "city", "zip", "province", "country", "last_name", "address2", "company")
    result = {key: address.get(key) for key in keys}
    result |= {
        "latitude": None,
        "longitude": None,
        "name": address.get("name"),
        "country_code": address.get("country_code"),
        "province_code": address.get("province_code"),
    }
    return result


def customer(record: dict | None) -> dict | None:
    if record is None:
        return None
    address = record["default_address"]
    return {
        "id": record["id"],
        "created_at": rest_time(record["created_at"]),
        "updated_at": rest_time(record["updated_at"]),
        "first_name": record["first_name"],
        "last_name": record["last_name"],
        "state": record["state"],
        "note": record["note"],
        "verified_email": record["verified_email"],
        "multipass_identifier": None,
        "tax_exempt": record["tax_exempt"],
        "email": record["email"],
        "phone": record["phone"],
        "currency": SHOP["currency"],
        "tax_exemptions": [],
        "admin_graphql_api_id": gid("Customer", record["id"]),
        "default_address": address
        and {
            "id": address["id"],
            "customer_id": record["id"],
            "first_name": address.get("first_name"),
            "last_name": address.get("last_name"),
            "company": address.get("company"),
            "address1": address.get("address1"),
            "address2": address.get("address2"),
            "city": address.get("city"),
            "province": address.get("province"),
            "country": address.get("country"),
            "zip": address.get("zip"),
            "phone": address.get("phone"),
            "name": " ".join(filter(None, (address.get("first_name"), address.get("last_name")))),
            "province_code": address.get("province_code"),
            "country_code": address.get("country_code"),
            "country_name": address.get("country"),
            "default": True,
        },
    }


def line_item(item: dict, order: dict, store) -> dict:
    discount = {w: str(total((a["amount"] for a in item["discount_allocations"]), w)) for w in ("shop", "presentment")}
    refunded = sum(
        rl["quantity"]
        for r in store.find("refunds", order_id=order["id"])
        for rl in r["refund_line_items"]
        if rl["line_item_id"] == item["id"]
    )
    remaining = sum(
        li["remaining_quantity"]
        for fo in store.find("fulfillment_orders", order_id=order["id"])
        for li in fo["line_items"]
        if li["line_item_id"] == item["id"]
    )
    shipped = sum(
        fl["quantity"]
        for f in store.find("fulfillments", order_id=order["id"])
        for fl in f["line_items"]
        if fl["line_item_id"] == item["id"]
    )
    status = "fulfilled" if shipped and not remaining else "partial" if shipped else None
    return {
        "id": item["id"],
        "admin_graphql_api_id": gid("LineItem", item["id"]),
        "attributed_staffs": [],
        "current_quantity": 0 if order["cancelled_at"] else item["quantity"] - refunded,
        "fulfillable_quantity": remaining,
        "fulfillment_service": "manual",
        "fulfillment_status": status,
        "gift_card": item["gift_card"],
        "grams": item["grams"],
        "name": item["title"] + (f" - {item['variant_title']}" if item["variant_title"] else ""),
        "price": rest_amount(side(item["price"], "shop")),
        "price_set": money_set(item["price"], order),
        "product_exists": True,
        "product_id": item["product_id"],
        "properties": [],
        "quantity": item["quantity"],
        "requires_shipping": item["requires_shipping"],
        "sales_line_item_group_id": None,
        "sku": item["sku"],
        "taxable": item["taxable"],
        "title": item["title"],
        "total_discount": rest_amount(Decimal(discount["shop"])),
        "total_discount_set": money_set(discount, order),
        "variant_id": item["variant_id"],
        "variant_inventory_management": None if item["gift_card"] else "shopify",
        "variant_title": item["variant_title"],
        "vendor": item["vendor"],
        "tax_lines": _tax_lines(item["tax_lines"], order),
        "duties": [],
        "discount_allocations": _allocations(item["discount_allocations"], order),
    }


def transaction(record: dict, order: dict) -> dict:
    return {
        "id": record["id"],
        "order_id": order["id"],
        "kind": record["kind"],
        "gateway": record["gateway"],
        "status": record["status"],
        "message": None,
        "created_at": rest_time(record["created_at"]),
        "test": False,
        "authorization": None,
        "location_id": None,
        "user_id": None,
        "parent_id": record["parent_id"],
        "processed_at": rest_time(record["created_at"]),
        "device_id": None,
        "error_code": None,
        "source_name": "web",
        "receipt": {},
        "amount": rest_amount(side(record["amount"], "presentment")),
        "currency": order["presentment_currency"],
        "payment_id": f"{order['token'][:12]}.{record['id'] % 1000}",
        "total_unsettled_set": money_set({"shop": "0", "presentment": "0"}, order),
        "manual_payment_gateway": record["gateway"] in ("manual", "bank_deposit"),
        "amount_rounding": None,
        "admin_graphql_api_id": gid("OrderTransaction", record["id"]),
    }


def refund(record: dict, store) -> dict:
    order = store.get("orders", record["order_id"])
    items = {li["id"]: li for li in order["line_items"]}
    shipping = record["shipping"]
    return {
        "id": record["id"],
        "order_id": order["id"],
        "created_at": rest_time(record["created_at"]),
        "note": record["note"],
        "user_id": None,
        "processed_at": rest_time(record["processed_at"]),
        "duties": [],
        "total_duties_set": money_set({"shop": "0", "presentment": "0"}, order),
        "return": None,
        "restock": record["restock"],
        "refund_shipping_lines": [
            {
                "id": record["id"],
                "shipping_line_id": order["shipping_lines"][0]["id"],
                "subtotal_amount_set": money_set(shipping["amount"], order),
                "tax_amount_set": money_set(shipping["tax"], order),
            }
        ]
        if shipping
        else [],
        "admin_graphql_api_id": gid("Refund", record["id"]),
        "order_adjustments": [],
        "refund_line_items": [
            {
                "id": rl["id"],
                "quantity": rl["quantity"],
                "line_item_id": rl["line_item_id"],
                "location_id": rl["location_id"],
                "restock_type": rl["restock_type"],
                "subtotal": float(side(rl["subtotal"], "shop")),
                "total_tax": float(side(rl["total_tax"], "shop")),
                "subtotal_set": money_set(rl["subtotal"], order),
                "total_tax_set": money_set(rl["total_tax"], order),
                "line_item": line_item(items[rl["line_item_id"]], order, store),
            }
            for rl in record["refund_line_items"]
        ],
        "transactions": [transaction(t, order) for t in record["transactions"]],
    }


def fulfillment(record: dict, order: dict, store) -> dict:
    items = {li["id"]: li for li in order["line_items"]}
    return {
        "id": record["id"],
        "admin_graphql_api_id": gid("Fulfillment", record["id"]),
        "created_at": rest_time(record["created_at"]),
        "location_id": record["location_id"],
        "name": record["name"],
        "order_id": order["id"],
        "origin_address": {},
        "receipt": {},
        "service": "manual",
        "shipment_status": None,
        "status": record["status"],
        "tracking_company": record["tracking_company"],
        "tracking_number": record["tracking_number"],
        "tracking_numbers": [record["tracking_number"]] if record["tracking_number"] else [],
        "tracking_url": record["tracking_url"],
        "tracking_urls": [record["tracking_url"]] if record["tracking_url"] else [],
        "updated_at": rest_time(record["updated_at"]),
        "line_items": [
            {**line_item(items[fl["line_item_id"]], order, store), "quantity": fl["quantity"]}
            for fl in record["line_items"]
        ],
    }


def order(record: dict, store) -> dict:
    """The ``orders/*`` body: every key of Shopify's example, filled from the stored order."""
    refunds = store.find("refunds", order_id=record["id"])
    totals = {w: order_totals(record, refunds, w) for w in ("shop", "presentment")}

    def amount(name):
        return rest_amount(totals["shop"][name])

    def amounts(name):
        return money_set({w: str(totals[w][name]) for w in totals}, record)

    zero = money_set({"shop": "0", "presentment": "0"}, record)
    fulfillment_status = store.fulfillment_status(record)
    gateways = sorted({t["gateway"] for t in record["transactions"] if t["kind"] == "sale"})
    shipping_lines = []
    for line in record["shipping_lines"]:
        discount = {w: total((a["amount"] for a in line["discount_allocations"]), w) for w in ("shop", "presentment")}
        discounted = {w: str(side(line["price"], w) - discount[w]) for w in discount}
        shipping_lines.append(
            {
                "id": line["id"],
                "carrier_identifier": None,
                "code": line["code"],
                "current_discounted_price_set": money_set(discounted, record),
                "discounted_price": rest_amount(Decimal(discounted["shop"])),
                "discounted_price_set": money_set(discounted, record),
                "is_removed": False,
                "phone": None,
                "price": rest_amount(side(line["price"], "shop")),
                "price_set": money_set(line["price"], record),
                "requested_fulfillment_service_id": None,
                "source": line["source"],
                "title": line["title"],
                "tax_lines": _tax_lines(line["tax_lines"], record),
                "discount_allocations": _allocations(line["discount_allocations"], record),
            }
        )
    applications = []
    for application in record["discount_applications"]:
        entry = {
            "target_type": application["target_type"],
            "type": application["type"],
            "value": application["value"],
            "value_type": application["value_type"],
            "allocation_method": application["allocation_method"],
            "target_selection": application["target_selection"],
        }
        if application["type"] == "discount_code":
            entry["code"] = application["code"]
        else:
            entry |= {"title": application["title"], "description": application["description"]}
        applications.append(entry)
    return {
        "id": record["id"],
        "admin_graphql_api_id": gid("Order", record["id"]),
        "app_id": None,
        "browser_ip": None,
        "buyer_accepts_marketing": False,
        "cancel_reason": record["cancel_reason"],
        "cancelled_at": rest_time(record["cancelled_at"]),
        "cart_token": None,
        "checkout_id": None,
        "checkout_token": None,
        "client_details": None,
        "closed_at": rest_time(record["closed_at"]),
        "confirmation_number": record["token"][:9].upper(),
        "confirmed": True,
        "contact_email": record["email"],
        "created_at": rest_time(record["created_at"]),
        "currency": record["currency"],
        "current_shipping_price_set": amounts("current_shipping_price"),
        "current_subtotal_price": amount("current_subtotal_price"),
        "current_subtotal_price_set": amounts("current_subtotal_price"),
        "current_total_additional_fees_set": None,
        "current_total_discounts": amount("current_total_discounts"),
        "current_total_discounts_set": amounts("current_total_discounts"),
        "current_total_duties_set": None,
        "current_total_price": amount("current_total_price"),
        "current_total_price_set": amounts("current_total_price"),
        "current_total_tax": amount("current_total_tax"),
        "current_total_tax_set": amounts("current_total_tax"),
        "customer_locale": "en-GB",
        "device_id": None,
        "discount_codes": [
            {"code": c["code"], "amount": rest_amount(c["amount"]), "type": c["type"]} for c in record["discount_codes"]
        ],
        "duties_included": False,
        "email": record["email"],
        "estimated_taxes": False,
        "financial_status": record["financial_status"],
        "fulfillment_status": {"fulfilled": "fulfilled", "partial": "partial"}.get(fulfillment_status),
        "landing_site": None,
        "landing_site_ref": None,
        "location_id": None,
        "merchant_business_entity_id": "U2FuZGJveE91dGZpdHRlcnM",
        "merchant_of_record_app_id": None,
        "name": record["name"],
        "note": record["note"],
        "note_attributes": [],
        "number": record["number"],
        "order_number": record["order_number"],
        "order_status_url": f"https://{SHOP['domain']}/{SHOP['id']}/orders/{record['token']}/authenticate",
        "original_total_additional_fees_set": None,
        "original_total_duties_set": None,
        "payment_gateway_names": gateways,
        "phone": record["phone"],
        "po_number": None,
        "presentment_currency": record["presentment_currency"],
        "processed_at": rest_time(record["processed_at"]),
        "reference": None,
        "referring_site": None,
        "source_identifier": None,
        "source_name": record["source_name"],
        "source_url": None,
        "subtotal_price": amount("subtotal_price"),
        "subtotal_price_set": amounts("subtotal_price"),
        "tags": ", ".join(record["tags"]),
        "tax_exempt": record["tax_exempt"],
        "tax_lines": _tax_lines(tax_lines(record), record),
        "taxes_included": record["taxes_included"],
        "test": False,
        "token": record["token"],
        "total_cash_rounding_payment_adjustment_set": zero,
        "total_cash_rounding_refund_adjustment_set": zero,
        "total_discounts": amount("total_discounts"),
        "total_discounts_set": amounts("total_discounts"),
        "total_line_items_price": amount("total_line_items_price"),
        "total_line_items_price_set": amounts("total_line_items_price"),
        "total_outstanding": amount("total_outstanding"),
        "total_price": amount("total_price"),
        "total_price_set": amounts("total_price"),
        "total_shipping_price_set": amounts("total_shipping_price"),
        "total_tax": amount("total_tax"),
        "total_tax_set": amounts("total_tax"),
        "total_tip_received": rest_amount(ZERO),
        "total_weight": sum(li["grams"] * li["quantity"] for li in record["line_items"]),
        "updated_at": rest_time(record["updated_at"]),
        "user_id": None,
        "billing_address": _address(record["billing_address"]),
        "customer": customer(store.get("customers", record["customer_id"]) if record["customer_id"] else None),
        "discount_applications": applications,
        "fulfillments": [fulfillment(f, record, store) for f in store.find("fulfillments", order_id=record["id"])],
        "line_items": [line_item(li, record, store) for li in record["line_items"]],
        "payment_terms": None,
        "refunds": [refund(r, store) for r in refunds],
        "shipping_address": _address(record["shipping_address"]),
        "shipping_lines": shipping_lines,
        "returns": [],
    }


def product(record: dict, store) -> dict:
    variants = store.variants_of(record["id"])

    def available(variant):
        return sum(store.quantity(level, "available") for level in store.levels_of(variant["inventory_item_id"]))

    return {
        "admin_graphql_api_id": gid("Product", record["id"]),
        "body_html": record["body_html"],
        "created_at": rest_time(record["created_at"]),
        "handle": record["handle"],
        "id": record["id"],
        "product_type": record["product_type"],
        "published_at": rest_time(record["published_at"]),
        "template_suffix": None,
        "title": record["title"],
        "updated_at": rest_time(record["updated_at"]),
        "vendor": record["vendor"],
        "status": record["status"],
        "published_scope": "web",
        "tags": ", ".join(record["tags"]),
        "variants": [
            {
                "admin_graphql_api_id": gid("ProductVariant", v["id"]),
                "barcode": v["barcode"],
                "compare_at_price": v["compare_at_price"],
                "created_at": rest_time(v["created_at"]),
                "id": v["id"],
                "inventory_policy": v["inventory_policy"],
                "position": v["position"],
                "price": v["price"],
                "product_id": record["id"],
                "sku": v["sku"],
                "taxable": v["taxable"],
                "title": v["title"],
                "updated_at": rest_time(v["updated_at"]),
                "option1": (v["options"] + [None] * 3)[0],
                "option2": (v["options"] + [None] * 3)[1],
                "option3": (v["options"] + [None] * 3)[2],
                "image_id": None,
                "inventory_item_id": v["inventory_item_id"],
                "inventory_quantity": available(v),
                "old_inventory_quantity": available(v),
            }
            for v in variants
        ],
        "options": [
            {
                "name": o["name"],
                "id": record["id"] * 10 + i,
                "product_id": record["id"],
                "position": i,
                "values": o["values"],
            }
            for i, o in enumerate(record["options"], start=1)
        ],
        "images": [],
        "image": None,
        "media": [],
        "variant_gids": [
            {"admin_graphql_api_id": gid("ProductVariant", v["id"]), "updated_at": v["updated_at"]} for v in variants
        ],
        "has_variants_that_requires_components": False,
        "category": None,
    }


def inventory_level(level: dict, store) -> dict:
    return {
        "inventory_item_id": level["inventory_item_id"],
        "location_id": level["location_id"],
        "available": store.quantity(level, "available"),
        "updated_at": rest_time(level["updated_at"]),
        "admin_graphql_api_id": f"gid://shopify/InventoryLevel/{level['number']}?inventory_item_id={level['inventory_item_id']}",
    }


def shop(primary_location_id: int | None = None) -> dict:
    """The ``app/uninstalled`` body: the shop resource."""
    return {
        "id": SHOP["id"],
        "name": SHOP["name"],
        "email": SHOP["email"],
        "domain": SHOP["domain"],
        "province": "England",
        "country": "GB",
        "address1": "1 Example Street",
        "zip": "M1 1AA",
        "city": "Manchester",
        "source": None,
        "phone": "+44 161 496 0999",
        "latitude": None,
        "longitude": None,
        "primary_locale": "en",
        "address2": None,
        "created_at": "2024-01-02T09:00:00+00:00",
        "updated_at": "2026-01-05T09:00:00+00:00",
        "country_code": "GB",
        "country_name": "United Kingdom",
        "currency": SHOP["currency"],
        "customer_email": SHOP["email"],
        "timezone": "(GMT+00:00) Europe/London",
        "iana_timezone": SHOP["timezone"],
        "shop_owner": "Sandbox Owner",
        "money_format": "£{{amount}}",
        "money_with_currency_format": "£{{amount}} GBP",
        "weight_unit": "kg",
        "province_code": "ENG",
        "taxes_included": SHOP["taxes_included"],
        "auto_configure_tax_inclusivity": None,
        "tax_shipping": None,
        "county_taxes": None,
        "plan_display_name": "Development",
        "plan_name": "partner_test",
        "has_discounts": True,
        "has_gift_cards": True,
        "myshopify_domain": SHOP["domain"],
        "google_apps_domain": None,
        "google_apps_login_enabled": None,
        "money_in_emails_format": "£{{amount}}",
        "money_with_currency_in_emails_format": "£{{amount}} GBP",
        "eligible_for_payments": True,
        "requires_extra_payments_agreement": False,
        "password_enabled": False,
        "has_storefront": True,
        "finances": True,
        "primary_location_id": primary_location_id,
        "checkout_api_supported": True,
        "multi_location_enabled": True,
        "setup_required": False,
        "pre_launch_enabled": False,
        "enabled_presentment_currencies": ["GBP", "EUR", "USD"],
        "marketing_sms_consent_enabled_at_checkout": False,
        "transactional_sms_disabled": False,
    }


def _privacy_customer(record: dict) -> dict:
    return {"id": record["id"], "email": record["email"], "phone": record["phone"]}


def customers_redact(record: dict, order_ids: list[int]) -> dict:
    return {
        "shop_id": SHOP["id"],
        "shop_domain": SHOP["domain"],
        "customer": _privacy_customer(record),
        "orders_to_redact": order_ids,
    }


def customers_data_request(record: dict, order_ids: list[int], request_id: int) -> dict:
    return {
        "shop_id": SHOP["id"],
        "shop_domain": SHOP["domain"],
        "customer": _privacy_customer(record),
        "orders_requested": order_ids,
        "data_request": {"id": request_id},
    }


def shop_redact() -> dict:
    return {"shop_id": SHOP["id"], "shop_domain": SHOP["domain"]}


def bulk_operation_finish(record: dict) -> dict:
    return {
        "admin_graphql_api_id": gid("BulkOperation", record["id"]),
        "completed_at": rest_time(record["completed_at"]),
        "created_at": rest_time(record["created_at"]),
        "error_code": None,
        "status": "completed",
        "type": "query",
    }
