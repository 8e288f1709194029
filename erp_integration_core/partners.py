"""Partner matching: which Odoo partner an external customer, contact or company is.

Every channel asks the same question (a Shopify buyer, a HubSpot contact or
company, a warehouse's consignee) and must never create a second partner for
someone Odoo knows under a differently written e-mail, phone or VAT number.
The matcher looks in the backend's company and in shared partners only, in
the order of how sure a match is:

* a business: its VAT number, then its company registration number, then its
  e-mail, phone, and name with postcode;
* a person: e-mail, then phone, then name with postcode (among the people of
  ``parent`` when given, e.g. the contacts of a company).

It only finds; what to create when nothing matches is the channel's decision.

``find_many`` answers for a whole page of records at once (an initial load,
a file of rows): ``find`` asks the database one to five questions per
record, and a page of a hundred asked one by one spent more time looking
than Odoo spent creating the partners. There each kind of question (VAT
numbers, registration numbers, e-mails, phones, names with postcodes) is
asked once for the page, and every record then takes, among the partners
found, the first that meets its own criteria in the order above, its own
scope and the lowest id, as ``find`` would. The criteria are the same
domains, evaluated on the partners found by the ORM's ``filtered_domain``,
which follows SQL's ``=ilike`` (case, accents, wildcards).

Names are the exception: a hundred ``name =ilike`` conditions in one query
cost PostgreSQL 0.4 s among 2,000 companies, planning them and comparing
every name with every pattern. Without wildcards, ``=ilike`` is equality of
the lower-case (and, where Odoo uses it, unaccented) texts, so the partners
named as any record of the page are found with one set lookup per partner
(3 ms); their postcodes, and the exact criterion, are checked on what it
finds.
"""

import re
from dataclasses import dataclass

from odoo.fields import Domain
from odoo.tools import SQL, email_normalize

# What makes a ``like`` pattern more than its text.
LIKE_SPECIAL = frozenset("%_\\")


@dataclass(frozen=True)
class PartnerIdentity:
    """What an external system says about a person or a business."""

    name: str | None = None
    email: str | None = None
    phone: str | None = None
    zip: str | None = None
    vat: str | None = None
    company_registry: str | None = None
    is_company: bool = False


def email_key(email):
    """An address as Odoo keeps it in ``email_normalized``: lower case, display name stripped."""
    return email_normalize(email) or (email or "").strip().lower() or None


def compact(value):
    """Upper case letters and digits only: ``gb 123 4567 89`` and ``GB123-456-789`` alike."""
    return re.sub(r"[^0-9A-Z]", "", (value or "").upper()) or None


def vat_variants(vat):
    """The forms a VAT number may be stored in: with and without its ``GB`` prefix."""
    number = compact(vat)
    if not number:
        return []
    if number.startswith("GB"):
        return [number, number[2:]]
    return [number, f"GB{number}"] if number.isdigit() else [number]


def phone_key(phone):
    """A phone number as digits in international form; a national number is taken as a UK one.

    ``+44 (0)7700 900123``, ``0044 7700 900123`` and ``07700 900123`` all give
    ``447700900123``. Too short to be a number: ``None``.
    """
    written = (phone or "").strip()
    digits = re.sub(r"\D", "", written.replace("(0)", ""))
    if written.startswith("00") or (digits.startswith("00") and not written.startswith("+")):
        digits = digits[2:]
    elif not written.startswith("+") and digits.startswith("0"):
        digits = "44" + digits[1:]
    return digits if len(digits) >= 7 else None


def postcode_variants(postcode):
    """A UK postcode with and without its space (``BS1 4SB``, ``BS14SB``); case is ignored by the search."""
    bare = compact(postcode)
    if not bare:
        return []
    spaced = f"{bare[:-3]} {bare[-3:]}" if len(bare) > 4 else bare
    return sorted({bare, spaced})


def _fields_of(domain):
    """What a criterion compares (``('email_normalized',)``): criteria of one kind are asked together."""
    return tuple(sorted({leaf[0] for leaf in domain if isinstance(leaf, tuple)}))


