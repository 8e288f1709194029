from odoo.tests import HttpCase, tagged

from .common import IntegrationCase


@tagged("post_install", "-at_install")
class TestExceptionQueueUi(HttpCase, IntegrationCase):
    def test_operator_retries_an_exception_from_the_queue(self):
        self.receive(self.contact(country="XX"))
        self.perform_jobs()
        exchange = self.exchanges()
        self.assertEqual(exchange.state, "needs_attention")
        self.start_tour("/odoo", "erp_integration_exception_retry", login="admin")
        exchange.invalidate_recordset()
        self.assertEqual(exchange.state, "queued")
        self.assertTrue(self.audit_rows(event="exchange.retry", exchange_id=exchange.id))
