"""The HubSpot sandbox in its own process, a backend on it, and the helpers every end-to-end test uses."""

import time

import requests

from odoo.addons.erp_integration_core.tests.common import IntegrationCase, SandboxCase, perform_job

from ..lib.records import DEAL_PROPERTIES

TOKEN = "pat-sandbox-demo-token"
SECRET = "hubspot-sandbox-client-secret"
SKUS = (
    "MUG-STONE-350",
    "TEAPOT-CER-1L",
    "TEA-EB-250",
    "COASTER-OAK-4",
    "TRAY-WALNUT",
    "HAMPER-GIFT",
    "SRV-INSTALL-DAY",
    "SRV-CONSULT-HR",
    "SRV-TRAINING",
)


class HubSpotCase(IntegrationCase):
    """A HubSpot backend that owns customers, for what needs no portal: pages and events given as they come."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.backend = cls.env["integration.backend"].create(
            {"name": "HubSpot portal", "channel": "hubspot", "owner_customers": "external"}
        )


class HubSpotSandboxCase(SandboxCase):
    sandbox_system = "hubspot"
    sandbox_seed = 3

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.env.company
        cls.vat = cls.env["account.tax"].create(
            {"name": "20% S (HubSpot test)", "amount": 20, "type_tax_use": "sale", "company_id": company.id}
        )
        cls.products = cls.env["product.product"].create(
            [
                {"name": sku, "default_code": sku, "taxes_id": [cls.vat.id], "list_price": 1}
                | ({"type": "service", "service_tracking": "task_in_project"} if sku.startswith("SRV-") else {})
                for sku in SKUS
            ]
        )
        cls.backend = cls.env["integration.backend"].create(
            {
                "name": "HubSpot sandbox portal",
                "channel": "hubspot",
                "api_url": f"{cls.sandbox_url}/hubspot",
                "api_token": TOKEN,
                "webhook_secret": SECRET,
                "owner_customers": "external",
            }
        )
        terms = {
            "30 days": "account.account_payment_term_30days",
            "14 days": "account.account_payment_term_15days",
            "60 days": "account.account_payment_term_45days",
            "Due on receipt": "account.account_payment_term_immediate",
        }
        cls.env["integration.value.mapping"].create(
            [
                {
                    "backend_id": cls.backend.id,
                    "map_type": "payment_terms",
                    "external_value": value,
                    "odoo_record": f"account.payment.term,{cls.env.ref(xmlid).id}",
                }
                for value, xmlid in terms.items()
            ]
        )
        cls.client = cls.backend._hubspot_client()

    # Helpers ------------------------------------------------------------------

    def subscribe(self, *types, property_name=None):
        self.act(
            "subscribe",
            target_url=self.webhook_url(self.backend),
            client_secret=SECRET,
            types=list(types),
            property_name=property_name,
        )

    def deals(self, stage):
        page = self.client.get_json(
            "crm/v3/objects/deals", params={"limit": 100, "properties": ",".join(DEAL_PROPERTIES)}
        )
        return [deal for deal in page["results"] if deal["properties"]["dealstage"] == stage]

    def exchanges(self):
        return self.env["integration.exchange"].search([("backend_id", "=", self.backend.id)])

    def wait_for_exchanges(self, count, timeout=20):
        """Wait until ``count`` events have arrived and the sandbox has nothing left to deliver.

        The sandbox is asked to deliver everything and answers when it has:
        the test's cursor is never read while a delivery is being stored on it.
        """
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.act("flush_webhooks")
            if len(self.exchanges()) >= count:
                return self.exchanges()
            time.sleep(0.2)
        attempts = requests.get(f"{self.sandbox_url}/_sandbox/webhooks?system=hubspot", timeout=5).json()
        self.fail(f"{count} events expected, {len(self.exchanges())} arrived; the sandbox says {attempts}")

    def run_jobs_once(self):
        """Each job waiting now, once: what a retry queues is left for later."""
        jobs = self.env["queue.job"].search([("state", "=", "pending"), ("id", ">", self.job_watermark)], order="id")
        for job in jobs:
            perform_job(self.env, job)

    def win(self, deal_id):
        """A salesperson marks the deal won; its dealstage event arrives over HTTP and is processed."""
        before = len(self.exchanges())
        with self.allow_requests(all_requests=True):
            self.act("close_deal", deal_id=deal_id)
            self.wait_for_exchanges(before + 1)
        self.run_jobs()
        return self.env["integration.binding"]._find(self.backend, "sale.order", deal_id, "deal")
