from ..partners import PartnerIdentity, PartnerMatcher, phone_key, postcode_variants, vat_variants
from .common import IntegrationCase


class TestPartnerMatching(IntegrationCase):
    """One partner per person or business, however each channel writes their details."""

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
        cls.acme_contact = Partner.create(
            {"name": "Grace Hopper", "email": "grace@acme.example", "parent_id": cls.acme.id}
        )
        other_company = cls.env["res.company"].create({"name": "Elsewhere Ltd"})
        cls.elsewhere = Partner.create(
            {"name": "Elsewhere buyer", "email": "shared@example.com", "company_id": other_company.id}
        )
        cls.matcher = PartnerMatcher(cls.backend)

    def find(self, parent=None, **identity):
        return self.matcher.find(PartnerIdentity(**identity), parent=parent)

    def test_a_person_is_found_by_email_in_any_case_then_phone_then_name_and_postcode(self):
        self.assertEqual(self.find(email="ada.lovelace@EXAMPLE.com"), self.ada)
        self.assertEqual(self.find(email='"Ada" <ada.lovelace@example.com>'), self.ada)
        self.assertEqual(self.find(email="new@example.com", phone="+447700900123"), self.ada)
        self.assertEqual(self.find(phone="07700 900 123"), self.ada)
        self.assertEqual(self.find(phone="0044 (0)7700-900123"), self.ada)
        self.assertEqual(self.find(name="ada lovelace", zip="BS14SB"), self.ada)
        self.assertFalse(self.find(name="Ada Lovelace", zip="BS2 0AA"), "a namesake elsewhere is someone else")
        self.assertFalse(self.find(name="Ada Lovelace"), "a name alone is never enough")

    def test_a_business_is_found_by_vat_number_however_written_then_company_number(self):
        self.assertEqual(self.find(name="ACME LIMITED", vat="123 4567 82", is_company=True), self.acme)
        self.assertEqual(self.find(vat="gb123456782", is_company=True), self.acme)
        self.assertEqual(self.find(company_registry=" 01234567 ", is_company=True), self.acme)
        self.assertFalse(self.find(vat="GB123456782"), "a person is not matched to a business's VAT number")

    def test_contacts_are_matched_among_their_company_people_only(self):
        self.assertEqual(self.find(email="grace@acme.example", parent=self.acme), self.acme_contact)
        self.assertFalse(self.find(email="grace@acme.example"), "not a top-level customer")
        self.assertFalse(self.find(email="grace@acme.example", parent=self.ada))

    def test_another_company_partners_are_never_matched(self):
        self.assertFalse(self.find(email="shared@example.com"))
        self.assertFalse(self.matcher.with_email("SHARED@example.com"))
        self.assertEqual(self.matcher.with_email("ADA.LOVELACE@example.com"), self.ada)

    def test_nothing_known_matches_nothing(self):
        self.assertFalse(self.find())
        self.assertFalse(self.find(email="   ", phone=" "))

    def test_the_variants_searched(self):
        self.assertEqual(vat_variants("GB 123 4567 82"), ["GB123456782", "123456782"])
        self.assertEqual(vat_variants("123456782"), ["123456782", "GB123456782"])
        self.assertEqual(postcode_variants("bs14sb"), ["BS1 4SB", "BS14SB"])
        self.assertEqual(phone_key("+1 (415) 555-0100"), "14155550100")
        self.assertIsNone(phone_key("n/a"))

    def test_a_page_asked_at_once_finds_what_each_record_finds_alone(self):
        namesake = self.env["res.partner"].create(
            {"name": "Ada Lovelace", "phone": "+44 7700 900999", "zip": "BS1 4SB"}
        )
        wanted = [
            (PartnerIdentity(email="ada.lovelace@EXAMPLE.com"), None),
            (PartnerIdentity(email="new@example.com", phone="07700 900 999"), None),
            (PartnerIdentity(name="ada lovelace", zip="BS14SB"), None),
            (PartnerIdentity(name="Ada Lovelace", zip="BS2 0AA"), None),
            (PartnerIdentity(name="Ada_Lovelace", zip="BS1 4SB"), None),
            (PartnerIdentity(name="ACME LIMITED", vat="123 4567 82", is_company=True), None),
            (PartnerIdentity(company_registry=" 01234567 ", is_company=True), None),
            (PartnerIdentity(vat="GB123456782"), None),
            (PartnerIdentity(email="grace@acme.example"), self.acme),
            (PartnerIdentity(email="grace@acme.example"), None),
            (PartnerIdentity(email="grace@acme.example"), self.ada),
            (PartnerIdentity(email="shared@example.com"), None),
            (PartnerIdentity(), None),
        ]
        one_by_one = [self.matcher.find(identity, parent=parent) for identity, parent in wanted]
        self.assertEqual(self.matcher.find_many(wanted), one_by_one)
        self.assertEqual(one_by_one[0], self.ada)
        self.assertEqual(one_by_one[1], namesake, "a phone is enough")
        self.assertEqual(one_by_one[2], self.ada, "of two namesakes at one postcode, the first")
        self.assertEqual(one_by_one[8], self.acme_contact)
