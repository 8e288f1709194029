import json
import logging

import psycopg2

from odoo import SUPERUSER_ID, http
from odoo.http import request

from ..lib.webhook import WebhookRequest

_logger = logging.getLogger(__name__)

# How long a sender is asked to wait when the database is away.
RETRY_AFTER_SECONDS = 30


def database_unavailable(error):
    """Whether ``error`` says PostgreSQL is unreachable or shutting down (not a conflict worth retrying here).

    SQLSTATE class 08 is a connection exception, 57 an operator intervention
    (shutdown, crash, not accepting connections yet); a lost connection has no
    code at all. Serialisation failures and lock timeouts are left to Odoo,
    which retries the request itself.
    """
    if isinstance(error, psycopg2.InterfaceError):
        return True
    return isinstance(error, psycopg2.OperationalError) and (error.pgcode or "")[:2] in ("", "08", "57")


class IntegrationWebhookController(http.Controller):
    """One address for every channel's webhooks: verify, store, enqueue, answer.

    The handler does no business work: whatever the payload asks for happens
    later in a queue job, so the sender gets its 200 quickly and a crash after
    the answer loses nothing.
    """

    @http.route(
        ["/integration/webhook/<string:token>", "/integration/webhook/<string:token>/<path:topic>"],
        type="http",
        auth="none",
        methods=["POST"],
        csrf=False,
        save_session=False,
        readonly=False,
    )
    def receive(self, token, topic=None, **kwargs):
        if not request.db:
            # Served from the routes that need no database (the core is loaded
            # server-wide): PostgreSQL is away, so ask the sender to retry
            # rather than answer 404, which HubSpot would not retry.
            return self._unavailable()
        try:
            return self._receive(token, topic)
        except psycopg2.Error as err:
            if not database_unavailable(err):
                raise
            _logger.warning("Webhook delivery not stored, the database is unavailable: %s", type(err).__name__)
            return self._unavailable()

    def _receive(self, token, topic):
        # The sender is authenticated by its signature, not by a session: the
        # exchange is stored and its job runs as the superuser, and the audit
        # trail records which backend it came from.
        Exchange = request.env(user=SUPERUSER_ID)["integration.exchange"]
        backend_row = Exchange._webhook_backend(token)
        if not backend_row:
            return self._answer(404, {"error": "unknown webhook address"})
        limit = backend_row[3] * 1024
        httprequest = request.httprequest
        if (httprequest.content_length or 0) > limit:
            Exchange._count_rejection(backend_row[0], 413)
            return self._answer(413, {"error": f"payload larger than {backend_row[3]} KiB"})
        # A body sent without Content-Length is measured again by the intake.
        body = httprequest.get_data()
        delivery = WebhookRequest(
            body=body, headers=httprequest.headers, method=httprequest.method, url=httprequest.url, topic=topic
        )
        status, answer = Exchange._intake(backend_row, delivery)
        # Committed before answering, inside the check above: a database lost
        # at the commit gets the sender a 503 to retry on, never a 500 or a 200
        # for a delivery that was not stored.
        request.env.cr.commit()
        return self._answer(status, answer)

    @classmethod
    def _unavailable(cls):
        response = cls._answer(503, {"error": "the database is unavailable; retry later"})
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response

    @staticmethod
    def _answer(status, answer):
        return request.make_response(json.dumps(answer), headers=[("Content-Type", "application/json")], status=status)
