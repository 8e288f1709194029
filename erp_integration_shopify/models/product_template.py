from odoo import models

PRODUCT_DEBOUNCE_SECONDS = 30
# What Shopify shows of a product that Odoo may own: its title and its price.
PUSHED_FIELDS = {"name", "list_price"}


class ProductTemplate(models.Model):
    _inherit = "product.template"

    def write(self, vals):
        result = super().write(vals)
        if PUSHED_FIELDS & set(vals):
            # One debounced run pushes whatever changed in the meantime.
            # Products shared between companies concern every company's shop.
            companies = self.company_id if all(template.company_id for template in self) else None
            self.env["integration.flow"]._trigger_realtime(
                "shopify", "products.push", PRODUCT_DEBOUNCE_SECONDS, companies=companies
            )
        return result
