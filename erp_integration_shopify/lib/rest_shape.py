"""A GraphQL order, reshaped as the REST order webhook Shopify would have sent.

Reconciliation reads missed orders with GraphQL; reshaping them lets one
importer, fed by webhooks or by reconciliation, handle both.
"""


def _gid_number(gid):
    return int(str(gid).rsplit("/", 1)[-1]) if gid else None


def _amount(money_set):
    return ((money_set or {}).get("shopMoney") or {}).get("amount")


def _taxes(lines):
    return [{"title": t["title"], "rate": t["rate"], "price": _amount(t["priceSet"])} for t in lines or []]


def _discounts(allocations):
    return [{"amount": _amount(a["allocatedAmountSet"])} for a in allocations or []]


def order_to_rest(order):
    customer = order.get("customer") or None
    address = order.get("billingAddress") or None
    return {
        "id": _gid_number(order["id"]),
        "admin_graphql_api_id": order["id"],
        "name": order["name"],
        "email": order.get("email"),
        "phone": order.get("phone"),
        "currency": order["currencyCode"],
        "taxes_included": order["taxesIncluded"],
        "financial_status": (order.get("displayFinancialStatus") or "").lower() or None,
        "test": order.get("test", False),
        "created_at": order.get("createdAt"),
        "updated_at": order.get("updatedAt"),
        "cancelled_at": order.get("cancelledAt"),
        "payment_gateway_names": order.get("paymentGatewayNames") or [],
        "total_price": _amount(order.get("totalPriceSet")),
        "total_tax": _amount(order.get("totalTaxSet")),
        "customer": customer
        and {
            "id": _gid_number(customer["id"]),
            "email": customer.get("email"),
            "first_name": customer.get("firstName"),
            "last_name": customer.get("lastName"),
        },
        "billing_address": address
        and {
            "first_name": address.get("firstName"),
            "last_name": address.get("lastName"),
            "address1": address.get("address1"),
            "address2": address.get("address2"),
            "city": address.get("city"),
            "zip": address.get("zip"),
            "country_code": address.get("countryCodeV2"),
            "phone": address.get("phone"),
            "company": address.get("company"),
        },
        "line_items": [
            {
                "id": _gid_number(line["id"]),
                "admin_graphql_api_id": line["id"],
                "sku": line.get("sku"),
                "title": line.get("title"),
                "quantity": line["quantity"],
                "price": _amount(line["originalUnitPriceSet"]),
                "tax_lines": _taxes(line.get("taxLines")),
                "discount_allocations": _discounts(line.get("discountAllocations")),
            }
            for line in order["lineItems"]["nodes"]
        ],
        "shipping_lines": [
            {
                "id": _gid_number(line["id"]),
                "title": line.get("title"),
                "price": _amount(line["originalPriceSet"]),
                "tax_lines": _taxes(line.get("taxLines")),
                "discount_allocations": _discounts(line.get("discountAllocations")),
            }
            for line in order["shippingLines"]["nodes"]
        ],
    }
