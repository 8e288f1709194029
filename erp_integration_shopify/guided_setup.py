"""The Shopify steps of the guided set-up: the pieces of ``ShopifySetup``, one step at a time."""

from odoo.addons.erp_integration_core.setup_steps import SetupSteps

from .field_mappings import DEFAULTS
from .setup import FLOWS, ShopifySetup


class ShopifySetupSteps(SetupSteps):
    def missing_credentials(self):
        # An app signs in with its access token, or with its client id and secret.
        backend = self.backend.sudo()
        missing = [] if backend.api_url else ["api_url"]
        if not backend.api_token and not (backend.shopify_client_id and backend.api_secret):
            missing.append("api_token")
        return missing

    def test_connection(self):
        setup = ShopifySetup(self.work)
        setup.check_scopes()
        return " ".join(part for part in (self.work.connector.test_connection(), setup.rounding_advice()) if part)

    def propose_mappings(self):
        proposals = ShopifySetup(self.work).propose_mappings()
        self.backend._shopify_service_product("shopify_shipping_product_id", "Shopify shipping")
        self.backend._shopify_service_product("shopify_discount_product_id", "Shopify discount")
        self.backend._shopify_guest_partner()
        for flow, defaults in DEFAULTS.items():
            self.backend._install_field_mappings(flow, defaults)
        return proposals

    def webhooks(self):
        topics = ShopifySetup(self.work).subscribe(self.backend.webhook_url)
        return self.env._("%(count)s webhooks subscribed: %(topics)s.", count=len(topics), topics=", ".join(topics))

    def flows(self):
        self.backend._install_flows(FLOWS)
        codes = {code for code, *_rest in FLOWS}
        return self.backend.flow_ids.filtered(lambda flow: flow.code in codes)
