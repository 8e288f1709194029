from odoo import models

# What channels show of a product that Odoo may own: its name and its price.
NOTIFIED_FIELDS = {"name", "list_price"}


class ProductTemplate(models.Model):
    _inherit = "product.template"

    def write(self, vals):
        result = super().write(vals)
        if NOTIFIED_FIELDS & set(vals):
            # Products shared between companies concern every company's channels.
            companies = self.company_id if all(template.company_id for template in self) else None
            self.env["integration.backend"]._notify("product.changed", self, companies=companies)
        return result
