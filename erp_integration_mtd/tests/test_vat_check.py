"""A partner's UK VAT number checked with HMRC's Check a UK VAT number API (its stand-in): end to end."""

import json

from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.erp_integration_core.tests.common import SandboxCase

from .common import uk_company


@tagged("post_install", "-at_install")
class TestVatNumberCheck(SandboxCase):
    sandbox_system = "hmrc"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company, _taxes = uk_company(cls.env, "Brightwater Checks Ltd")
        cls.company.vat = "GB980780684"
        cls.env = cls.env(context=dict(cls.env.context, allowed_company_ids=[cls.company.id]))
        cls.backend = cls.env["integration.backend"].create(
            {
                "name": "HMRC",
                "channel": "hmrc",
                "company_id": cls.company.id,
                "api_url": f"{cls.sandbox_url}/hmrc",
                "hmrc_client_id": "sandbox-client-id",
                "api_secret": "sandbox-client-secret",
            }
        )

    def customer(self, vat):
        return self.env["res.partner"].create({"name": "Holloway & Finch", "is_company": True, "vat": vat})

    def test_a_registered_number_is_confirmed_with_hmrc_s_name_and_consultation_number(self):
        partner = self.customer("GB 287 3194 26")
        notice = partner.action_hmrc_check_vat()
        self.assertEqual(notice["params"]["type"], "success", notice["params"]["message"])
        self.assertTrue(partner.hmrc_vat_registered)
        self.assertEqual(partner.hmrc_vat_name, "HOLLOWAY & FINCH WHOLESALE LTD")
        self.assertRegex(partner.hmrc_vat_consultation, r"^[A-Z]{3}-[A-Z]{3}-[A-Z]{3}$", "the proof of the check")
        self.assertTrue(partner.hmrc_vat_checked_at)
        [exchange] = self.env["integration.exchange"].search([("flow", "=", "vat.check")])
        self.assertEqual((exchange.state, exchange.direction, exchange.external_id), ("done", "out", "287319426"))
        self.assertEqual(json.loads(exchange.payload)["requester"], "980780684", "the company's own number asks")
        link = self.env["integration.exchange.link"].search([("exchange_id", "=", exchange.id)])
        self.assertEqual((link.res_model, link.res_id), ("res.partner", partner.id))

    def test_a_number_hmrc_does_not_hold_is_said_to_be_not_registered(self):
        partner = self.customer("GB195332746")
        notice = partner.action_hmrc_check_vat()
        self.assertEqual(notice["params"]["type"], "warning")
        self.assertIn("is not a registered VAT number", notice["params"]["message"])
        self.assertFalse(partner.hmrc_vat_registered)
        self.assertTrue(partner.hmrc_vat_checked_at)

    def test_a_number_that_fails_its_check_digits_or_is_not_british_is_not_sent(self):
        with self.assertRaisesRegex(UserError, r"'GB123456789', which is not valid .*checksum"):
            self.customer("GB123456789").action_hmrc_check_vat()
        with self.assertRaisesRegex(UserError, "Only UK VAT numbers"):
            self.customer("DE136695976").action_hmrc_check_vat()
        self.assertFalse(self.env["integration.exchange"].search([("flow", "=", "vat.check")]))

    def test_wrong_application_credentials_say_which_setting_to_fix(self):
        self.backend.api_secret = "not-the-secret"
        with self.assertRaisesRegex(UserError, "HMRC refused the application's credentials .* client id and secret"):
            self.customer("GB287319426").action_hmrc_check_vat()
