"""Alerts: a backend whose failures or backlog pass its thresholds tells its people once, and once when it clears."""

from datetime import timedelta

from odoo import _, api, fields, models
from odoo.tools import SQL

from ..lib.states import EXCEPTIONS, NEEDS_ATTENTION, QUEUED

ACTIVITY_TYPE = "erp_integration_core.mail_activity_type_integration_alert"
RAISED_TEMPLATE = "erp_integration_core.mail_template_integration_alert_raised"
CLEARED_TEMPLATE = "erp_integration_core.mail_template_integration_alert_cleared"
# How many of the open exceptions' causes a digest lists.
DIGEST_CAUSES = 10


class IntegrationBackend(models.Model):
    _inherit = "integration.backend"

    @api.model
    def _cron_check_alerts(self):
        """Cron: raise the alert of every backend past a threshold, clear those back under them.

        The alert's state is kept on the backend, so a backend still past its
        thresholds at the next run says nothing new: one activity and one
        digest e-mail when it is raised, one e-mail when it clears. Only
        changes of state write the backend row.
        """
        self._check_alerts(fields.Datetime.now())

    @api.model
    def _check_alerts(self, now):
        backends = self.search([])
        figures = backends._alert_figures(now)
        for backend in backends:
            failures, oldest = figures.get(backend.id, (0, None))
            reasons = backend._alert_reasons(failures, oldest, now)
            if reasons and backend.alert_state != "raised":
                backend._raise_alert(reasons, now)
            elif not reasons and backend.alert_state == "raised":
                backend._clear_alert(now)

    def _alert_figures(self, now):
        """``{backend id: (exchanges stopped for a person in the last hour, oldest waiting exchange's arrival)}``."""
        if not self:
            return {}
        self.env["integration.exchange"].flush_model(["backend_id", "state", "failed_at", "create_date"])
        rows = self.env.execute_query(
            SQL(
                """
                SELECT backend_id, sum(failures), min(oldest) FROM (
                    SELECT backend_id, count(*) AS failures, NULL::timestamp AS oldest FROM integration_exchange
                     WHERE backend_id IN %(ids)s AND failed_at >= %(hour_ago)s GROUP BY backend_id
                    UNION ALL
                    SELECT backend_id, 0, min(create_date) FROM integration_exchange
                     WHERE backend_id IN %(ids)s AND state IN %(waiting)s GROUP BY backend_id
                ) figures GROUP BY backend_id
                """,
                ids=tuple(self.ids),
                hour_ago=now - timedelta(hours=1),
                waiting=(QUEUED, NEEDS_ATTENTION),
            )
        )
        return {backend_id: (int(failures), oldest) for backend_id, failures, oldest in rows}

    def _alert_reasons(self, failures, oldest, now):
        """The thresholds this backend is past, in words; none when it is within them."""
        self.ensure_one()
        reasons = []
        if self.alert_failures_per_hour and failures >= self.alert_failures_per_hour:
            reasons.append(
                _(
                    "%(count)s exchanges stopped for a person in the last hour (alert at %(limit)s).",
                    count=failures,
                    limit=self.alert_failures_per_hour,
                )
            )
        age = (now - oldest).total_seconds() / 3600 if oldest else 0
        if self.alert_backlog_hours and age >= self.alert_backlog_hours:
            reasons.append(
                _(
                    "The oldest exchange waiting arrived %(age)s hours ago (alert at %(limit)s hours).",
                    age=f"{age:.1f}",
                    limit=f"{self.alert_backlog_hours:g}",
                )
            )
        return reasons

    def _raise_alert(self, reasons, now):
        """Record the alert, give the responsible user one activity and send one digest e-mail."""
        self.ensure_one()
        reason = "\n".join(reasons)
        self.write({"alert_state": "raised", "alert_raised_at": now, "alert_reason": reason})
        if self.alert_user_id:
            # The digest is the e-mail: the activity does not send one of its own.
            self.with_context(mail_activity_quick_update=True).activity_schedule(
                ACTIVITY_TYPE,
                user_id=self.alert_user_id.id,
                summary=_("Integration alert: %s", self.name),
                note=reason,
            )
        self._send_alert(RAISED_TEMPLATE, reasons=reasons, causes=self._alert_causes())
        self.message_post(body=_("Alert raised: %s", reason), subtype_xmlid="mail.mt_note")

    def _clear_alert(self, now):
        """Record that the backend is back within its thresholds, close the activity and say so in one e-mail."""
        self.ensure_one()
        raised_at = self.alert_raised_at
        self.activity_feedback([ACTIVITY_TYPE], feedback=_("The alert cleared by itself."))
        self.write({"alert_state": "clear", "alert_raised_at": False, "alert_reason": False})
        hours = (now - raised_at).total_seconds() / 3600 if raised_at else 0
        self._send_alert(CLEARED_TEMPLATE, hours=f"{hours:.1f}")
        self.message_post(body=_("Alert cleared."), subtype_xmlid="mail.mt_note")

    def _alert_causes(self):
        """The open exceptions by what must be fixed (else by error category), the most frequent first."""
        self.ensure_one()
        groups = self.env["integration.exchange"]._read_group(
            [("backend_id", "=", self.id), ("state", "in", EXCEPTIONS)],
            ["fix_key", "error_category"],
            ["__count"],
            order="__count desc",
            limit=DIGEST_CAUSES,
        )
        categories = dict(self.env["integration.exchange"]._fields["error_category"]._description_selection(self.env))
        return [
            {"cause": fix_key or categories.get(category) or _("Unknown"), "count": count}
            for fix_key, category, count in groups
        ]

    def _alert_recipients(self):
        self.ensure_one()
        return self.alert_user_id.partner_id | self.alert_partner_ids

    def _send_alert(self, template_xmlid, **alert):
        """One e-mail from the template to the responsible user and the alert recipients, if there are any."""
        recipients = self._alert_recipients().filtered("email")
        if not recipients:
            return
        alert["partner_to"] = ",".join(str(partner.id) for partner in recipients)
        alert["url"] = f"{self.get_base_url()}/odoo/action-erp_integration_core.action_integration_dashboard"
        # The recipients given outright: the template's partner_to is not rendered with this context everywhere.
        self.env.ref(template_xmlid).with_context(alert=alert).send_mail(
            self.id, email_values={"recipient_ids": [(6, 0, recipients.ids)]}
        )
