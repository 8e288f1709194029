"""What HMRC's API platform answers before the VAT API itself: Accept header, credentials, scopes, faults."""

import re

import pytest
import requests

from .conftest import ACCEPT, VRN, Vat, nine_boxes

OBLIGATIONS = f"/organisations/vat/{VRN}/obligations?status=O"


@pytest.mark.parametrize("accept", [None, "application/json", "application/vnd.hmrc.1.0+xml"])
def test_a_missing_or_wrong_accept_header_is_refused(api, accept):
    api.headers.pop("Accept")
    response = api.get(OBLIGATIONS, headers={"Accept": accept} if accept else {})
    assert response.status_code == 406
    assert response.json() == {"code": "ACCEPT_HEADER_INVALID", "message": "The accept header is missing or invalid"}


def test_an_unknown_version_is_not_found(api):
    response = api.get(OBLIGATIONS, headers={"Accept": "application/vnd.hmrc.2.0+json"})
    assert response.status_code == 404
    assert response.json()["code"] == "NOT_FOUND"


def test_missing_and_invalid_credentials_are_told_apart(api):
    api.headers.pop("Authorization")
    missing = api.get(OBLIGATIONS)
    assert missing.status_code == 401
    assert missing.json() == {"code": "MISSING_CREDENTIALS", "message": "Authentication information is not provided"}
    invalid = api.get(OBLIGATIONS, headers={"Authorization": "Bearer 0123456789abcdef"})
    assert invalid.status_code == 401
    assert invalid.json()["code"] == "INVALID_CREDENTIALS"


def test_a_read_only_token_cannot_file_a_return(host, connect):
    with Vat(host, connect(scope="read:vat")["access_token"]) as api:
        assert api.get(OBLIGATIONS).status_code == 200
        refused = api.post(f"/organisations/vat/{VRN}/returns", json=nine_boxes())
    assert refused.status_code == 403
    assert refused.json()["code"] == "INVALID_SCOPE"


def test_another_businesss_vrn_is_not_authorised_and_a_malformed_one_is_invalid(api):
    other = api.get("/organisations/vat/987654321/obligations?status=O")
    assert other.status_code == 403
    assert other.json() == {
        "code": "CLIENT_OR_AGENT_NOT_AUTHORISED",
        "message": "The client and/or agent is not authorised",
    }
    malformed = api.get("/organisations/vat/12345678X/obligations?status=O")
    assert malformed.status_code == 400
    assert malformed.json() == {"code": "VRN_INVALID", "message": "The provided VRN is invalid"}


def test_a_configured_vrn_is_the_one_authorised(hmrc, api):
    hmrc.configure(vrn="555666777")
    assert api.get("/organisations/vat/555666777/obligations?status=O").status_code == 200
    assert api.get(OBLIGATIONS).status_code == 403


def test_an_unknown_resource_is_not_found(api):
    response = api.get(f"/organisations/vat/{VRN}/penalties")
    assert response.status_code == 404
    assert response.json()["code"] == "MATCHING_RESOURCE_NOT_FOUND"


def test_every_answer_carries_a_correlation_id_errors_included(api):
    answered, refused = api.get(OBLIGATIONS), api.get("/organisations/vat/1/obligations")
    assert refused.status_code == 400
    for response in (answered, refused):
        assert re.fullmatch(
            r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", response.headers["X-CorrelationId"]
        )
    assert answered.headers["X-CorrelationId"] != refused.headers["X-CorrelationId"]


def test_injected_faults_answer_in_hmrcs_format(api, base_url):
    requests.put(f"{base_url}/_sandbox/faults", json={"hmrc": {"error_rate": 1, "error_statuses": [500]}}, timeout=10)
    error = api.get(OBLIGATIONS)
    assert error.status_code == 500
    assert error.json() == {"code": "INTERNAL_SERVER_ERROR", "message": "An internal server error occurred"}
    requests.put(f"{base_url}/_sandbox/faults", json={"hmrc": {"rate_limit_every": 1, "retry_after": 2}}, timeout=10)
    throttled = api.get(OBLIGATIONS)
    assert throttled.status_code == 429
    assert throttled.json()["code"] == "MESSAGE_THROTTLED_OUT"
    assert throttled.headers["Retry-After"] == "2"
    requests.put(f"{base_url}/_sandbox/faults", json={"hmrc": {}}, timeout=10)
    assert api.get(OBLIGATIONS, headers={"Accept": ACCEPT}).status_code == 200
