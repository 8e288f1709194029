import json
import operator
from unittest.mock import patch
from urllib.parse import urlsplit

import psycopg2
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from odoo import http, sql_db
from odoo.tests import HttpCase, TransactionCase, tagged
from odoo.tools import config

from ..controllers.dispatch import named_database
from .common import IntegrationCase


@tagged("post_install", "-at_install")
class TestWebhookDatabase(HttpCase, IntegrationCase):
    """A backend's webhook address names its database, so Odoo finds it without listing the databases."""

    def listed(self, address, body=None, headers=None):
        """Open ``address`` and return the response and each time Odoo listed the databases for it."""
        listed = []
        real_db_list = http.db_list

        def db_list(*args, **kwargs):
            listed.append(args or kwargs)
            return real_db_list(*args, **kwargs)

        # A spy, not a stand-in: Odoo's own listing runs, and is counted.
        with patch.object(http, "db_list", db_list):
            response = self.url_open(address, data=body, headers=headers)
        return response, listed

    def deliver(self, address, event_id="evt-1"):
        body = json.dumps(self.contact()).encode()
        return self.listed(address, body, self.signed_headers(body, event_id=event_id))

    def address(self):
        url = urlsplit(self.backend.webhook_url)
        return f"{url.path}?{url.query}"

    def test_the_address_names_the_database(self):
        self.assertTrue(
            self.backend.webhook_url.endswith(
                f"/integration/webhook/{self.backend.webhook_token}?db={self.env.cr.dbname}"
            )
        )

    def test_a_delivery_to_the_address_lists_no_database(self):
        response, listed = self.deliver(self.address())
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(listed, [], "Odoo listed the databases to find the one the address names")
        exchange = self.exchanges()
        self.assertEqual(exchange.state, "queued")
        self.assertNotIn("X-Odoo-Database", exchange.headers, "the headers are stored as the sender sent them")

    def test_an_address_without_the_database_still_works(self):
        # Addresses given out before they named their database keep working.
        response, listed = self.deliver(f"/integration/webhook/{self.backend.webhook_token}")
        self.assertEqual(response.status_code, 200, response.text)
        self.assertTrue(listed, "without a name Odoo finds its database by listing them, as before")
        self.assertEqual(len(self.exchanges()), 1)

    def test_a_name_the_filter_rejects_is_ignored(self):
        self.addCleanup(operator.setitem, config, "dbfilter", config["dbfilter"])
        config["dbfilter"] = f"^{self.env.cr.dbname}$"
        token = self.backend.webhook_token
        response, listed = self.deliver(f"/integration/webhook/{token}?db={self.env.cr.dbname}-other")
        self.assertEqual(response.status_code, 200, "Odoo found the database the filter lets through")
        self.assertTrue(listed)
        self.assertEqual(len(self.exchanges()), 1)

    def test_only_the_webhook_addresses_read_the_name(self):
        response, listed = self.listed(f"/web/health?db={self.env.cr.dbname}")
        self.assertEqual(response.status_code, 200)
        self.assertTrue(listed, "other addresses find their database as Odoo always does")


class TestNamedDatabase(TransactionCase):
    """Which name of an address the core lets Odoo take, request by request."""

    def named(self, url, headers=None, dbfilter="", db_name=()):
        for key, value in (("dbfilter", dbfilter), ("db_name", list(db_name))):
            self.addCleanup(operator.setitem, config, key, config[key])
            config[key] = value
        return named_database(Request(EnvironBuilder(url, method="POST", headers=headers).get_environ()))

    def test_the_name_of_a_webhook_address(self):
        self.assertEqual(self.named("/integration/webhook/tok?db=shop"), "shop")
        self.assertEqual(self.named("/integration/webhook/tok/contacts/update?db=shop"), "shop")

    def test_no_name_where_odoo_decides_as_always(self):
        cases = {
            "another address": ("/web/health?db=shop", None),
            "no name": ("/integration/webhook/tok", None),
            "a proxy's header": ("/integration/webhook/tok?db=shop", {"X-Odoo-Database": "other"}),
        }
        for label, (url, headers) in cases.items():
            with self.subTest(label):
                self.assertIsNone(self.named(url, headers))

    def test_the_filters_decide(self):
        self.assertIsNone(self.named("/integration/webhook/tok?db=other", dbfilter="^shop$"))
        self.assertEqual(self.named("/integration/webhook/tok?db=shop", dbfilter="^shop$"), "shop")
        self.assertIsNone(self.named("/integration/webhook/tok?db=other", db_name=["shop"]))

    def test_postgresql_own_databases_are_never_named(self):
        # With no filter at all every name passes Odoo's; these are still refused.
        for name in ("postgres", config["db_template"]):
            with self.subTest(name):
                self.assertIsNone(self.named(f"/integration/webhook/tok?db={name}"))


class TestDatabaseLostInDispatch(TransactionCase):
    """PostgreSQL lost while Odoo, not the intake, holds the connection: still a 503 to retry on."""

    def serve(self, path):
        """Dispatch a POST to ``path`` as Odoo does, the connection lost as Odoo starts the route's transaction."""
        environ = EnvironBuilder(
            path, method="POST", data=b"{}", headers={"Content-Type": "application/json"}
        ).get_environ()
        real_rollback = sql_db.Cursor.rollback
        lost = []

        def rollback(cr):
            # The first rollback of the request's own cursor is Odoo's, just
            # before the route runs: the moment the soak's restart hit.
            if cr is not self.env.cr and not lost:
                lost.append(cr)
                raise psycopg2.OperationalError("server closed the connection unexpectedly")
            return real_rollback(cr)

        with http.HTTPRequest(environ) as httprequest:
            request = http.Request(httprequest)
            http._request_stack.push(request)
            try:
                request._post_init()
                with patch.object(sql_db.Cursor, "rollback", rollback):
                    return request._serve_db(), lost
            finally:
                http._request_stack.pop()

    def test_a_webhook_is_answered_503(self):
        token = self.env["integration.backend"].search([], limit=1).webhook_token or "any-token"
        with self.assertLogs("odoo.addons.erp_integration_core.controllers.dispatch", "WARNING"):
            response, lost = self.serve(f"/integration/webhook/{token}?db={self.env.cr.dbname}")
        self.assertTrue(lost, "the connection was lost where Odoo starts the route's transaction")
        self.assertEqual(response.status_code, 503)
        self.assertEqual(response.headers["Retry-After"], "30")

    def test_any_other_address_is_left_to_odoo(self):
        with self.assertRaises(psycopg2.OperationalError):
            self.serve(f"/web/session/logout?db={self.env.cr.dbname}")
