"""HubSpot webhook events: batched into JSON arrays and signed with signature v3."""

import itertools
import json
import threading
import time
from collections import deque

from ..core import hmac_sha256_base64

SUBSCRIPTION_TYPES = tuple(
    f"{obj}.{change}" for obj in ("contact", "company", "deal") for change in ("creation", "propertyChange", "deletion")
)
MAX_BATCH = 100
CHANGE_FLAGS = {"creation": "CREATED", "deletion": "DELETED"}


def sign_v3(secret: str, method: str, uri: str, body: bytes | str, timestamp: int | str) -> str:
    """HubSpot's signature v3: base64 of HMAC-SHA256 over method, full URI, raw body and timestamp (ms)."""
    raw = body if isinstance(body, bytes) else body.encode()
    return hmac_sha256_base64(secret, method.encode() + uri.encode() + raw + str(timestamp).encode())


def now_ms() -> int:
    return int(time.time() * 1000)


class EventBatcher:
    """Collect events for ``window`` seconds, then hand each target its events as signed JSON arrays.

    HubSpot sends up to 100 events per request; each array goes to ``deliver(url,
    body, headers)`` (the system's ``WebhookDispatcher``), which retries, duplicates and
    reorders according to its policy. The dispatcher resends the same bytes, so
    ``attemptNumber`` stays 0 on retries and the signature keeps its first timestamp.
    ``recent`` keeps the last events for the status page.
    """

    def __init__(self, deliver, window: float = 0.2, portal_id: int = 0):
        self.deliver = deliver
        self.window = window
        self.portal_id = portal_id
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None
        # Event ids must stay unique across resets and restarts: receivers deduplicate on them.
        self._ids = itertools.count(now_ms() * 1000)
        self.reset()

    def reset(self) -> None:
        """Drop the events not sent yet and forget the recent ones."""
        with self._lock:
            self._cancel()
            self._pending: dict[tuple[str, str], list[dict]] = {}
            self.recent: deque[dict] = deque(maxlen=200)

    def publish(self, subscriptions: list[dict], kind: str, change: str, object_id: str, changes: dict, source: str):
        """Queue the events the active ``subscriptions`` want about one change of one object."""
        event_type = f"{kind}.{change}"
        occurred = now_ms()
        items = sorted(changes.items()) if change == "propertyChange" else [(None, None)]
        for subscription in subscriptions:
            if not subscription["active"] or subscription["eventType"] != event_type:
                continue
            for name, value in items:
                if subscription.get("propertyName") and name != subscription["propertyName"]:
                    continue
                event = {
                    "eventId": next(self._ids),
                    "subscriptionId": subscription["id"],
                    "portalId": self.portal_id,
                    "appId": subscription["appId"],
                    "occurredAt": occurred,
                    "subscriptionType": event_type,
                    "attemptNumber": 0,
                    "objectId": int(object_id),
                    "changeSource": source,
                }
                if name is None:
                    event["changeFlag"] = CHANGE_FLAGS[change]
                else:
                    event.update(propertyName=name, propertyValue=value)
                self._queue((subscription["targetUrl"], subscription["clientSecret"]), event)

    def _queue(self, target: tuple[str, str], event: dict) -> None:
        with self._lock:
            self._pending.setdefault(target, []).append(event)
            self.recent.append(event)
            if self.window > 0 and self._timer is None:
                self._timer = threading.Timer(self.window, self.flush)
                self._timer.daemon = True
                self._timer.start()
        if self.window <= 0:
            self.flush()

    def flush(self) -> int:
        """Send what is waiting now; return the number of requests queued for delivery."""
        with self._lock:
            self._cancel()
            pending, self._pending = self._pending, {}
        sent = 0
        for (url, secret), events in pending.items():
            for start in range(0, len(events), MAX_BATCH):
                body = json.dumps(events[start : start + MAX_BATCH]).encode()
                timestamp = now_ms()
                headers = {
                    "User-Agent": "HubSpot Connect 2.0 (http://dev.hubspot.com/)",
                    "X-HubSpot-Signature-v3": sign_v3(secret, "POST", url, body, timestamp),
                    "X-HubSpot-Signature-Version": "v3",
                    "X-HubSpot-Request-Timestamp": str(timestamp),
                }
                self.deliver(url, body, headers)
                sent += 1
        return sent

    def close(self) -> None:
        with self._lock:
            self._cancel()

    def _cancel(self) -> None:
        if self._timer:
            self._timer.cancel()
            self._timer = None
