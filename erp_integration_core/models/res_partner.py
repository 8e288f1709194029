from odoo import api, fields, models

from ..partners import phone_key

# What another system may hold of a customer: a change to any of them is announced.
CUSTOMER_FIELDS = frozenset(
    ("name", "email", "phone", "street", "street2", "city", "zip", "country_id", "vat", "company_registry")
    + ("function", "website", "parent_id")
)


class ResPartner(models.Model):
    _inherit = "res.partner"

    # Partner matching looks people up by e-mail, then phone: indexed, a lookup
    # reads a few rows instead of the whole partner table.
    email_normalized = fields.Char(index="btree_not_null")
    integration_phone_key = fields.Char(
        compute="_compute_integration_phone_key",
        store=True,
        index="btree_not_null",
        help="The phone number as digits in international form (07700 900123 and +44 7700 900123 alike), "
        "so that partner matching finds it however it was written.",
    )

    def write(self, vals):
        result = super().write(vals)
        if CUSTOMER_FIELDS.intersection(vals):
            # A channel that keeps another system's customers in step hears of it (Odoo owning customers).
            self.env["integration.backend"]._notify("partner.changed", self)
        return result

    @api.depends("phone")
    def _compute_integration_phone_key(self):
        for partner in self:
            partner.integration_phone_key = phone_key(partner.phone)
