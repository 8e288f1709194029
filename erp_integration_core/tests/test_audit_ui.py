from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.tests import HttpCase, tagged

from .common import IntegrationCase


@tagged("post_install", "-at_install")
class TestAuditTrailUi(HttpCase, IntegrationCase):
    def test_the_sealing_lag_shows_seal_now_clears_it_and_last_quarter_filters(self):
        today = fields.Date.context_today(self.env["res.users"].browse(self.env.uid))
        quarter = today.replace(day=1, month=(today.month - 1) // 3 * 3 + 1)
        last_quarter = fields.Datetime.to_datetime(quarter - relativedelta(months=2)) + relativedelta(hours=12)
        self.env.cr.execute(
            """
            INSERT INTO integration_audit_log (event, company_id, backend_id, details, user_id, create_uid,
                                               create_date, logged_at)
            VALUES ('flow.run', %s, %s, '{"flow":"contact.pull"}', 1, 1, now() at time zone 'UTC', %s)
            """,
            [self.env.company.id, self.backend.id, last_quarter],
        )
        self.env["integration.audit.log"]._log("exchange.parked_for_review", backend=self.backend)
        self.start_tour("/odoo", "erp_integration_audit_trail", login="admin")
        self.assertEqual(self.env["integration.audit.log"].get_sealing_status()["unsealed"], 0)
