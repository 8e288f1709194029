from datetime import datetime

from odoo.tests import TransactionCase, tagged

from ..history import demo_history

NOW = datetime(2026, 3, 10, 12, 30)


@tagged("post_install", "-at_install")
class TestDemoHistory(TransactionCase):
    def test_a_week_of_traffic_and_each_channel_s_exceptions_once(self):
        self.assertTrue(demo_history(self.env, now=NOW))
        self.assertFalse(demo_history(self.env, now=NOW), "given once")
        data = self.env["integration.backend"]._dashboard_data(NOW)
        for name in ("shopify", "hubspot", "3pl", "hmrc"):
            backend = self.env.ref(f"erp_integration_demo.backend_{name}")
            with self.subTest(name):
                entry = next(e for e in data["backends"] if e["id"] == backend.id)
                self.assertTrue(entry["exceptions"], "the exception queue has some of its exchanges")
                self.assertTrue(entry["last_success_at"])
                if name != "hmrc":
                    busy_days = {hour // 24 for hour, count in enumerate(entry["series"]["received"]) if count}
                    self.assertEqual(len(busy_days), 7, "traffic every day of the week")
        stopped = self.env["integration.exchange"].search(
            [("idempotency_key", "=like", "demo-history:%"), ("state", "in", ("needs_attention", "failed"))]
        )
        self.assertIn("product:LAMP-01", stopped.mapped("fix_key"))
        self.assertIn("mapping:payment_terms:90 days", stopped.mapped("fix_key"))
        self.assertIn("unit:Dozens", stopped.mapped("fix_key"))
        self.assertTrue(all(exchange.failed_at for exchange in stopped))
