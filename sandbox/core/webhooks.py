"""Outbound webhook delivery with the retries, duplicates and reordering real platforms show."""

import base64
import hashlib
import heapq
import hmac
import itertools
import random
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace

import requests

from .knobs import Knobs, check_fraction


def hmac_sha256_base64(secret: str | bytes, body: bytes) -> str:
    """Sign ``body`` the way Shopify does: base64 of its HMAC-SHA256 under ``secret``."""
    key = secret.encode() if isinstance(secret, str) else secret
    return base64.b64encode(hmac.new(key, body, hashlib.sha256).digest()).decode("ascii")


@dataclass
class DeliveryPolicy(Knobs):
    """How a dispatcher delivers: retries, duplicates, reordering and timeouts.

    A failed attempt (connection error, timeout or non-2xx answer) is retried after
    ``backoff_base * 2 ** (attempt - 1)`` seconds until ``max_attempts`` is reached.
    ``duplicate_rate`` is the fraction of successful deliveries sent a second time.
    With ``reorder_batch`` above 1, deliveries are held until that many are waiting
    and then sent in shuffled order.
    """

    max_attempts: int = 5
    backoff_base: float = 1.0
    duplicate_rate: float = 0.0
    reorder_batch: int = 0
    connect_timeout: float = 1.0
    read_timeout: float = 5.0

    def __post_init__(self):
        check_fraction(self, "duplicate_rate")
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")


@dataclass
class Attempt:
    """One try at sending a delivery; ``outcome`` is delivered, retry or failed."""

    delivery_id: int
    url: str
    attempt: int
    status: int | None
    error: str | None
    outcome: str
    duplicate: bool
    time: float

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class _Delivery:
    id: int
    url: str
    body: bytes
    headers: dict
    generation: int
    attempt: int = 1
    duplicate: bool = False
    refresh: Callable[[int], tuple[bytes, dict]] | None = None


