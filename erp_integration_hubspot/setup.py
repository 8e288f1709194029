"""Onboarding a HubSpot portal: the private app's scopes, the suite's properties, proposed mappings, flows.

A private app's webhooks are subscribed in the app's settings in HubSpot, not
through the API, so set-up says where to point them and which events to pick.
Proposals are value mappings for what the portal uses (its deal stages, the
payment terms on its deals and companies, its deal currencies), filled in
where HubSpot or Odoo leaves one sensible answer and empty otherwise.
"""

from odoo.addons.erp_integration_core.lib.errors import AuthError, BusinessError
from odoo.addons.erp_integration_core.work import Component

from .billing import PROPERTIES
from .field_mappings import DEFAULTS

READ_SCOPES = (
    "crm.objects.companies.read",
    "crm.objects.contacts.read",
    "crm.objects.deals.read",
    "crm.objects.line_items.read",
)
# Writing invoice figures back: the objects, and the suite's own property definitions.
WRITE_SCOPES = (
    "crm.objects.companies.write",
    "crm.objects.deals.write",
    "crm.schemas.companies.write",
    "crm.schemas.deals.write",
)
WEBHOOK_EVENTS = (
    *(
        f"{kind}.{change}"
        for kind in ("company", "contact")
        for change in ("creation", "propertyChange", "deletion", "merge", "restore")
    ),
    "contact.privacyDeletion",
    "deal.creation",
    "deal.propertyChange",
)
STAGE_OUTCOMES = ("won", "lost", "open")
FLOWS = (
    ("invoices.push", "Send invoice status to deals", "realtime", 15),
    ("customers.push", "Send customer details (when Odoo owns customers)", "realtime", 15),
    ("invoices.reconcile", "Resend changed invoice status (overdue, missed)", "scheduled", 60),
    ("crm.reconcile", "Catch up on changes webhooks missed", "scheduled", 15),
    ("crm.load", "Initial load of companies and contacts", "manual", 15),
)


def missing_scopes(granted):
    return sorted(set(READ_SCOPES + WRITE_SCOPES) - set(granted or ()))


def stage_outcome(stage):
    """What a pipeline stage means for a deal, from HubSpot's own stage metadata."""
    metadata = stage.get("metadata") or {}
    if str(metadata.get("isClosed")).lower() != "true":
        return "open"
    return "won" if float(metadata.get("probability") or 0) >= 1 else "lost"


class HubSpotSetup(Component):
    def check_token(self):
        """The private app's portal and scopes; its app id is kept to tell the suite's own writes apart."""
        info = self.client.token_info()
        missing = missing_scopes(info.get("scopes"))
        if missing:
            raise AuthError(
                f"The HubSpot private app lacks the scopes {', '.join(missing)}. Grant them in the app's settings "
                "(Settings > Integrations > Private apps > Scopes), then run the set-up again."
            )
        self.backend.hubspot_app_id = str(info.get("appId") or "")
        return info

    def create_properties(self):
        """The deal and company properties the suite writes invoice figures into; those already there are kept."""
        created = []
        for kind in ("deals", "companies"):
            existing = self.client.properties_of(kind)
            definitions = [
                {
                    "name": name,
                    "label": label,
                    "type": type_,
                    "fieldType": field_type,
                    "groupName": f"{'deal' if kind == 'deals' else 'company'}information",
                    "description": "Written by Odoo; changes made in HubSpot are overwritten.",
                    "options": [
                        {"label": option_label, "value": value, "displayOrder": order}
                        for order, (value, option_label) in enumerate(options)
                    ],
                }
                for object_type, name, label, type_, field_type, options in PROPERTIES
                if object_type == kind and name not in existing
            ]
            if not definitions:
                continue
            answer = self.client.create_properties(kind, definitions)
            problems = [e for e in answer.get("errors") or () if e.get("category") != "OBJECT_ALREADY_EXISTS"]
            if problems:
                raise BusinessError(
                    f"HubSpot refused the suite's {kind} properties: "
                    + "; ".join(str(error.get("message")) for error in problems)
                )
            created += [f"{kind}.{result['name']}" for result in answer.get("results") or ()]
        return created

    def propose_mappings(self):
        proposals = []
        pipelines = self.client.get_json("crm/v3/pipelines/deals").get("results") or ()
        for pipeline in pipelines:
            for stage in pipeline.get("stages") or ():
                proposals.append(("deal_stage", str(stage["id"]), stage_outcome(stage)))
        Term = self.env["account.payment.term"]
        for terms in self._values_in_use("payment_terms"):
            matches = Term.search([("name", "=ilike", terms), *self.backend._own_records()])
            proposals.append(("payment_terms", terms, matches if len(matches) == 1 else None))
        currencies = self.client.get_json("crm/v3/properties/deals/deal_currency_code", allowed=(404,))
        Currency = self.env["res.currency"]
        for option in (currencies or {}).get("options") or ():
            active = Currency.search([("name", "=", option["value"])], limit=1)
            proposals.append(("currency", option["value"], active or None))
        return self.backend._propose_value_mappings(proposals)

    def _values_in_use(self, name):
        """The distinct values of property ``name`` on the portal's most recent deals and companies."""
        values = set()
        for kind in ("deals", "companies"):
            body = {
                "filterGroups": [{"filters": [{"propertyName": name, "operator": "HAS_PROPERTY"}]}],
                "properties": [name],
                "limit": 100,
            }
            for record in self.client.search(kind, body).get("results") or ():
                value = (record.get("properties") or {}).get(name)
                if value:
                    values.add(value)
        return sorted(values)

    def run(self):
        info = self.check_token()
        properties = self.create_properties()
        for flow, defaults in DEFAULTS.items():
            self.backend._install_field_mappings(flow, defaults)
        proposals = self.propose_mappings()
        self.backend._install_flows(FLOWS)
        return {
            "portal": info.get("hubId"),
            "properties": properties,
            "proposed_mappings": len(proposals),
            "to_complete": len(proposals.filtered(lambda m: not m._odoo_value())),
            "webhook_url": self.backend.webhook_url,
            "webhook_events": WEBHOOK_EVENTS,
        }
