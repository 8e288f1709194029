"""The Check a UK VAT number API 2.0: lookups, verified checks, their errors, the token they take, the register."""

import re
from datetime import datetime, timedelta, timezone

import pytest
import requests
from stdnum.gb import vat

from sandbox.hmrc.seed import REGISTER
from sandbox.hmrc.vat_check import processing_date, uk_time

from .conftest import ACCEPT, FRAUD_HEADERS, VRN, Vat, exchange

LOOKUP = "/organisations/vat/check-vat-number/lookup"
ACCEPT_2 = "application/vnd.hmrc.2.0+json"
DEMO = "980780684"
SUPPLIER = "287319426"
DEREGISTERED = "195332746"
# Valid GB check digits, but HMRC has never registered it.
UNKNOWN = "774162072"
DEMO_TARGET = {
    "name": "BRIGHTWATER GOODS LTD",
    "vatNumber": DEMO,
    "address": {"line1": "1 HARBOUR STREET", "line2": "BRISTOL", "postcode": "BS1 4SB", "countryCode": "GB"},
}
CONSULTATION = re.compile(r"^[ACDEFHJKLMNPQRTUVWXY]{3}-[ACDEFHJKLMNPQRTUVWXY]{3}-[ACDEFHJKLMNPQRTUVWXY]{3}$")
# HMRC's timestamp: UK time to the second with its offset, never "Z" nor fractions.
PROCESSING_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+0[01]:00$")


def application_token(host, **form) -> str:
    """The token an application gets for itself: ``grant_type=client_credentials`` with its id and secret."""
    response = exchange(host, grant_type="client_credentials", **form)
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


@pytest.fixture
def check(host):
    """A client of the check API: the 2.0 Accept header and an application token, no fraud headers."""
    with Vat(host, application_token(host), fraud_headers={}) as session:
        session.headers["Accept"] = ACCEPT_2
        yield session


def act(base_url, action, **params):
    return requests.post(f"{base_url}/_sandbox/systems/hmrc/actions/{action}", json=params, timeout=10)


def test_the_seeded_numbers_have_valid_check_digits_and_include_the_demo_company():
    numbers = [number for number, *_ in REGISTER]
    assert all(vat.is_valid(number) for number in numbers)
    assert vat.is_valid(UNKNOWN) and UNKNOWN not in numbers
    assert DEMO in numbers and len(numbers) == len(set(numbers)) == 6


def test_the_client_credentials_grant_gives_an_application_token(host):
    response = exchange(host, grant_type="client_credentials")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    token = response.json()
    assert set(token) == {"access_token", "expires_in", "scope", "token_type"}
    assert (token["expires_in"], token["token_type"]) == (14400, "bearer")
    assert exchange(host, grant_type="client_credentials", scope="read:vat").json()["scope"] == "read:vat"
    wrong = exchange(host, grant_type="client_credentials", client_secret="not-the-secret")
    assert wrong.status_code == 401
    assert wrong.json() == {"error": "invalid_client", "error_description": "invalid client id or secret"}


