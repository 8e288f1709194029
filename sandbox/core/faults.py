"""Fault injection: make a simulated system slow, flaky, throttled or broken on demand."""

import math
import random
import threading
import time
from dataclasses import dataclass, field

from werkzeug.http import HTTP_STATUS_CODES

from .knobs import Knobs, check_fraction

MALFORMED_KINDS = ("truncated", "content_type")
MALFORMED_PAGE = b"<html><body><h1>Service Unavailable</h1></body></html>"


@dataclass
class FaultConfig(Knobs):
    """What goes wrong with one system's answers; the defaults mean nothing does.

    Rates are fractions of requests. A request suffers at most one of rate limiting,
    error, timeout and malformed answer, checked in that order; latency comes on top.
    Rate limiting triggers on ``rate_limit_rate``, on every ``rate_limit_every``-th
    request, or when the token bucket (``bucket_capacity`` tokens refilled at
    ``bucket_refill`` per second) is empty. A timeout (on ``timeout_rate``, or every
    ``timeout_every``-th request) processes the request and then holds the answer
    back ``timeout_seconds``, so the client gives up not knowing the outcome.
    ``seed`` overrides the system's seed for the fault decisions.
    """

    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    error_rate: float = 0.0
    error_statuses: list[int] = field(default_factory=lambda: [500, 502, 503])
    rate_limit_rate: float = 0.0
    rate_limit_every: int = 0
    bucket_capacity: int = 0
    bucket_refill: float = 0.0
    retry_after: float = 1.0
    timeout_rate: float = 0.0
    timeout_every: int = 0
    timeout_seconds: float = 30.0
    malformed_rate: float = 0.0
    malformed_kind: str = "truncated"
    seed: int | None = None

    def __post_init__(self):
        check_fraction(self, "error_rate", "rate_limit_rate", "timeout_rate", "malformed_rate")
        if not self.error_statuses:
            raise ValueError("error_statuses must not be empty")
        if self.malformed_kind not in MALFORMED_KINDS:
            raise ValueError(f"malformed_kind must be one of {', '.join(MALFORMED_KINDS)}")


@dataclass
class Plan:
    """The fate of one request, decided before it is handled."""

    latency: float = 0.0
    fault: str | None = None
    status: int = 0
    retry_after: float = 0.0
    hang: float = 0.0
    kind: str = ""

    @property
    def label(self) -> str | None:
        """Describe the fault for the request log."""
        if self.fault == "error":
            return f"error:{self.status}"
        if self.fault == "malformed":
            return f"malformed:{self.kind}"
        if self.fault is None and self.latency:
            return "latency"
        return self.fault


class FaultInjector:
    """Apply a system's ``FaultConfig`` around its request handler.

    Every request draws the same number of values from the random generator whatever
    the knobs, so a seeded injector gives the same sequence of faults on every run.
    """

    def __init__(self, seed: int | None = None):
        self.seed = seed
        self._lock = threading.Lock()
        self.configure(FaultConfig())

    def configure(self, config: FaultConfig) -> None:
        """Replace the knobs, restarting the random sequence, the counter and the bucket."""
        with self._lock:
            self.config = config
            self._random = random.Random(config.seed if config.seed is not None else self.seed)
            self._count = 0
            self._tokens = float(config.bucket_capacity)
            self._refilled_at = time.monotonic()

    def plan(self) -> Plan:
        """Decide what happens to the next request."""
        with self._lock:
            config = self.config
            jitter, limit, error, timeout, malformed, pick = (self._random.random() for _ in range(6))
            self._count += 1
            latency = (config.latency_ms + jitter * config.jitter_ms) / 1000
            retry_after = self._throttle(limit)
            if retry_after is not None:
                return Plan(latency, "rate_limit", 429, retry_after=retry_after)
            if error < config.error_rate:
                statuses = config.error_statuses
                return Plan(latency, "error", statuses[int(pick * len(statuses))])
            if timeout < config.timeout_rate or (config.timeout_every and self._count % config.timeout_every == 0):
                return Plan(latency, "timeout", hang=config.timeout_seconds)
            if malformed < config.malformed_rate:
                return Plan(latency, "malformed", kind=config.malformed_kind)
            return Plan(latency)

    def _throttle(self, draw: float) -> float | None:
        """Return the Retry-After delay if the current request is rate limited."""
        config = self.config
        if config.rate_limit_every and self._count % config.rate_limit_every == 0:
            return config.retry_after
        if draw < config.rate_limit_rate:
            return config.retry_after
        if not config.bucket_capacity:
            return None
        now = time.monotonic()
        refill = (now - self._refilled_at) * config.bucket_refill
        self._tokens = min(float(config.bucket_capacity), self._tokens + refill)
        self._refilled_at = now
        if self._tokens >= 1:
            self._tokens -= 1
            return None
        if config.bucket_refill:
            return (1 - self._tokens) / config.bucket_refill
        return config.retry_after

    def apply(self, request, handler, error_response):
        """Answer ``request`` through ``handler`` with the planned fault applied.

        ``error_response(status, message)`` builds the system's own error answers.
        Return the response and the fault label for the request log.
        """
        plan = self.plan()
        if plan.latency > 0:
            time.sleep(plan.latency)
        if plan.fault == "rate_limit":
            response = error_response(429, HTTP_STATUS_CODES[429])
            retry_after = math.ceil(plan.retry_after * 1000) / 1000
            response.headers["Retry-After"] = f"{retry_after:g}"
            return response, plan.label
        if plan.fault == "error":
            message = HTTP_STATUS_CODES.get(plan.status, "Server Error")
            return error_response(plan.status, message), plan.label
        response = handler(request)
        if plan.fault == "timeout":
            time.sleep(plan.hang)
        elif plan.fault == "malformed":
            malform(response, plan.kind)
        return response, plan.label


def malform(response, kind: str) -> None:
    """Break ``response``: cut its body in half, or serve an HTML page in its place."""
    if kind == "truncated":
        body = response.get_data()
        response.set_data(body[: len(body) // 2] or b"{")
    else:
        response.set_data(MALFORMED_PAGE)
        response.content_type = "text/html; charset=utf-8"
