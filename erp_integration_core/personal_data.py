"""Subject access and erasure of what the integration holds about a person.

Every channel receives privacy requests in its own shape (Shopify's
``customers/data_request`` and ``customers/redact``, HubSpot's privacy
deletions, a warehouse's consignee); the answer is the same: export what is
held, or erase it unless the law says to keep it. This service does both for
one backend:

* ``exchanges_naming(terms)``: the stored payloads (and raw deliveries) that
  mention a person's identifiers;
* ``export(partners, terms)``: their partner records and those payloads, as a
  JSON-ready dict a channel adds its own documents to;
* ``erase(partners, terms)``: partners anonymised unless a posted accounting
  entry holds them (HMRC wants VAT records kept six years), and every payload
  naming them replaced by ``{"redacted": true}``. A payload's SHA-256 stays,
  so the audit chain still verifies what was received.
"""

import json

from .lib.payload import sha256_hex

REDACTED = json.dumps({"redacted": True})
EXPORTED_FIELDS = ["name", "email", "phone", "street", "street2", "city", "zip", "country_id"]
ERASED_FIELDS = ("email", "phone", "street", "street2", "city", "zip", "comment", "vat")


class PersonalData:
    def __init__(self, backend):
        self.backend = backend
        self.env = backend.env

    def exchanges_naming(self, terms, exclude=None):
        """This backend's exchanges whose payload, or delivery, names any of ``terms`` (ids, e-mails…)."""
        terms = [str(term) for term in terms if term]
        Exchange = self.env["integration.exchange"]
        if not terms:
            return Exchange
        domain = [("backend_id", "=", self.backend.id)]
        if exclude:
            domain.append(("id", "not in", exclude.ids))
        mentions = ["|"] * (2 * len(terms) - 1)
        for term in terms:
            mentions += [("payload", "ilike", term), ("delivery_id.body", "ilike", term)]
        return Exchange.search(domain + mentions)

    def export(self, partners, terms, exclude=None):
        """What the integration holds on a person: their partners and the exchanges naming them."""
        return {
            "partners": partners.read(EXPORTED_FIELDS),
            "exchanges": [
                {"id": found.id, "flow": found.flow, "received": found.create_date, "payload": found.payload}
                for found in self.exchanges_naming(terms, exclude)
            ],
        }

    def erase(self, partners, terms, exclude=None, exchange=None):
        """Anonymise ``partners`` unless held by posted entries, and redact every payload naming ``terms``.

        ``exchange`` (the privacy request being processed) is linked to each
        anonymised partner. Returns what was done, by id.
        """
        anonymised, held = [], []
        for partner in partners:
            if self._on_legal_hold(partner):
                held.append(partner.id)
                continue
            partner.write(dict.fromkeys(ERASED_FIELDS, False) | {"name": f"Redacted customer {partner.id}"})
            if exchange:
                exchange._link(partner, "updated", ["name", *ERASED_FIELDS])
            anonymised.append(partner.id)
        return {
            "anonymised": anonymised,
            "legal_hold": held,
            "payloads_redacted": self.redact(self.exchanges_naming(terms, exclude)),
        }

    def redact(self, exchanges):
        """Replace the payloads (and deliveries) of ``exchanges`` by a redaction marker; returns how many."""
        deliveries = exchanges.delivery_id.filtered(lambda delivery: delivery.body != REDACTED)
        for delivery in deliveries:
            delivery._redact(REDACTED)
        changed = exchanges.filtered(lambda exchange: exchange.payload != REDACTED)
        for exchange in changed:
            original = exchange.payload_sha256
            exchange._redact_payload(REDACTED)
            exchange._audit("exchange.redacted", original_sha256=original, redacted_sha256=sha256_hex(REDACTED))
        return len(changed)

    def _on_legal_hold(self, partner):
        if "account.move" not in self.env:
            return False
        posted = [("partner_id", "child_of", partner.id), ("state", "=", "posted")]
        return bool(self.env["account.move"].search_count(posted, limit=1))
