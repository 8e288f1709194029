"""What a delivery carries, as the core stores it: one event, one exchange.

A connector reads a delivery (a webhook body, a file, a page of a polled API)
and returns its events. Each names its flow, the external object it concerns
and the lock that keeps two jobs from applying changes to that object side by
side, and has an idempotency key of its own, so that a batch delivered again, or
partly again, creates only the events not seen before.
"""

import json
from dataclasses import dataclass, field

from .payload import sha256_hex


@dataclass(frozen=True)
class Event:
    flow: str
    idempotency_key: str
    payload: str
    external_type: str | None = None
    external_id: str | None = None
    # Events about one object share it; by default the object itself.
    lock_key: str | None = None

    def __post_init__(self):
        if self.external_id is not None:
            object.__setattr__(self, "external_id", str(self.external_id))
        if self.lock_key is None and self.external_id:
            lock = f"{self.external_type}:{self.external_id}" if self.external_type else self.external_id
            object.__setattr__(self, "lock_key", lock)

    @classmethod
    def of(cls, flow, idempotency_key, data, **kwargs):
        """An event whose payload is ``data`` serialised as JSON (keys sorted, so equal data hash alike)."""
        return cls(flow, idempotency_key, json.dumps(data, sort_keys=True, default=str), **kwargs)

    @property
    def payload_sha256(self):
        return sha256_hex(self.payload)

    @property
    def payload_size(self):
        return len(self.payload.encode())


@dataclass(frozen=True)
class Delivery:
    """The raw thing received, kept verbatim once when it carries several events."""

    body: str
    source: str = "webhook"
    name: str | None = None
    headers: dict = field(default_factory=dict)

    @property
    def sha256(self):
        return sha256_hex(self.body)

    @property
    def size(self):
        return len(self.body.encode())
