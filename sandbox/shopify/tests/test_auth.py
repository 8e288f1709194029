import time

import requests

from .conftest import SECRET

INVALID = {"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}


def token_url(base_url):
    return f"{base_url}/shopify/admin/oauth/access_token"


def test_a_wrong_token_gets_shopify_401(graphql):
    response = graphql.post("{ shop { name } }", token="shpat_wrong")
    assert response.status_code == 401 and response.json() == INVALID


def test_client_credentials_grant_issues_a_working_token(graphql, base_url):
    form = {"client_id": "sandbox-client-id", "client_secret": SECRET, "grant_type": "client_credentials"}
    response = requests.post(token_url(base_url), data=form, timeout=5)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "scope", "expires_in"} and body["expires_in"] == 86399
    assert "write_inventory" in body["scope"].split(",")
    assert graphql.post("{ shop { name } }", token=body["access_token"]).status_code == 200
    as_json = requests.post(token_url(base_url), json=form, timeout=5).json()
    assert as_json["access_token"] != body["access_token"]


def test_wrong_secret_or_grant_is_refused(base_url):
    bad = {"client_id": "sandbox-client-id", "client_secret": "nope", "grant_type": "client_credentials"}
    assert requests.post(token_url(base_url), data=bad, timeout=5).json()["error"] == "invalid_client"
    code = dict(bad, client_secret=SECRET, grant_type="authorization_code")
    assert requests.post(token_url(base_url), data=code, timeout=5).json()["error"] == "unsupported_grant_type"


def test_tokens_expire_by_time_and_on_demand(graphql, shopify, base_url):
    form = {"client_id": "sandbox-client-id", "client_secret": SECRET, "grant_type": "client_credentials"}
    token = requests.post(token_url(base_url), data=form, timeout=5).json()["access_token"]
    now = [1_000_000.0]
    shopify.credentials.clock = lambda: now[0]
    short = requests.post(token_url(base_url), data=form, timeout=5).json()["access_token"]
    now[0] += 86400
    assert graphql.post("{ shop { name } }", token=short).status_code == 401
    shopify.credentials.clock = time.time
    assert graphql.post("{ shop { name } }", token=token).status_code == 200
    assert shopify.actions()["expire_tokens"]() == {"expired": 1}
    response = graphql.post("{ shop { name } }", token=token)
    assert response.status_code == 401 and response.json() == INVALID
    assert graphql.post("{ shop { name } }").status_code == 200


def test_uninstalling_the_app_revokes_every_token(graphql, shopify, receiver):
    shopify.actions()["subscribe"](topic="app/uninstalled", address=receiver.url)
    shopify.actions()["uninstall_app"]()
    assert graphql.post("{ shop { name } }").status_code == 401
    assert shopify.webhooks.flush(5)
    assert receiver.topics() == ["app/uninstalled"]