def test_a_registered_number_answers_its_name_and_address(check, hmrc):
    response = check.get(f"{LOOKUP}/{DEMO}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    body = response.json()
    assert body["target"] == DEMO_TARGET
    assert set(body) == {"target", "processingDate"}
    assert PROCESSING_DATE.match(body["processingDate"])
    processed = datetime.fromisoformat(body["processingDate"])
    assert abs(processed - hmrc.now()) < timedelta(minutes=1)


def test_an_address_carries_only_the_lines_hmrc_has(check):
    ceramics = check.get(f"{LOOKUP}/662830572").json()["target"]
    assert ceramics["name"] == "MARSH LANE CERAMICS"
    assert list(ceramics["address"]) == ["line1", "line2", "line3", "line4", "postcode", "countryCode"]
    wholesale = check.get(f"{LOOKUP}/{SUPPLIER}").json()["target"]
    assert list(wholesale["address"]) == ["line1", "line2", "line3", "postcode", "countryCode"]


def test_a_verified_check_names_the_requester_and_gives_a_consultation_number(check, hmrc):
    first = check.get(f"{LOOKUP}/{SUPPLIER}/{DEMO}")
    assert first.status_code == 200
    body = first.json()
    assert set(body) == {"target", "requester", "consultationNumber", "processingDate"}
    assert body["target"]["name"] == "HOLLOWAY & FINCH WHOLESALE LTD"
    assert body["requester"] == DEMO
    assert CONSULTATION.match(body["consultationNumber"])
    assert PROCESSING_DATE.match(body["processingDate"])
    second = check.get(f"{LOOKUP}/{SUPPLIER}/{DEMO}").json()
    assert second["consultationNumber"] != body["consultationNumber"], "each check is its own proof"
    kept = hmrc.vat_checks()
    assert [c["consultationNumber"] for c in kept] == [body["consultationNumber"], second["consultationNumber"]]
    assert kept[0] == {
        "target": SUPPLIER,
        "name": "HOLLOWAY & FINCH WHOLESALE LTD",
        "requester": DEMO,
        "consultationNumber": body["consultationNumber"],
        "processingDate": body["processingDate"],
    }


def test_a_simple_lookup_keeps_no_proof(check, hmrc):
    assert check.get(f"{LOOKUP}/{SUPPLIER}").status_code == 200
    assert hmrc.vat_checks() == []


@pytest.mark.parametrize("target", ["98078068", "9807806840", "GB980780684", "98078068X", "980 780 684"])
def test_a_target_of_other_than_9_or_12_digits_is_an_invalid_request(check, target):
    for path in (f"{LOOKUP}/{target}", f"{LOOKUP}/{target}/{DEMO}"):
        response = check.get(path)
        assert response.status_code == 400
        assert response.json() == {
            "code": "INVALID_REQUEST",
            "message": "Invalid targetVrn - Vrn parameters should be 9 or 12 digits",
        }


def test_a_malformed_requester_or_both_are_named_in_the_message(check):
    requester = check.get(f"{LOOKUP}/{DEMO}/GB{SUPPLIER}")
    assert requester.status_code == 400
    assert requester.json() == {
        "code": "INVALID_REQUEST",
        "message": "Invalid requesterVrn - Vrn parameters should be 9 or 12 digits",
    }
    both = check.get(f"{LOOKUP}/12345/GB{SUPPLIER}")
    assert both.status_code == 400
    assert both.json()["message"] == "Invalid targetVrn and requesterVrn - Vrn parameters should be 9 or 12 digits"


def test_an_unknown_or_deregistered_target_is_not_found(check):
    for path in (f"{LOOKUP}/{UNKNOWN}", f"{LOOKUP}/{DEREGISTERED}", f"{LOOKUP}/{UNKNOWN}/{DEMO}"):
        response = check.get(path)
        assert response.status_code == 404
        assert response.json() == {"code": "NOT_FOUND", "message": "targetVrn does not match a registered company"}


def test_an_unknown_requester_is_forbidden(check, hmrc):
    for requester in (UNKNOWN, DEREGISTERED, VRN):
        response = check.get(f"{LOOKUP}/{DEMO}/{requester}")
        assert response.status_code == 403
        assert response.json() == {
            "code": "INVALID_REQUEST",
            "message": "requesterVrn does not match a registered company",
        }
    assert hmrc.vat_checks() == []


def test_when_neither_number_is_registered_the_target_is_reported(check):
    response = check.get(f"{LOOKUP}/{UNKNOWN}/{DEREGISTERED}")
    assert response.status_code == 404
    assert response.json()["code"] == "NOT_FOUND"


def test_a_twelve_digit_branch_number_is_well_formed_and_matched_exactly(check, base_url):
    branch = f"{SUPPLIER}001"
    assert check.get(f"{LOOKUP}/{branch}").status_code == 404
    registered = act(base_url, "register_vat_number", vatNumber=branch, name="HOLLOWAY & FINCH (YORK)", line1="YORK")
    assert registered.status_code == 200, registered.text
    found = check.get(f"{LOOKUP}/{branch}/{SUPPLIER}").json()
    assert found["target"] == {
        "name": "HOLLOWAY & FINCH (YORK)",
        "vatNumber": branch,
        "address": {"line1": "YORK", "countryCode": "GB"},
    }
    assert found["requester"] == SUPPLIER


def test_deregistering_a_number_makes_checks_stop_finding_it_until_registered_again(check, base_url):
    assert check.get(f"{LOOKUP}/{SUPPLIER}/{DEMO}").status_code == 200
    gone = act(base_url, "deregister_vat_number", vatNumber=SUPPLIER)
    assert gone.json()["result"]["registered"] is False
    assert check.get(f"{LOOKUP}/{SUPPLIER}").status_code == 404
    assert check.get(f"{LOOKUP}/{DEMO}/{SUPPLIER}").status_code == 403
    back = act(base_url, "register_vat_number", vatNumber=SUPPLIER).json()["result"]
    assert (back["registered"], back["name"]) == (True, "HOLLOWAY & FINCH WHOLESALE LTD")
    assert check.get(f"{LOOKUP}/{SUPPLIER}").status_code == 200


def test_registering_a_new_business_and_changing_its_address(check, base_url):
    params = {"vatNumber": UNKNOWN, "name": "KESTREL PRINT LTD", "line1": "9 MILL LANE", "postcode": "CF10 1AA"}
    created = act(base_url, "register_vat_number", **params).json()["result"]
    assert created == {
        "vatNumber": UNKNOWN,
        "registered": True,
        "name": "KESTREL PRINT LTD",
        "address": {"line1": "9 MILL LANE", "postcode": "CF10 1AA", "countryCode": "GB"},
    }
    act(base_url, "register_vat_number", vatNumber=UNKNOWN, line1="2 QUAY STREET", line2="CARDIFF", postcode="CF10 1EA")
    target = check.get(f"{LOOKUP}/{UNKNOWN}").json()["target"]
    assert target["name"] == "KESTREL PRINT LTD"
    assert target["address"] == {
        "line1": "2 QUAY STREET",
        "line2": "CARDIFF",
        "postcode": "CF10 1EA",
        "countryCode": "GB",
    }


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"vatNumber": "GB774162072", "name": "X", "line1": "Y"}, "vatNumber must be 9 or 12 digits"),
        ({"vatNumber": UNKNOWN, "name": "X"}, f"{UNKNOWN} is not on the register: give its name and line1 at least"),
        ({"vatNumber": SUPPLIER, "postcode": "LS1 1AA"}, "a new address needs line1"),
        ({"vatNumber": SUPPLIER, "street": "1 HIGH STREET"}, "Unknown field(s) street"),
    ],
)
def test_the_register_action_refuses_what_hmrc_would_not_hold(base_url, params, error):
    response = act(base_url, "register_vat_number", **params)
    assert response.status_code == 400
    assert response.json()["error"].startswith(error)


