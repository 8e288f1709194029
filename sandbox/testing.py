"""Helpers for tests that receive what the sandbox sends (webhooks, callbacks)."""

import threading
from dataclasses import dataclass

from werkzeug.wrappers import Request, Response


@dataclass
class Received:
    url: str
    path: str
    headers: dict
    body: bytes


class WebhookReceiver:
    """A WSGI endpoint recording every request; statuses queued in ``statuses`` answer first.

    Serve it with ``running_server(receiver)`` and point the system at
    ``receiver.url`` (set it to the served address plus any path).
    """

    def __init__(self, default_status=200):
        self.url = ""
        self.default_status = default_status
        self.statuses: list[int] = []
        self.received: list[Received] = []
        self._lock = threading.Lock()

    def __call__(self, environ, start_response):
        request = Request(environ)
        with self._lock:
            self.received.append(Received(request.url, request.path, dict(request.headers), request.get_data()))
            status = self.statuses.pop(0) if self.statuses else self.default_status
        return Response(status=status)(environ, start_response)

    @property
    def bodies(self) -> list[bytes]:
        return [r.body for r in self.received]

    @property
    def pairs(self) -> list[tuple[dict, bytes]]:
        return [(r.headers, r.body) for r in self.received]
