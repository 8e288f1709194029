"""Webhook addresses that name their database, so Odoo does not list them for each delivery.

A request without a session cookie, as every webhook is, makes Odoo find its
database by listing them (``odoo.http.db_list(force=True)``) unless a proxy
names it in ``X-Odoo-Database``; unless ``db_name`` is set without a
``dbfilter``, that list is read on a new PostgreSQL connection to the
``postgres`` database, made and closed for this one request. It is most of
what a node spends on a small request, and a storm of deliveries is a storm of
connections. On a server with several databases Odoo finds none at all.

So each backend's webhook address ends in ``?db=<database>``, and for the
webhook addresses alone that name is read exactly as Odoo reads the header:
the request stays stateless, the name must pass ``dbfilter``, and a session
cookie for another database is refused. A name the filter rejects is ignored,
and Odoo finds its database as before; so does an address given out without
it. The header itself, when a proxy sets it, wins. Anyone may send that header
to any Odoo, so naming a database in the address opens nothing new.
"""

from odoo import http
from odoo.tools import config

WEBHOOK_PATH = "/integration/webhook/"
HEADER = "HTTP_X_ODOO_DATABASE"


def named_database(httprequest):
    """The database a webhook address names, if this server may serve it; else None."""
    environ = httprequest.environ
    if HEADER in environ or not httprequest.path.startswith(WEBHOOK_PATH):
        return None
    dbname = httprequest.args.get("db")
    # Never PostgreSQL's own databases, which Odoo does not list either.
    if not dbname or dbname in ("postgres", config["db_template"]):
        return None
    if http.db_filter([dbname], host=environ.get("HTTP_HOST", "")):
        return dbname
    return None


def install():
    """Teach ``odoo.http.Request`` to take a webhook's database from its address (once per process)."""
    original = http.Request._get_session_and_dbname
    if getattr(original, "integration_webhook_database", False):
        return

    def _get_session_and_dbname(self):
        dbname = named_database(self.httprequest)
        if dbname is None:
            return original(self)
        # Odoo's own stateless path for a named database, header and all; the
        # header is there only while Odoo chooses, so the exchange keeps the
        # headers exactly as the sender sent them.
        environ = self.httprequest.environ
        environ[HEADER] = dbname
        try:
            return original(self)
        finally:
            del environ[HEADER]

    _get_session_and_dbname.integration_webhook_database = True
    http.Request._get_session_and_dbname = _get_session_and_dbname
