import pytest
import requests
from werkzeug.datastructures import Headers

from sandbox.hmrc import fraud_headers

from .conftest import FRAUD_HEADERS, VRN

VALIDATE = "/test/fraud-prevention-headers/validate"


def verdict(**changes) -> dict:
    """The validator's answer for the good headers with ``changes`` (a None value drops the header)."""
    headers = {**FRAUD_HEADERS}
    for name, value in changes.items():
        name = name.replace("_", "-")
        if value is None:
            headers.pop(name)
        else:
            headers[name] = value
    return fraud_headers.validate(Headers(headers))


def problems(result: dict, kind: str) -> dict[str, str]:
    return {header: entry["code"] for entry in result[kind] for header in entry["headers"]}


def test_the_validate_endpoint_finds_good_headers_valid(api):
    response = api.get(VALIDATE)
    assert response.status_code == 200
    assert response.json() == {
        "specVersion": "3.3",
        "code": "VALID_HEADERS",
        "message": "All headers appear to be valid",
        "errors": [],
        "warnings": [],
    }


def test_the_validate_endpoint_names_each_invalid_header(api):
    api.headers["Gov-Client-Device-ID"] = "not-a-uuid"
    del api.headers["Gov-Client-Timezone"]
    result = api.get(VALIDATE).json()
    assert result["code"] == "INVALID_HEADERS"
    assert problems(result, "errors") == {
        "gov-client-device-id": "INVALID_HEADER",
        "gov-client-timezone": "MISSING_HEADER",
    }


def test_the_validate_endpoint_needs_the_accept_header_and_a_token(api, host):
    assert api.get(VALIDATE, headers={"Accept": "application/json"}).status_code == 406
    assert (
        requests.get(host + VALIDATE, headers={"Accept": "application/vnd.hmrc.1.0+json"}, timeout=10).status_code
        == 401
    )


@pytest.mark.parametrize("name", [n for n in fraud_headers.REQUIRED if n != "Gov-Client-Connection-Method"])
def test_every_required_header_is_missed(name):
    result = verdict(**{name: None})
    assert result["code"] == "INVALID_HEADERS"
    assert problems(result, "errors") == {name.lower(): "MISSING_HEADER"}


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("Gov-Client-Device-ID", "12345"),
        ("Gov-Client-Multi-Factor", "type=SMS&timestamp=2026-05-15T09%3A30Z&unique-reference=abc"),
        ("Gov-Client-Multi-Factor", "type=TOTP&timestamp=2026-05-15T09:30Z&unique-reference=abc"),
        ("Gov-Client-Multi-Factor", "type=TOTP&unique-reference=abc"),
        ("Gov-Client-Public-IP", "192.168.1.20"),
        ("Gov-Client-Public-IP", "not-an-ip"),
        ("Gov-Client-Public-IP-Timestamp", "2026-05-15T09:30:01Z"),
        ("Gov-Client-Public-IP-Timestamp", "2026-02-30T09:30:01.123Z"),
        ("Gov-Client-Public-Port", "0"),
        ("Gov-Client-Public-Port", "port"),
        ("Gov-Client-Screens", "width=1920&height=1080&scaling-factor=1"),
        ("Gov-Client-Screens", "width=1920px&height=1080&scaling-factor=1&colour-depth=24"),
        ("Gov-Client-Timezone", "GMT"),
        ("Gov-Client-Timezone", "UTC+1"),
        ("Gov-Client-User-IDs", "7f3a9c"),
        ("Gov-Client-Window-Size", "1280x800"),
        ("Gov-Vendor-Forwarded", "203.0.113.6"),
        ("Gov-Vendor-Product-Name", "ERP Integration Suite"),
        ("Gov-Vendor-Public-IP", "10.0.0.5"),
        ("Gov-Vendor-Version", "19.0"),
        ("Gov-Vendor-License-IDs", "8d969eef"),
        ("Gov-Client-Browser-JS-User-Agent", " "),
        ("Gov-Client-Connection-Method", "WEB_APP"),
        ("Gov-Client-Connection-Method", "DESKTOP_APP_DIRECT"),
    ],
)
def test_a_malformed_value_is_invalid(name, value):
    result = verdict(**{name: value})
    assert result["code"] == "INVALID_HEADERS"
    assert problems(result, "errors") == {name.lower(): "INVALID_HEADER"}


