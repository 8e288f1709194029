import os

from odoo import api, fields, models

REJECTED_STATUSES = [
    ("400", "400 Malformed"),
    ("401", "401 Bad signature"),
    ("413", "413 Too large"),
]
# Counters per backend, day and status: a server process counts on its own
# (by its pid), so refusals served side by side do not update one row.
SLOTS = 16


class IntegrationWebhookRejection(models.Model):
    """How many deliveries a backend's webhook address refused, per day (UTC) and HTTP status.

    A refused delivery stores nothing else, so this is what shows a sender
    signing with an old secret or a payload grown past the limit. Counted
    up in one upsert by the intake, on a row per backend, day, status and
    server process (``slot``): under a storm of refusals, one row that every
    worker updates made them fail one another's transactions (PostgreSQL's
    serialization failures) until one answered 500. Read as sums. A
    delivery that is accepted never touches this table.
    """

    _name = "integration.webhook.rejection"
    _description = "Integration Webhook Rejections"
    _order = "day desc, backend_id, status"
    _log_access = False

    backend_id = fields.Many2one("integration.backend", required=True, readonly=True, ondelete="cascade", index=True)
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    day = fields.Date(required=True, readonly=True, help="The day (UTC) the deliveries were refused.")
    status = fields.Selection(REJECTED_STATUSES, required=True, readonly=True)
    count = fields.Integer(readonly=True)
    slot = fields.Integer(required=True, default=0, readonly=True, help="The server process that counted.")

    _day_unique = models.Constraint(
        "UNIQUE(backend_id, day, status, slot)", "A backend has one counter per day, status and process."
    )

    @api.model
    def _count(self, backend_id, status):
        """Count one refused delivery of the backend: an upsert, and no ORM, on the intake's path."""
        self.env.cr.execute(
            """
            INSERT INTO integration_webhook_rejection (backend_id, company_id, day, status, slot, count)
            SELECT b.id, b.company_id, (now() at time zone 'UTC')::date, %s, %s, 1
              FROM integration_backend b WHERE b.id = %s
            ON CONFLICT (backend_id, day, status, slot)
            DO UPDATE SET count = integration_webhook_rejection.count + 1
            """,
            [str(status), os.getpid() % SLOTS, backend_id],
        )
