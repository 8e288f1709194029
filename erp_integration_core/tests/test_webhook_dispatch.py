import json
import operator
from unittest.mock import patch

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

    def test_the_address_names_the_database(self):
        self.assertTrue(
            self.backend.webhook_url.endswith(
                f"/integration/webhook/{self.backend.webhook_token}?db={self.env.cr.dbname}"
            )
        )

    def test_a_delivery_to_the_address_lists_no_database(self):
        response, listed = self.deliver(self.backend._webhook_path())
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

    def serve(self, path, lost_at):
        """Dispatch a POST to ``path`` as Odoo does, with ``lost_at`` patched in (a method and its stand-in)."""
        environ = EnvironBuilder(
            path, method="POST", data=b"{}", headers={"Content-Type": "application/json"}
        ).get_environ()
        with http.HTTPRequest(environ) as httprequest:
            request = http.Request(httprequest)
            http._request_stack.push(request)
            try:
                request._post_init()
                with patch.object(*lost_at):
                    return request._serve_db()
            finally:
                http._request_stack.pop()

    def at_the_routes_rollback(self, lost):
        """The first rollback of the request's own cursor is Odoo's, just before the route: where the restart hit."""
        real_rollback = sql_db.Cursor.rollback

        def rollback(cr):
            if cr is not self.env.cr and not lost:
                lost.append(cr)
                raise psycopg2.OperationalError("server closed the connection unexpectedly")
            return real_rollback(cr)

        return sql_db.Cursor, "rollback", rollback

    @staticmethod
    def at_connecting(lost):
        """PostgreSQL refuses every new connection: the registry's cursor cannot be opened."""

        def borrow(pool, connection_info):
            lost.append(connection_info)
            raise psycopg2.OperationalError("connection refused: the database system is shutting down")

        return sql_db.ConnectionPool, "borrow", borrow

    def webhook(self):
        return f"/integration/webhook/any-token?db={self.env.cr.dbname}"

    def test_lost_as_odoo_starts_the_routes_transaction(self):
        lost = []
        with self.assertLogs("odoo.addons.erp_integration_core.controllers.dispatch", "WARNING"):
            response = self.serve(self.webhook(), self.at_the_routes_rollback(lost))
        self.assertTrue(lost, "the connection was lost where Odoo starts the route's transaction")
        self.assertEqual(response.status_code, 503)
        self.assertEqual(response.headers["Retry-After"], "30")

    def test_not_reachable_at_all(self):
        lost = []
        with self.assertLogs(level="WARNING") as logs:
            response = self.serve(self.webhook(), self.at_connecting(lost))
        self.assertTrue(lost, "Odoo tried to open the registry's cursor")
        self.assertEqual((response.status_code, response.headers["Retry-After"]), (503, "30"))
        self.assertEqual(
            [(record.name, record.exc_info) for record in logs.records],
            [("odoo.addons.erp_integration_core.controllers.dispatch", None)],
            "one line, no traceback",
        )

    def test_any_other_address_is_left_to_odoo(self):
        with self.assertRaises(psycopg2.OperationalError):
            self.serve(f"/web/session/logout?db={self.env.cr.dbname}", self.at_the_routes_rollback([]))
        with self.assertRaises(http.RegistryError):
            self.serve(f"/web/session/logout?db={self.env.cr.dbname}", self.at_connecting([]))
