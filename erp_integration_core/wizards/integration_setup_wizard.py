from odoo import _, api, fields, models

from ..lib import errors
from ..models.integration_setup_step import STEPS

MANAGER = "erp_integration_core.group_integration_manager"


class IntegrationSetupWizard(models.TransientModel):
    """Guided set-up of a backend: credentials, test connection, mappings to review, webhooks, flows on.

    The steps are the core's; what each does is the channel's
    (``Connector.setup_steps``). A step that fails keeps its message and stops
    the wizard there, the later steps left to do, and the wizard reopens at the
    first step not done.
    """

    _name = "integration.setup.wizard"
    _description = "Guided Set-up"
    _check_company_auto = True

    backend_id = fields.Many2one("integration.backend", required=True, readonly=True, check_company=True)
    company_id = fields.Many2one(related="backend_id.company_id")
    channel = fields.Selection(related="backend_id.channel")
    step = fields.Selection([*STEPS, ("done", "Finished")], default="credentials", required=True, readonly=True)
    proposed = fields.Boolean(readonly=True, help="The channel's mappings were proposed for review.")
    step_ids = fields.One2many(related="backend_id.setup_step_ids", string="Steps")
    step_state = fields.Selection([("todo", "To do"), ("done", "Done"), ("failed", "Failed")], compute="_compute_step")
    step_message = fields.Text(compute="_compute_step")
    previous_message = fields.Text(compute="_compute_step")

    api_url = fields.Char(related="backend_id.api_url", readonly=False)
    api_token = fields.Char(related="backend_id.api_token", readonly=False, groups=MANAGER)
    api_secret = fields.Char(related="backend_id.api_secret", readonly=False, groups=MANAGER)
    webhook_secret = fields.Char(related="backend_id.webhook_secret", readonly=False, groups=MANAGER)
    webhook_url = fields.Char(related="backend_id.webhook_url", groups=MANAGER)
    value_mapping_ids = fields.One2many(related="backend_id.value_mapping_ids", readonly=False)
    mappings_to_complete = fields.Integer(related="backend_id.mappings_to_complete")
    flow_ids = fields.One2many(related="backend_id.flow_ids")

    @api.model_create_multi
    def create(self, vals_list):
        wizards = super().create(vals_list)
        for wizard in wizards:
            wizard._go_to(wizard.backend_id._setup_next_step().step or "done")
        return wizards

    @api.depends("step", "step_ids.state", "step_ids.message")
    def _compute_step(self):
        for wizard in self:
            steps = wizard.step_ids.sorted("sequence")
            current = steps.filtered(lambda step, code=wizard.step: step.step == code)
            before = steps.filtered(lambda step, seq=current.sequence: step.sequence < seq) if current else steps
            wizard.step_state = current.state or False
            wizard.step_message = current.message or False
            last = before[-1:] if before and before[-1:].state == "done" else before.browse()
            wizard.previous_message = last.message or False

    def _steps(self):
        return self.backend_id._connector().setup_steps(self.backend_id._connector().work())

    def _row(self, code=None):
        return self.backend_id._setup_steps().filtered(lambda step: step.step == (code or self.step))

    def _attempt(self, code, run):
        """Run one step's work in a savepoint; an integration error is kept on the step as its message.

        Returns the step's message, or None when it failed. Anything the
        connector cannot classify is a bug and is raised.
        """
        try:
            with self.env.cr.savepoint():
                return run()
        except Exception as err:
            self.env.invalidate_all()
            classified = self.backend_id._connector().classify(err)
            if classified is None:
                raise
            self._row(code)._mark("failed", classified.message)
            return None

    def _go_to(self, code):
        self.step = code
        self.proposed = False
        if code == "mappings":
            self._propose()

    def _propose(self):
        """Let the channel propose its mappings, for the admin to review before going on."""

        def propose():
            proposals = self._steps().propose_mappings()
            empty = proposals.filtered(lambda mapping: not mapping._odoo_value())
            return _(
                "%(proposed)s value mappings proposed, %(empty)s without an Odoo side (highlighted): complete them "
                "here or later under Value mappings.",
                proposed=len(proposals),
                empty=len(empty),
            )

        message = self._attempt("mappings", propose)
        if message is not None:
            self._row("mappings")._mark("todo", message)
            self.proposed = True

    def action_next(self):
        """Do the current step; on success mark it done and go on, on failure stay with its message."""
        self.ensure_one()
        code = self.step
        if code == "done":
            return {"type": "ir.actions.act_window_close"}
        if code == "mappings" and not self.proposed:
            self._propose()
            return self._action_reopen()
        message = self._attempt(code, getattr(self, f"_step_{code}"))
        if message is not None:
            self._row(code)._mark("done", message)
            following = self.backend_id._setup_next_step()
            self._go_to(following.step or "done")
        return self._action_reopen()

    def _step_credentials(self):
        missing = self._steps().missing_credentials()
        if missing:
            labels = [self.backend_id._fields[name]._description_string(self.env) for name in missing]
            raise errors.BusinessError(
                _(
                    "Fill in %(fields)s on backend '%(backend)s', then press Next.",
                    fields=", ".join(labels),
                    backend=self.backend_id.name,
                )
            )
        return _("The credentials are filled in.")

    def _step_connection(self):
        return self._steps().test_connection()

    def _step_mappings(self):
        return _("Reviewed; %(count)s value mappings still without an Odoo side.", count=self.mappings_to_complete)

    def _step_webhooks(self):
        return self._steps().webhooks()

    def _step_flows(self):
        flows = self._steps().flows()
        flows.filtered(lambda flow: not flow.enabled).enabled = True
        if not flows:
            return _("The channel has no flows to switch on.")
        return _("Flows on: %(flows)s.", flows=", ".join(flows.mapped("name")))

    def _action_reopen(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Guided set-up: %(backend)s", backend=self.backend_id.name),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "views": [(self.env.ref("erp_integration_core.integration_setup_wizard_view_form").id, "form")],
            "target": "new",
        }
