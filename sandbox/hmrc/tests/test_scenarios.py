"""Each ``Gov-Test-Scenario`` the VAT API's test data tables list answers as documented."""

import pytest

from sandbox.hmrc.scenarios import SUBMIT_ERRORS

from .conftest import VRN, nine_boxes

OBLIGATIONS = f"/organisations/vat/{VRN}/obligations"
WORDS = {"NONE": 0, "ONE": 1, "TWO": 2, "THREE": 3, "FOUR": 4}


def obligations(api, scenario, **params):
    response = api.get(
        OBLIGATIONS,
        params=params or {"from": "2026-01-01", "to": "2026-05-15"},
        headers={"Gov-Test-Scenario": scenario},
    )
    assert response.status_code == 200, response.text
    return response.json()["obligations"]


@pytest.mark.parametrize(
    ("frequency", "word"),
    [("QUARTERLY", word) for word in WORDS] + [("MONTHLY", word) for word in list(WORDS)[:4]],
)
def test_so_many_obligations_met(api, frequency, word):
    found = obligations(api, f"{frequency}_{word}_MET")
    statuses = [o["status"] for o in found]
    assert statuses == ["F"] * WORDS[word] + ["O"] * (len(found) - WORDS[word])
    months = {int(o["end"][5:7]) - int(o["start"][5:7]) for o in found}
    assert months == ({2} if frequency == "QUARTERLY" else {0})
    assert all("received" in o for o in found if o["status"] == "F")


@pytest.mark.parametrize("month", range(1, 13))
def test_a_monthly_obligation_of_2018_open_after_the_met_ones(api, month):
    found = obligations(api, f"MONTHLY_OBS_{month:02d}_OPEN")
    assert [o["status"] for o in found] == ["F"] * (month - 1) + ["O"]
    assert found[-1]["start"] == f"2018-{month:02d}-01"


@pytest.mark.parametrize("number", range(1, 5))
def test_a_quarterly_obligation_of_2018_open_after_the_met_ones(api, number):
    found = obligations(api, f"QUARTERLY_OBS_{number:02d}_OPEN")
    assert [o["status"] for o in found] == ["F"] * (number - 1) + ["O"]
    assert found[-1]["start"] == f"2018-{3 * number - 2:02d}-01"


@pytest.mark.parametrize(("scenario", "count"), [("MONTHLY_OBS_12_FULFILLED", 12), ("QUARTERLY_OBS_04_FULFILLED", 4)])
def test_a_year_of_2018_all_met(api, scenario, count):
    found = obligations(api, scenario)
    assert [o["status"] for o in found] == ["F"] * count
    assert {o["start"][:4] for o in found} == {"2018"}


@pytest.mark.parametrize("scenario", ["MULTIPLE_OPEN_MONTHLY", "MULTIPLE_OPEN_QUARTERLY"])
def test_two_obligations_open(api, scenario):
    assert [o["status"] for o in obligations(api, scenario)].count("O") == 2
    assert len(obligations(api, scenario, status="O")) == 2, "the status still filters"


def test_an_obligation_spanning_two_years(api):
    (spanning,) = obligations(api, "OBS_SPANS_MULTIPLE_YEARS")
    assert (spanning["start"][:4], spanning["end"][:4]) == ("2018", "2019")


def test_an_insolvent_trader_and_no_data(api):
    insolvent = api.get(OBLIGATIONS, params={"status": "O"}, headers={"Gov-Test-Scenario": "INSOLVENT_TRADER"})
    assert insolvent.status_code == 403
    assert insolvent.json() == {
        "code": "RULE_INSOLVENT_TRADER",
        "message": "The remote endpoint has indicated that the Trader is insolvent",
    }
    missing = api.get(OBLIGATIONS, params={"status": "O"}, headers={"Gov-Test-Scenario": "NOT_FOUND"})
    assert missing.status_code == 404
    assert missing.json()["code"] == "NOT_FOUND"


def test_a_scenario_still_needs_a_valid_request(api):
    response = api.get(OBLIGATIONS, params={"status": "F"}, headers={"Gov-Test-Scenario": "QUARTERLY_ONE_MET"})
    assert response.json()["code"] == "MISSING_DATE_RANGE"


def test_an_unknown_scenario_is_refused(api):
    response = api.get(OBLIGATIONS, params={"status": "O"}, headers={"Gov-Test-Scenario": "QUARTERLY_FIVE_MET"})
    assert response.status_code == 400
    assert response.json() == {
        "code": "RULE_INCORRECT_GOV_TEST_SCENARIO",
        "message": "The Gov-Test-Scenario was not found",
    }


