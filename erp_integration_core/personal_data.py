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
import re

from .lib.payload import sha256_hex
from .partners import email_key, phone_key

REDACTED = json.dumps({"redacted": True})
SCRUBBED = "[redacted]"
# Keys whose values name or reach a person, in the channels' payloads (Shopify, HubSpot, warehouse files).
PERSONAL_KEYS = {
    "email",
    "phone",
    "mobilephone",
    "fax",
    "first_name",
    "last_name",
    "firstname",
    "lastname",
    "address",
    "address1",
    "address2",
    "street",
    "street2",
    "city",
    "town",
    "zip",
    "postcode",
    "postal_code",
    "province",
    "note",
    "browser_ip",
    "client_ip",
    "latitude",
    "longitude",
    "contact_email",
    "customer_email",
    "buyer_accepts_marketing",
}
# Objects in which ``name`` is a person's (a customer, an address), not a product's or an order's.
PERSONAL_OBJECTS = re.compile(r"address|customer|contact|consignee|billing|shipping|recipient", re.IGNORECASE)
LOOKS_LIKE_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def identifier_hashes(email=None, phone=None):
    """SHA-256 of a person's normalised e-mail and phone: how the suppression list knows them, and no more."""
    keys = {"email": email_key(email), "phone": phone_key(phone)}
    return {sha256_hex(f"{kind}:{key}") for kind, key in keys.items() if key}


def reference_hash(backend, external_id, external_type=None):
    """SHA-256 of the id a backend's system knows a person by: a new e-mail there does not make them someone else.

    ``external_type`` is the binding's, for systems that number kinds of record separately.
    """
    kind = f"{external_type}:" if external_type else ""
    return sha256_hex(f"ref:{backend.id}:{kind}{external_id}")


def scrub(value, within=""):
    """``value`` (a decoded payload) with the values of personal fields replaced, everything else as it was.

    References, amounts, SKUs, dates and structure stay, so what was sold and
    for how much can still be shown from the payload; names, e-mails, phones
    and addresses go. ``within`` is the key of the enclosing object.
    """
    if isinstance(value, dict):
        personal_object = bool(PERSONAL_OBJECTS.search(within))
        return {key: _scrub_item(key, item, personal_object) for key, item in value.items()}
    if isinstance(value, list):
        return [scrub(item, within) for item in value]
    if isinstance(value, str) and LOOKS_LIKE_EMAIL.fullmatch(value.strip()):
        return SCRUBBED
    return value


def _scrub_item(key, item, personal_object):
    lowered = str(key).lower()
    personal = lowered in PERSONAL_KEYS or (personal_object and lowered in ("name", "company"))
    if personal and item not in (None, "", [], {}) and not isinstance(item, dict | list):
        return SCRUBBED
    return scrub(item, str(key))


def scrub_text(text):
    """A JSON payload's text scrubbed (``scrub``); None for text that is not JSON, which cannot be told apart."""
    try:
        data = json.loads(text)
    except (TypeError, ValueError):
        return None
    return json.dumps(scrub(data), separators=(",", ":"), ensure_ascii=False)


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
        if self.backend.legal_hold:
            return {"anonymised": [], "legal_hold": partners.ids, "payloads_redacted": 0, "backend_on_hold": True}
        anonymised, held = [], []
        bindings = self.env["integration.binding"].search(
            [("backend_id", "=", self.backend.id), ("res_model", "=", "res.partner"), ("res_id", "in", partners.ids)]
        )
        for partner in partners:
            # Remembered by hashes before the identifiers go, so no contact sync brings them back,
            # not even once the other system has given them a new e-mail.
            refs = {
                reference_hash(self.backend, binding.external_id, binding.external_type)
                for binding in bindings
                if binding.res_id == partner.id
            }
            self.env["integration.suppression"]._suppress(
                partner.company_id or self.backend.company_id, partner.email, partner.phone, refs=refs
            )
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
        """Replace the payloads (and deliveries) of ``exchanges`` by a redaction marker; returns how many.

        Those of a backend on legal hold are kept as they are, whoever asks.
        """
        exchanges = exchanges.filtered(lambda exchange: not exchange.backend_id.legal_hold)
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
