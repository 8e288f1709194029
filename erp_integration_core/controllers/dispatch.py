"""How Odoo dispatches a webhook: the database its address names, and a 503 when that database goes away.

**The database.** A request without a session cookie, as every webhook is,
makes Odoo find its database by listing them (``odoo.http.db_list(force=True)``)
unless a proxy names it in ``X-Odoo-Database``; unless ``db_name`` is set
without a ``dbfilter``, that list is read on a new PostgreSQL connection to
the ``postgres`` database, made and closed for this one request. It is most of
what a node spends on a small request, and a storm of deliveries is a storm of
connections. On a server with several databases Odoo finds none at all.

So each backend's webhook address ends in ``?db=<database>``, and for the
webhook addresses alone that name is read exactly as Odoo reads the header:
the request stays stateless, the name must pass ``dbfilter``, and a session
cookie for another database is refused. A name the filter rejects is ignored,
and Odoo finds its database as before; so does an address given out without
it. The header itself, when a proxy sets it, wins. Anyone may send that header
to any Odoo, so naming a database in the address opens nothing new.

**The database going away.** The intake answers 503 (retry later) when
PostgreSQL is lost inside it (``webhook.py``). Odoo's dispatch also uses the
connection before and after the route runs (it opens the registry's cursor,
starts the route's transaction, closes the cursor): a connection lost while
it starts the transaction would be a 500, which HubSpot does not retry, and
one Odoo cannot open is logged with its traceback before Odoo falls back to
the routes without a database. For the webhook addresses both are the
intake's 503 and one line in the log.
"""

import logging

import psycopg2

from odoo import http
from odoo.tools import config

from .webhook import IntegrationWebhookController, database_unavailable

_logger = logging.getLogger(__name__)

WEBHOOK_PATH = "/integration/webhook/"
HEADER = "HTTP_X_ODOO_DATABASE"
MARK = "integration_webhook_dispatch"


def is_webhook(httprequest):
    return httprequest.path.startswith(WEBHOOK_PATH)


def named_database(httprequest):
    """The database a webhook address names, if this server may serve it; else None."""
    environ = httprequest.environ
    if HEADER in environ or not is_webhook(httprequest):
        return None
    dbname = httprequest.args.get("db")
    # Never PostgreSQL's own databases, which Odoo does not list either.
    if not dbname or dbname in ("postgres", config["db_template"]):
        return None
    if http.db_filter([dbname], host=environ.get("HTTP_HOST", "")):
        return dbname
    return None


def install():
    """Wrap ``odoo.http.Request``'s choice of database and its database dispatch, once per process."""
    Request = http.Request
    if getattr(Request._serve_db, MARK, False):
        return
    get_session_and_dbname, serve_db = Request._get_session_and_dbname, Request._serve_db

    def _get_session_and_dbname(self):
        dbname = named_database(self.httprequest)
        if dbname is None:
            return get_session_and_dbname(self)
        # Odoo's own stateless path for a named database, header and all; the
        # header is there only while Odoo chooses, so the exchange keeps the
        # headers exactly as the sender sent them.
        environ = self.httprequest.environ
        environ[HEADER] = dbname
        try:
            return get_session_and_dbname(self)
        finally:
            del environ[HEADER]

    def _serve_db(self):
        try:
            return serve_db(self)
        except (psycopg2.Error, http.RegistryError) as err:
            # Odoo wraps a database it cannot open in a RegistryError, and
            # would log it with its traceback for every delivery of an outage.
            lost = err.__cause__ if isinstance(err, http.RegistryError) else err
            if not (is_webhook(self.httprequest) and isinstance(lost, psycopg2.Error) and database_unavailable(lost)):
                raise
            _logger.warning("Webhook delivery not stored, the database is unavailable: %s", type(lost).__name__)
            return IntegrationWebhookController._unavailable()

    setattr(_serve_db, MARK, True)
    Request._get_session_and_dbname = _get_session_and_dbname
    Request._serve_db = _serve_db
