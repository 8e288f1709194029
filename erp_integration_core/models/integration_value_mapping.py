from odoo import api, fields, models


class IntegrationValueMapping(models.Model):
    """One external value → one Odoo value, e.g. tax 'GB VAT 20%' → the 20% sales tax."""

    _name = "integration.value.mapping"
    _inherit = ["integration.audited.mixin"]
    _description = "Integration Value Mapping"
    _audit_prefix = "value_mapping"
    _order = "backend_id, map_type, external_value"

    backend_id = fields.Many2one("integration.backend", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="backend_id.company_id", store=True)
    map_type = fields.Char(
        string="Type", required=True, help="What is mapped: tax, payment_gateway, carrier, status, uom, country…"
    )
    external_value = fields.Char(required=True)
    odoo_record = fields.Reference(selection="_selection_models", string="Odoo record")
    odoo_value = fields.Char(help="A plain value, when the mapping does not point at a record.")

    _value_unique = models.Constraint(
        "UNIQUE(backend_id, map_type, external_value)", "This external value is already mapped."
    )

    @api.model
    def _selection_models(self):
        # Reading ir.model is for administrators; the list of models is no secret to an integration manager.
        models_ = self.env["ir.model"].sudo().search([("transient", "=", False)])
        return [(model.model, model.name) for model in models_]

    def _odoo_value(self):
        self.ensure_one()
        return self.odoo_record if self.odoo_record else self.odoo_value