def test_an_empty_multi_factor_value_is_potentially_invalid():
    result = verdict(**{"Gov-Client-Multi-Factor": ""})
    assert result["code"] == "POTENTIALLY_INVALID_HEADERS"
    assert problems(result, "warnings") == {"gov-client-multi-factor": "EMPTY_HEADER"}
    assert "single factor authentication" in result["warnings"][0]["message"]


def test_an_absent_licence_header_is_potentially_invalid():
    result = verdict(**{"Gov-Vendor-License-IDs": None})
    assert result["code"] == "POTENTIALLY_INVALID_HEADERS"
    assert problems(result, "warnings") == {"gov-vendor-license-ids": "POTENTIALLY_INVALID_HEADER"}


@pytest.mark.parametrize(
    ("name", "value"),
    [("Gov-Client-Public-Port", "443"), ("Gov-Client-Browser-JS-User-Agent", "curl")],
)
def test_a_doubtful_value_is_potentially_invalid(name, value):
    result = verdict(**{name: value})
    assert result["code"] == "POTENTIALLY_INVALID_HEADERS"
    assert problems(result, "warnings") == {name.lower(): "POTENTIALLY_INVALID_HEADER"}


def test_headers_web_applications_no_longer_send_are_unexpected():
    result = verdict(**{"Gov-Client-Browser-Do-Not-Track": "false", "Gov-Client-Local-IPs": "10.1.2.3"})
    assert problems(result, "warnings") == {
        "gov-client-browser-do-not-track": "UNEXPECTED_HEADER",
        "gov-client-local-ips": "UNEXPECTED_HEADER",
    }


def test_the_forwarded_chain_must_run_from_the_client_to_the_vendor():
    result = verdict(**{"Gov-Vendor-Forwarded": "by=203.0.113.9&for=198.51.100.8"})
    assert result["code"] == "POTENTIALLY_INVALID_HEADERS"
    assert set(problems(result, "warnings")) == {
        "gov-vendor-forwarded",
        "gov-client-public-ip",
        "gov-vendor-public-ip",
    }
    two_hops = "by=10.0.0.2&for=198.51.100.7,by=203.0.113.6&for=10.0.0.2"
    assert verdict(**{"Gov-Vendor-Forwarded": two_hops})["code"] == "VALID_HEADERS"


def test_ipv6_addresses_are_taken_percent_encoded():
    changes = {
        "Gov-Client-Public-IP": "2001:db8::7",
        "Gov-Vendor-Forwarded": "by=203.0.113.6&for=2001%3Adb8%3A%3A7",
    }
    assert verdict(**changes)["code"] == "VALID_HEADERS"


def test_a_call_with_bad_headers_is_answered_and_its_verdict_kept(api, base_url):
    api.headers["Gov-Client-Public-Port"] = "70000"
    assert api.get(f"/organisations/vat/{VRN}/obligations", params={"status": "O"}).status_code == 200
    api.headers["Gov-Client-Public-Port"] = "51234"
    assert api.get(f"/organisations/vat/{VRN}/returns/25A4").status_code == 200
    status = requests.get(f"{base_url}/_sandbox/systems/hmrc", timeout=10).json()
    first, second = status["fraud_header_results"]
    assert (first["method"], first["path"], first["code"]) == (
        "GET",
        f"/hmrc/organisations/vat/{VRN}/obligations",
        "INVALID_HEADERS",
    )
    assert problems(first, "errors") == {"gov-client-public-port": "INVALID_HEADER"}
    assert second["code"] == "VALID_HEADERS"
    assert status["last_fraud_header_result"] == second


def test_only_the_latest_verdicts_are_kept(api, hmrc):
    hmrc.fraud_check_limit = 3
    for _ in range(5):
        api.get(VALIDATE)
    assert len(hmrc.fraud_header_results()) == 3
