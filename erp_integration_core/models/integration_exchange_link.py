from odoo import _, api, fields, models


class IntegrationExchangeLink(models.Model):
    """An Odoo record an exchange created or changed: the digital link finance follows."""

    _name = "integration.exchange.link"
    _description = "Integration Exchange Link"
    _order = "id"

    exchange_id = fields.Many2one("integration.exchange", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="exchange_id.company_id", store=True, precompute=True)
    res_model = fields.Char(string="Model", required=True, index=True)
    res_id = fields.Many2oneReference(string="Record ID", model_field="res_model", required=True, index=True)
    operation = fields.Selection(
        [("created", "Created"), ("updated", "Updated"), ("deleted", "Deleted"), ("sent", "Sent")],
        required=True,
        default="created",
        help="Sent: the record's figures went out in this exchange (a stock level, a price).",
    )
    changed_fields = fields.Char()
    record_name = fields.Char(compute="_compute_record_name")

    @api.depends("res_model", "res_id")
    def _compute_record_name(self):
        for link in self:
            record = self.env[link.res_model].browse(link.res_id).exists() if link.res_model in self.env else None
            if not record:
                link.record_name = f"{link.res_model},{link.res_id}"
            elif record.has_access("read"):
                link.record_name = record.display_name
            else:
                # An operator without sales or stock rights still opens the exchange, not the record.
                link.record_name = _("%(model)s #%(id)s (no access)", model=record._description, id=record.id)

    def action_open_record(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": self.res_model,
            "res_id": self.res_id,
            "view_mode": "form",
        }