def test_deregistering_an_unknown_number_is_refused(base_url):
    response = act(base_url, "deregister_vat_number", vatNumber=UNKNOWN)
    assert response.status_code == 400
    assert response.json() == {"error": f"{UNKNOWN} is not on the register"}


def test_a_user_token_is_refused_as_on_hmrcs_application_restricted_endpoints(check, connect):
    check.headers["Authorization"] = f"Bearer {connect()['access_token']}"
    response = check.get(f"{LOOKUP}/{DEMO}")
    assert response.status_code == 401
    assert response.json() == {
        "code": "INCORRECT_ACCESS_TOKEN_TYPE",
        "message": "The access token type used is not supported when invoking the API",
    }


def test_an_application_token_still_cannot_call_the_vat_endpoints(host):
    with Vat(host, application_token(host, scope="read:vat")) as api:
        refused = api.get(f"/organisations/vat/{VRN}/obligations", params={"status": "O"})
    assert refused.status_code == 401
    assert refused.json()["code"] == "INCORRECT_ACCESS_TOKEN_TYPE"


def test_missing_unknown_and_expired_tokens_are_refused(check, base_url):
    token = check.headers.pop("Authorization")
    missing = check.get(f"{LOOKUP}/{DEMO}")
    assert missing.status_code == 401
    assert missing.json() == {"code": "MISSING_CREDENTIALS", "message": "Authentication information is not provided"}
    unknown = check.get(f"{LOOKUP}/{DEMO}", headers={"Authorization": "Bearer 0123456789abcdef"})
    assert unknown.status_code == 401
    assert unknown.json() == {"code": "INVALID_CREDENTIALS", "message": "Invalid Authentication information provided"}
    assert act(base_url, "expire_tokens").json() == {"result": {"expired": 1}}
    expired = check.get(f"{LOOKUP}/{DEMO}", headers={"Authorization": token})
    assert expired.status_code == 401
    assert expired.json()["code"] == "INVALID_CREDENTIALS"


@pytest.mark.parametrize("accept", [None, "application/json"])
def test_a_missing_or_wrong_accept_header_is_refused(check, accept):
    check.headers.pop("Accept")
    response = check.get(f"{LOOKUP}/{DEMO}", headers={"Accept": accept} if accept else {})
    assert response.status_code == 406
    assert response.json() == {"code": "ACCEPT_HEADER_INVALID", "message": "The accept header is missing or invalid"}


def test_version_1_is_retired_and_the_vat_api_has_no_version_2(check, connect, host):
    retired = check.get(f"{LOOKUP}/{DEMO}", headers={"Accept": ACCEPT})
    assert retired.status_code == 404
    assert retired.json() == {"code": "NOT_FOUND", "message": "The requested resource could not be found"}
    with Vat(host, connect()["access_token"]) as api:
        response = api.get(
            f"/organisations/vat/{VRN}/obligations", params={"status": "O"}, headers={"Accept": ACCEPT_2}
        )
    assert response.status_code == 404


