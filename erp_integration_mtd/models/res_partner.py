from odoo import _, fields, models
from odoo.exceptions import UserError

from odoo.addons.erp_integration_core.lib import errors, vat_numbers

CHECKERS = "account.group_account_invoice"


class ResPartner(models.Model):
    _inherit = "res.partner"

    hmrc_vat_checked_at = fields.Datetime(
        string="VAT number checked with HMRC", readonly=True, copy=False, groups=CHECKERS
    )
    hmrc_vat_registered = fields.Boolean(string="Registered at HMRC", readonly=True, copy=False, groups=CHECKERS)
    hmrc_vat_name = fields.Char(
        string="Name at HMRC", readonly=True, copy=False, groups=CHECKERS, help="The name HMRC holds for the number."
    )
    hmrc_vat_consultation = fields.Char(
        string="HMRC consultation number",
        readonly=True,
        copy=False,
        groups=CHECKERS,
        help="HMRC's reference for the check: the business's proof that it checked the number.",
    )

    def action_hmrc_check_vat(self):
        """Check the partner's UK VAT number with HMRC now: an outbound exchange, its answer kept on the partner."""
        self.ensure_one()
        try:
            number = vat_numbers.checked(self.vat, _("%s", self.display_name), fix=_("Correct it on the partner."))
        except errors.ValidationError as err:
            raise UserError(err.message) from None
        target = vat_numbers.uk_digits(number or "")
        if not target:
            raise UserError(_("Only UK VAT numbers (GB or XI) can be checked with HMRC; this partner has %s.", number))
        company = self.company_id or self.env.company
        backend = self.env["integration.backend"].search(
            [("channel", "=", "hmrc"), ("active", "=", True), ("company_id", "=", company.id)], limit=1
        )
        if not backend:
            raise UserError(_("Company %s has no HMRC backend to check VAT numbers with.", company.name))
        requester = vat_numbers.uk_digits(company.vat or "")
        # Checked by an accountant, recorded as the integration's own exchange, which they need not manage.
        exchange = backend.sudo()._send(
            "vat.check",
            {"partner": self.id, "target": target, "requester": requester},
            f"vat.check:{target}:{fields.Datetime.now().isoformat()}",
            external_type="VatNumber",
            external_id=target,
        )
        exchange._apply()
        if exchange.state != "done":
            raise UserError(exchange.message)
        answer = exchange.result
        self.write(
            {
                "hmrc_vat_checked_at": fields.Datetime.now(),
                "hmrc_vat_registered": answer["registered"],
                "hmrc_vat_name": answer.get("name") or False,
                "hmrc_vat_consultation": answer.get("consultation") or False,
            }
        )
        if answer["registered"]:
            message, kind = (
                _("HMRC: %(number)s is registered to %(name)s.", number=number, name=answer["name"]),
                "success",
            )
        else:
            message, kind = _("HMRC: %s is not a registered VAT number.", number), "warning"
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {"title": _("VAT number"), "message": message, "type": kind, "sticky": kind != "success"},
        }
