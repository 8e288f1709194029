"""Shopify's mandatory privacy topics and the uninstall notice, on the core's personal-data service.

A data request is answered with an export attached to the exchange and an
activity for the privacy officer. A redaction anonymises the customer unless
a legal hold applies (posted invoices must be kept six years for HMRC) and
redacts the stored payloads that name them, keeping each payload's SHA-256 so
the audit trail still verifies.
"""

import json

from odoo import fields

from odoo.addons.erp_integration_core.lib import shape
from odoo.addons.erp_integration_core.partners import PartnerMatcher
from odoo.addons.erp_integration_core.personal_data import PersonalData
from odoo.addons.erp_integration_core.work import Component


class Privacy(Component):
    def __init__(self, work):
        super().__init__(work)
        self.personal_data = PersonalData(self.backend)

    @staticmethod
    def _customer(data):
        """The customer a privacy topic is about: their Shopify id and e-mail, checked."""
        customer = shape.opt_obj(shape.obj(data, ""), "customer")
        return {
            "id": shape.opt_text(customer, "id", "customer"),
            "email": shape.opt_text(customer, "email", "customer"),
        }

    def _partners(self, customer):
        """Partners for a Shopify customer: by binding, then by e-mail."""
        Binding = self.env["integration.binding"]
        partners = Binding._find(self.backend, "res.partner", customer["id"]) if customer["id"] else None
        partners = partners or self.env["res.partner"]
        if customer["email"]:
            partners |= PartnerMatcher(self.backend).with_email(customer["email"])
        return partners

    @staticmethod
    def _terms(customer):
        return [customer["id"], customer["email"]]

    def data_request(self, data):
        customer = self._customer(data)
        partners = self._partners(customer)
        orders = self.env["sale.order"].search(
            [("partner_id", "in", partners.ids), ("company_id", "=", self.backend.company_id.id)]
        )
        export = self.personal_data.export(partners, self._terms(customer), exclude=self.exchange)
        export.update(
            customer=customer,
            orders=orders.read(["name", "client_order_ref", "date_order", "amount_total", "state"]),
        )
        request_id = shape.opt_text(shape.opt_obj(data, "data_request"), "id", "data_request") or "customer"
        attachment = self.env["ir.attachment"].create(
            {
                "name": f"shopify-data-request-{request_id}.json",
                "raw": json.dumps(export, default=str, indent=2).encode(),
                "res_model": self.exchange._name,
                "res_id": self.exchange.id,
                "mimetype": "application/json",
            }
        )
        officer = self.backend.privacy_officer_id or self.env.ref("base.user_admin", raise_if_not_found=False)
        self.exchange.activity_schedule(
            "mail.mail_activity_data_todo",
            user_id=officer.id if officer else self.env.uid,
            summary="Send the customer their data (Shopify data request)",
            note="The export is attached to this exchange. Shopify expects an answer within 30 days.",
            date_deadline=fields.Date.add(fields.Date.today(), days=30),
        )
        return {"attachment": attachment.id, "partners": partners.ids, "orders": orders.ids}

    def redact_customer(self, data):
        customer = self._customer(data)
        return self.personal_data.erase(
            self._partners(customer), self._terms(customer), exclude=self.exchange, exchange=self.exchange
        )

    def redact_shop(self, data):
        exchanges = self.env["integration.exchange"].search(
            [("backend_id", "=", self.backend.id), ("id", "!=", self.exchange.id)]
        )
        return {"payloads_redacted": self.personal_data.redact(exchanges)}

    def uninstalled(self, data):
        self.backend.active = False
        self.backend.message_post(body="Shopify reported the app uninstalled: the backend is paused (archived).")
        return {"paused": True}
