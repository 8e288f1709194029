"""HubSpot numbers companies, contacts and deals separately: one id can be a company and a contact."""

import importlib.util
from pathlib import Path

from odoo.addons.erp_integration_core.personal_data import PersonalData, reference_hash

from .common import HubSpotCase

MIGRATION = Path(__file__).parents[1] / "migrations" / "19.0.1.3.0" / "post-migrate.py"


class TestObjectTypes(HubSpotCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Binding = cls.env["integration.binding"]

    def load(self, kind, *records, key="first"):
        page = self.backend._receive(f"{kind}.load", list(records), f"load:{kind}:{key}", external_type=kind)
        page._process()
        self.assertEqual(page.state, "done", page.message)
        return page

    def load_both(self, object_id="41"):
        """Company ``object_id`` and contact ``object_id``, each from a page of the initial load."""
        self.load("companies", {"id": object_id, "properties": {"name": "Harbour Cafe Ltd", "zip": "BS1 4SB"}})
        self.load("contacts", {"id": object_id, "properties": {"email": "sam@harbour.example", "firstname": "Sam"}})
        company = self.Binding._find(self.backend, "res.partner", object_id, "company")
        contact = self.Binding._find(self.backend, "res.partner", object_id, "contact")
        return company, contact

    def test_a_company_and_a_contact_with_one_id_are_two_partners(self):
        company, contact = self.load_both()
        self.assertEqual((company.name, company.is_company), ("Harbour Cafe Ltd", True))
        self.assertEqual((contact.name, contact.is_company), ("Sam", False))
        bindings = self.Binding.search([("backend_id", "=", self.backend.id), ("external_id", "=", "41")])
        self.assertEqual(sorted(bindings.mapped("external_type")), ["company", "contact"])
        # The contact read again is the contact: the company keeps its own name.
        self.load(
            "contacts", {"id": "41", "properties": {"email": "sam@harbour.example", "firstname": "Samira"}}, key="2"
        )
        self.assertEqual((company.name, contact.name), ("Harbour Cafe Ltd", "Samira"))

    def test_deleting_the_contact_archives_the_contact_not_the_company_of_that_id(self):
        company, contact = self.load_both()
        deletion = self.backend._receive("contact.deletion", {"objectId": 41}, "contact.deletion:41")
        deletion._process()
        self.assertEqual(deletion.state, "done", deletion.message)
        self.assertEqual((company.active, contact.active), (True, False))

    def test_the_company_s_binding_is_not_merged_with_a_contact_s(self):
        company, contact = self.load_both()
        self.load("contacts", {"id": "42", "properties": {"email": "jo@harbour.example", "firstname": "Jo"}}, key="2")
        # HubSpot merged contact 42 into contact 41: company 41 is not part of it.
        merge = self.backend._receive(
            "contact.merge", {"objectId": 41, "newObjectId": 41, "mergedObjectIds": [42]}, "contact.merge:41"
        )
        merge._process()
        self.assertEqual((merge.state, merge.error_category), ("needs_attention", "business"), merge.message)
        self.assertIn("Sam", merge.message)
        self.assertNotIn("Harbour Cafe", merge.message)

    def test_erasing_a_company_does_not_suppress_the_contact_of_that_id(self):
        company, contact = self.load_both()
        PersonalData(self.backend).erase(company, [])
        self.assertEqual(company.name, f"Redacted customer {company.id}")
        page = self.load("contacts", {"id": "41", "properties": {"email": "sam@harbour.example"}}, key="2")
        self.assertEqual((page.result["suppressed"], page.result["imported"]), (0, 1))

    def test_bindings_made_before_types_get_them_and_an_erased_contact_stays_suppressed(self):
        # Before types, one id could be bound once per model only.
        self.load("companies", {"id": "41", "properties": {"name": "Harbour Cafe Ltd"}})
        self.load("contacts", {"id": "42", "properties": {"email": "sam@harbour.example"}})
        self.load("contacts", {"id": "43", "properties": {"email": "gone@harbour.example"}}, key="2")
        company = self.Binding._find(self.backend, "res.partner", "41", "company")
        contact = self.Binding._find(self.backend, "res.partner", "42", "contact")
        sale = self.env["sale.order"].create({"partner_id": company.id})
        self.Binding._bind(self.backend, sale, "77")
        self.env.cr.execute(
            "UPDATE integration_binding SET external_type = NULL WHERE backend_id = %s", [self.backend.id]
        )
        self.Binding.invalidate_model()
        # Erased before bindings had a type: suppressed by the hash of the id alone.
        self.env["integration.suppression"]._suppress(self.env.company, refs={reference_hash(self.backend, "43")})
        spec = importlib.util.spec_from_file_location("hubspot_binding_types", MIGRATION)
        migration = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(migration)
        migration.migrate(self.env.cr, "19.0.1.2.0")
        self.Binding.invalidate_model()
        self.assertEqual(self.Binding._find(self.backend, "res.partner", "41", "company"), company)
        self.assertEqual(self.Binding._find(self.backend, "res.partner", "42", "contact"), contact)
        self.assertEqual(self.Binding._find(self.backend, "sale.order", "77", "deal"), sale)
        page = self.load("contacts", {"id": "43", "properties": {"email": "new@harbour.example"}}, key="3")
        self.assertEqual(page.result["suppressed"], 1, "known by the typed id now")
