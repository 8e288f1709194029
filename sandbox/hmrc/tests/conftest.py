"""Fixtures: the HMRC sandbox on a free port with today fixed, tokens from the OAuth flow, a VAT API client."""

import pytest
import requests

from sandbox import App, running_server
from sandbox.hmrc import HmrcSystem

TODAY = "2026-05-15"
VRN = "123456789"
REDIRECT = "http://localhost:8069/hmrc/callback"
CLIENT = {"client_id": "sandbox-client-id", "client_secret": "sandbox-client-secret"}
ACCEPT = "application/vnd.hmrc.1.0+json"
# Every header HMRC requires of a web application reaching it through a server, with well-formed values.
FRAUD_HEADERS = {
    "Gov-Client-Connection-Method": "WEB_APP_VIA_SERVER",
    "Gov-Client-Browser-JS-User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0 Safari/537.36",
    "Gov-Client-Device-ID": "beec798b-b366-47fa-b1f8-92cede14a1ce",
    "Gov-Client-Multi-Factor": "type=TOTP&timestamp=2026-05-15T09%3A30Z&unique-reference=fc4b5fd6816f75a7c81fc8ea",
    "Gov-Client-Public-IP": "198.51.100.7",
    "Gov-Client-Public-IP-Timestamp": "2026-05-15T09:30:01.123Z",
    "Gov-Client-Public-Port": "51234",
    "Gov-Client-Screens": "width=1920&height=1080&scaling-factor=1&colour-depth=24",
    "Gov-Client-Timezone": "UTC+01:00",
    "Gov-Client-User-IDs": "erp-suite=7f3a9c",
    "Gov-Client-Window-Size": "width=1280&height=800",
    "Gov-Vendor-Forwarded": "by=203.0.113.6&for=198.51.100.7",
    "Gov-Vendor-License-IDs": "erp-suite=8d969eef6ecad3c29a3a629280e686cf",
    "Gov-Vendor-Product-Name": "ERP%20Integration%20Suite",
    "Gov-Vendor-Public-IP": "203.0.113.6",
    "Gov-Vendor-Version": "erp-integration-mtd=19.0.1.0.0",
}


@pytest.fixture
def app(monkeypatch):
    monkeypatch.delenv("SANDBOX_HMRC_TODAY", raising=False)
    app = App([HmrcSystem(seed=11, today=TODAY)])
    yield app
    app.close()


@pytest.fixture
def hmrc(app) -> HmrcSystem:
    return app.systems["hmrc"]


@pytest.fixture
def base_url(app):
    with running_server(app) as url:
        yield url


@pytest.fixture
def host(base_url) -> str:
    return f"{base_url}/hmrc"


def exchange(host, **form) -> requests.Response:
    """``POST /oauth/token`` with the sandbox application's credentials unless ``form`` replaces them."""
    return requests.post(f"{host}/oauth/token", data={**CLIENT, **form}, timeout=10)


@pytest.fixture
def connect(hmrc, host):
    """Go through the authorisation code flow for ``scope``; the token endpoint's answer."""

    def connect(scope="read:vat write:vat"):
        code = hmrc.grant(redirect_uri=REDIRECT, state="s1", scope=scope)["code"]
        response = exchange(host, grant_type="authorization_code", code=code, redirect_uri=REDIRECT)
        assert response.status_code == 200, response.text
        return response.json()

    return connect


class Vat(requests.Session):
    """A VAT API client: the Accept header, a bearer token and fraud headers on every call, paths after ``/hmrc``."""

    def __init__(self, host, token, fraud_headers=None):
        super().__init__()
        self.base = host
        self.headers.update({"Accept": ACCEPT, "Authorization": f"Bearer {token}"})
        self.headers.update(FRAUD_HEADERS if fraud_headers is None else fraud_headers)

    def request(self, method, url, *args, **kwargs):
        kwargs.setdefault("timeout", 10)
        return super().request(method, self.base + url, *args, **kwargs)


@pytest.fixture
def api(host, connect):
    with Vat(host, connect()["access_token"]) as session:
        yield session


def nine_boxes(period_key="26A1", **changes) -> dict:
    """A valid return: £1,200.50 output VAT, £450.25 input VAT, £750.25 to pay."""
    body = {
        "periodKey": period_key,
        "vatDueSales": 1200.5,
        "vatDueAcquisitions": 0,
        "totalVatDue": 1200.5,
        "vatReclaimedCurrPeriod": 450.25,
        "netVatDue": 750.25,
        "totalValueSalesExVAT": 6002,
        "totalValuePurchasesExVAT": 2251,
        "totalValueGoodsSuppliedExVAT": 0,
        "totalAcquisitionsExVAT": 0,
        "finalised": True,
    }
    body.update(changes)
    return body
