from odoo import fields, models


class SaleOrder(models.Model):
    _inherit = "sale.order"

    integration_exchange_ids = fields.Many2many(
        "integration.exchange",
        compute="_compute_integration_exchange_ids",
        string="Integration exchanges",
        groups="erp_integration_core.group_integration_user,erp_integration_core.group_integration_auditor",
        help="The payloads that created or changed this order: its digital link to the source.",
    )

    def _compute_integration_exchange_ids(self):
        links = self.env["integration.exchange.link"].search(
            [("res_model", "=", "sale.order"), ("res_id", "in", self.ids)]
        )
        exchanges = {}
        for link in links:
            exchanges.setdefault(link.res_id, self.env["integration.exchange"])
            exchanges[link.res_id] |= link.exchange_id
        for order in self:
            order.integration_exchange_ids = exchanges.get(order.id, self.env["integration.exchange"])
