"""A demonstration system: JSON records, with a signed webhook for each one created.

It exercises the sandbox machinery end to end and shows the shape of a real
simulator: routes, handlers, state, the error format and signed webhooks.
"""

import json

from werkzeug.routing import Rule

from ..core import System, hmac_sha256_base64, json_response


class EchoSystem(System):
    """Store any JSON object as a record and announce it to subscribed addresses."""

    name = "echo"
    title = "Echo (demonstration)"
    secret = "echo-webhook-secret"
    topic = "records/create"

    def routes(self):
        return [
            Rule("/records", methods=["GET"], endpoint="list_records"),
            Rule("/records", methods=["POST"], endpoint="create_record"),
            Rule("/records/<int:record_id>", methods=["GET"], endpoint="get_record"),
            Rule("/webhooks", methods=["GET"], endpoint="list_webhooks"),
            Rule("/webhooks", methods=["POST"], endpoint="create_webhook"),
        ]

    def on_list_records(self, request):
        """``GET /records``: every record, oldest first."""
        return json_response({"records": self.state.records("records")})

    def on_create_record(self, request):
        """``POST /records``: store the JSON object sent and announce it."""
        data = request.get_json(silent=True)
        if not isinstance(data, dict):
            return self.error_response(422, "The body must be a JSON object")
        record = self.state.insert("records", {"data": data})
        self.notify(record)
        return json_response({"record": record}, 201)

    def on_get_record(self, request, record_id):
        """``GET /records/<id>``: one record."""
        record = self.state.get("records", record_id)
        if record is None:
            return self.error_response(404, "Not Found")
        return json_response({"record": record})

    def on_list_webhooks(self, request):
        """``GET /webhooks``: the subscriptions."""
        return json_response({"webhooks": self.state.records("webhooks")})

    def on_create_webhook(self, request):
        """``POST /webhooks`` with ``{"address": url}``: subscribe to new records."""
        data = request.get_json(silent=True)
        address = data.get("address") if isinstance(data, dict) else None
        if not isinstance(address, str) or not address.startswith(("http://", "https://")):
            return self.error_response(422, "address must be an http(s) URL")
        webhook = self.state.insert("webhooks", {"address": address, "topic": self.topic})
        return json_response({"webhook": webhook}, 201)

    def notify(self, record: dict) -> None:
        """Queue one webhook per subscription announcing ``record``."""
        body = json.dumps(record).encode()
        for webhook in self.state.records("webhooks"):
            headers = {
                "X-Echo-Topic": self.topic,
                "X-Echo-Webhook-Id": str(self.state.next_id("events")),
            }
            self.webhooks.deliver(webhook["address"], body, headers)

    def sign_webhook(self, url, body):
        """Sign like Shopify: base64 HMAC-SHA256 of the body with the shared secret."""
        return {"X-Echo-Hmac-Sha256": hmac_sha256_base64(self.secret, body)}
