"""People erased at their request stay erased: no HubSpot event, load page or deal brings them back."""

import json

from odoo.tests import tagged

from ..lib.records import CONTACT_PROPERTIES, DEAL_PROPERTIES
from .common import HubSpotSandboxCase


@tagged("post_install", "-at_install")
class TestHubSpotSuppression(HubSpotSandboxCase):
    def erase(self, partner):
        """The privacy officer erases the person from Odoo (HubSpot still holds them)."""
        self.env["integration.personal.data.request"].create(
            {"partner_id": partner.id, "request_kind": "erase", "confirmed": True}
        ).action_run()

    def assert_nothing_personal(self, exchanges, *words):
        rows = self.env["integration.audit.log"].search([("exchange_id", "in", exchanges.ids)])
        texts = [
            *rows.mapped("details"),
            *exchanges.mapped(lambda exchange: exchange.ignore_reason or ""),
            *exchanges.mapped(lambda exchange: exchange.message or ""),
            *exchanges.mapped(lambda exchange: json.dumps(exchange.result or {})),
        ]
        for word in words:
            self.assertFalse([text for text in texts if word.lower() in text.lower()], word)

    def erase_then_change(self, email, firstname, lastname, properties):
        """A contact imported, erased from Odoo, then changed in HubSpot (which still holds them).

        Returns the contact, its redacted partner and the change's exchange, not processed yet.
        """
        self.subscribe("contact.creation", "contact.propertyChange")
        with self.allow_requests(all_requests=True):
            contact = self.act("create_contact", email=email, firstname=firstname, lastname=lastname)
            self.wait_for_exchanges(1)
            self.run_jobs()
            partner = self.env["integration.binding"]._find(self.backend, "res.partner", contact["id"], "contact")
            self.assertEqual(partner.email, email)
            self.erase(partner)
            self.client.request("PATCH", f"crm/v3/objects/contacts/{contact['id']}", json={"properties": properties})
            before = self.exchanges()
            self.wait_for_exchanges(len(before) + 1)
        return contact, partner, self.exchanges() - before

    def test_an_erased_person_changed_in_hubspot_is_not_brought_back(self):
        contact, partner, change = self.erase_then_change(
            "nell.ward@example.co.uk", "Nell", "Ward", {"jobtitle": "Buyer"}
        )
        self.run_jobs()
        self.assertEqual(change.mapped("state"), ["ignored"])
        self.assertIn("suppression list", change.ignore_reason)
        self.assertIn(contact["id"], change.ignore_reason, "the reason names the HubSpot record")
        self.assertEqual(
            (partner.name, partner.email, partner.function), (f"Redacted customer {partner.id}", False, False)
        )
        self.assertFalse(self.env["res.partner"].search_count([("email_normalized", "=", "nell.ward@example.co.uk")]))
        self.assert_nothing_personal(change, "nell.ward", "example.co.uk")

    def test_an_erased_person_given_a_new_email_in_hubspot_stays_erased_and_the_event_is_not_kept(self):
        # Someone in HubSpot gives her a new address: the suppression list knows her by her HubSpot id too.
        _contact, partner, change = self.erase_then_change(
            "ivy.hale@example.co.uk", "Ivy", "Hale", {"email": "ivy@new.example"}
        )
        self.assertIn("ivy@new.example", change.payload, "the event names her new address")
        self.run_jobs()
        self.assertEqual(change.mapped("state"), ["ignored"])
        self.assertIn("suppression list", change.ignore_reason)
        self.assertEqual((partner.name, partner.email), (f"Redacted customer {partner.id}", False))
        self.assertFalse(self.env["res.partner"].search_count([("email_normalized", "=", "ivy@new.example")]))
        self.assertEqual(json.loads(change.payload), {"redacted": True}, "the event that names her is not kept")
        self.assertNotIn("ivy@new.example", change.delivery_id.body or "")
        self.assert_nothing_personal(change, "ivy", "new.example")

    def test_under_a_legal_hold_a_suppressed_event_is_kept_as_it_came(self):
        _contact, _partner, change = self.erase_then_change(
            "rhea.moss@example.co.uk", "Rhea", "Moss", {"email": "rhea@new.example"}
        )
        self.backend.legal_hold = True
        self.run_jobs()
        self.assertEqual(change.mapped("state"), ["ignored"])
        self.assertIn("suppression list", change.ignore_reason)
        self.assertIn("rhea@new.example", change.payload, "a hold keeps everything as it is")

    def test_a_new_hubspot_contact_with_an_erased_person_s_phone_creates_no_partner(self):
        self.env["integration.suppression"]._suppress(self.env.company, email="old@example.co.uk", phone="07700 900461")
        self.subscribe("contact.creation")
        with self.allow_requests(all_requests=True):
            self.act(
                "create_contact",
                email="new.address@example.co.uk",
                firstname="Ruth",
                lastname="Pike",
                properties={"phone": "+44 7700 900461"},
            )
            self.act("create_contact", email="otto.lane@example.co.uk", firstname="Otto", lastname="Lane")
            self.wait_for_exchanges(2)
        self.run_jobs()
        ignored = self.exchanges().filtered(lambda exchange: exchange.state == "ignored")
        self.assertEqual(len(ignored), 1, self.exchanges().mapped("message"))
        self.assertFalse(self.env["res.partner"].search_count([("name", "=", "Ruth Pike")]))
        self.assertTrue(self.env["res.partner"].search_count([("name", "=", "Otto Lane")]), "others come in as before")
        self.assert_nothing_personal(ignored, "Ruth Pike", "new.address", "900461")

    def test_a_won_deal_whose_contact_was_erased_is_the_company_s_alone(self):
        self.subscribe("deal.propertyChange", property_name="dealstage")
        deal = next(d for d in self.deals("presentationscheduled"))
        record = self.client.get_object("deals", deal["id"], DEAL_PROPERTIES, associations=("companies", "contacts"))
        contact_id = record["associations"]["contacts"]["results"][0]["id"]
        contact = self.client.get_object("contacts", contact_id, CONTACT_PROPERTIES)["properties"]
        self.env["integration.suppression"]._suppress(self.env.company, email=contact["email"])
        sale = self.win(deal["id"])
        self.assertTrue(sale, self.exchanges().mapped("message"))
        self.assertTrue(sale.partner_id.is_company)
        self.assertEqual(sale.partner_shipping_id, sale.partner_id, "no contact beside the company")
        self.assertFalse(self.env["integration.binding"]._find(self.backend, "res.partner", contact_id, "contact"))
        self.assertFalse(self.env["res.partner"].search_count([("email_normalized", "=", contact["email"].lower())]))