def test_checks_ask_for_no_fraud_prevention_headers_and_record_none(check, hmrc):
    assert check.get(f"{LOOKUP}/{DEMO}", headers=FRAUD_HEADERS).status_code == 200
    assert check.get(f"{LOOKUP}/{DEMO}").status_code == 200
    assert hmrc.fraud_header_results() == []


def test_every_answer_carries_a_correlation_id(check):
    for path in (f"{LOOKUP}/{DEMO}", f"{LOOKUP}/{UNKNOWN}", f"{LOOKUP}/bad"):
        assert re.fullmatch(r"[0-9a-f-]{36}", check.get(path).headers["X-CorrelationId"])


def test_hmrcs_three_requests_a_second_come_from_the_fault_bucket(check, base_url):
    limit = {"hmrc": {"bucket_capacity": 3, "bucket_refill": 3}}
    assert requests.put(f"{base_url}/_sandbox/faults", json=limit, timeout=10).status_code == 200
    answers = [check.get(f"{LOOKUP}/{DEMO}") for _ in range(4)]
    assert [a.status_code for a in answers[:3]] == [200, 200, 200]
    throttled = answers[3]
    assert throttled.status_code == 429
    assert throttled.json() == {
        "code": "MESSAGE_THROTTLED_OUT",
        "message": "The request for the API is throttled as you have exceeded your quota.",
    }
    assert 0 < float(throttled.headers["Retry-After"]) <= 1


def test_processing_dates_follow_the_uk_clocks():
    summer, winter = (
        datetime(2026, 5, 15, 9, 30, 5, 250, timezone.utc),
        datetime(2026, 1, 9, 23, 59, 59, 0, timezone.utc),
    )
    assert processing_date(summer) == "2026-05-15T10:30:05+01:00"
    assert processing_date(winter) == "2026-01-09T23:59:59+00:00"
    # British Summer Time: from 01:00 UTC on the last Sunday of March to that of October (29 March, 25 October 2026).
    assert uk_time(datetime(2026, 3, 29, 0, 59, tzinfo=timezone.utc)).isoformat() == "2026-03-29T00:59:00+00:00"
    assert uk_time(datetime(2026, 3, 29, 1, 0, tzinfo=timezone.utc)).isoformat() == "2026-03-29T02:00:00+01:00"
    assert uk_time(datetime(2026, 10, 25, 0, 59, tzinfo=timezone.utc)).isoformat() == "2026-10-25T01:59:00+01:00"
    assert uk_time(datetime(2026, 10, 25, 1, 0, tzinfo=timezone.utc)).isoformat() == "2026-10-25T01:00:00+00:00"


def test_the_processing_date_is_in_gmt_in_winter(check, hmrc):
    hmrc.set_today("2026-12-01")
    body = check.get(f"{LOOKUP}/{DEMO}").json()
    assert body["processingDate"].endswith("+00:00")
    assert body["processingDate"][:10] in ("2026-12-01", "2026-12-02")


def test_the_status_shows_the_register_and_the_proofs(check, base_url):
    consultation = check.get(f"{LOOKUP}/{SUPPLIER}/{DEMO}").json()["consultationNumber"]
    status = requests.get(f"{base_url}/_sandbox/systems/hmrc", timeout=10).json()
    assert status["collections"]["vat_register"] == 6
    assert status["vat_checks"][-1]["consultationNumber"] == consultation
    page = requests.get(f"{base_url}/_sandbox/systems/hmrc/page", timeout=10).text
    for text in ("<h2>VAT register</h2>", "<h2>VAT number checks</h2>", consultation, "no (deregistered)"):
        assert text in page
    assert "HOLLOWAY &amp; FINCH WHOLESALE LTD" in page


def test_reset_restores_the_seeded_register_and_forgets_the_checks(check, hmrc, base_url):
    check.get(f"{LOOKUP}/{SUPPLIER}/{DEMO}")
    act(base_url, "deregister_vat_number", vatNumber=DEMO)
    act(base_url, "register_vat_number", vatNumber=UNKNOWN, name="KESTREL PRINT LTD", line1="9 MILL LANE")
    requests.post(f"{base_url}/_sandbox/reset", params={"system": "hmrc"}, timeout=10)
    assert [e["vatNumber"] for e in hmrc.vat_register.entries()] == [number for number, *_ in REGISTER]
    assert hmrc.vat_register.registered(DEMO) and not hmrc.vat_register.registered(UNKNOWN)
    assert hmrc.vat_checks() == []
