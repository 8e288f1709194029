from odoo import _, fields, models
from odoo.exceptions import UserError

from ..lib.payload import sha256_hex
from ..personal_data import identifier_hashes


class IntegrationSuppressionLift(models.TransientModel):
    """Take an erased person off the suppression list, for instance once they sign up again of their own accord.

    The list knows people only by hashes, so its entries cannot be picked
    out one by one: a manager gives the e-mail address or phone number the
    person was erased with, and the reason. What was lifted is audited by
    count and the reason's hash, never the identifiers.
    """

    _name = "integration.suppression.lift"
    _description = "Lift an erased person's suppression"

    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    email = fields.Char(string="E-mail")
    phone = fields.Char()
    reason = fields.Text(required=True, help="Why this person may be synced again, e.g. they created a new account.")

    def action_lift(self):
        self.ensure_one()
        hashes = identifier_hashes(self.email, self.phone)
        if not hashes:
            raise UserError(_("Give the e-mail address or the phone number the person was erased with."))
        entries = self.env["integration.suppression"].search(
            [("company_id", "=", self.company_id.id), ("identifier_hash", "in", sorted(hashes))]
        )
        if not entries:
            raise UserError(
                _(
                    "Nobody erased from %(company)s has this e-mail address or phone number: nothing was lifted.",
                    company=self.company_id.name,
                )
            )
        count = len(entries)
        # sudo: managers cannot delete list entries themselves (an entry is only a hash, not to be picked
        # blindly); this lift, which names the person and gives a reason, is the one way, and it is audited.
        entries.sudo().unlink()
        self.env["integration.audit.log"]._log(
            "suppression.lifted",
            company=self.company_id,
            details={"entries": count, "reason_sha256": sha256_hex(self.reason), "user": self.env.uid},
        )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": _("Suppression lifted"),
                "message": _("%(count)s entries removed: channels may sync this person again.", count=count),
                "type": "success",
                "next": {"type": "ir.actions.act_window_close"},
            },
        }