@pytest.mark.parametrize(
    ("scenario", "status", "code"),
    [
        ("INVALID_VRN", 400, "VRN_INVALID"),
        ("INVALID_PERIODKEY", 400, "PERIOD_KEY_INVALID"),
        ("INVALID_PAYLOAD", 400, "INVALID_REQUEST"),
        ("DUPLICATE_SUBMISSION", 403, "DUPLICATE_SUBMISSION"),
        ("TAX_PERIOD_NOT_ENDED", 403, "TAX_PERIOD_NOT_ENDED"),
        ("INSOLVENT_TRADER", 403, "RULE_INSOLVENT_TRADER"),
    ],
)
def test_a_submission_scenario_refuses_the_return_and_files_nothing(api, hmrc, scenario, status, code):
    response = api.post(f"/organisations/vat/{VRN}/returns", json=nine_boxes(), headers={"Gov-Test-Scenario": scenario})
    assert response.status_code == status
    assert response.json()["code"] == code
    assert hmrc.account.filed_return("26A1") is None


def test_the_submission_scenarios_are_all_tested():
    assert set(SUBMIT_ERRORS) == {
        "INVALID_VRN",
        "INVALID_PERIODKEY",
        "INVALID_PAYLOAD",
        "DUPLICATE_SUBMISSION",
        "TAX_PERIOD_NOT_ENDED",
        "INSOLVENT_TRADER",
    }


@pytest.mark.parametrize(
    ("scenario", "code"),
    [("DATE_RANGE_TOO_LARGE", "DATE_RANGE_TOO_LARGE"), ("INSOLVENT_TRADER", "RULE_INSOLVENT_TRADER")],
)
def test_a_view_scenario_refuses_to_show_the_return(api, scenario, code):
    response = api.get(f"/organisations/vat/{VRN}/returns/25A4", headers={"Gov-Test-Scenario": scenario})
    assert response.status_code == 403
    assert response.json()["code"] == code


@pytest.mark.parametrize(
    ("scenario", "start", "end", "count"),
    [
        ("SINGLE_LIABILITY", "2017-01-02", "2017-02-02", 1),
        ("MULTIPLE_LIABILITIES", "2017-04-05", "2017-12-21", 3),
        ("SINGLE_LIABILITY_2018_19", "2018-01-02", "2018-02-02", 1),
        ("MULTIPLE_LIABILITIES_2018_19", "2018-04-05", "2018-12-21", 3),
    ],
)
def test_liability_scenarios_answer_for_their_documented_dates(api, scenario, start, end, count):
    path = f"/organisations/vat/{VRN}/liabilities"
    headers = {"Gov-Test-Scenario": scenario}
    response = api.get(path, params={"from": start, "to": end}, headers=headers)
    assert response.status_code == 200, response.text
    found = response.json()["liabilities"]
    assert len(found) == count
    assert all(start <= item["taxPeriod"]["to"] <= end for item in found)
    elsewhere = api.get(path, params={"from": "2019-01-01", "to": "2019-06-30"}, headers=headers)
    assert elsewhere.status_code == 404


@pytest.mark.parametrize(
    ("scenario", "start", "end", "count"),
    [
        ("SINGLE_PAYMENT", "2017-01-02", "2017-02-02", 1),
        ("MULTIPLE_PAYMENTS", "2017-02-27", "2017-12-21", 4),
        ("SINGLE_PAYMENT_2018_19", "2018-01-02", "2018-02-02", 1),
        ("MULTIPLE_PAYMENTS_2018_19", "2018-02-27", "2018-12-21", 4),
    ],
)
def test_payment_scenarios_answer_for_their_documented_dates(api, scenario, start, end, count):
    path = f"/organisations/vat/{VRN}/payments"
    headers = {"Gov-Test-Scenario": scenario}
    found = api.get(path, params={"from": start, "to": end}, headers=headers).json()["payments"]
    assert len(found) == count
    assert all(set(payment) == {"amount", "received"} for payment in found)
    assert api.get(path, params={"from": "2019-01-01", "to": "2019-06-30"}, headers=headers).status_code == 404


@pytest.mark.parametrize("resource", ["liabilities", "payments"])
def test_financial_data_of_an_insolvent_trader(api, resource):
    response = api.get(
        f"/organisations/vat/{VRN}/{resource}",
        params={"from": "2025-06-01", "to": "2026-05-01"},
        headers={"Gov-Test-Scenario": "INSOLVENT_TRADER"},
    )
    assert response.status_code == 403
    assert response.json()["code"] == "RULE_INSOLVENT_TRADER"
