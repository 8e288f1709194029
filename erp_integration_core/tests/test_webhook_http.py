import json
import logging
import socket

import psycopg2

from odoo import http, sql_db
from odoo.tests import HttpCase, tagged

from ..controllers.webhook import IntegrationWebhookController, database_unavailable
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


class TestDatabaseAway(IntegrationCase):
    """While PostgreSQL is away a webhook is answered 503 (retry later), never 404 or 500."""

    def connect(self):
        _db, info = sql_db.connection_info_for(self.env.cr.dbname)
        connection = psycopg2.connect(**info)
        connection.autocommit = True
        self.addCleanup(connection.close)
        return connection

    def test_the_webhook_address_is_served_without_a_database(self):
        # odoo.conf loads the core server-wide, so its route is among those Odoo
        # serves when it cannot reach the database (instead of an unknown page).
        receive = IntegrationWebhookController.receive
        router = http.root.nodb_routing_map.bind("localhost")
        endpoint, _args = router.match("/integration/webhook/any-token", method="POST")
        found = endpoint.original_endpoint
        self.assertEqual((found.__module__, found.__qualname__), (receive.__module__, receive.__qualname__))

    def test_errors_that_mean_the_database_is_away_and_those_that_do_not(self):
        with self.assertRaises(psycopg2.OperationalError) as refused:
            psycopg2.connect(host="127.0.0.1", port=free_port(), dbname="nowhere", connect_timeout=2)
        self.assertTrue(database_unavailable(refused.exception), "nothing listening")

        victim, killer = self.connect(), self.connect()
        with victim.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            [pid] = cursor.fetchone()
        with killer.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        with self.assertRaises(psycopg2.Error) as terminated, victim.cursor() as cursor:
            cursor.execute("SELECT 1")
        self.assertTrue(database_unavailable(terminated.exception), "a server shutting down or killing the session")

        holder, waiter = self.connect(), self.connect()
        with holder.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(4242)")
        with self.assertRaises(psycopg2.OperationalError) as timed_out, waiter.cursor() as cursor:
            cursor.execute("SET lock_timeout = '50ms'; SELECT pg_advisory_lock(4242)")
        self.assertEqual(timed_out.exception.pgcode, "55P03")
        self.assertFalse(database_unavailable(timed_out.exception), "a lock timeout is Odoo's to retry")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
