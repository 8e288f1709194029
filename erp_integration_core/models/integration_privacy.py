"""UK GDPR across channels: retention of stored payloads, legal hold, and the suppression list of erased people.

Payloads are evidence (the digital links of what was posted) and personal
data at once. After a backend's retention window (per flow where a rule says
so) a finished exchange's payload keeps its structure, references and amounts
but loses the values of personal fields (``personal_data.scrub``); its SHA-256
stays, so the audit chain still verifies what was received. A legal hold on
the backend stops both retention and erasure. People erased are remembered
only as hashes of their identifiers, so that a later contact sync from any
channel does not bring them back.
"""

from datetime import timedelta

from odoo import _, api, fields, models

from ..lib.payload import sha256_hex
from ..personal_data import identifier_hashes, scrub_text

FINAL_STATES = ("done", "ignored")
RETENTION_BATCH = 2000


class IntegrationRetentionRule(models.Model):
    _name = "integration.retention.rule"
    _description = "Integration payload retention rule"
    _order = "backend_id, flow_prefix"

    backend_id = fields.Many2one("integration.backend", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="backend_id.company_id", store=True)
    flow_prefix = fields.Char(
        string="Flows starting with", required=True, help="e.g. 'orders/' or 'customers/': the longest prefix wins."
    )
    days = fields.Integer(required=True, help="Days a finished exchange keeps its personal data; 0 keeps it.")

    _prefix_unique = models.Constraint("UNIQUE(backend_id, flow_prefix)", "One rule per flow prefix and backend.")
    _days_positive = models.Constraint("CHECK(days >= 0)", "Retention days cannot be negative.")


class IntegrationSuppression(models.Model):
    """Someone erased at their request, known only by hashes of their e-mail, phone and ids in other systems."""

    _name = "integration.suppression"
    _description = "Integration suppression list entry"
    _order = "id desc"

    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    identifier_hash = fields.Char(required=True, readonly=True, index=True, help="SHA-256 of a normalised identifier.")
    erased_at = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now)

    _hash_unique = models.Constraint("UNIQUE(company_id, identifier_hash)", "This person is on the list already.")

    @api.model
    def _suppress(self, company, email=None, phone=None, refs=()):
        """Remember a person erased in ``company`` by the hashes of their identifiers.

        ``refs`` are hashes of the ids other systems know them by (``reference_hash``).
        """
        known = set(self.search([("company_id", "=", company.id)]).mapped("identifier_hash"))
        hashes = (identifier_hashes(email, phone) | set(refs)) - known
        return self.create([{"company_id": company.id, "identifier_hash": value} for value in sorted(hashes)])

    @api.model
    def _is_suppressed(self, company, email=None, phone=None):
        """Whether a person with these identifiers asked ``company`` to erase them."""
        return bool(self._suppressed_hashes(company, identifier_hashes(email, phone)))

    @api.model
    def _suppressed_hashes(self, company, hashes):
        """Which of ``hashes`` (``identifier_hashes`` of many people, a page of contacts) are on the list: one query."""
        if not hashes:
            return set()
        found = self.search([("company_id", "=", company.id), ("identifier_hash", "in", sorted(hashes))])
        return set(found.mapped("identifier_hash"))


class IntegrationBackend(models.Model):
    _inherit = "integration.backend"

    retention_days = fields.Integer(
        string="Keep personal data in payloads (days)",
        default=90,
        help="After this many days a finished exchange's payload loses the values of its personal fields; its "
        "references, amounts and SHA-256 stay, so the digital links still verify. 0 keeps them.",
    )
    retention_rule_ids = fields.One2many("integration.retention.rule", "backend_id", string="Retention by flow")
    legal_hold = fields.Boolean(
        help="Keep everything this backend holds as it is: no retention and no erasure, until the hold is lifted.",
        tracking=True,
    )

    def _retention_days(self, flow):
        """Days ``flow``'s payloads keep personal data: the longest matching rule's, else the backend's."""
        rules = self.retention_rule_ids.filtered(lambda rule: flow.startswith(rule.flow_prefix))
        return max(rules, key=lambda rule: len(rule.flow_prefix)).days if rules else self.retention_days

    @api.model
    def _cron_apply_retention(self):
        """Scrub the personal data of finished exchanges past their window, a batch per backend and run."""
        for backend in self.search([("legal_hold", "=", False)]):
            backend._apply_retention()

    def _apply_retention(self, now=None):
        """Scrub this backend's finished exchanges past their flow's window; returns how many were scrubbed."""
        self.ensure_one()
        if self.legal_hold:
            return 0
        now = now or fields.Datetime.now()
        Exchange = self.env["integration.exchange"]
        flows = Exchange.search([("backend_id", "=", self.id), ("payload_scrubbed", "=", False)]).mapped("flow")
        scrubbed = 0
        for flow in sorted(set(flows)):
            days = self._retention_days(flow)
            if not days:
                continue
            due = Exchange.search(
                [
                    ("backend_id", "=", self.id),
                    ("flow", "=", flow),
                    ("state", "in", FINAL_STATES),
                    ("payload_scrubbed", "=", False),
                    ("create_date", "<", now - timedelta(days=days)),
                ],
                limit=RETENTION_BATCH - scrubbed,
            )
            scrubbed += due._scrub_personal_data(reason=_("retention of %(days)s days", days=days))
            if scrubbed >= RETENTION_BATCH:
                break
        return scrubbed


class IntegrationExchange(models.Model):
    _inherit = "integration.exchange"

    payload_scrubbed = fields.Boolean(
        readonly=True,
        copy=False,
        index=True,
        help="The payload's personal data is gone; its SHA-256 is the original's.",
    )

    def _scrub_personal_data(self, reason):
        """Scrub the personal fields of these exchanges' payloads and deliveries; returns how many were scrubbed.

        A payload that is not JSON cannot be told apart field by field and is
        left whole (it is marked scrubbed so it is not looked at again).
        """
        for exchange in self:
            original = exchange.payload_sha256
            scrubbed = scrub_text(exchange.payload)
            if scrubbed is not None and scrubbed != exchange.payload:
                exchange._redact_payload(scrubbed)
            delivery = exchange.delivery_id
            body = scrub_text(delivery.body) if delivery and delivery.body else None
            if body is not None and body != delivery.body:
                delivery._redact(body)
            exchange._audit(
                "exchange.scrubbed",
                reason=reason,
                original_sha256=original,
                scrubbed_sha256=sha256_hex(scrubbed) if scrubbed else None,
            )
        self.write({"payload_scrubbed": True})
        return len(self)
