"""One subject-access export and one erasure of a person across every channel of their company.

Whatever channel a request came through (Shopify's ``customers/redact``, a
HubSpot privacy deletion, an e-mail to the business), the answer covers all
of them: each backend of the company runs the core's ``PersonalData`` for the
partner and what names them (e-mail, phone, the ids each channel knows them
by). The audit chain records that it was done, with counts and references,
never the person.
"""

import base64
import json

from odoo import _, fields, models
from odoo.exceptions import UserError

from ..personal_data import PersonalData


class IntegrationPersonalDataRequest(models.TransientModel):
    _name = "integration.personal.data.request"
    _description = "Personal data request (subject access or erasure)"

    partner_id = fields.Many2one("res.partner", required=True, readonly=True)
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    request_kind = fields.Selection(
        [("export", "Subject access: export what is held"), ("erase", "Erasure: erase what the law allows")],
        required=True,
        default="export",
    )
    confirmed = fields.Boolean(string="I have checked the requester's identity")

    def _backends(self):
        return self.env["integration.backend"].search([("company_id", "=", self.company_id.id)])

    def _terms(self, backend):
        """What names the person in ``backend``'s payloads: e-mail, phone and the ids that channel knows them by."""
        partner = self.partner_id
        people = partner | partner.child_ids
        bound = self.env["integration.binding"].search(
            [("backend_id", "=", backend.id), ("res_model", "=", "res.partner"), ("res_id", "in", people.ids)]
        )
        return [*people.mapped("email"), *people.mapped("phone"), *bound.mapped("external_id")]

    def action_run(self):
        """Export (a JSON file attached to the partner) or erase, over every backend of the company."""
        self.ensure_one()
        if not self.confirmed:
            raise UserError(_("Check who is asking before answering a personal data request, then tick the box."))
        partner, people = self.partner_id, self.partner_id | self.partner_id.child_ids
        backends = self._backends()
        Audit = self.env["integration.audit.log"]
        if self.request_kind == "export":
            held = {backend.name: PersonalData(backend).export(people, self._terms(backend)) for backend in backends}
            attachment = self.env["ir.attachment"].create(
                {
                    "name": f"personal-data-{partner.id}.json",
                    "datas": base64.b64encode(json.dumps(held, indent=2, default=str).encode()),
                    "res_model": "res.partner",
                    "res_id": partner.id,
                    "mimetype": "application/json",
                }
            )
            Audit._log(
                "personal_data.exported",
                record=partner,
                company=self.company_id,
                details={"backends": backends.ids, "exchanges": sum(len(h["exchanges"]) for h in held.values())},
            )
            return {"type": "ir.actions.act_url", "url": f"/web/content/{attachment.id}?download=true"}
        # Everything that names them, read before the first erasure clears the partner's own identifiers.
        terms = {backend: self._terms(backend) for backend in backends}
        done = {backend.id: PersonalData(backend).erase(people, terms[backend]) for backend in backends}
        Audit._log(
            "personal_data.erased",
            record=partner,
            company=self.company_id,
            details={
                "backends": backends.ids,
                "payloads_redacted": sum(outcome["payloads_redacted"] for outcome in done.values()),
                "legal_hold": sorted({pid for outcome in done.values() for pid in outcome["legal_hold"]}),
            },
        )
        held = any(outcome["legal_hold"] for outcome in done.values())
        message = (
            _(
                "Erased across %(count)s backend(s); kept where the law requires it (posted accounting entries).",
                count=len(backends),
            )
            if held
            else _("Erased across %(count)s backend(s).", count=len(backends))
        )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {"title": _("Personal data"), "message": message, "type": "success", "sticky": held},
        }
