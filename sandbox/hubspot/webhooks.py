"""HubSpot webhook events: batched into JSON arrays, signed v1 and v3, numbered and signed afresh on every retry."""

import hashlib
import itertools
import json
import re
import threading
import time
from collections import deque

from ..core import hmac_sha256_base64

OBJECT_CHANGES = ("creation", "propertyChange", "deletion", "merge", "restore", "associationChange")
SUBSCRIPTION_TYPES = (
    *(f"{obj}.{change}" for obj in ("contact", "company", "deal") for change in OBJECT_CHANGES),
    "contact.privacyDeletion",
)
MAX_BATCH = 100
CHANGE_FLAGS = {"creation": "CREATED", "deletion": "DELETED", "merge": "MERGED", "restore": "RESTORED"}
# The escapes HubSpot decodes in the request URI before computing a v3 signature; others stay as sent.
URI_DECODING = {
    "%3A": ":",
    "%2F": "/",
    "%3F": "?",
    "%40": "@",
    "%21": "!",
    "%24": "$",
    "%27": "'",
    "%28": "(",
    "%29": ")",
    "%2A": "*",
    "%2C": ",",
    "%3B": ";",
}


def decoded_uri(uri: str) -> str:
    return re.sub(r"%[0-9A-Fa-f]{2}", lambda m: URI_DECODING.get(m.group().upper(), m.group()), uri)


def sign_v3(secret: str, method: str, uri: str, body: bytes | str, timestamp: int | str) -> str:
    """HubSpot's signature v3: base64 HMAC-SHA256 over method, decoded URI, raw body and timestamp (ms)."""
    raw = body if isinstance(body, bytes) else body.encode()
    return hmac_sha256_base64(secret, method.encode() + decoded_uri(uri).encode() + raw + str(timestamp).encode())


def sign_v1(secret: str, body: bytes | str) -> str:
    """HubSpot's signature v1, still sent for webhooks: hex SHA-256 of the client secret and the raw body."""
    raw = body if isinstance(body, bytes) else body.encode()
    return hashlib.sha256(secret.encode() + raw).hexdigest()


def now_ms() -> int:
    return int(time.time() * 1000)


def object_events(change: str, object_id: str, changes: dict) -> list[dict]:
    """The type-specific fields of the events about one change of one object.

    A property change is an event per property; a merge carries the ids involved.
    """
    if change == "propertyChange":
        return [
            {"objectId": int(object_id), "propertyName": name, "propertyValue": value}
            for name, value in sorted(changes.items())
        ]
    event = {"objectId": int(object_id)}
    if change in CHANGE_FLAGS:
        event["changeFlag"] = CHANGE_FLAGS[change]
    return [{**event, **changes}]


class EventBatcher:
    """Collect events for ``window`` seconds, then hand each target its events as signed JSON arrays.

    HubSpot sends up to 100 events per request; each array goes to ``deliver(url,
    body, headers, refresh)`` (the system's ``WebhookDispatcher``), which retries,
    duplicates and reorders according to its policy. Every retry is rendered afresh
    by ``refresh``: its events' ``attemptNumber`` goes up, and it is signed again with
    a new timestamp. ``recent`` keeps the last events for the status page.
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

    def publish(self, targets, event_type: str, events: list[dict], source: str, source_id: str) -> None:
        """Queue ``events`` (their type-specific fields) for each active subscription to ``event_type``.

        ``targets`` pairs each subscription with the ``(url, secret)`` it is delivered
        to; a ``propertyName`` on a subscription keeps only that property's events.
        """
        occurred = now_ms()
        for subscription, target in targets:
            if not subscription["active"] or subscription["eventType"] != event_type:
                continue
            for fields in events:
                if subscription.get("propertyName") and fields.get("propertyName") != subscription["propertyName"]:
                    continue
                event = {
                    "eventId": next(self._ids),
                    "subscriptionId": subscription["id"],
                    "portalId": self.portal_id,
                    "appId": subscription["appId"],
                    "occurredAt": occurred,
                    "subscriptionType": event_type,
                    "attemptNumber": 0,
                    **fields,
                    "changeSource": source,
                    "sourceId": source_id,
                }
                self._queue(target, event)

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
                chunk = events[start : start + MAX_BATCH]

                def render(attempt: int, url=url, secret=secret, chunk=chunk):
                    return signed_request(url, secret, [{**e, "attemptNumber": attempt - 1} for e in chunk])

                self.deliver(url, *render(1), render)
                sent += 1
        return sent

    def close(self) -> None:
        with self._lock:
            self._cancel()

    def _cancel(self) -> None:
        if self._timer:
            self._timer.cancel()
            self._timer = None


def signed_request(url: str, secret: str, events: list[dict]) -> tuple[bytes, dict]:
    """The body and headers of one delivery: both signature versions HubSpot sends, timestamped now."""
    body = json.dumps(events).encode()
    timestamp = now_ms()
    headers = {
        "User-Agent": "HubSpot Connect 2.0 (http://dev.hubspot.com/)",
        "X-HubSpot-Signature": sign_v1(secret, body),
        "X-HubSpot-Signature-Version": "v1",
        "X-HubSpot-Signature-v3": sign_v3(secret, "POST", url, body, timestamp),
        "X-HubSpot-Request-Timestamp": str(timestamp),
    }
    return body, headers
