"""HubSpot's API limits for one private app: a rolling ten-second window, a daily cap, and search's own."""

import threading
import time
from collections import deque
from datetime import datetime, timedelta, timezone

from ..core import FaultInjector

INTERVAL = 10.0


class RateLimiter:
    """Count requests the way HubSpot does and refuse those over a limit.

    ``ten_secondly`` requests are allowed in any rolling 10 s window and ``daily``
    per UTC day; search requests are further held to ``search_secondly`` a second.
    Refused requests are not counted, so a client that waits for the window to free
    up (the ``X-HubSpot-RateLimit-*`` headers tell it how) gets in.
    """

    def __init__(self, ten_secondly: int = 100, daily: int = 250_000, search_secondly: int = 5, clock=time.monotonic):
        self.clock = clock
        self._lock = threading.Lock()
        self.ten_secondly, self.daily, self.search_secondly = ten_secondly, daily, search_secondly
        self.reset()

    def configure(self, ten_secondly=None, daily=None, search_secondly=None) -> dict:
        """Change the limits given (the others stay) and start counting afresh; return the limits."""
        changes = {"ten_secondly": ten_secondly, "daily": daily, "search_secondly": search_secondly}
        for name, value in changes.items():
            if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
                raise ValueError(f"{name} must be a positive integer, not {value!r}")
        with self._lock:
            for name, value in changes.items():
                if value is not None:
                    setattr(self, name, value)
        self.reset()
        return self.limits()

    def reset(self) -> None:
        """Forget the requests counted so far."""
        with self._lock:
            self._window: deque[float] = deque()
            self._searches: deque[float] = deque()
            self._day = self._today()
            self._daily_count = 0

    def limits(self) -> dict:
        return {"ten_secondly": self.ten_secondly, "daily": self.daily, "search_secondly": self.search_secondly}

    def acquire(self, search: bool = False) -> tuple[str, float] | None:
        """Count one request; return the exhausted policy and the seconds to wait, or None if allowed."""
        with self._lock:
            now = self.clock()
            _expire(self._window, now - INTERVAL)
            _expire(self._searches, now - 1.0)
            if self._today() != self._day:
                self._day, self._daily_count = self._today(), 0
            if self._daily_count >= self.daily:
                tomorrow = datetime.combine(self._day + timedelta(days=1), datetime.min.time(), timezone.utc)
                return "DAILY", (tomorrow - datetime.now(timezone.utc)).total_seconds()
            if len(self._window) >= self.ten_secondly:
                return "TEN_SECONDLY_ROLLING", self._window[0] + INTERVAL - now
            if search and len(self._searches) >= self.search_secondly:
                return "SECONDLY", self._searches[0] + 1.0 - now
            self._window.append(now)
            if search:
                self._searches.append(now)
            self._daily_count += 1
            return None

    def headers(self) -> dict[str, str]:
        """The ``X-HubSpot-RateLimit-*`` headers every answer carries."""
        with self._lock:
            _expire(self._window, self.clock() - INTERVAL)
            return {
                "X-HubSpot-RateLimit-Max": str(self.ten_secondly),
                "X-HubSpot-RateLimit-Remaining": str(max(0, self.ten_secondly - len(self._window))),
                "X-HubSpot-RateLimit-Interval-Milliseconds": str(int(INTERVAL * 1000)),
                "X-HubSpot-RateLimit-Daily": str(self.daily),
                "X-HubSpot-RateLimit-Daily-Remaining": str(max(0, self.daily - self._daily_count)),
            }

    @staticmethod
    def _today():
        return datetime.now(timezone.utc).date()


def _expire(times: deque, before: float) -> None:
    while times and times[0] <= before:
        times.popleft()


class HubSpotFaults(FaultInjector):
    """Injected faults answered the way HubSpot answers, through ``finish(response)``.

    The core injector answers a rate limit fault before the system sees the request
    and always adds ``Retry-After``; ``finish`` puts HubSpot's rate limit headers on
    every answer and leaves ``Retry-After`` out unless the system promises one.
    """

    def __init__(self, seed, finish):
        super().__init__(seed)
        self.finish = finish

    def apply(self, request, handler, error_response):
        response, label = super().apply(request, handler, error_response)
        return self.finish(response), label
