"""Fixtures: a seeded HubSpot sandbox served over HTTP, an authenticated client and a webhook receiver."""

from functools import partialmethod

import pytest
import requests

from sandbox import DeliveryPolicy, build_app, running_server
from sandbox.hubspot import HubSpotSystem
from sandbox.testing import WebhookReceiver

SEED = 11


@pytest.fixture
def app():
    app = build_app(seed=SEED, systems=[HubSpotSystem])
    yield app
    app.close()


@pytest.fixture
def hubspot(app) -> HubSpotSystem:
    return app.systems["hubspot"]


@pytest.fixture
def base_url(app):
    with running_server(app) as url:
        yield url


class Api:
    """``requests`` with the sandbox's HubSpot host and the valid token already in place."""

    def __init__(self, host: str, token: str):
        self.host = host
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        return self.session.request(method, self.host + path, timeout=10, **kwargs)

    get = partialmethod(request, "GET")
    post = partialmethod(request, "POST")
    patch = partialmethod(request, "PATCH")
    put = partialmethod(request, "PUT")
    delete = partialmethod(request, "DELETE")


@pytest.fixture
def host(base_url) -> str:
    return f"{base_url}/hubspot"


@pytest.fixture
def api(host, hubspot) -> Api:
    return Api(host, hubspot.access_token)


@pytest.fixture
def receiver():
    with WebhookReceiver(default_status=204).serving("/hubspot-events?portal=62515") as receiver:
        yield receiver


@pytest.fixture
def fast_retries(hubspot):
    """Retry failed deliveries after milliseconds rather than seconds."""
    hubspot.webhooks.configure(DeliveryPolicy(max_attempts=hubspot.webhook_attempts, backoff_base=0.01))
