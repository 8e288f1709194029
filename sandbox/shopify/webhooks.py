"""Webhook subscriptions and deliveries, with Shopify's headers.

One action (a mutation, or an event triggered from the control API) is one *event*:
every delivery it causes, whatever the topic or subscription, carries the same
``X-Shopify-Event-Id``, and retries and duplicates of a delivery keep its
``X-Shopify-Webhook-Id`` - which is what a receiver deduplicates on. The body is
signed with the app's client secret by the system's ``sign_webhook``.

Privacy topics (``customers/data_request``, ``customers/redact``, ``shop/redact``)
cannot be subscribed through GraphQL, as in Shopify where they come from the app's
configuration: subscribe them with the ``subscribe`` action.
"""

import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone

from .schema import API_VERSION
from .store import SHOP, iso

PRIVACY_TOPICS = ("customers/data_request", "customers/redact", "shop/redact")
# Resources whose REST name has an underscore; other enum names split after their first word.
MULTIWORD_RESOURCES = (
    "inventory_levels",
    "inventory_items",
    "bulk_operations",
    "fulfillment_orders",
    "fulfillment_events",
    "order_transactions",
    "draft_orders",
    "app_subscriptions",
)


def rest_topic(enum_name: str) -> str:
    """``INVENTORY_LEVELS_UPDATE`` -> ``inventory_levels/update``."""
    name = enum_name.lower()
    for resource in sorted(MULTIWORD_RESOURCES, key=len, reverse=True):
        if name.startswith(resource + "_"):
            return f"{resource}/{name[len(resource) + 1 :]}"
    resource, _, action = name.partition("_")
    return f"{resource}/{action}"


def enum_topic(topic: str) -> str:
    return topic.replace("/", "_").upper()


@dataclass
class Event:
    id: str
    triggered_at: str


class Hooks:
    """Subscriptions (in the system's state) and the deliveries sent for each event."""

    def __init__(self, system):
        self.system = system

    @property
    def state(self):
        return self.system.state

    def event(self) -> Event:
        now = datetime.now(timezone.utc)
        return Event(str(uuid.uuid4()), now.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z")

    def subscribe(self, topic: str, uri: str, api_version: str = API_VERSION, include_fields=(), filter=None) -> dict:
        now = iso(datetime.now(timezone.utc))
        return self.state.insert(
            "webhook_subscriptions",
            {
                "id": self.system.store.new_id("webhook_subscriptions"),
                "topic": topic,
                "uri": uri,
                "format": "json",
                "api_version": api_version,
                "include_fields": list(include_fields),
                "filter": filter,
                "created_at": now,
                "updated_at": now,
            },
        )

    def subscriptions(self, topic: str | None = None) -> list[dict]:
        return self.state.records("webhook_subscriptions", lambda s: topic is None or s["topic"] == topic)

    def send(self, event: Event, topic: str, payload: dict, delay: float = 0.0) -> list[int]:
        """Deliver ``payload`` to every subscription of ``topic``; return the delivery ids."""
        ids = []
        for subscription in self.subscriptions(topic):
            body = payload
            if subscription["include_fields"]:
                body = {k: v for k, v in payload.items() if k in subscription["include_fields"]}
            webhook_id = str(uuid.uuid4())
            headers = {
                "X-Shopify-Topic": topic,
                "X-Shopify-Shop-Domain": SHOP["domain"],
                "X-Shopify-API-Version": subscription["api_version"],
                "X-Shopify-Webhook-Id": webhook_id,
                "X-Shopify-Event-Id": event.id,
                "X-Shopify-Triggered-At": event.triggered_at,
                "User-Agent": "Shopify-Captain-Hook",
            }
            encoded = json.dumps(body).encode()
            delivery_id = self.system.webhooks.deliver(subscription["uri"], encoded, headers, delay=delay)
            self.state.insert(
                "deliveries",
                {
                    "id": delivery_id,
                    "topic": topic,
                    "uri": subscription["uri"],
                    "webhook_id": webhook_id,
                    "event_id": event.id,
                    "triggered_at": event.triggered_at,
                },
            )
            ids.append(delivery_id)
        return ids
