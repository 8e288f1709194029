"""UK GDPR across channels: payloads scrubbed after their retention, one export and one erasure for every backend."""

import base64
import json
from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import TransactionCase, new_test_user, tagged

from ..personal_data import REDACTED, SCRUBBED, PersonalData, scrub
from .common import make_toy_backend

ORDER = {
    "id": 820982911946154508,
    "name": "#1001",
    "email": "Ada.Lovell@example.co.uk",
    "total_price": "120.00",
    "customer": {"id": 115310627314723954, "first_name": "Ada", "last_name": "Lovell", "phone": "+447700900123"},
    "shipping_address": {"name": "Ada Lovell", "address1": "1 Mill Lane", "city": "Leeds", "zip": "LS1 4AB"},
    "line_items": [{"id": 1, "name": "Blue mug", "sku": "MUG-BLU", "quantity": 2, "price": "60.00"}],
    "note_attributes": [{"name": "gift", "value": "ada@example.co.uk"}],
}


@tagged("post_install", "-at_install")
class TestPrivacy(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.shop = make_toy_backend(cls.env, name="Shop")
        cls.crm = make_toy_backend(cls.env, name="CRM")
        cls.ada = cls.env["res.partner"].create(
            {"name": "Ada Lovell", "email": "ada.lovell@example.co.uk", "phone": "07700 900123", "city": "Leeds"}
        )

    def exchange(self, backend, payload, days_old=0, state="done", flow="orders/create"):
        text = json.dumps(payload)
        exchange = self.env["integration.exchange"].create(
            {
                "backend_id": backend.id,
                "direction": "in",
                "flow": flow,
                "idempotency_key": f"{flow}:{len(self.env['integration.exchange'].search([]))}",
                "payload": text,
                "state": state,
            }
        )
        if days_old:
            self.env.cr.execute(
                "UPDATE integration_exchange SET create_date = %s WHERE id = %s",
                [fields.Datetime.now() - timedelta(days=days_old), exchange.id],
            )
            exchange.invalidate_recordset(["create_date"])
        return exchange

    def test_scrubbing_keeps_references_amounts_and_skus_and_drops_names_emails_phones_and_addresses(self):
        kept = scrub(ORDER)
        self.assertEqual((kept["id"], kept["name"], kept["total_price"]), (ORDER["id"], "#1001", "120.00"))
        self.assertEqual(kept["line_items"], ORDER["line_items"], "what was sold, and for how much")
        self.assertEqual(kept["customer"]["id"], ORDER["customer"]["id"])
        self.assertEqual(kept["email"], SCRUBBED)
        self.assertEqual({kept["customer"][key] for key in ("first_name", "last_name", "phone")}, {SCRUBBED})
        self.assertEqual(set(kept["shipping_address"].values()), {SCRUBBED})
        self.assertEqual(kept["note_attributes"][0]["value"], SCRUBBED, "an e-mail wherever it is")
        self.assertNotIn("Lovell", json.dumps(kept))

    def test_finished_payloads_past_their_window_are_scrubbed_and_their_hash_kept(self):
        self.shop.retention_days = 30
        old = self.exchange(self.shop, ORDER, days_old=40)
        recent = self.exchange(self.shop, ORDER, days_old=10)
        waiting = self.exchange(self.shop, ORDER, days_old=40, state="needs_attention")
        original = old.payload_sha256
        self.assertEqual(self.shop._apply_retention(), 1)
        self.assertTrue(old.payload_scrubbed)
        self.assertNotIn("Lovell", old.payload)
        self.assertEqual(json.loads(old.payload)["total_price"], "120.00")
        self.assertEqual(old.payload_sha256, original, "the audit chain still verifies what was received")
        self.assertIn("Lovell", recent.payload)
        self.assertIn("Lovell", waiting.payload, "an exchange a person still works keeps its payload")
        [audit] = self.env["integration.audit.log"].search([("event", "=", "exchange.scrubbed")])
        self.assertEqual(audit.exchange_id, old)
        self.assertNotIn("Lovell", audit.details)
        self.assertEqual(self.shop._apply_retention(), 0, "scrubbed once")

    def test_a_flow_rule_keeps_longer_and_a_legal_hold_keeps_everything(self):
        self.shop.retention_days = 30
        self.env["integration.retention.rule"].create(
            {"backend_id": self.shop.id, "flow_prefix": "orders/", "days": 365}
        )
        order = self.exchange(self.shop, ORDER, days_old=40)
        contact = self.exchange(self.shop, ORDER, days_old=40, flow="customers/update")
        self.assertEqual(self.shop._apply_retention(), 1)
        self.assertFalse(order.payload_scrubbed, "orders are kept a year by their rule")
        self.assertTrue(contact.payload_scrubbed)
        self.crm.write({"retention_days": 1, "legal_hold": True})
        held = self.exchange(self.crm, ORDER, days_old=40)
        self.env["integration.backend"]._cron_apply_retention()
        self.assertFalse(held.payload_scrubbed)

    def request(self, kind):
        wizard = self.env["integration.personal.data.request"].create(
            {"partner_id": self.ada.id, "request_kind": kind, "confirmed": True}
        )
        return wizard.action_run()

    def test_one_export_covers_every_channel_and_the_audit_names_no_one(self):
        self.exchange(self.shop, ORDER)
        self.exchange(self.crm, {"id": 5, "properties": {"email": "ada.lovell@example.co.uk"}}, flow="contact")
        self.exchange(self.crm, {"id": 6, "properties": {"email": "someone.else@example.com"}}, flow="contact")
        action = self.request("export")
        attachment = self.env["ir.attachment"].browse(int(action["url"].split("/")[3].split("?")[0]))
        held = json.loads(base64.b64decode(attachment.datas))
        found = {name: len(part["exchanges"]) for name, part in held.items() if part["exchanges"]}
        self.assertEqual(found, {"Shop": 1, "CRM": 1}, "every backend of the company is asked")
        [audit] = self.env["integration.audit.log"].search([("event", "=", "personal_data.exported")])
        self.assertNotIn("ada", audit.details.lower())
        self.assertNotIn("Lovell", audit.details)

    def test_one_erasure_covers_every_channel_and_the_person_is_suppressed_by_hashes_only(self):
        shop = self.exchange(self.shop, ORDER)
        crm = self.exchange(self.crm, {"id": 5, "properties": {"email": "ada.lovell@example.co.uk"}}, flow="contact")
        self.request("erase")
        self.assertNotIn("Lovell", shop.payload + crm.payload)
        self.assertEqual(self.ada.name, f"Redacted customer {self.ada.id}")
        Suppression = self.env["integration.suppression"]
        company = self.env.company
        self.assertTrue(Suppression._is_suppressed(company, email="ADA.LOVELL@example.co.uk"), "whatever the case")
        self.assertTrue(Suppression._is_suppressed(company, phone="+44 7700 900123"), "however the phone is written")
        self.assertFalse(Suppression._is_suppressed(company, email="someone.else@example.com"))
        self.assertNotIn("lovell", " ".join(Suppression.search([]).mapped("identifier_hash")).lower())
        rows = self.env["integration.audit.log"].search([("create_date", ">=", self.ada.create_date)])
        self.assertFalse([row.details for row in rows if "lovell" in (row.details or "").lower()])

    def test_a_manager_lifts_a_suppression_with_the_person_s_e_mail_and_a_reason(self):
        self.exchange(self.shop, ORDER)
        self.request("erase")
        Suppression, company = self.env["integration.suppression"], self.env.company
        manager = new_test_user(self.env, "mona_manager", groups="erp_integration_core.group_integration_manager")
        Lift = self.env["integration.suppression.lift"].with_user(manager)
        with self.assertRaisesRegex(UserError, "Nobody erased from .* has this e-mail address"):
            Lift.create({"email": "someone.else@example.com", "reason": "Asked by phone"}).action_lift()
        with self.assertRaisesRegex(UserError, "Give the e-mail address or the phone number"):
            Lift.create({"reason": "Asked by phone"}).action_lift()
        self.assertTrue(Suppression._is_suppressed(company, email="ada.lovell@example.co.uk"), "nothing lifted yet")
        with self.assertRaises(AccessError, msg="entries are lifted only through the wizard"):
            Suppression.with_user(manager).search([]).unlink()
        Lift.create(
            {"email": "ADA.Lovell@example.co.uk", "phone": "+44 7700 900123", "reason": "New account"}
        ).action_lift()
        self.assertFalse(Suppression._is_suppressed(company, email="ada.lovell@example.co.uk"))
        self.assertFalse(Suppression._is_suppressed(company, phone="+447700900123"))
        [row] = self.env["integration.audit.log"].search([("event", "=", "suppression.lifted")])
        self.assertEqual((json.loads(row.details)["entries"], row.user_id), (2, manager))
        self.assertNotIn("lovell", row.details.lower())
        self.assertNotIn("New account", row.details, "the reason is sealed by its hash")
        user = new_test_user(self.env, "ivy_user", groups="erp_integration_core.group_integration_user")
        with self.assertRaises(AccessError):
            self.env["integration.suppression.lift"].with_user(user).create({"email": "x@example.com", "reason": "-"})

    def test_a_backend_on_legal_hold_has_no_payload_redacted_by_any_caller(self):
        held, free = self.exchange(self.shop, ORDER), self.exchange(self.crm, ORDER)
        self.shop.legal_hold = True
        # What a channel asks directly (a shop's redaction, a privacy deletion's payloads), not only erase.
        self.assertEqual(PersonalData(self.shop).redact(held | free), 1)
        self.assertIn("Lovell", held.payload)
        self.assertEqual(free.payload, REDACTED)

    def test_a_backend_on_legal_hold_erases_nothing(self):
        self.shop.legal_hold = True
        shop = self.exchange(self.shop, ORDER)
        self.request("erase")
        self.assertIn("Lovell", shop.payload)
