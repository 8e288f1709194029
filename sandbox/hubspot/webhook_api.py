"""The webhooks v3 API: an app's settings (target URL, throttling) and its event subscriptions."""

from werkzeug.routing import Rule
from werkzeug.wrappers import Response

from ..core import json_response
from .errors import ApiError
from .objects import iso
from .params import batch_answer, batch_inputs, json_body
from .webhooks import SUBSCRIPTION_TYPES

APP = "/webhooks/v3/<int:app_id>"
SUBSCRIPTIONS = "subscriptions"
SETTINGS = "webhook_settings"
MAX_BATCH_INPUTS = 100


def webhook_rules() -> list[Rule]:
    return [
        Rule(f"{APP}/settings", methods=["GET"], endpoint="webhook_settings"),
        Rule(f"{APP}/settings", methods=["PUT"], endpoint="configure_webhooks"),
        Rule(f"{APP}/settings", methods=["DELETE"], endpoint="clear_webhook_settings"),
        Rule(f"{APP}/subscriptions", methods=["GET"], endpoint="subscriptions"),
        Rule(f"{APP}/subscriptions", methods=["POST"], endpoint="create_subscription"),
        Rule(f"{APP}/subscriptions/batch/update", methods=["POST"], endpoint="update_subscriptions"),
        Rule(f"{APP}/subscriptions/<int:subscription_id>", methods=["GET"], endpoint="subscription"),
        Rule(f"{APP}/subscriptions/<int:subscription_id>", methods=["PATCH"], endpoint="update_subscription"),
        Rule(f"{APP}/subscriptions/<int:subscription_id>", methods=["DELETE"], endpoint="delete_subscription"),
    ]


def check_event_type(event_type) -> None:
    if event_type not in SUBSCRIPTION_TYPES:
        raise ApiError(400, f"Unknown eventType {event_type!r}; use one of {', '.join(SUBSCRIPTION_TYPES)}")


def new_subscription(app_id: int, event_type: str, property_name=None, active=True, **target) -> dict:
    """A subscription record; ``target`` (``targetUrl``, ``clientSecret``) overrides the app's settings."""
    stamp = iso()
    return {
        "appId": app_id,
        "eventType": event_type,
        "propertyName": property_name if event_type.endswith("propertyChange") else None,
        "active": active,
        **target,
        "createdAt": stamp,
        "updatedAt": stamp,
    }


def public_subscription(record: dict) -> dict:
    """A subscription as the API shows it: no target, no secret, the id as a string."""
    answer = {"id": str(record["id"]), "eventType": record["eventType"]}
    if record.get("propertyName"):
        answer["propertyName"] = record["propertyName"]
    answer.update(active=record["active"], createdAt=record["createdAt"], updatedAt=record["updatedAt"])
    return answer


class WebhookApi:
    """The webhooks v3 handlers of ``HubSpotSystem``, over its ``state`` and ``app_id``.

    Subscriptions made here have no target of their own: events go to the app's
    settings' ``targetUrl``, signed with the app's client secret. Those made with the
    ``subscribe`` action bring their own target and secret, and are listed here too.
    """

    def delivery_target(self, subscription: dict) -> tuple[str, str] | None:
        """Where a subscription's events go and the secret signing them; None while the app has no target URL."""
        if subscription.get("targetUrl"):
            return subscription["targetUrl"], subscription["clientSecret"]
        settings = self.state.get(SETTINGS, subscription["appId"])
        return (settings["targetUrl"], self.client_secret) if settings else None

    def on_webhook_settings(self, request, app_id):
        settings = self.state.get(SETTINGS, self._app(app_id))
        if settings is None:
            raise ApiError(404, f"No webhook settings for app {app_id}")
        return json_response(_public_settings(settings))

    def on_configure_webhooks(self, request, app_id):
        """``PUT .../settings``: ``{targetUrl, throttling: {maxConcurrentRequests}}``."""
        body = json_body(request)
        target_url, throttling = body.get("targetUrl"), body.get("throttling")
        if not isinstance(target_url, str) or not target_url.startswith(("http://", "https://")):
            raise ApiError(400, "targetUrl must be an http(s) URL")
        concurrency = throttling.get("maxConcurrentRequests") if isinstance(throttling, dict) else None
        if not isinstance(concurrency, int) or isinstance(concurrency, bool) or concurrency < 1:
            raise ApiError(400, "throttling.maxConcurrentRequests must be a positive integer")
        existing = self.state.get(SETTINGS, self._app(app_id)) or {"createdAt": iso()}
        settings = {**existing, "id": app_id, "targetUrl": target_url, "throttling": throttling, "updatedAt": iso()}
        return json_response(_public_settings(self.state.insert(SETTINGS, settings)))

    def on_clear_webhook_settings(self, request, app_id):
        self.state.delete(SETTINGS, self._app(app_id))
        return Response(status=204)

    def on_subscriptions(self, request, app_id):
        records = self.state.records(SUBSCRIPTIONS, lambda r: r["appId"] == self._app(app_id))
        return json_response({"results": [public_subscription(r) for r in records]})

    def on_create_subscription(self, request, app_id):
        """``{eventType, propertyName, active}``: a property change needs its property; ``active`` defaults to false."""
        body = json_body(request)
        event_type, property_name = body.get("eventType"), body.get("propertyName")
        check_event_type(event_type)
        if event_type.endswith("propertyChange") and not property_name:
            raise ApiError(400, f"A {event_type} subscription needs a propertyName")
        record = new_subscription(self._app(app_id), event_type, property_name, bool(body.get("active", False)))
        return json_response(public_subscription(self.state.insert(SUBSCRIPTIONS, record)), 201)

    def on_subscription(self, request, app_id, subscription_id):
        return json_response(public_subscription(self._subscription(app_id, subscription_id)))

    def on_update_subscription(self, request, app_id, subscription_id):
        record = self._activate(app_id, subscription_id, json_body(request).get("active"))
        return json_response(public_subscription(record))

    def on_delete_subscription(self, request, app_id, subscription_id):
        self.state.delete(SUBSCRIPTIONS, self._subscription(app_id, subscription_id)["id"])
        return Response(status=204)

    def on_update_subscriptions(self, request, app_id):
        """``batch/update``: ``[{id, active}]``; unknown ids make a 207."""
        started = iso()
        results, errors = [], []
        for item in batch_inputs(json_body(request), MAX_BATCH_INPUTS):
            try:
                results.append(public_subscription(self._activate(app_id, item.get("id"), item.get("active"))))
            except ApiError as error:
                errors.append(error.batch_error())
        return batch_answer(started, results, errors, 200)

    def _app(self, app_id: int) -> int:
        if app_id != self.app_id:
            raise ApiError(404, f"App {app_id} not found")
        return app_id

    def _subscription(self, app_id, subscription_id) -> dict:
        record = self.state.get(SUBSCRIPTIONS, subscription_id) if isinstance(subscription_id, int) else None
        if record is None or record["appId"] != self._app(app_id):
            raise ApiError(404, f"Subscription {subscription_id} not found", {"ids": [str(subscription_id)]})
        return record

    def _activate(self, app_id, subscription_id, active) -> dict:
        record = self._subscription(app_id, subscription_id)
        if not isinstance(active, bool):
            raise ApiError(400, "active must be true or false")
        return self.state.update(SUBSCRIPTIONS, record["id"], {"active": active, "updatedAt": iso()})


def _public_settings(settings: dict) -> dict:
    return {key: settings[key] for key in ("targetUrl", "throttling", "createdAt", "updatedAt")}
