"""The HubSpot steps of the guided set-up: the pieces of ``HubSpotSetup``, one step at a time."""

from odoo.addons.erp_integration_core.setup_steps import SetupSteps

from .field_mappings import DEFAULTS
from .setup import FLOWS, WEBHOOK_EVENTS, HubSpotSetup


class HubSpotSetupSteps(SetupSteps):
    # The API address defaults to HubSpot's own.
    credential_fields = ("api_token",)

    def test_connection(self):
        HubSpotSetup(self.work).check_token()
        return self.work.connector.test_connection()

    def propose_mappings(self):
        for flow, defaults in DEFAULTS.items():
            self.backend._install_field_mappings(flow, defaults)
        return HubSpotSetup(self.work).propose_mappings()

    def webhooks(self):
        # A private app's webhooks are subscribed in its settings in HubSpot, not through the API.
        return self.env._(
            "In the private app's Webhooks settings, send %(events)s to %(url)s.",
            events=", ".join(WEBHOOK_EVENTS),
            url=self.backend.webhook_url,
        )

    def flows(self):
        # The deal and company properties the invoice status flows write into.
        HubSpotSetup(self.work).create_properties()
        self.backend._install_flows(FLOWS)
        codes = {code for code, *_rest in FLOWS}
        return self.backend.flow_ids.filtered(lambda flow: flow.code in codes)
