"""HubSpot companies, contacts and won deals into Odoo partners and sale orders.

A webhook event names an object and what changed; the import reads the
object as it is now, so events that arrive twice or out of order converge on
the same result. Partners are found through the core's partner matcher (VAT
number, company registration number, e-mail in any case, phone, name and
postcode) before one is created; which side may overwrite an existing partner
is the backend's *Customers* system-of-record choice. A contact on the
core's suppression list (someone erased at their request) is never imported
again, whichever event or page brings them.
"""

import contextlib
import copy
from dataclasses import dataclass
from decimal import Decimal

from odoo import fields

from odoo.addons.erp_integration_core.lib import errors, fix_keys, shape, vat_numbers
from odoo.addons.erp_integration_core.lib.amounts import CENT
from odoo.addons.erp_integration_core.lib.errors import BusinessError, Ignored, MappingError, TaxError, ValidationError
from odoo.addons.erp_integration_core.lib.events import Event
from odoo.addons.erp_integration_core.lib.mapping import apply_mappings
from odoo.addons.erp_integration_core.partners import (
    PartnerIdentity,
    PartnerMatcher,
    compact,
    email_key,
    phone_key,
)
from odoo.addons.erp_integration_core.personal_data import PersonalData, identifier_hashes, reference_hash
from odoo.addons.erp_integration_core.work import Component

from .field_mappings import COMPANY, CONTACT, DEFAULTS
from .lib.records import (
    COMPANY_PROPERTIES,
    CONTACT_PROPERTIES,
    DEAL_PROPERTIES,
    LINE_ITEM_PROPERTIES,
    LOST,
    SINGULAR,
    WON,
    associated,
    parse_deal,
    parse_line_item,
    properties,
    timestamp,
)

# Where a cursor keeps what it read of HubSpot objects (``CrmImport._read``).
READS = "erp_integration_hubspot.reads"
DEAL = SINGULAR["deals"]


def checked_vat(number, company_name):
    """A VAT number in compact form (``GB123456789``) once the core's check of format and digits passes, else None."""
    return vat_numbers.checked(
        number,
        f"HubSpot company '{company_name}'",
        fix="Correct it in HubSpot (or clear it), then press Retry.",
    )


class Suppressed(errors.Suppressed):
    """A contact who asked to be erased: skipped, with a reason that names the HubSpot id and nothing personal."""

    def __init__(self, contact_id):
        super().__init__(
            f"HubSpot contact {contact_id} is on the suppression list (Integration > Configuration > Erased "
            "people: erased at their request), so Odoo does not import them again. Nothing to do in Odoo; if "
            "HubSpot should not hold them either, delete the contact there for privacy (GDPR delete)."
        )


@dataclass(frozen=True)
class Plan:
    """A HubSpot company or contact read and checked, before its partner is found or created."""

    flow: str
    external_id: str
    source: dict
    identity: PartnerIdentity
    modified: str | None
    parent: object = None

    def keys(self):
        """What would make two records of one page the same partner: the matcher finds neither before creation."""
        identity = self.identity
        postcode = compact(identity.zip)
        keys = {
            ("email", email_key(identity.email)),
            ("vat", compact(identity.vat)),
            ("registry", compact(identity.company_registry)),
            ("phone", phone_key(identity.phone)),
            ("name", (identity.name or "").strip().lower() if postcode else None, postcode),
        }
        return {key for key in keys if key[1]}


