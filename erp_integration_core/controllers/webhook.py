import json

from odoo import SUPERUSER_ID, http
from odoo.http import request

from ..lib.webhook import WebhookRequest


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
        return self._answer(status, answer)

    @staticmethod
    def _answer(status, answer):
        return request.make_response(json.dumps(answer), headers=[("Content-Type", "application/json")], status=status)
