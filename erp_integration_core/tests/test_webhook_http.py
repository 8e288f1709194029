import json
import logging

from odoo.tests import HttpCase, tagged

from .common import SECRET, IntegrationCase


@tagged("post_install", "-at_install")
class TestWebhookHttp(HttpCase, IntegrationCase):
    """The intake controller over real HTTP: status codes and what is stored."""

    def post(self, body, headers=None, token=None):
        token = token or self.backend.webhook_token
        return self.url_open(f"/integration/webhook/{token}", data=body, headers=headers or {}, timeout=20)

    def test_signed_delivery_is_accepted_and_stored(self):
        body = json.dumps(self.contact()).encode()
        response = self.post(body, self.signed_headers(body))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["status"], "accepted")
        exchange = self.exchanges()
        self.assertEqual(exchange.payload.encode(), body)
        self.assertEqual(exchange.headers["X-Integration-Signature"], "***")
        self.assertEqual(exchange.state, "queued")

    def test_duplicate_delivery_answers_200_and_stores_nothing_new(self):
        body = json.dumps(self.contact()).encode()
        self.post(body, self.signed_headers(body))
        response = self.post(body, self.signed_headers(body))
        self.assertEqual((response.status_code, response.json()), (200, {"status": "duplicate"}))
        self.assertEqual(len(self.exchanges()), 1)

    def test_topic_in_the_address_names_the_flow(self):
        body = json.dumps(self.contact()).encode()
        headers = self.signed_headers(body)
        del headers["X-Integration-Topic"]
        response = self.url_open(
            f"/integration/webhook/{self.backend.webhook_token}/contacts/update", data=body, headers=headers
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.exchanges().flow, "contacts/update")

    def test_rejections_create_nothing(self):
        body = json.dumps(self.contact()).encode()
        cases = [
            ("bad signature", body, self.signed_headers(body, secret="wrong"), None, 401),
            ("no signature", body, {"Content-Type": "application/json"}, None, 401),
            ("malformed", b"{not json", self.signed_headers(b"{not json"), None, 400),
            ("oversize", b"[" + b"1," * 3000 + b"1]", None, None, 413),
            ("unknown token", body, self.signed_headers(body), "no-such-token", 404),
        ]
        for label, payload, headers, token, status in cases:
            with self.subTest(label):
                response = self.post(payload, headers or self.signed_headers(payload), token=token)
                self.assertEqual(response.status_code, status)
                self.assertIn("error", response.json())
        self.assertFalse(self.exchanges())
        self.assertFalse(self.pending_jobs())
        self.backend.invalidate_recordset()
        self.assertEqual(self.backend.webhook_rejected_count, 4)

    def test_wrong_method_is_not_a_server_error(self):
        response = self.url_open(f"/integration/webhook/{self.backend.webhook_token}", timeout=10)
        self.assertEqual(response.status_code, 405)

    def test_no_secret_in_logs(self):
        body = json.dumps(self.contact()).encode()
        with self.assertLogs(level=logging.DEBUG) as logs:
            logging.getLogger("odoo.addons.erp_integration_core").debug("intake starts")
            self.post(body, self.signed_headers(body))
            self.post(body, self.signed_headers(body, secret="wrong", event_id="evt-2"))
            self.perform_jobs()
        text = "\n".join(logs.output)
        self.assertNotIn(SECRET, text)
        self.assertNotIn(self.backend.api_token, text)
