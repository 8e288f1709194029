from odoo import _, api, fields, models

from .integration_setup_step import STEPS

# Changing any of these calls the connection test into question.
CONNECTION_FIELDS = {"api_url", "api_token", "api_secret"}


class IntegrationBackend(models.Model):
    _inherit = "integration.backend"

    setup_step_ids = fields.One2many("integration.setup.step", "backend_id", string="Set-up steps")
    setup_progress = fields.Char(
        string="Guided set-up",
        compute="_compute_setup_progress",
        help="How many steps of the guided set-up are done, and the next one.",
    )

    @api.depends("setup_step_ids.state")
    def _compute_setup_progress(self):
        for backend in self:
            steps = backend.setup_step_ids
            if not steps:
                backend.setup_progress = _("Not started")
                continue
            done = steps.filtered(lambda step: step.state == "done")
            following = backend._setup_next_step()
            if not following:
                backend.setup_progress = _("Done")
                continue
            backend.setup_progress = _(
                "%(done)s of %(total)s steps done; next: %(step)s%(failed)s",
                done=len(done),
                total=len(STEPS),
                step=following._label(),
                failed=_(" (failed)") if following.state == "failed" else "",
            )

    def _setup_steps(self):
        """The backend's set-up steps, in order; those it lacks are created to do."""
        self.ensure_one()
        have = set(self.setup_step_ids.mapped("step"))
        self.env["integration.setup.step"].create(
            [
                {"backend_id": self.id, "step": code, "sequence": number}
                for number, (code, _label) in enumerate(STEPS)
                if code not in have
            ]
        )
        return self.setup_step_ids.sorted("sequence")

    def _setup_next_step(self):
        """The first step not done (an empty recordset when every step is done)."""
        self.ensure_one()
        steps = self.setup_step_ids.sorted("sequence")
        if len(steps) < len(STEPS):
            steps = self._setup_steps()
        return steps.filtered(lambda step: step.state != "done")[:1]

    def action_guided_setup(self):
        """Open the guided set-up at the first step not done."""
        self.ensure_one()
        return self.env["integration.setup.wizard"].create({"backend_id": self.id})._action_reopen()

    def write(self, vals):
        # What was tested or subscribed with the old values has to be done again.
        changed = {
            name
            for name in (CONNECTION_FIELDS | {"webhook_token"}) & set(vals)
            for backend in self.sudo()
            if (backend[name] or False) != (vals[name] or False)
        }
        result = super().write(vals)
        if changed & CONNECTION_FIELDS:
            self.setup_step_ids.filtered(lambda step: step.step == "connection")._reset(
                _("The credentials changed: test the connection again.")
            )
        if "webhook_token" in changed:
            self.setup_step_ids.filtered(lambda step: step.step == "webhooks")._reset(
                _("The webhook address changed: set up the webhooks again.")
            )
        return result
