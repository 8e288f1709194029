"""Fixtures: a seeded sandbox serving Shopify over HTTP, a GraphQL client and a webhook receiver.

Tests that talk GraphQL load the real schema the repository ships in ``contracts/``;
if it is missing they fail with an error naming the file.
"""

import threading
from dataclasses import dataclass

import pytest
import requests
from werkzeug.wrappers import Request, Response

from sandbox import DeliveryPolicy, build_app, running_server
from sandbox.shopify import ShopifySystem
from sandbox.shopify.schema import load_schema

TOKEN = "shpat_sandbox_demo_token"
SECRET = "sandbox-shopify-secret"


@pytest.fixture(scope="session")
def schema():
    return load_schema()


@pytest.fixture
def app():
    app = build_app(seed=11, systems=[ShopifySystem])
    yield app
    app.close()


@pytest.fixture
def shopify(app) -> ShopifySystem:
    system = app.systems["shopify"]
    system.webhooks.configure(DeliveryPolicy(backoff_base=0.01))
    system.bulk_seconds = 0.05
    return system


@pytest.fixture
def base_url(app):
    with running_server(app) as url:
        yield url


class GraphQL:
    """POST documents to the sandbox's Admin API endpoint as a connector would."""

    def __init__(self, base_url: str, version: str = "2026-01"):
        self.endpoint = f"{base_url}/shopify/admin/api/{version}/graphql.json"
        self.token = TOKEN

    def post(self, query: str, variables=None, token=None) -> requests.Response:
        headers = {"X-Shopify-Access-Token": token or self.token}
        return requests.post(self.endpoint, json={"query": query, "variables": variables}, headers=headers, timeout=10)

    def __call__(self, query: str, variables=None) -> dict:
        response = self.post(query, variables)
        assert response.status_code == 200, response.text
        return response.json()

    def data(self, query: str, variables=None) -> dict:
        body = self(query, variables)
        assert "errors" not in body, body["errors"]
        return body["data"]


@pytest.fixture
def graphql(schema, shopify, base_url) -> GraphQL:
    return GraphQL(base_url)


@dataclass
class Received:
    headers: dict
    body: bytes


class Receiver:
    """A webhook endpoint recording every delivery and answering 200."""

    def __init__(self):
        self.url = ""
        self.received: list[Received] = []
        self._lock = threading.Lock()

    def __call__(self, environ, start_response):
        request = Request(environ)
        with self._lock:
            self.received.append(Received(dict(request.headers), request.get_data()))
        return Response("", 200)(environ, start_response)

    def topics(self) -> list[str]:
        return [r.headers["X-Shopify-Topic"] for r in self.received]


@pytest.fixture
def receiver():
    receiver = Receiver()
    with running_server(receiver) as url:
        receiver.url = url + "/webhooks"
        yield receiver
