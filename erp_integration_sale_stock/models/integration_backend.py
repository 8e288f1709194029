from odoo import fields, models

from odoo.addons.erp_integration_core.lib.errors import MappingError


class IntegrationBackend(models.Model):
    _inherit = "integration.backend"

    locked_period_policy = fields.Selection(
        [
            ("exception", "Wait in the exception queue"),
            ("first_open", "Post on the first open date, with a note"),
        ],
        string="A document in a locked period",
        default="exception",
        required=True,
        help="What happens to an invoice or credit note the integration would date in a period closed by a lock "
        "date (a filed VAT quarter, a closed year): held for a person, or posted on the first date still open "
        "with a note saying why. The integration never changes a posted entry either way.",
    )

    def _sale_currency(self, code, source):
        """The active Odoo currency ``code`` names; ``source`` says what asked (e.g. "Shopify order #1001")."""
        currency = self.env["res.currency"].search([("name", "=", code)], limit=1)
        if not currency:
            raise MappingError(
                f"{source} is in {code}, which is not active in Odoo. Activate the currency under "
                "Accounting > Configuration > Currencies, then press Retry."
            )
        return currency

    def _sale_pricelist(self, currency, source):
        """The pricelist a sale order in ``currency`` carries; none in the company's own currency.

        The other system set the prices: a pricelist only carries the currency,
        so one must exist; it is never made up.
        """
        self.ensure_one()
        Pricelist = self.env["product.pricelist"]
        if currency == self.company_id.currency_id:
            return Pricelist.browse()
        pricelist = Pricelist.search([("currency_id", "=", currency.id), *self._own_records()], limit=1)
        if not pricelist:
            raise MappingError(
                f"No pricelist in {currency.name} for {source}. Create one under Sales > Products > Pricelists, "
                "then press Retry."
            )
        return pricelist