class CrmImport(Component):
    def __init__(self, work):
        super().__init__(work)
        self.binding = self.env["integration.binding"]
        self.matcher = PartnerMatcher(self.backend)
        self.Partner = self.env["res.partner"].with_context(tracking_disable=True)
        self.specs = {}
        self.remembered = {}
        # The suppressed identifier hashes of a load page, read once for the page.
        self.suppressed = None

    def _read(self, kind, object_id, props, associations=()):
        """HubSpot object ``object_id`` as it is now, or as this cursor last read it if that covers the event.

        An event is sent once HubSpot has made its change, so a read made
        after the event was stored shows it. When a job applies the events
        waiting behind one about the same object (ten property changes of a
        contact, say: a backlog batch), the object is therefore read once for
        every event already stored when it was read, not once each against
        the portal's rate limit. Which were stored is taken from the database
        just before the read, so no clocks are compared; an event stored
        after it gets a read of its own.
        """
        exchange = self.exchange
        if not exchange or exchange.lock_key != f"{SINGULAR[kind]}:{object_id}":
            return self.client.get_object(kind, object_id, props, associations=associations)
        reads = self.env.cr.cache.setdefault(READS, {})
        key = (self.backend.id, exchange.lock_key, tuple(props), tuple(associations))
        read = reads.get(key)
        if read and exchange.id in read[1]:
            return copy.deepcopy(read[0])
        self.env.cr.execute(
            "SELECT id FROM integration_exchange WHERE backend_id = %s AND lock_key = %s AND state = 'queued'",
            [self.backend.id, exchange.lock_key],
        )
        stored = {row[0] for row in self.env.cr.fetchall()} | {exchange.id}
        record = self.client.get_object(kind, object_id, props, associations=associations)
        reads[key] = (record, stored)
        return copy.deepcopy(record)

    # Partners ---------------------------------------------------------------

    def import_company(self, company_id, record=None):
        """The business partner of HubSpot company ``company_id``, created or updated from HubSpot.

        ``record`` is the company as a page of the initial load brought it;
        otherwise it is read now, so an event seen late converges all the same.
        """
        return self._partner(self._company_plan(company_id, record))

    def import_contact(self, contact_id, record=None):
        """The person of HubSpot contact ``contact_id``, under the partner of their primary company."""
        return self._partner(self._contact_plan(contact_id, record))

    def _company_plan(self, company_id, record=None):
        """What Odoo needs to know of a company to find or create its partner; nothing is written."""
        if record is None:
            record = self._read("companies", company_id, COMPANY_PROPERTIES)
        if record is None:
            raise Ignored(f"HubSpot company {company_id} no longer exists (deleted or merged).")
        props = properties(record, f"company {company_id}")
        name = shape.opt_text(props, "name", f"company {company_id}")
        if not name:
            raise ValidationError(f"HubSpot company {company_id} has no name. Name it in HubSpot, then press Retry.")
        source = dict(props, vat=checked_vat(props.get("vat_number"), name))
        identity = PartnerIdentity(
            name=name,
            phone=props.get("phone"),
            zip=props.get("zip"),
            vat=source["vat"],
            company_registry=props.get("company_registration_number"),
            is_company=True,
        )
        return Plan(COMPANY, str(company_id), source, identity, props.get("hs_lastmodifieddate"))

    def _contact_plan(self, contact_id, record=None, parents=None):
        """The same for a contact; its company is imported first unless ``parents`` (bound companies) is given."""
        if record is None:
            record = self._read("contacts", contact_id, CONTACT_PROPERTIES, associations=("companies",))
        if record is None:
            raise Ignored(f"HubSpot contact {contact_id} no longer exists (deleted or merged).")
        at = f"contact {contact_id}"
        props = properties(record, at)
        self._check_not_suppressed(contact_id, props)
        name = " ".join(part for part in (props.get("firstname"), props.get("lastname")) if part) or props.get("email")
        if not name:
            raise ValidationError(f"HubSpot {at} has neither a name nor an e-mail. Complete it, then press Retry.")
        companies = associated(record, "companies")
        if not companies:
            parent = self.Partner.browse()
        elif parents is not None:
            parent = parents.get(companies[0]) or self.Partner.browse()
            if not parent:
                return None
        else:
            parent = self._company(companies[0])
        identity = PartnerIdentity(name=name, email=props.get("email"), phone=props.get("phone"), zip=props.get("zip"))
        source = dict(props, name=name, parent_id=parent.id or False)
        return Plan(CONTACT, str(contact_id), source, identity, props.get("lastmodifieddate"), parent)

    def _check_not_suppressed(self, contact_id, props):
        """Raise ``Suppressed`` if the contact's e-mail or phone is on the company's suppression list."""
        hashes = identifier_hashes(props.get("email"), props.get("phone")) | {
            reference_hash(self.backend, contact_id, CONTACT)
        }
        if self.suppressed is not None:
            suppressed = hashes & self.suppressed
        else:
            suppressed = self.env["integration.suppression"]._suppressed_hashes(self.company, hashes)
        if suppressed:
            raise Suppressed(contact_id)

    def merge(self, kind, event):
        """HubSpot merged records into one: their partner's binding moves to the survivor, which is read again.

        When Odoo has two of them as different partners, a person decides:
        merging partners is not undone as easily as it is done.
        """
        survivor = str(shape.required(event, "newObjectId", "event"))
        merged = [str(i) for i in shape.opt_list(event, "mergedObjectIds", "event") if str(i) != survivor]
        bindings = self.binding.search(self.binding._domain(self.backend, "res.partner", [survivor, *merged], kind))
        partners = self.Partner.browse(bindings.mapped("res_id")).exists()
        if len(partners) > 1:
            raise BusinessError(
                f"HubSpot merged {kind}s {', '.join(merged)} into {survivor}, but Odoo has them as different partners: "
                f"{', '.join(partners.mapped('display_name'))}. Merge the partners in Odoo (Contacts, select them, "
                "Action > Merge), then press Retry."
            )
        moved = bindings.filtered(lambda binding: binding.external_id != survivor)
        if moved and not bindings - moved:
            moved[:1].external_id = survivor
            (moved - moved[:1]).unlink()
        importer = self.import_company if kind == "company" else self.import_contact
        return {"survivor": survivor, "merged": merged, "partner": importer(survivor).id}

    def _company(self, company_id):
        """The partner of a contact's company: the one bound already, else imported now."""
        bound = self.binding._find(self.backend, "res.partner", company_id, COMPANY)
        return bound or self.import_company(company_id)

    def load(self, kind, records):
        """A page of the initial load: every company or contact on it, imported from the page itself.

        The page's partners are looked for once for the whole page
        (``PartnerMatcher.find_many``); those Odoo has no match for are created together,
        several times faster than one by one. The others (bound already,
        matched, twice on the page, or a contact whose company is not in
        yet) are imported one by one. A record that cannot be imported (an
        invalid VAT number, say) is undone alone and queued as an exchange of
        its own, which reads it again and waits in the exception queue with
        its reason; the rest of the page is imported. A contact on the
        suppression list is skipped and only counted.
        """
        singular = "company" if kind == "companies" else "contact"
        ids = [str(shape.required(record, "id", kind)) for record in records]
        bound = self._bound_partners(singular, ids)
        plans, waiting, suppressed = self._load_plans(kind, ids, records)
        matches = self._matches([plan for _id, _record, plan in plans if plan and plan.external_id not in bound])
        planned, alone, keys = [], [], set()
        for object_id, record, plan in plans:
            identity_keys = plan.keys() if plan else set()
            if plan is None or object_id in bound or object_id in matches or keys & identity_keys:
                alone.append((object_id, record, plan))
                continue
            keys |= identity_keys
            planned.append(plan)
        partners = self._create_partners(planned)
        importer = self.import_company if kind == "companies" else self.import_contact
        for object_id, record, plan in alone:
            try:
                with self.env.cr.savepoint():
                    match = matches.get(object_id)
                    partners |= self._partner(plan, match) if match else importer(object_id, record)
            except (ValidationError, MappingError, BusinessError, Ignored) as err:
                waiting.append(self._alone(singular, object_id, err))
        if waiting:
            self.backend._receive_events(waiting)
        return {
            "imported": len(partners),
            "created_together": len(planned),
            "queued_alone": [event.external_id for event in waiting],
            "suppressed": suppressed,
        }

    def _load_plans(self, kind, ids, records):
        """``(id, record, plan)`` of every record of a page that reads well, an event for each that does not,
        and how many are people on the suppression list.

        A contact's plan is None while their company is not bound: it is then imported alone, company first.
        """
        singular = "company" if kind == "companies" else "contact"
        parents = None
        if kind == "contacts":
            parents = self._bound_partners(
                COMPANY, [company for record in records for company in associated(record, "companies")[:1]]
            )
            self.suppressed = self._page_suppressed(records)
        plans, waiting, suppressed = [], [], 0
        for object_id, record in zip(ids, records, strict=True):
            try:
                plan = (
                    self._company_plan(object_id, record)
                    if kind == "companies"
                    else self._contact_plan(object_id, record, parents)
                )
            except Suppressed:
                suppressed += 1
                continue
            except (ValidationError, MappingError, BusinessError, Ignored) as err:
                waiting.append(self._alone(singular, object_id, err))
                continue
            plans.append((object_id, record, plan))
        return plans, waiting, suppressed

    def _page_suppressed(self, records):
        """The identifier hashes of a page's contacts that are on the suppression list, in one query."""
        hashes = set()
        for record in records:
            props = record.get("properties") if isinstance(record, dict) else None
            if isinstance(props, dict):
                hashes |= identifier_hashes(props.get("email"), props.get("phone"))
            if isinstance(record, dict) and record.get("id"):
                hashes.add(reference_hash(self.backend, record["id"], CONTACT))
        return self.env["integration.suppression"]._suppressed_hashes(self.company, hashes)

    def _matches(self, plans):
        """The partners Odoo already has for ``plans``, by HubSpot id, looked for once for them all."""
        found = self.matcher.find_many([(plan.identity, plan.parent) for plan in plans])
        return {plan.external_id: partner for plan, partner in zip(plans, found, strict=True) if partner}

    def _bound_partners(self, singular, external_ids):
        """The partners bound to these ids of HubSpot companies or contacts (``singular``), by id, in one query."""
        bindings = self.binding.search(self.binding._domain(self.backend, "res.partner", external_ids, singular))
        partners = {partner.id: partner for partner in self.Partner.browse(bindings.mapped("res_id")).exists()}
        return {binding.external_id: partners[binding.res_id] for binding in bindings if binding.res_id in partners}

    def _alone(self, singular, object_id, err):
        """A record of a load page queued as an exchange of its own, which reads it again and says what is wrong."""
        return Event.of(
            f"{singular}.reconcile",
            f"load:{singular}:{object_id}:{self.exchange.id}",
            {"objectId": int(object_id), "reason": err.message[:200]},
            external_type=singular,
            external_id=object_id,
        )

    def _create_partners(self, plans):
        """Create the partners of ``plans`` in one go, bound and linked to the exchange."""
        if not plans:
            return self.Partner.browse()
        values = [self._values(plan) for plan in plans]
        partners = self.Partner.create([dict(vals, company_id=self.company.id) for vals in values])
        self.binding.create(
            [
                {
                    "backend_id": self.backend.id,
                    "res_model": "res.partner",
                    "res_id": partner.id,
                    "external_id": plan.external_id,
                    "external_type": plan.flow,
                    "external_updated_at": timestamp(plan.modified, f"{plan.flow} {plan.external_id}: last modified"),
                    "synced_at": fields.Datetime.now(),
                }
                for plan, partner in zip(plans, partners, strict=True)
            ]
        )
        self.exchange._link(partners, "created", sorted(set().union(*values)))
        return partners

    def _values(self, plan):
        """The partner fields of ``plan`` through the backend's field mappings, and its payment terms if mapped."""
        vals = apply_mappings(plan.source, self._specs(plan.flow), self._lookup_value, self._find_record)
        vals["is_company"] = plan.flow == COMPANY
        if plan.parent:
            vals["parent_id"] = plan.parent.id
        terms = plan.source.get("payment_terms") if plan.flow == COMPANY else None
        if terms:
            # Unmapped terms wait for the deal that needs them: it says which mapping is missing.
            with contextlib.suppress(MappingError):
                term = self._lookup_value("payment_terms", terms)
                if term:
                    vals["property_payment_term_id"] = term.id
        return vals

    def _specs(self, flow):
        """The backend's field mappings of ``flow`` (else the channel's defaults), read once, not once per record."""
        if flow not in self.specs:
            mappings = self.backend.field_mapping_ids.filtered(lambda m: m.active and m.flow == flow)
            self.specs[flow] = [m._as_spec() for m in mappings] if mappings else DEFAULTS[flow]
        return self.specs[flow]

    def _lookup_value(self, map_type, external_value, mapping=None):
        """The backend's value mapping, asked once per value: a page's companies share a few payment terms."""
        return self._remembered(self.backend._lookup_value, map_type, external_value)

    def _find_record(self, model, field, value, mapping=None):
        """The record a ``record`` mapping names, asked once per value: a page's records share a few countries."""
        return self._remembered(self.backend._find_record, model, field, value)

    def _remembered(self, compute, *args):
        """``compute(*args)`` asked once: its answer, or its mapping error, is remembered."""
        key = (compute.__name__, *args)
        if key not in self.remembered:
            try:
                self.remembered[key] = (compute(*args), None)
            except MappingError as err:
                self.remembered[key] = (None, err)
        answer, error = self.remembered[key]
        if error:
            raise error
        return answer

    def delete(self, kind, object_id):
        """A company or contact deleted in HubSpot (restorable there): archived in Odoo when HubSpot owns customers."""
        partner = self.binding._find(self.backend, "res.partner", object_id, kind)
        if not partner:
            raise Ignored(f"HubSpot {kind} {object_id} was deleted; Odoo never imported it.")
        if self.backend.owner_customers != "external":
            raise Ignored(
                f"HubSpot {kind} {object_id} was deleted; Odoo owns customers on backend '{self.backend.name}', "
                f"so {partner.display_name} stays as it is."
            )
        partner.active = False
        self.exchange._link(partner, "updated", ["active"])
        return {"archived": partner.id}

    def privacy_delete(self, contact_id):
        """A contact deleted for privacy in HubSpot: its person erased, and every payload about them redacted.

        What a posted invoice holds stays, as the law asks (the core keeps it on legal hold).
        """
        contact_id = str(contact_id)
        partner = self.binding._find(self.backend, "res.partner", contact_id, CONTACT)
        personal_data = PersonalData(self.backend)
        about = self.env["integration.exchange"].search(
            [
                ("backend_id", "=", self.backend.id),
                ("external_type", "=", "contact"),
                ("external_id", "=", contact_id),
                ("id", "!=", self.exchange.id),
            ]
        )
        terms = [term for term in (partner.email, partner.phone) if term] if partner else []
        result = personal_data.erase(partner, terms, exclude=self.exchange, exchange=self.exchange)
        result["payloads_redacted"] += personal_data.redact(about)
        return result

    def _partner(self, plan, match=None):
        """Find (binding, then ``match`` or the matcher) or create the partner; update it if HubSpot owns customers."""
        flow, external_id, identity, parent = plan.flow, plan.external_id, plan.identity, plan.parent
        updated = timestamp(plan.modified, f"{flow} {external_id}: last modified date")
        vals = self._values(plan)
        binding = self.binding.search(self.binding._domain(self.backend, "res.partner", [external_id], flow), limit=1)
        bound = self.Partner.browse(binding.res_id).exists() if binding else self.Partner.browse()
        if bound and binding._is_stale(updated):
            return bound
        if bound and not bound.active and self.backend.owner_customers == "external":
            # Deleted in HubSpot and archived here; HubSpot has it again (restored).
            vals["active"] = True
        found = bound or match or self.matcher.find(identity, parent=parent)
        if not found:
            found = self.Partner.create(dict(vals, company_id=self.company.id))
            self.exchange._link(found, "created", sorted(vals))
        elif self.backend.owner_customers == "external" or not found.property_payment_term_id:
            if self.backend.owner_customers != "external":
                vals = {key: vals[key] for key in ("property_payment_term_id",) if key in vals}
            changed = {
                key: value
                for key, value in vals.items()
                if found._fields[key].convert_to_write(found[key], found) != value
            }
            if changed:
                found.write(changed)
                self.exchange._link(found, "updated", sorted(changed))
        if binding:
            binding.write({"external_updated_at": updated, "res_id": found.id, "synced_at": fields.Datetime.now()})
        elif not self.binding.search_count(
            [("backend_id", "=", self.backend.id), ("res_model", "=", "res.partner"), ("res_id", "=", found.id)]
        ):
            self.binding._bind(self.backend, found, external_id, updated, external_type=flow)
        # Otherwise HubSpot holds this person twice (e-mails cased differently,
        # say): the partner stays bound to the first, and the matcher finds it
        # for the second every time.
        return found

    # Deals ------------------------------------------------------------------

    def import_deal(self, deal_id):
        """A won deal becomes a sale order, once; anything else is said plainly."""
        record = self._read("deals", deal_id, DEAL_PROPERTIES, associations=("companies", "contacts", "line_items"))
        if record is None:
            raise Ignored(f"HubSpot deal {deal_id} no longer exists (deleted or merged).")
        deal = parse_deal(record, self.company.currency_id.decimal_places)
        outcome = self._outcome(deal.stage)
        sale = self.binding._find(self.backend, "sale.order", deal.id, DEAL)
        if sale:
            return self._already_imported(sale, deal, outcome)
        if outcome == "lost":
            raise Ignored(f"HubSpot deal '{deal.name}' was lost (stage '{deal.stage}'): nothing to do in Odoo.")
        if outcome != "won":
            raise Ignored(f"HubSpot deal '{deal.name}' is in stage '{deal.stage}': only won deals become sale orders.")
        return self._create(deal)

    def _mapping(self, map_type, external_value):
        """The backend's value mapping of ``external_value``, if it has one (empty if not)."""
        return self.env["integration.value.mapping"].search(
            [
                ("backend_id", "=", self.backend.id),
                ("map_type", "=", map_type),
                ("external_value", "=", external_value or ""),
            ],
            limit=1,
        )

    def _outcome(self, stage):
        """``won``, ``lost`` or ``open``: the backend's deal_stage mapping, else HubSpot's default pipeline."""
        mapping = self.env["integration.value.mapping"].search(
            [
                ("backend_id", "=", self.backend.id),
                ("map_type", "=", "deal_stage"),
                ("external_value", "=", stage or ""),
            ],
            limit=1,
        )
        if mapping.odoo_value in ("won", "lost", "open"):
            return mapping.odoo_value
        return {WON: "won", LOST: "lost"}.get(stage, "open")

    def _already_imported(self, sale, deal, outcome):
        """A deal seen again: the same won deal is a no-op; a reopened or changed one is for a person."""
        amount_changed = deal.amount is not None and sale.currency_id.compare_amounts(
            float(deal.amount), sale.amount_untaxed
        )
        won = outcome == "won"
        if won and not amount_changed:
            return {"sale_order": sale.id, "skipped": "already imported"}
        change = f"is now in stage '{deal.stage}'" if not won else f"now amounts to {deal.amount}"
        raise BusinessError(
            f"HubSpot deal '{deal.name}' {change}, but it was won and imported as {sale.name} "
            f"({sale.amount_untaxed:.2f} {sale.currency_id.name} before tax). Decide in Odoo (amend or cancel "
            f"{sale.name}), then Ignore this exchange with the reason."
        )

    def _create(self, deal):
        customer, contact = self._customer(deal)
        currency = self._currency(deal)
        items = self._items(deal, currency)
        products = self._products(deal, items)
        vals = {
            "partner_id": customer.id,
            "company_id": self.company.id,
            "client_order_ref": deal.purchase_order or False,
            "origin": f"HubSpot deal {deal.id}: {deal.name}",
            "pricelist_id": self.backend._sale_pricelist(currency, "HubSpot deals in that currency").id,
            "order_line": [(0, 0, self._line(item, products[item.sku])) for item in items],
        }
        if contact:
            vals["partner_invoice_id"] = customer.id
            vals["partner_shipping_id"] = contact.id
        if deal.closed_at:
            vals["date_order"] = deal.closed_at
        terms = deal.payment_terms
        if terms:
            try:
                vals["payment_term_id"] = self.backend._lookup_value("payment_terms", terms).id
            except MappingError as err:
                raise MappingError(
                    f"HubSpot deal '{deal.name}' has the payment terms '{terms}', which have no Odoo payment term "
                    f"on backend '{self.backend.name}'. Map them under Configuration > Value mappings "
                    "(type payment_terms), then press Retry."
                ) from err
        sale = self.env["sale.order"].with_context(tracking_disable=True).create(vals)
        self._check(sale, deal, items)
        self.exchange._link(sale, "created", sorted(vals))
        self.binding._bind(self.backend, sale, deal.id, deal.updated_at, external_type=DEAL)
        result = {"sale_order": sale.id, "amount": str(deal.amount)}
        if self.backend.hubspot_deal_policy == "confirm":
            # Service products set to create a project or task get them here,
            # through Odoo's own sale-project link.
            sale.action_confirm()
            projects = self._projects(sale, deal)
            if projects:
                result["projects"] = projects.ids
        return result

    def _currency(self, deal):
        """The deal's currency: its currency mapping when the backend has one, else the Odoo currency of that code."""
        code = deal.currency or self.company.currency_id.name
        mapping = self._mapping("currency", code)
        if mapping.odoo_record and mapping.odoo_record._name == "res.currency" and mapping.odoo_record.active:
            return mapping.odoo_record
        return self.backend._sale_currency(code, f"HubSpot deal '{deal.name}'")

    def _projects(self, sale, deal):
        """The projects and tasks the order's service lines made, planned from the deal.

        A project runs from the day the deal was won to its requested delivery
        date, and its tasks are due then; Odoo keeps a project's dates as a
        pair, so a deal without a delivery date leaves them to the project manager.
        """
        lines = sale.order_line
        projects = lines.project_id | lines.task_id.project_id
        start = deal.closed_at.date() if deal.closed_at else None
        if projects and start and deal.delivery_date and deal.delivery_date >= start:
            projects.filtered(lambda project: not project.date_start).write(
                {"date_start": start, "date": deal.delivery_date}
            )
            lines.task_id.filtered(lambda task: not task.date_deadline).date_deadline = deal.delivery_date
        if projects:
            self.exchange._link(projects, "created", ["date_start", "date"])
        return projects

    def _customer(self, deal):
        """The deal's company as the customer (its contact beside it), else its contact alone.

        A contact on the suppression list is left out: the deal is the
        company's; with no company, a person decides how to record the sale.
        """
        contact, suppressed = self.Partner.browse(), None
        if deal.contacts:
            try:
                contact = self.import_contact(deal.contacts[0])
            except Suppressed:
                suppressed = deal.contacts[0]
        if deal.companies:
            return self.import_company(deal.companies[0]), contact
        if contact:
            return contact, self.Partner.browse()
        if suppressed:
            raise BusinessError(
                f"HubSpot deal '{deal.name}' was won with contact {suppressed} alone, who is on the suppression list "
                "(erased at their request), so Odoo does not create them again. Associate the deal with the "
                "customer's company in HubSpot and press Retry, or record the sale by hand and Ignore this "
                "exchange with the reason."
            )
        raise ValidationError(
            f"HubSpot deal '{deal.name}' has neither a company nor a contact: Odoo needs a customer. "
            "Associate one in HubSpot, then press Retry."
        )

    def _items(self, deal, currency):
        if not deal.line_items:
            raise ValidationError(
                f"HubSpot deal '{deal.name}' has no line items: Odoo cannot tell what was sold. "
                "Add the products to the deal in HubSpot, then press Retry."
            )
        records = self.client.batch_read("line_items", deal.line_items, LINE_ITEM_PROPERTIES)
        items = [parse_line_item(record, deal, currency.decimal_places) for record in records]
        if len(items) != len(deal.line_items):
            raise ValidationError(
                f"HubSpot deal '{deal.name}' lists {len(deal.line_items)} line items but {len(items)} could be read. "
                "Press Retry; if it persists, check the deal's line items in HubSpot."
            )
        return items

    def _products(self, deal, items):
        """The Odoo product of every line, by SKU (internal reference), or a mapping error naming those missing."""
        skus = {item.sku for item in items if item.sku}
        found = self.env["product.product"].search([("default_code", "in", list(skus)), *self.backend._own_records()])
        by_sku = {product.default_code: product for product in found}
        unknown = [item.name for item in items if not item.sku] + sorted(skus - set(by_sku))
        if unknown:
            raise MappingError(
                f"HubSpot deal '{deal.name}' has lines Odoo has no product for: {', '.join(unknown)}. "
                "Give each HubSpot product the SKU of an Odoo product (its Internal Reference), then press Retry.",
                fix_key=fix_keys.product_key(*unknown),
            )
        return by_sku

    def _line(self, item, product):
        line = {"product_id": product.id, "product_uom_qty": float(item.quantity), "name": item.name}
        percent = (item.discount / item.price * 100).quantize(CENT) if item.price else Decimal(0)
        # Odoo keeps a discount as a percentage: use it when it gives the same
        # amount to the penny, else the agreed net price, discount in the text.
        if item.discount and (item.quantity * item.price * (1 - percent / 100)).quantize(CENT) == item.amount:
            line |= {"price_unit": float(item.price), "discount": float(percent)}
        elif item.discount:
            line |= {
                "price_unit": float(item.price - item.discount),
                "name": f"{item.name} (less {item.discount} each)",
            }
        else:
            line["price_unit"] = float(item.price)
        return line

    def _check(self, sale, deal, items):
        """Every line taxed, and the Odoo amount before tax equal to the deal's to the penny."""
        untaxed = [line.product_id.display_name for line in sale.order_line if not line.tax_ids]
        if untaxed:
            raise TaxError(
                f"HubSpot deal '{deal.name}': {', '.join(untaxed)} would be sold with no tax at all. Give the "
                "product its Customer Taxes (a zero-rated or exempt tax where no VAT is due), then press Retry."
            )
        expected = deal.amount if deal.amount is not None else sum(item.amount for item in items)
        if sale.currency_id.compare_amounts(float(expected), sale.amount_untaxed):
            raise BusinessError(
                f"HubSpot deal '{deal.name}' amounts to {expected} {sale.currency_id.name}, but its lines make "
                f"{sale.amount_untaxed:.2f} in Odoo. Correct the deal's amount or lines in HubSpot, then press Retry."
            )
