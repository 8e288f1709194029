"""Fixtures: a seeded sandbox served over HTTP, and a webhook receiver."""

import threading
from dataclasses import dataclass

import pytest
from werkzeug.wrappers import Request, Response

from sandbox import DeliveryPolicy, WebhookDispatcher, build_app, running_server
from sandbox.systems.echo import EchoSystem


@pytest.fixture
def app():
    app = build_app(seed=7, systems=[EchoSystem])
    yield app
    app.close()


@pytest.fixture
def echo(app):
    return app.systems["echo"]


@pytest.fixture
def base_url(app):
    with running_server(app) as url:
        yield url


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes


class Receiver:
    """A webhook endpoint: records what arrives and answers with scripted statuses.

    Statuses queued in ``statuses`` are used first, one per request, then 200.
    """

    def __init__(self):
        self.url = ""
        self.statuses: list[int] = []
        self.received: list[Received] = []
        self._lock = threading.Lock()

    def __call__(self, environ, start_response):
        request = Request(environ)
        with self._lock:
            self.received.append(Received(request.path, dict(request.headers), request.get_data()))
            status = self.statuses.pop(0) if self.statuses else 200
        return Response("", status)(environ, start_response)

    @property
    def bodies(self) -> list[bytes]:
        return [r.body for r in self.received]


@pytest.fixture
def receiver():
    receiver = Receiver()
    with running_server(receiver) as url:
        receiver.url = url + "/hook"
        yield receiver


@pytest.fixture
def dispatcher():
    dispatcher = WebhookDispatcher(policy=DeliveryPolicy(backoff_base=0.01), seed=3)
    yield dispatcher
    dispatcher.close()
