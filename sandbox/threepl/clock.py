"""Simulated time, so a day of warehouse activity can pass in seconds."""

import logging
import threading
import time
from datetime import datetime, timedelta, timezone

_logger = logging.getLogger(__name__)


def start_of_day(hour: int = 8) -> datetime:
    """Today at ``hour`` o'clock UTC, as a naive datetime (3PL APIs send local times without offset)."""
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    return now.replace(hour=hour, minute=0, second=0, microsecond=0)


class Clock:
    """The warehouse's own time, moved in steps so nothing it schedules is skipped.

    ``advance()`` and ``tick()`` move it by hand, which is what tests do. With a
    ``speed`` above zero, ``start()`` runs a background thread moving it ``speed``
    simulated seconds per real second (3600: an hour per second) until ``close()``.
    Every step calls each subscriber with the previous and the new time, while
    holding ``lock``; hold it too to change what the subscribers work on.
    """

    def __init__(self, speed: float = 0.0, start: datetime | None = None, step_minutes: float = 15, interval=0.25):
        self.speed = speed
        self.origin = start or start_of_day()
        self.now = self.origin
        self.step = timedelta(minutes=step_minutes)
        self.interval = interval
        self.lock = threading.RLock()
        self._subscribers = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def subscribe(self, callback) -> None:
        """Call ``callback(previous, now)`` after every step."""
        self._subscribers.append(callback)

    def advance(self, hours: float = 0, minutes: float = 0, seconds: float = 0) -> datetime:
        """Move forward by the given amount, one step at a time; return the new time."""
        remaining = timedelta(hours=hours, minutes=minutes, seconds=seconds)
        with self.lock:
            while remaining > timedelta(0):
                delta = min(self.step, remaining)
                previous, self.now = self.now, self.now + delta
                remaining -= delta
                for callback in self._subscribers:
                    callback(previous, self.now)
            return self.now

    def tick(self) -> datetime:
        """Move forward by one step."""
        return self.advance(seconds=self.step.total_seconds())

    def reset(self) -> None:
        with self.lock:
            self.now = self.origin

    def set_speed(self, speed: float) -> None:
        """Change the speed; zero stops the background thread, more starts it."""
        self.speed = speed
        if speed > 0:
            self.start()
        else:
            self.close()

    def start(self) -> None:
        """Run the background ticker if the clock has a speed and it isn't running yet."""
        if self.speed <= 0 or (self._thread and self._thread.is_alive()):
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="threepl-clock", daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Stop the background ticker and wait for it."""
        self._stop.set()
        if self._thread and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)
        self._thread = None

    @property
    def running(self) -> bool:
        return bool(self._thread and self._thread.is_alive())

    def _run(self) -> None:
        last = time.monotonic()
        while not self._stop.wait(self.interval):
            now = time.monotonic()
            try:
                self.advance(seconds=(now - last) * self.speed)
            except Exception:
                _logger.exception("The warehouse clock failed to move; it keeps ticking")
            last = now
