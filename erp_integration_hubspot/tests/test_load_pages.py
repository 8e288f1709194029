"""Pages of the initial load: each looks for its partners at once, and each is a job of its own."""

from ..sync import LOAD_PRIORITY
from .common import HubSpotCase


class TestLoadPages(HubSpotCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
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

    def test_a_page_skips_people_on_the_suppression_list_and_imports_the_rest(self):
        Partner = self.env["res.partner"]
        self.env["integration.suppression"]._suppress(self.env.company, email="Erased.One@example.com")
        self.env["integration.suppression"]._suppress(self.env.company, phone="+44 7700 900777")
        contacts = [
            {"id": "31", "properties": {"email": "erased.one@EXAMPLE.com", "firstname": "Erin"}},
            {"id": "32", "properties": {"email": "new.mail@example.com", "phone": "07700 900777", "firstname": "Pat"}},
            {"id": "33", "properties": {"email": "kept@example.com", "firstname": "Kit"}},
            # A company not imported yet: the contact would be imported alone, company first.
            {
                "id": "34",
                "properties": {"email": "erased.one@example.com", "firstname": "Erin"},
                "associations": {"companies": {"results": [{"id": "99", "type": "contact_to_company"}]}},
            },
        ]
        before = Partner.search_count([])
        page = self.backend._receive("contacts.load", contacts, "load:contacts:suppressed", external_type="contacts")
        page._process()
        self.assertEqual(page.state, "done", page.message)
        self.assertEqual(page.result["suppressed"], 3)
        self.assertEqual(page.result["queued_alone"], [], "nothing to wait for: they are not to come back")
        self.assertEqual(Partner.search_count([]), before + 1, "Kit only")
        self.assertTrue(Partner.search_count([("email", "=", "kept@example.com")]))
        bound = self.env["integration.binding"].search([("backend_id", "=", self.backend.id)]).mapped("external_id")
        self.assertEqual(bound, ["33"])
        rows = self.env["integration.audit.log"].search([("exchange_id", "=", page.id)])
        words = " ".join([*rows.mapped("details"), str(page.result)]).lower()
        for personal in ("erased.one", "new.mail", "900777"):
            self.assertNotIn(personal, words)

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
