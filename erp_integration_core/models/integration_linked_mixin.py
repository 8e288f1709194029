from odoo import fields, models

READERS = "erp_integration_core.group_integration_user,erp_integration_core.group_integration_auditor"


class IntegrationLinkedMixin(models.AbstractModel):
    """For business documents the suite creates or changes (orders, invoices…).

    Gives them the exchanges behind them, and buttons to open those and to
    trace the document (``integration.trace``: exchanges, payloads and audit
    entries on one page): the digital link from a document back to the
    payload it came from. Only integration users and auditors see them.
    """

    _name = "integration.linked.mixin"
    _description = "Linked to integration exchanges"

    integration_exchange_ids = fields.Many2many(
        "integration.exchange",
        compute="_compute_integration_exchange_ids",
        string="Integration exchanges",
        groups=READERS,
        help="The payloads that created or changed this document: its digital link to the source.",
    )
    integration_exchange_count = fields.Integer(compute="_compute_integration_exchange_ids", groups=READERS)

    def _compute_integration_exchange_ids(self):
        links = self.env["integration.exchange.link"].search(
            [("res_model", "=", self._name), ("res_id", "in", self.ids)]
        )
        exchanges = {}
        for link in links:
            exchanges[link.res_id] = exchanges.get(link.res_id, link.exchange_id.browse()) | link.exchange_id
        for record in self:
            record.integration_exchange_ids = exchanges.get(record.id, self.env["integration.exchange"])
            record.integration_exchange_count = len(record.integration_exchange_ids)

    def action_view_integration_exchanges(self):
        self.ensure_one()
        exchanges = self.integration_exchange_ids
        if len(exchanges) == 1:
            return exchanges._action_open()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Exchanges of %(record)s", record=self.display_name),
            "res_model": "integration.exchange",
            "view_mode": "list,form",
            "domain": [("id", "in", exchanges.ids)],
        }

    def action_view_integration_trace(self):
        """One page from this document to the evidence: exchanges, payloads (SHA-256, received) and audit entries."""
        self.ensure_one()
        return self.env["integration.trace"]._open_for(self)
