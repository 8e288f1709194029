"""Helpers for tests that receive what the sandbox sends (webhooks, callbacks)."""

import os
import subprocess
import sys
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

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

    @contextmanager
    def serving(self, path=""):
        """Serve the receiver on a free port; ``url`` is that address plus ``path``."""
        from .core import running_server

        with running_server(self) as base:
            self.url = base + path
            yield self

    @property
    def bodies(self) -> list[bytes]:
        return [r.body for r in self.received]

    @property
    def pairs(self) -> list[tuple[dict, bytes]]:
        return [(r.headers, r.body) for r in self.received]


@contextmanager
def sandbox_process(seed=None, env=None, timeout=10):
    """Run ``python -m sandbox`` on a free port in its own process; yield its base URL.

    For tests that must not share a process with the sandbox (Odoo's test
    harness patches ``requests`` for the whole process, for instance).
    """
    command = [sys.executable, "-m", "sandbox", "--host", "127.0.0.1", "--port", "0"]
    if seed is not None:
        command += ["--seed", str(seed)]
    process = subprocess.Popen(
        command,
        cwd=Path(__file__).resolve().parent.parent,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline()
        if not line.startswith("Sandbox serving on "):
            raise RuntimeError(f"the sandbox did not start: {line!r}")
        yield line.split()[-1]
    finally:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()


@contextmanager
def sandbox_thread(seed=None):
    """Serve every system of the sandbox in this process, on a free port; yield its base URL.

    For plain pytest tests (no Odoo in the process): cheaper than a process of its own.
    """
    from . import build_app
    from .core import running_server

    app = build_app(seed=seed)
    try:
        with running_server(app) as url:
            yield url
    finally:
        app.close()
