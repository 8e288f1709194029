from odoo import fields, models

from ..lib.mapping import TRANSFORMS


class IntegrationFieldMapping(models.Model):
    """External payload path → Odoo field, with a transform. Data, not code."""

    _name = "integration.field.mapping"
    _inherit = ["integration.audited.mixin"]
    _description = "Integration Field Mapping"
    _audit_prefix = "field_mapping"
    _order = "backend_id, flow, sequence, id"

    backend_id = fields.Many2one("integration.backend", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="backend_id.company_id", store=True)
    active = fields.Boolean(default=True)
    sequence = fields.Integer(default=10)
    name = fields.Char(required=True)
    flow = fields.Char(required=True, help="Flow code the mapping applies to, e.g. order.import.")
    source = fields.Char(string="External path", help="Dotted path; [] walks a list, e.g. line_items[].sku.")
    target = fields.Char(string="Odoo field", required=True)
    transform = fields.Selection(TRANSFORMS, required=True, default="direct")
    value_map = fields.Char(string="Value map type", help="With the 'Value map' transform, e.g. tax or carrier.")
    constant = fields.Char()
    separator = fields.Char()
    date_format = fields.Char(help="strptime format; empty means ISO 8601.")
    factor = fields.Float(string="Unit factor", default=1.0, digits=(16, 6))
    record_model = fields.Char(string="Odoo model", help="With the 'Odoo record' transform, e.g. res.country.")
    record_field = fields.Char(
        string="Identified by", help="With the 'Odoo record' transform, the field the value is, e.g. code."
    )
    required = fields.Boolean()
    default = fields.Char()

    def _as_spec(self):
        self.ensure_one()
        return {
            "name": self.name,
            "source": self.source or None,
            "target": self.target,
            "transform": self.transform,
            "value_map": self.value_map or None,
            "constant": self.constant or None,
            "separator": self.separator or None,
            "date_format": self.date_format or None,
            "factor": self.factor,
            "record_model": self.record_model or None,
            "record_field": self.record_field or None,
            "required": self.required,
            "default": self.default or None,
        }
