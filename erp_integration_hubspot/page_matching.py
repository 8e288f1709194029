"""The core's partner matching for a whole page of the initial load at once.

``PartnerMatcher.find`` asks the database one to five questions per record;
a page of a hundred records asked them one by one spent more time looking
than Odoo spent creating the partners. Here each kind of question (VAT
numbers, registration numbers, e-mails, phones, names with postcodes) is
asked once for the page, and every record then takes, among the partners
found, the first that meets its own criteria in the core's order, its own
scope and the lowest id, as ``find`` would. The criteria are the core's own
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

from odoo.fields import Domain
from odoo.tools import SQL

from odoo.addons.erp_integration_core.partners import PartnerMatcher

# What makes a ``like`` pattern more than its text.
LIKE_SPECIAL = frozenset("%_\\")


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


class PageMatcher(PartnerMatcher):
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
        """Where ``find`` looks for ``identity``: the backend's reach, among ``parent``'s people (or at the top)."""
        scope = [*self.backend._own_records(), ("parent_id", "=", parent.id if parent else False)]
        if identity.is_company:
            scope.append(("is_company", "=", True))
        return scope
