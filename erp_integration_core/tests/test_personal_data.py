import json

from odoo.exceptions import UserError

from ..personal_data import REDACTED, PersonalData
from .common import IntegrationCase


class TestPersonalData(IntegrationCase):
    """Subject access and erasure: one service for every channel."""

    def setUp(self):
        super().setUp()
        self.receive(self.contact("P1", email="erase.me@example.com"), event_id="single")
        batch = [
            self.contact("P1", email="erase.me@example.com", event="b1"),
            self.contact("P2", email="keep@example.com", event="b2"),
        ]
        self.receive(batch)
        self.perform_jobs()
        self.service = PersonalData(self.backend)
        self.partner = self.env["res.partner"].search([("email", "=", "erase.me@example.com")])

    def test_export_lists_the_partner_and_every_payload_naming_them(self):
        export = self.service.export(self.partner, ["erase.me@example.com"])
        self.assertEqual([partner["email"] for partner in export["partners"]], ["erase.me@example.com"])
        flows = sorted(json.loads(entry["payload"])["id"] for entry in export["exchanges"])
        # The batch's other event names them only through the delivery they came in together.
        self.assertEqual(flows, ["P1", "P1", "P2"])

    def test_erase_anonymises_and_redacts_payloads_and_deliveries_keeping_their_hashes(self):
        named = self.service.exchanges_naming(["erase.me@example.com"])
        hashes = {exchange.id: exchange.payload_sha256 for exchange in named}
        delivery = named.delivery_id
        delivery_hash = delivery.body_sha256
        done = self.service.erase(self.partner, ["erase.me@example.com"])
        self.assertEqual(done["anonymised"], [self.partner.id])
        self.assertEqual(self.partner.name, f"Redacted customer {self.partner.id}")
        self.assertFalse(self.partner.email)
        self.assertEqual(done["payloads_redacted"], 3)
        self.assertEqual(set(named.mapped("payload")), {REDACTED})
        self.assertEqual({exchange.id: exchange.payload_sha256 for exchange in named}, hashes)
        self.assertEqual((delivery.body, delivery.body_sha256), (REDACTED, delivery_hash))
        self.assertEqual(len(self.audit_rows(event="exchange.redacted")), 3)
        self.assertFalse(self.service.exchanges_naming(["erase.me@example.com"]), "nothing names them any more")
        self.assertEqual(self.service.redact(named), 0, "redacting again changes nothing")

    def test_a_partner_with_posted_entries_is_kept(self):
        journal = self.env["account.journal"].search([("type", "=", "general")], limit=1)
        if not journal:
            journal = self.env["account.journal"].create({"name": "Misc", "code": "MISC", "type": "general"})
        account = self.env["account.account"].search([], limit=2)
        move = self.env["account.move"].create(
            {
                "journal_id": journal.id,
                "partner_id": self.partner.id,
                "line_ids": [
                    (0, 0, {"account_id": account[0].id, "debit": 10, "partner_id": self.partner.id}),
                    (0, 0, {"account_id": account[1].id, "credit": 10, "partner_id": self.partner.id}),
                ],
            }
        )
        move.action_post()
        done = self.service.erase(self.partner, ["erase.me@example.com"])
        self.assertEqual((done["anonymised"], done["legal_hold"]), ([], [self.partner.id]))
        self.assertEqual(self.partner.email, "erase.me@example.com")
        self.assertEqual(done["payloads_redacted"], 3, "the payloads go all the same")

    def test_nobody_edits_a_payload_or_a_delivery_through_the_orm(self):
        exchange = self.exchanges()[:1]
        with self.assertRaises(UserError):
            exchange.write({"payload": "{}"})
        with self.assertRaises(UserError):
            exchange.with_context(integration_redact=True).write({"payload": "{}"})
        delivery = self.exchanges().delivery_id
        with self.assertRaises(UserError):
            delivery.write({"body": "{}"})
