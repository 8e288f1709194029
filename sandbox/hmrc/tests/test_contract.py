"""The stand-in against HMRC's own description of the VAT API, ``contracts/hmrc/vat-api/1.0/application.yaml``."""

import json
import re
from decimal import Decimal

import pytest

from sandbox.contracts import contract_file
from sandbox.hmrc import HmrcSystem, errors
from sandbox.hmrc.scenarios import SCENARIOS

from . import spec
from .conftest import VRN, nine_boxes

# Served beside the VAT API: HMRC's OAuth service, its Test Fraud Prevention Headers API and Check a UK VAT number.
OTHER_APIS = {
    ("GET", "/oauth/authorize"),
    ("POST", "/oauth/authorize"),
    ("POST", "/oauth/token"),
    ("GET", "/test/fraud-prevention-headers/validate"),
    ("GET", "/organisations/vat/check-vat-number/lookup/{target_vrn}"),
    ("GET", "/organisations/vat/check-vat-number/lookup/{target_vrn}/{requester_vrn}"),
}
OPERATIONS = {
    "obligations": ("GET", "/organisations/vat/{vrn}/obligations"),
    "submit_return": ("POST", "/organisations/vat/{vrn}/returns"),
    "view_return": ("GET", "/organisations/vat/{vrn}/returns/{periodKey}"),
    "liabilities": ("GET", "/organisations/vat/{vrn}/liabilities"),
    "payments": ("GET", "/organisations/vat/{vrn}/payments"),
}


def served() -> dict[tuple[str, str], str]:
    """Each route the system serves as ``(METHOD, path in OpenAPI's spelling)``, with its endpoint."""
    routes = {}
    for rule in HmrcSystem().url_map.iter_rules():
        path = re.sub(
            r"<(?:\w+:)?(\w+)>", lambda m: "{" + ("periodKey" if m[1] == "period_key" else m[1]) + "}", rule.rule
        )
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            routes[(method, path)] = rule.endpoint
    return routes


def decimal_json(response):
    return json.loads(response.content, parse_float=Decimal, parse_int=Decimal)


def test_the_description_is_read_the_same_without_pyyaml():
    text = contract_file(spec.SPEC).read_text(encoding="utf-8")
    read = spec.read_yaml(text)
    assert read["openapi"] == "3.0.3"
    assert read["components"]["schemas"]["SubmitVAT"]["properties"]["netVatDue"]["minimum"] == 0
    assert read["paths"]["/organisations/vat/{vrn}/returns"]["post"]["security"] == [{"userRestricted": ["write:vat"]}]
    try:
        import yaml
    except ImportError:
        return
    loaded = spec.normalised(yaml.safe_load(text))
    assert read["components"]["schemas"] == loaded["components"]["schemas"]
    for path, item in loaded["paths"].items():
        for method, operation in item.items():
            mine = read["paths"][path][method]
            assert mine["parameters"] == operation["parameters"]
            assert mine["description"] == operation["description"]
            for status, response in operation["responses"].items():
                assert mine["responses"][status].get("content") == response.get("content"), (path, status)


def test_every_operation_served_is_in_the_description():
    routes = served()
    assert set(routes) - OTHER_APIS <= spec.operations()
    assert {routes[key]: key for key in set(routes) - OTHER_APIS} == OPERATIONS


def test_each_operation_needs_the_scope_the_description_gives():
    from sandbox.hmrc.system import SCOPES

    for endpoint, (method, path) in OPERATIONS.items():
        (requirement,) = spec.operation(method, path)["security"]
        assert requirement == {"userRestricted": [SCOPES[endpoint]]}


@pytest.mark.parametrize("endpoint", sorted(OPERATIONS))
def test_the_scenarios_are_those_of_the_test_data_tables(endpoint):
    assert set(SCENARIOS[endpoint]) == spec.scenarios(*OPERATIONS[endpoint])


def test_the_error_codes_the_description_shows_are_answered_with_its_status_and_message():
    # A code may stand for several answers (NOT_FOUND, INVALID_REQUEST are the VAT check API's too).
    answered = {}
    for value in vars(errors).values():
        if isinstance(value, tuple) and len(value) == 3:
            answered.setdefault(value[1], set()).add((value[0], value[2].rstrip(".")))
    checked = 0
    for method, path in OPERATIONS.values():
        for code, (status, message) in spec.documented_errors(method, path).items():
            if code in answered:
                assert (status, message.rstrip(".")) in answered[code], (path, code)
                checked += 1
    assert checked >= 20


