"""Pages of the initial load: each looks for its partners at once, and each is a job of its own."""

from odoo.addons.erp_integration_core.tests.common import IntegrationCase

from ..sync import LOAD_PRIORITY


class TestLoadPages(IntegrationCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.backend = cls.env["integration.backend"].create(
            {"name": "HubSpot portal", "channel": "hubspot", "owner_customers": "external"}
        )
        Partner = cls.env["res.partner"]
        cls.ada = Partner.create(
            {"name": "Ada Lovelace", "email": "Ada.Lovelace@Example.com", "phone": "+44 7700 900123", "zip": "bs1 4sb"}
        )
        cls.acme = Partner.create(
            {"name": "Acme Ltd", "is_company": True, "vat": "GB123456782", "company_registry": "01234567"}
        )

    def test_a_page_binds_the_partners_odoo_knows_instead_of_creating_others(self):
        Partner = self.env["res.partner"]
        before = Partner.search_count([])
        companies = [
            {"id": "11", "properties": {"name": "ACME LIMITED", "vat_number": "gb 123 4567 82"}},
            {"id": "12", "properties": {"name": "Acme Holdings", "company_registration_number": "01234567"}},
            {"id": "13", "properties": {"name": "Babbage Engines Ltd", "zip": "EC1A 1BB"}},
        ]
        contacts = [
            {"id": "21", "properties": {"email": "ADA.LOVELACE@example.com", "firstname": "Ada"}},
            {"id": "22", "properties": {"email": "charles@babbage.example", "firstname": "Charles"}},
        ]
        for kind, records in (("companies", companies), ("contacts", contacts)):
            page = self.backend._receive(f"{kind}.load", records, f"load:{kind}:first", external_type=kind)
            page._process()
            self.assertEqual(page.state, "done", page.message)
        bound = {
            binding.external_id: binding.res_id
            for binding in self.env["integration.binding"].search([("backend_id", "=", self.backend.id)])
        }
        self.assertEqual(bound["11"], self.acme.id, "known by its VAT number")
        self.assertNotIn("12", bound, "known by its company number, and bound to company 11 already")
        self.assertEqual(bound["21"], self.ada.id, "known by her e-mail, in another case")
        self.assertEqual(Partner.search_count([]), before + 2, "Babbage Engines and Charles only")

    def test_each_page_is_a_job_of_its_own_and_the_listing_goes_first(self):
        self.backend.batch_size = 20
        pages = [
            self.backend._receive(
                "companies.load",
                [{"id": str(page), "properties": {"name": f"Company {page}"}}],
                f"load:companies:{page}",
                external_type="companies",
            )
            for page in range(5)
        ]
        self.env["integration.flow"].create(
            {"backend_id": self.backend.id, "code": "crm.load", "name": "Initial load", "mode": "manual"}
        )
        self.backend.action_hubspot_load()
        jobs = self.pending_jobs()
        listing = jobs.filtered(lambda job: job.model_name == "integration.flow")
        self.perform_job((jobs - listing)[:1])
        self.assertEqual([page.state for page in pages], ["done"] + ["queued"] * 4, "no backlog taken")
        self.assertEqual(listing.priority, LOAD_PRIORITY)
        self.assertLess(listing.priority, min((jobs - listing).mapped("priority")), "the listing runs first")