class WebhookDispatcher:
    """Send webhooks from a background thread, recording every attempt.

    ``signer(url, body)`` returns the headers authenticating a delivery; it is called
    once per delivery, so retries and duplicates carry the same signature, as on the
    real platforms. A platform that numbers and signs every retry afresh (HubSpot)
    passes ``refresh`` to ``deliver`` instead. The worker thread starts with the first
    delivery.
    """

    def __init__(self, signer=None, policy: DeliveryPolicy | None = None, seed=None):
        self.signer = signer
        self.default_policy = policy or DeliveryPolicy()
        self.seed = seed
        self._cond = threading.Condition()
        self._ids = itertools.count(1)
        self._order = itertools.count()
        self._generation = 0
        self._thread: threading.Thread | None = None
        self._closed = False
        self.reset()

    def reset(self) -> None:
        """Drop waiting deliveries and recorded attempts; restore the default policy."""
        with self._cond:
            self.policy = self.default_policy
            self._random = random.Random(self.seed)
            self._queue: list[tuple[float, int, _Delivery]] = []
            self._held: list[_Delivery] = []
            self._attempts: list[Attempt] = []
            self._pending = 0
            self._generation += 1
            self._cond.notify_all()

    def configure(self, policy: DeliveryPolicy) -> None:
        """Deliver from now on according to ``policy``, until the next reset."""
        with self._cond:
            self.policy = policy

    @property
    def attempts(self) -> list[Attempt]:
        """Every attempt since the last reset, in the order they were made."""
        with self._cond:
            return list(self._attempts)

    @property
    def pending(self) -> int:
        """Deliveries neither delivered nor given up yet."""
        return self._pending

    def deliver(self, url: str, body: bytes, headers=None, delay: float = 0.0, refresh=None) -> int:
        """Queue ``body`` for POSTing to ``url``, at the earliest ``delay`` seconds from now.

        ``refresh(attempt)``, if given, returns the body and headers of each retry
        (attempts count from 1). Return the delivery id used in the recorded attempts.
        """
        all_headers = self._headers(url, body, headers)
        with self._cond:
            delivery = _Delivery(next(self._ids), url, body, all_headers, self._generation, refresh=refresh)
            self._pending += 1
            if self.policy.reorder_batch > 1 and not delay:
                self._held.append(delivery)
                if len(self._held) >= self.policy.reorder_batch:
                    self._release()
            else:
                self._schedule(delivery, delay)
            self._start()
        return delivery.id

    def _headers(self, url: str, body: bytes, headers) -> dict:
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        if self.signer:
            all_headers.update(self.signer(url, body))
        return all_headers

    def _retry(self, delivery: _Delivery) -> _Delivery:
        """The next attempt of ``delivery``: the same bytes, unless it knows how to ``refresh`` them."""
        attempt = delivery.attempt + 1
        if delivery.refresh is None:
            return replace(delivery, attempt=attempt)
        body, headers = delivery.refresh(attempt)
        return replace(delivery, attempt=attempt, body=body, headers=self._headers(delivery.url, body, headers))

    def flush(self, timeout: float = 10.0) -> bool:
        """Send any held batch and wait until nothing is pending; False on timeout."""
        with self._cond:
            self._release()
            return self._cond.wait_for(lambda: not self._pending, timeout)

    def close(self) -> None:
        """Stop the worker; deliveries still waiting are dropped."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        if self._thread:
            self._thread.join(timeout=2)

    def _release(self) -> None:
        self._random.shuffle(self._held)
        for delivery in self._held:
            self._schedule(delivery, 0.0)
        self._held = []

    def _schedule(self, delivery: _Delivery, delay: float) -> None:
        heapq.heappush(self._queue, (time.monotonic() + delay, next(self._order), delivery))
        self._cond.notify_all()

    def _duplicate(self, policy: DeliveryPolicy) -> bool:
        return bool(policy.duplicate_rate) and self._random.random() < policy.duplicate_rate

    def _start(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run, name="webhooks", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while True:
            with self._cond:
                delivery = self._next()
            if delivery is None:
                return
            self._send(delivery)

    def _next(self) -> _Delivery | None:
        while not self._closed:
            if not self._queue:
                self._cond.wait()
                continue
            wait = self._queue[0][0] - time.monotonic()
            if wait <= 0:
                return heapq.heappop(self._queue)[2]
            self._cond.wait(wait)
        return None

    def _send(self, delivery: _Delivery) -> None:
        policy = self.policy
        status, error = self._post(delivery, policy)
        delivered = status is not None and 200 <= status < 300
        if delivered:
            outcome = "delivered"
        elif delivery.attempt < policy.max_attempts:
            outcome = "retry"
        else:
            outcome = "failed"
        with self._cond:
            if delivery.generation != self._generation:
                return
            self._attempts.append(
                Attempt(
                    delivery_id=delivery.id,
                    url=delivery.url,
                    attempt=delivery.attempt,
                    status=status,
                    error=error,
                    outcome=outcome,
                    duplicate=delivery.duplicate,
                    time=time.time(),
                )
            )
            if outcome == "retry":
                backoff = policy.backoff_base * 2 ** (delivery.attempt - 1)
                self._schedule(self._retry(delivery), backoff)
                return
            if delivered and not delivery.duplicate and self._duplicate(policy):
                self._pending += 1
                self._schedule(replace(delivery, attempt=1, duplicate=True), 0.0)
            self._pending -= 1
            self._cond.notify_all()

    @staticmethod
    def _post(delivery: _Delivery, policy: DeliveryPolicy) -> tuple[int | None, str | None]:
        """POST once; return the status, or None and the name of the error."""
        try:
            response = requests.post(
                delivery.url,
                data=delivery.body,
                headers=delivery.headers,
                timeout=(policy.connect_timeout, policy.read_timeout),
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            return None, type(exc).__name__
        return response.status_code, None
