"""Fixtures: a seeded sandbox served over HTTP, and a webhook receiver."""

import pytest

from sandbox import DeliveryPolicy, WebhookDispatcher, build_app, running_server
from sandbox.systems.echo import EchoSystem
from sandbox.testing import WebhookReceiver


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


@pytest.fixture
def receiver():
    with WebhookReceiver().serving("/hook") as receiver:
        yield receiver


@pytest.fixture
def dispatcher():
    dispatcher = WebhookDispatcher(policy=DeliveryPolicy(backoff_base=0.01), seed=3)
    yield dispatcher
    dispatcher.close()