def test_the_field_errors_of_a_return_carry_the_descriptions_codes_and_messages(api):
    documented = spec.documented_errors(*OPERATIONS["submit_return"])
    answers = [
        nine_boxes(totalVatDue=1200.49, netVatDue=750.24),
        nine_boxes(netVatDue=750.2),
        nine_boxes(vatDueSales="1200.50"),
        nine_boxes(netVatDue=-750.25),
    ]
    seen = set()
    for body in answers:
        for error in api.post(f"/organisations/vat/{VRN}/returns", json=body).json()["errors"]:
            assert documented[error["code"]] == (400, error["message"]), error
            seen.add(error["code"])
    assert seen == {"VAT_TOTAL_VALUE", "VAT_NET_VALUE", "INVALID_NUMERIC_VALUE", "INVALID_MONETARY_AMOUNT"}


def check(response, method, path, status):
    assert response.status_code == status, response.text
    assert spec.schema_errors(spec.response_schema(method, path, status), decimal_json(response)) == []


YEAR = {"from": "2025-05-16", "to": "2026-05-15"}
INSOLVENT = {"Gov-Test-Scenario": "INSOLVENT_TRADER"}
ANSWERS = [
    ("obligations", "", {"params": YEAR}, 200),
    ("obligations", "", {}, 400),
    ("obligations", "", {"params": {"from": "2019-01-01", "to": "2019-02-01"}}, 404),
    ("obligations", "", {"params": {"status": "O"}, "headers": INSOLVENT}, 403),
    ("submit_return", "", {"json": nine_boxes()}, 201),
    ("submit_return", "", {"json": nine_boxes(netVatDue=1)}, 400),
    ("submit_return", "", {"json": nine_boxes("25A4")}, 403),
    ("view_return", "25A4", {}, 200),
    ("view_return", "bad", {}, 400),
    ("view_return", "25A4", {"headers": INSOLVENT}, 403),
    ("view_return", "99Z9", {}, 404),
    *[
        case
        for endpoint, single in (("liabilities", "SINGLE_LIABILITY"), ("payments", "SINGLE_PAYMENT"))
        for case in (
            (endpoint, "", {"params": YEAR}, 200),
            (
                endpoint,
                "",
                {"params": {"from": "2017-01-02", "to": "2017-02-02"}, "headers": {"Gov-Test-Scenario": single}},
                200,
            ),
            (endpoint, "", {"params": {"from": "2016-01-01", "to": "2016-12-31"}}, 400),
            (endpoint, "", {"params": YEAR, "headers": INSOLVENT}, 403),
            (endpoint, "", {"params": {"from": "2019-01-01", "to": "2019-12-31"}}, 404),
        )
    ],
]


@pytest.mark.parametrize(("endpoint", "key", "call", "status"), ANSWERS)
def test_the_answers_of_the_main_operations_match_the_response_schemas(api, endpoint, key, call, status):
    method, path = OPERATIONS[endpoint]
    url = path.replace("{vrn}", VRN).replace("{periodKey}", key)
    check(api.request(method, url, **call), method, path, status)


def test_a_filed_return_carries_the_headers_the_description_documents(api):
    method, path = OPERATIONS["submit_return"]
    filed = api.post(path.replace("{vrn}", VRN), json=nine_boxes())
    assert filed.status_code == 201
    documented = set(spec.operation(method, path)["responses"]["201"]["headers"])
    assert documented == {"X-CorrelationId", "Receipt-ID", "Receipt-Timestamp", "Receipt-Signature"}
    assert documented <= set(filed.headers)


@pytest.mark.parametrize("scenario", sorted(SCENARIOS["obligations"]))
def test_every_obligations_scenario_matches_the_schema(api, scenario):
    method, path = OPERATIONS["obligations"]
    response = api.get(
        f"/organisations/vat/{VRN}/obligations", params={"status": "O"}, headers={"Gov-Test-Scenario": scenario}
    )
    if response.status_code == 200:
        check(response, method, path, 200)
    else:
        assert response.status_code in (403, 404)
        check(response, method, path, response.status_code)


def test_the_schema_checker_finds_what_breaks_a_schema():
    schema = spec.response_schema("POST", "/organisations/vat/{vrn}/returns", 201)
    good = {"processingDate": "2026-05-15T09:30:01.123Z", "formBundleNumber": "123456789012"}
    assert spec.schema_errors(schema, good) == []
    bad = {"processingDate": "15/05/2026", "formBundleNumber": "1234", "paymentIndicator": "CHEQUE"}
    assert len(spec.schema_errors(schema, bad)) == 3
    boxes = spec.spec()["components"]["schemas"]["SubmitVAT"]
    assert spec.schema_errors(boxes, {**nine_boxes(), "vatDueSales": Decimal("1.005")}) == [
        "$.vatDueSales 1.005 is not a multiple of 0.01"
    ]
