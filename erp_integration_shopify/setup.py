"""Onboarding a Shopify store: scopes, webhook subscriptions and proposed mappings.

Proposals are value mappings created for what the shop actually uses (its
locations, the tax titles and payment gateways of its recent orders), filled
in where there is exactly one sensible Odoo match and left empty otherwise, so
the admin only completes the blanks.
"""

from odoo.addons.erp_integration_core.lib.errors import AuthError, BusinessError
from odoo.addons.erp_integration_core.work import Component

from .field_mappings import DEFAULTS
from .lib.order import NO_TAX, ORDER_TOPICS

REQUIRED_SCOPES = {
    "read_orders",
    "read_products",
    "read_inventory",
    "write_inventory",
    "read_locations",
    "read_customers",
    "write_merchant_managed_fulfillment_orders",
}
TOPICS = (*ORDER_TOPICS, "orders/cancelled", "refunds/create", "app/uninstalled")


def topic_enum(topic):
    return topic.replace("/", "_").upper()


FLOWS = (
    ("products.link", "Link products", "manual", 15),
    ("products.push", "Push product titles and prices", "realtime", 15),
    ("stock.push", "Push available stock", "realtime", 15),
    ("stock.reconcile", "Reconcile stock", "scheduled", 1440),
    ("orders.reconcile", "Reconcile missed orders", "scheduled", 1440),
)


class ShopifySetup(Component):
    def missing_scopes(self, shop_data):
        """The scopes this backend needs that the app was not granted (a write scope grants its read)."""
        granted = {scope["handle"] for scope in shop_data["currentAppInstallation"]["accessScopes"]}
        required = set(REQUIRED_SCOPES)
        if "odoo" in (self.backend.owner_products, self.backend.owner_prices):
            required.add("write_products")
        return [
            scope
            for scope in sorted(required)
            if scope not in granted and not (scope.startswith("read_") and scope.replace("read_", "write_") in granted)
        ]

    def check_scopes(self):
        data = self.client.execute("shop")
        missing = self.missing_scopes(data)
        if missing:
            raise AuthError(
                f"The Shopify app lacks the scopes {', '.join(missing)}. Grant them in the app's "
                "configuration, then run the setup again."
            )
        return data["shop"]

    def subscribe(self, uri):
        created = []
        for topic in TOPICS:
            answer = self.client.execute("webhook_subscription_create", {"topic": topic_enum(topic), "uri": uri})
            problem = self.client.user_errors(answer["webhookSubscriptionCreate"])
            if problem and "already been taken" not in problem:
                raise BusinessError(f"Shopify refused the {topic} webhook subscription: {problem}")
            created.append(topic)
        self.retire(uri)
        return created

    def retire(self, uri):
        """Remove the subscriptions to this backend's address as it was given out before it named its database.

        Both addresses reach this backend, so each event would come twice
        (the second answered as a duplicate). Removed only once the new
        subscriptions exist, so no event falls between the two.
        """
        old = uri.partition("?")[0]
        if old == uri:
            return 0
        nodes = self.client.execute("webhook_subscriptions", {"uri": old})["webhookSubscriptions"]["nodes"]
        retired = [node for node in nodes if node["uri"] == old]
        for node in retired:
            answer = self.client.execute("webhook_subscription_delete", {"id": node["id"]})
            problem = self.client.user_errors(answer["webhookSubscriptionDelete"])
            if problem:
                raise BusinessError(
                    f"Shopify would not remove the {node['topic']} subscription to this backend's address without "
                    f"its database (?db=), which the address replaces: {problem}. Remove it in the app's settings, "
                    "or its events come twice."
                )
        return len(retired)

    def propose_mappings(self):
        data = self.client.execute("setup_discovery", expected_cost=120)
        proposals = []
        warehouses = self.env["stock.warehouse"].search([("company_id", "=", self.backend.company_id.id)])
        for location in data["locations"]["nodes"]:
            if location["isActive"]:
                proposals.append(("location", location["id"], warehouses if len(warehouses) == 1 else None))
        Tax = self.env["account.tax"]
        for order in data["orders"]["nodes"]:
            map_type = "tax_included" if order["taxesIncluded"] else "tax"
            for line in order["taxLines"]:
                candidates = Tax.search(
                    [
                        ("type_tax_use", "=", "sale"),
                        ("amount_type", "=", "percent"),
                        ("amount", "=", round((line["rate"] or 0) * 100, 4)),
                        ("company_id", "=", self.backend.company_id.id),
                    ]
                ).filtered(lambda tax, included=order["taxesIncluded"]: bool(tax.price_include) == included)
                proposals.append((map_type, line["title"], candidates if len(candidates) == 1 else None))
            for gateway in order["paymentGatewayNames"]:
                proposals.append(("payment_gateway", gateway, None))
            # Lines Shopify charges no tax on (zero-rated exports, gift cards)
            # need a deliberate choice too: proposed empty, never guessed.
            proposals.append((map_type, NO_TAX, None))
        return self.backend._propose_value_mappings(proposals)

    def rounding_advice(self):
        """Shopify rounds VAT per line; Odoo's default rounds per tax, which can differ by a penny."""
        if self.backend.company_id.tax_calculation_rounding_method == "round_per_line":
            return None
        return (
            "Shopify rounds VAT line by line. Set Accounting > Settings > Rounding Method to 'Round per Line', "
            "or the odd order will wait in the exception queue with a one-penny difference."
        )

    def run(self):
        shop = self.check_scopes()
        topics = self.subscribe(self.backend.webhook_url)
        proposals = self.propose_mappings()
        # Made now rather than by the first order that needs them, when two
        # jobs would both write them on the backend and one would retry.
        self.backend._shopify_service_product("shopify_shipping_product_id", "Shopify shipping")
        self.backend._shopify_service_product("shopify_discount_product_id", "Shopify discount")
        self.backend._shopify_guest_partner()
        for flow, defaults in DEFAULTS.items():
            self.backend._install_field_mappings(flow, defaults)
        self.backend._install_flows(FLOWS)
        return {
            "rounding_advice": self.rounding_advice(),
            "shop": shop["name"],
            "topics": topics,
            "proposed_mappings": len(proposals),
            "to_complete": len(proposals.filtered(lambda m: not m.odoo_record)),
        }
