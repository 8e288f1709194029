from urllib.parse import parse_qs, urlsplit

import requests

from .conftest import CLIENT, REDIRECT, VRN, Vat, exchange

AUTHORIZE = {
    "response_type": "code",
    "client_id": CLIENT["client_id"],
    "scope": "read:vat write:vat",
    "redirect_uri": REDIRECT,
    "state": "af0ifjsldkj",
}


def query_of(response) -> dict:
    location = response.headers["Location"]
    assert location.startswith(REDIRECT)
    return {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}


def test_the_authorisation_page_asks_the_user_to_grant_authority(host):
    response = requests.get(f"{host}/oauth/authorize", params=AUTHORIZE, timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    page = response.text
    assert "Grant authority" in page
    assert "View your VAT information" in page and "Change your VAT information" in page
    assert 'name="state" value="af0ifjsldkj"' in page


def test_granting_on_the_page_sends_the_user_back_with_a_code_and_the_state(host):
    response = requests.post(
        f"{host}/oauth/authorize", data={**AUTHORIZE, "decision": "grant"}, allow_redirects=False, timeout=10
    )
    assert response.status_code == 303
    query = query_of(response)
    assert query["state"] == "af0ifjsldkj"
    assert len(query["code"]) == 32
    tokens = exchange(host, grant_type="authorization_code", code=query["code"], redirect_uri=REDIRECT)
    assert tokens.status_code == 200


def test_refusing_on_the_page_sends_the_user_back_with_access_denied(host):
    response = requests.post(
        f"{host}/oauth/authorize", data={**AUTHORIZE, "decision": "deny"}, allow_redirects=False, timeout=10
    )
    assert query_of(response) == {
        "error": "access_denied",
        "error_description": "user denied the authorization",
        "state": "af0ifjsldkj",
    }


def test_an_encoded_plus_between_scopes_is_an_invalid_scope(host):
    url = f"{host}/oauth/authorize?response_type=code&client_id=sandbox-client-id&scope=read:vat%2Bwrite:vat"
    response = requests.get(f"{url}&redirect_uri={REDIRECT}&state=x", allow_redirects=False, timeout=10)
    assert response.status_code == 303
    assert query_of(response)["error"] == "invalid_scope"


def test_an_unknown_client_or_a_missing_redirect_uri_gets_no_redirection(host):
    unknown = requests.get(f"{host}/oauth/authorize", params={**AUTHORIZE, "client_id": "other"}, timeout=10)
    assert unknown.status_code == 400
    assert unknown.json() == {"error": "invalid_request", "error_description": "client_id is invalid"}
    params = {key: value for key, value in AUTHORIZE.items() if key != "redirect_uri"}
    missing = requests.get(f"{host}/oauth/authorize", params=params, allow_redirects=False, timeout=10)
    assert missing.status_code == 400
    assert missing.json()["error_description"] == "redirect_uri is required"


def test_only_registered_redirect_uris_once_some_are_configured(hmrc, host):
    hmrc.configure(redirect_uris=["https://erp.example.co.uk/hmrc/callback"])
    response = requests.get(f"{host}/oauth/authorize", params=AUTHORIZE, timeout=10)
    assert response.status_code == 400
    assert response.json()["error_description"] == "redirect_uri is invalid"


def test_a_code_gives_the_tokens_hmrc_gives(connect):
    tokens = connect()
    assert set(tokens) == {"access_token", "refresh_token", "expires_in", "scope", "token_type"}
    assert tokens["expires_in"] == 14400
    assert tokens["token_type"] == "bearer"
    assert tokens["scope"] == "read:vat write:vat"
    assert tokens["access_token"] != tokens["refresh_token"]


def test_a_code_works_once(hmrc, host):
    code = hmrc.grant(redirect_uri=REDIRECT)["code"]
    first = exchange(host, grant_type="authorization_code", code=code, redirect_uri=REDIRECT)
    second = exchange(host, grant_type="authorization_code", code=code, redirect_uri=REDIRECT)
    assert first.status_code == 200
    assert second.status_code == 400
    assert second.json() == {"error": "invalid_request", "error_description": "code is invalid"}


def test_an_expired_code_is_refused(hmrc, host):
    hmrc.configure(code_ttl=0)
    code = hmrc.grant(redirect_uri=REDIRECT)["code"]
    response = exchange(host, grant_type="authorization_code", code=code, redirect_uri=REDIRECT)
    assert response.status_code == 400
    assert response.json()["error_description"] == "code is invalid"


def test_the_code_is_only_good_with_the_redirect_uri_it_was_issued_for(hmrc, host):
    code = hmrc.grant(redirect_uri=REDIRECT)["code"]
    response = exchange(host, grant_type="authorization_code", code=code, redirect_uri="http://localhost/other")
    assert response.status_code == 400
    assert response.json() == {"error": "invalid_request", "error_description": "redirect_uri is invalid"}


def test_a_wrong_client_secret_is_an_invalid_client(hmrc, host):
    code = hmrc.grant(redirect_uri=REDIRECT)["code"]
    response = exchange(
        host, grant_type="authorization_code", code=code, redirect_uri=REDIRECT, client_secret="not-the-secret"
    )
    assert response.status_code == 401
    assert response.json() == {"error": "invalid_client", "error_description": "invalid client id or secret"}
    retried = exchange(host, grant_type="authorization_code", code=code, redirect_uri=REDIRECT)
    assert retried.status_code == 200, "a refused attempt does not use the code up"


def test_the_token_endpoint_names_what_is_missing_or_unsupported(host):
    assert exchange(host).json() == {"error": "invalid_request", "error_description": "grant_type is required"}
    unsupported = exchange(host, grant_type="password")
    assert unsupported.status_code == 400
    assert unsupported.json()["error"] == "unsupported_grant_type"
    no_secret = requests.post(
        f"{host}/oauth/token", data={"grant_type": "refresh_token", "client_id": "sandbox-client-id"}, timeout=10
    )
    assert no_secret.json() == {"error": "invalid_request", "error_description": "client_secret is required"}


def test_refreshing_rotates_both_tokens_and_retires_the_old_ones(host, connect):
    first = connect()
    second = exchange(host, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert second.status_code == 200
    second = second.json()
    assert second["access_token"] != first["access_token"]
    assert second["refresh_token"] != first["refresh_token"]
    assert second["scope"] == first["scope"]
    again = exchange(host, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert again.status_code == 400
    assert again.json() == {"error": "invalid_grant", "error_description": "refresh_token is invalid"}
    with Vat(host, first["access_token"]) as old, Vat(host, second["access_token"]) as new:
        assert old.get(f"/organisations/vat/{VRN}/obligations?status=O").json()["code"] == "INVALID_CREDENTIALS"
        assert new.get(f"/organisations/vat/{VRN}/obligations?status=O").status_code == 200


def test_expiring_tokens_makes_the_api_refuse_them_until_refreshed(app, host, connect, base_url):
    tokens = connect()
    path = f"/organisations/vat/{VRN}/obligations?status=O"
    with Vat(host, tokens["access_token"]) as api:
        assert api.get(path).status_code == 200
        expired = requests.post(f"{base_url}/_sandbox/systems/hmrc/actions/expire_tokens", timeout=10)
        assert expired.json() == {"result": {"expired": 1}}
        refused = api.get(path)
        assert refused.status_code == 401
        assert refused.json() == {
            "code": "INVALID_CREDENTIALS",
            "message": "Invalid Authentication information provided",
        }
    fresh = exchange(host, grant_type="refresh_token", refresh_token=tokens["refresh_token"]).json()
    with Vat(host, fresh["access_token"]) as api:
        assert api.get(path).status_code == 200


def test_the_grant_action_answers_the_redirection_with_its_code(host, base_url):
    response = requests.post(
        f"{base_url}/_sandbox/systems/hmrc/actions/grant",
        json={"client_id": "sandbox-client-id", "redirect_uri": REDIRECT, "state": "st", "scope": "read:vat"},
        timeout=10,
    )
    result = response.json()["result"]
    assert result["redirect"] == f"{REDIRECT}?code={result['code']}&state=st"
    tokens = exchange(host, grant_type="authorization_code", code=result["code"], redirect_uri=REDIRECT).json()
    assert tokens["scope"] == "read:vat"


def test_the_grant_action_refuses_what_the_page_would(base_url):
    response = requests.post(f"{base_url}/_sandbox/systems/hmrc/actions/grant", json={"state": "st"}, timeout=10)
    assert response.status_code == 400
    assert response.json() == {"error": "redirect_uri is required"}


def test_configured_credentials_replace_the_default_ones(hmrc, host):
    hmrc.configure(client_id="my-app", client_secret="my-secret")
    code = hmrc.grant(client_id="my-app", redirect_uri=REDIRECT)["code"]
    old = exchange(host, grant_type="authorization_code", code=code, redirect_uri=REDIRECT)
    assert old.status_code == 401
    new = exchange(
        host,
        grant_type="authorization_code",
        code=code,
        redirect_uri=REDIRECT,
        client_id="my-app",
        client_secret="my-secret",
    )
    assert new.status_code == 200


def test_an_application_token_cannot_call_user_restricted_endpoints(host):
    tokens = exchange(host, grant_type="client_credentials", scope="read:vat").json()
    assert "refresh_token" not in tokens
    with Vat(host, tokens["access_token"]) as api:
        refused = api.get(f"/organisations/vat/{VRN}/obligations?status=O")
        assert refused.status_code == 401
        assert refused.json()["code"] == "INCORRECT_ACCESS_TOKEN_TYPE"
        assert api.get("/test/fraud-prevention-headers/validate").status_code == 200