def _named(domains):
    """Partners whose name any of ``domains`` compares with ``=ilike``: those it may find, and a few more."""
    names = {leaf[2] for domain in domains for leaf in domain if isinstance(leaf, tuple) and leaf[0] == "name"}
    plain = sorted(name for name in names if not LIKE_SPECIAL & set(name))
    patterns = [Domain("name", "=ilike", name) for name in sorted(names) if LIKE_SPECIAL & set(name)]

    def same_name(model, alias, query):
        unaccent = model.env.registry.unaccent
        return SQL(
            "lower(%s) IN (SELECT lower(%s) FROM unnest(%s::text[]) AS page(name))",
            unaccent(model._field_to_sql(alias, "name", query)),
            unaccent(SQL("page.name")),
            plain,
        )

    return Domain.OR([Domain.custom(to_sql=same_name), *patterns])


class PartnerMatcher:
    def __init__(self, backend):
        self.backend = backend
        self.Partner = backend.env["res.partner"].with_context(active_test=False)

    def find(self, identity, parent=None):
        """The partner ``identity`` is, or an empty recordset."""
        scope = self._scope(identity, parent)
        for domain in self._criteria(identity):
            found = self.Partner.search([*domain, *scope], order="id", limit=1)
            if found:
                return found
        return self.Partner.browse()

    def find_many(self, wanted):
        """The partner each ``(identity, parent)`` of ``wanted`` is, or an empty recordset, in order."""
        criteria = [list(self._criteria(identity)) for identity, _parent in wanted]
        candidates = self._candidates(wanted, criteria)
        if not candidates:
            return [self.Partner.browse()] * len(wanted)
        return [
            self._first(candidates, domains, identity, parent)
            for (identity, parent), domains in zip(wanted, criteria, strict=True)
        ]

    def _candidates(self, wanted, criteria):
        """Every partner in reach that any criterion of the page could find: one search per kind of criterion."""
        by_kind = {}
        for domain in (domain for domains in criteria for domain in domains):
            by_kind.setdefault(_fields_of(domain), []).append(domain)
        parents = sorted({parent.id for _identity, parent in wanted if parent})
        reach = [*self.backend._own_records(), ("parent_id", "in", [*parents, False])]
        found = self.Partner.browse()
        for kind, domains in by_kind.items():
            asked = _named(domains) if "name" in kind else Domain.OR(domains)
            found |= self.Partner.search(asked & Domain(reach))
        return found.sorted("id")

    def _first(self, candidates, domains, identity, parent):
        scope = self._scope(identity, parent)
        for domain in domains:
            found = candidates.filtered_domain([*domain, *scope])[:1]
            if found:
                return found
        return self.Partner.browse()

    def _scope(self, identity, parent):
        """Where ``identity`` is looked for: the backend's reach, among ``parent``'s people (or at the top)."""
        scope = [*self.backend._own_records(), ("parent_id", "=", parent.id if parent else False)]
        if identity.is_company:
            scope.append(("is_company", "=", True))
        return scope

    def with_email(self, email):
        """Every partner of the backend's company and shared ones with this address, in any case."""
        key = email_key(email)
        if not key:
            return self.Partner.browse()
        return self.Partner.search([("email_normalized", "=", key), *self.backend._own_records()])

    @staticmethod
    def _criteria(identity):
        if identity.is_company and vat_variants(identity.vat):
            yield [("vat", "in", vat_variants(identity.vat))]
        if identity.is_company and compact(identity.company_registry):
            written = identity.company_registry.strip()
            yield [("company_registry", "in", sorted({written, compact(written)}))]
        if email_key(identity.email):
            yield [("email_normalized", "=", email_key(identity.email))]
        if phone_key(identity.phone):
            yield [("integration_phone_key", "=", phone_key(identity.phone))]
        postcodes = postcode_variants(identity.zip)
        if identity.name and postcodes:
            either = ["|"] * (len(postcodes) - 1) + [("zip", "=ilike", postcode) for postcode in postcodes]
            yield [("name", "=ilike", identity.name.strip()), *either]
