from odoo import _, fields, models

# The guided set-up's steps, in the order the wizard takes them.
STEPS = [
    ("credentials", "Credentials"),
    ("connection", "Test connection"),
    ("mappings", "Mappings to review"),
    ("webhooks", "Webhooks"),
    ("flows", "Flows on"),
]


class IntegrationSetupStep(models.Model):
    """Where a backend's guided set-up stands: one row per step, to do, done or failed with its message.

    Stored, because a connection test or a webhook subscription happened at
    one moment and cannot be worked out again from the backend's fields.
    """

    _name = "integration.setup.step"
    _description = "Integration Set-up Step"
    _order = "backend_id, sequence"

    backend_id = fields.Many2one("integration.backend", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="backend_id.company_id", store=True)
    sequence = fields.Integer(required=True)
    step = fields.Selection(STEPS, required=True)
    state = fields.Selection([("todo", "To do"), ("done", "Done"), ("failed", "Failed")], default="todo", required=True)
    message = fields.Text(help="What the step did, or why it failed and what to do.")
    changed_at = fields.Datetime(string="Last change", default=fields.Datetime.now)

    _step_unique = models.Constraint("UNIQUE(backend_id, step)", "A backend has each set-up step once.")

    def _mark(self, state, message):
        self.write({"state": state, "message": message, "changed_at": fields.Datetime.now()})

    def _reset(self, reason):
        """Send steps done or failed back to do, saying why (credentials changed, say)."""
        self.filtered(lambda step: step.state != "todo")._mark("todo", reason)

    def _label(self):
        return dict(self._fields["step"]._description_selection(self.env)).get(self.step) or _("Finished")
