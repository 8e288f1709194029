"""Shopify's mandatory privacy topics and the uninstall notice.

A data request is answered with an export attached to the exchange and an
activity for the privacy officer. A redaction anonymises the customer unless
a legal hold applies (posted invoices must be kept six years for HMRC) and
redacts the stored payloads that name them, keeping each payload's SHA-256 so
the audit trail still verifies.
"""

import json

from odoo import fields

from odoo.addons.erp_integration_core.lib.payload import sha256_hex
from odoo.addons.erp_integration_core.partners import PartnerMatcher


class Privacy:
    def __init__(self, connector, exchange):
        self.backend = connector.backend
        self.env = connector.env
        self.exchange = exchange

    def _partners(self, customer):
        """Partners for a Shopify customer: by binding, then by e-mail."""
        Binding = self.env["integration.binding"]
        partners = Binding._find(self.backend, "res.partner", customer.get("id")) if customer.get("id") else None
        partners = partners or self.env["res.partner"]
        if customer.get("email"):
            partners |= PartnerMatcher(self.backend).with_email(customer["email"])
        return partners

    def _exchanges_naming(self, customer):
        """This backend's exchanges whose payload names the customer."""
        terms = [str(customer[key]) for key in ("id", "email") if customer.get(key)]
        if not terms:
            return self.env["integration.exchange"]
        domain = [("backend_id", "=", self.backend.id), ("id", "!=", self.exchange.id)]
        domain += ["|"] * (len(terms) - 1) + [("payload", "ilike", term) for term in terms]
        return self.env["integration.exchange"].search(domain)

    def data_request(self, data):
        customer = data.get("customer") or {}
        partners = self._partners(customer)
        orders = self.env["sale.order"].search(
            [("partner_id", "in", partners.ids), ("company_id", "=", self.backend.company_id.id)]
        )
        export = {
            "customer": customer,
            "partners": partners.read(["name", "email", "phone", "street", "city", "zip", "country_id"]),
            "orders": orders.read(["name", "client_order_ref", "date_order", "amount_total", "state"]),
            "exchanges": self._exchanges_naming(customer).ids,
        }
        attachment = self.env["ir.attachment"].create(
            {
                "name": f"shopify-data-request-{(data.get('data_request') or {}).get('id', 'customer')}.json",
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
        customer = data.get("customer") or {}
        anonymised, held = [], []
        for partner in self._partners(customer):
            if self.env["account.move"].search_count(
                [("partner_id", "child_of", partner.id), ("state", "=", "posted")], limit=1
            ):
                held.append(partner.id)
                continue
            partner.write(
                {
                    "name": f"Redacted customer {partner.id}",
                    "email": False,
                    "phone": False,
                    "street": False,
                    "street2": False,
                    "city": False,
                    "zip": False,
                    "comment": False,
                }
            )
            self.exchange._link(partner, "updated", ["name", "email", "phone", "address"])
            anonymised.append(partner.id)
        redacted = self._redact_payloads(self._exchanges_naming(customer))
        return {"anonymised": anonymised, "legal_hold": held, "payloads_redacted": redacted}

    def redact_shop(self, data):
        exchanges = self.env["integration.exchange"].search(
            [("backend_id", "=", self.backend.id), ("id", "!=", self.exchange.id)]
        )
        return {"payloads_redacted": self._redact_payloads(exchanges)}

    def _redact_payloads(self, exchanges):
        for exchange in exchanges:
            if json.loads(exchange.payload or "{}") == {"redacted": True}:
                continue
            # The stored hash stays: it is what the audit trail and finance
            # reconcile against; only the personal data goes.
            exchange.with_context(integration_redact=True).write({"payload": json.dumps({"redacted": True})})
            exchange._audit(
                "exchange.redacted",
                original_sha256=exchange.payload_sha256,
                redacted_sha256=sha256_hex(exchange.payload),
            )
        return len(exchanges)

    def uninstalled(self, data):
        self.backend.active = False
        self.backend.message_post(body="Shopify reported the app uninstalled: the backend is paused (archived).")
        return {"paused": True}
