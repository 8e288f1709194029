from odoo import fields, models

from ..lib.client import ShopifyClient
from ..setup import ShopifySetup

MANAGER = "erp_integration_core.group_integration_manager"


class IntegrationBackend(models.Model):
    _inherit = "integration.backend"

    shopify_api_version = fields.Char(string="Shopify API version", default="2026-01")
    shopify_client_id = fields.Char(
        string="Shopify client id", groups=MANAGER, help="With the client secret, for the client-credentials grant."
    )
    shopify_order_policy = fields.Selection(
        [("draft", "Keep as quotation"), ("confirm", "Confirm"), ("invoice", "Confirm and invoice when paid")],
        string="Shopify orders",
        default="confirm",
        help="What happens to an imported order once its totals reconcile.",
    )
    shopify_restock_policy = fields.Selection(
        [("shopify", "As Shopify says"), ("never", "Never")],
        string="Restock on refunds",
        default="shopify",
        required=True,
        help="As Shopify says: refunded items Shopify restocks come off the delivery if they have not shipped, and "
        "get a return receipt, ready for the warehouse to validate, if they have. Never: stock is adjusted by hand.",
    )
    shopify_shipping_product_id = fields.Many2one(
        "product.product", string="Shipping product", help="Service product used for Shopify shipping lines."
    )
    shopify_discount_product_id = fields.Many2one(
        "product.product",
        string="Discount product",
        help="Service product used for discounts that cannot be folded into a line's price to the penny.",
    )
    shopify_gift_card_product_id = fields.Many2one(
        "product.product",
        string="Gift card product",
        help="Product for gift cards sold. Selling a multi-purpose voucher is not a taxable supply: give it no VAT "
        "and map Shopify's '(no tax)' to an out-of-scope tax.",
    )
    shopify_custom_item_product_id = fields.Many2one(
        "product.product",
        string="Custom item product",
        help="Product for lines without a SKU (custom items added to an order). Without it, such a line waits in "
        "the exception queue.",
    )
    privacy_officer_id = fields.Many2one(
        "res.users", string="Privacy officer", help="Gets an activity for each customer data request."
    )
    shopify_import_test_orders = fields.Boolean(
        string="Import test orders", help="Shopify marks orders paid with its test gateway as test orders."
    )
    shopify_guest_partner_id = fields.Many2one(
        "res.partner",
        string="Guest customer",
        help="Customer for orders that carry no e-mail, phone or name; created on first use.",
    )

    def _shopify_client(self):
        self.ensure_one()
        # Credentials are manager-only fields; the connector reads them to act
        # on the backend's behalf, whoever triggered the job.
        backend = self.sudo()
        return ShopifyClient(
            backend.api_url,
            backend.shopify_api_version,
            access_token=backend.api_token if not backend.shopify_client_id else None,
            client_id=backend.shopify_client_id,
            client_secret=backend.api_secret,
        )

    def action_shopify_setup(self):
        """Check scopes, subscribe the webhooks, propose mappings and create the stock flows."""
        return self._run_setup(ShopifySetup, self._shopify_setup_summary)

    def _shopify_setup_summary(self, result):
        title = self.env._("Shopify store %(shop)s connected", shop=result["shop"])
        summary = self.env._(
            "%(topics)s webhooks subscribed; %(proposed)s value mappings proposed, %(todo)s to complete under "
            "Value mappings.",
            topics=len(result["topics"]),
            proposed=result["proposed_mappings"],
            todo=result["to_complete"],
        )
        return title, " ".join(part for part in (summary, result["rounding_advice"]) if part)

    def _shopify_guest_partner(self):
        """The customer of orders that carry no e-mail, phone or name, created on first use."""
        self.ensure_one()
        if not self.shopify_guest_partner_id:
            self.shopify_guest_partner_id = self.env["res.partner"].create(
                {"name": f"Shopify guest customers ({self.name})", "company_id": self.company_id.id}
            )
        return self.shopify_guest_partner_id

    def _shopify_service_product(self, field_name, name):
        """The backend's shipping or discount product, created on first use."""
        self.ensure_one()
        product = self[field_name]
        if not product:
            product = self.env["product.product"].create(
                {"name": name, "type": "service", "sale_ok": True, "purchase_ok": False, "taxes_id": [(5, 0, 0)]}
            )
            self[field_name] = product
        return product
