"""When Odoo owns customers, its partners' details written back to their HubSpot companies and contacts.

The backend's field mappings say which HubSpot property a partner field
comes from; pushed, they say where it goes: a direct mapping writes the field
as it is, a record mapping the record's name (a country), the checked VAT
number goes to ``vat_number``. A contact's name stays as HubSpot splits it
(first and last). Only what changed since it was last sent (or linked) goes,
so the first push never blanks what HubSpot has and Odoo lacks; a field
cleared in Odoo afterwards is cleared in HubSpot too. The writes come back as
HubSpot events from the backend's own app, which are ignored as echoes.
"""

from .field_mappings import COMPANY, CONTACT, DEFAULTS
from .push import PropertyPush

FLOWS = {"companies": COMPANY, "contacts": CONTACT}
# Values HubSpot derives from others, which are not pushed back as they are.
DERIVED = {"contacts": {"name"}, "companies": set()}
PUSHED_AS = {"vat": "vat_number"}


class CustomerPush(PropertyPush):
    flow = "customers.push"
    kinds = {"companies": "res.partner", "contacts": "res.partner"}
    what = "customer details"
    fix = "Correct the partner in Odoo, or the backend's field mappings for company and contact."

    def __init__(self, work):
        super().__init__(work)
        self.specs = {}

    def _specs(self, kind):
        """The backend's field mappings of ``kind``, read once per push rather than once per partner."""
        if kind not in self.specs:
            flow = FLOWS[kind]
            mappings = self.backend.field_mapping_ids.filtered(lambda m: m.active and m.flow == flow)
            self.specs[kind] = [m._as_spec() for m in mappings] if mappings else DEFAULTS[flow]
        return self.specs[kind]

    def _record_values(self, kind, partner):
        values = {}
        for spec in self._specs(kind):
            source, target = spec.get("source"), spec.get("target")
            if not source or source in DERIVED[kind] or target not in partner._fields:
                continue
            value = partner[target]
            if spec.get("transform") == "record":
                value = value[spec.get("record_field") or "display_name"] if value else ""
            elif spec.get("transform") != "direct":
                continue
            values[PUSHED_AS.get(source, source)] = "" if value is False or value is None else str(value)
        return values
