"""Fixtures: the 3PL sandbox on a free port with its clock moved by hand, its SFTP server, a callback receiver."""

import paramiko
import pytest
import requests

from sandbox import DeliveryPolicy, build_app, running_server
from sandbox.testing import WebhookReceiver
from sandbox.threepl import ThreePLSystem

ENVIRONMENT = ("SANDBOX_THREEPL_SPEED", "SANDBOX_THREEPL_ROOT", "SANDBOX_THREEPL_SFTP_PORT")


@pytest.fixture
def app(monkeypatch):
    for name in ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    app = build_app(seed=11, systems=[ThreePLSystem])
    app.systems["threepl"].webhooks.configure(DeliveryPolicy(backoff_base=0.01, max_attempts=4))
    yield app
    app.close()


@pytest.fixture
def threepl(app):
    return app.systems["threepl"]


@pytest.fixture
def base_url(app):
    with running_server(app) as url:
        yield url


class Api(requests.Session):
    """A Mintsoft client in miniature: the API key on every request, paths relative to ``/threepl/api``."""

    def __init__(self, base_url, key=ThreePLSystem.api_key):
        super().__init__()
        self.base = f"{base_url}/threepl/api"
        self.headers["ms-apikey"] = key

    def request(self, method, url, *args, **kwargs):
        kwargs.setdefault("timeout", 10)
        return super().request(method, self.base + url, *args, **kwargs)

    def create_order(self, number, items, **fields):
        order = {
            "OrderNumber": number,
            "FirstName": "Amelia",
            "LastName": "Hughes",
            "Address1": "14 Station Road",
            "Town": "Leeds",
            "PostCode": "LS1 4DY",
            "Country": "GB",
            "Email": "amelia@example.co.uk",
            "CourierService": "Royal Mail Tracked 24",
            "Warehouse": "MAIN",
            "Channel": "Shopify",
            "Currency": "GBP",
            "OrderItems": [
                {"SKU": sku, "Quantity": quantity, "UnitPrice": 10.0, "UnitPriceVat": 2.0} for sku, quantity in items
            ],
            **fields,
        }
        return self.put("/Order", json=order).json()[0]


@pytest.fixture
def api(base_url):
    with Api(base_url) as session:
        yield session


@pytest.fixture
def receiver():
    with WebhookReceiver().serving("/warehouse/callback") as receiver:
        yield receiver


@pytest.fixture
def sftp(threepl):
    """An SFTP client logged in to the warehouse's server, checking its host key."""
    address = threepl.start_sftp(port=0)
    transport = paramiko.Transport((address["host"], address["port"]))
    transport.connect(hostkey=threepl.sftp.host_key, username=address["username"], password=address["password"])
    client = paramiko.SFTPClient.from_transport(transport)
    yield client
    client.close()
    transport.close()
