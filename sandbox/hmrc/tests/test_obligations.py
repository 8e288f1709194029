import pytest
import requests

from .conftest import VRN

PATH = f"/organisations/vat/{VRN}/obligations"


def keys(response) -> list[str]:
    assert response.status_code == 200, response.text
    return [o["periodKey"] for o in response.json()["obligations"]]


def test_the_seeded_business_files_quarterly_and_is_up_to_date_but_for_the_last_quarter(api):
    year = api.get(PATH, params={"from": "2025-04-01", "to": "2026-03-31"}).json()["obligations"]
    assert [(o["periodKey"], o["start"], o["end"], o["status"]) for o in year] == [
        ("25A2", "2025-04-01", "2025-06-30", "F"),
        ("25A3", "2025-07-01", "2025-09-30", "F"),
        ("25A4", "2025-10-01", "2025-12-31", "F"),
        ("26A1", "2026-01-01", "2026-03-31", "O"),
    ]
    assert year[0]["due"] == "2025-08-07", "a month and seven days after the period"
    assert all("received" in o for o in year[:3]) and "received" not in year[3]


def test_open_obligations_need_no_dates(api):
    assert keys(api.get(PATH, params={"status": "O"})) == ["26A1", "26A2"]


def test_the_status_and_the_dates_filter_together(api):
    fulfilled = api.get(PATH, params={"from": "2025-09-01", "to": "2026-05-15", "status": "F"})
    assert keys(fulfilled) == ["25A3", "25A4"]
    assert fulfilled.json()["obligations"][0]["received"] <= "2025-11-07"


def test_nothing_in_the_range_is_not_found(api):
    response = api.get(PATH, params={"from": "2020-01-01", "to": "2020-12-31"})
    assert response.status_code == 404
    assert response.json() == {"code": "NOT_FOUND", "message": "The requested resource could not be found"}


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({}, "INVALID_DATE_FROM"),
        ({"to": "2026-01-01"}, "INVALID_DATE_FROM"),
        ({"from": "2026-01-01"}, "INVALID_DATE_TO"),
        ({"from": "2026-13-01", "to": "2026-12-31"}, "INVALID_DATE_FROM"),
        ({"from": "2026-01-01", "to": "31/12/2026"}, "INVALID_DATE_TO"),
        ({"from": "2025-01-01", "to": "2026-01-02"}, "INVALID_DATE_RANGE"),
        ({"from": "2026-02-01", "to": "2026-01-01"}, "INVALID_DATE_RANGE"),
        ({"from": "2025-01-01", "to": "2025-12-31", "status": "X"}, "INVALID_STATUS"),
        ({"status": "A"}, "INVALID_STATUS"),
        ({"status": "F"}, "MISSING_DATE_RANGE"),
    ],
)
def test_a_bad_query_is_refused_with_hmrcs_code(api, params, code):
    response = api.get(PATH, params=params)
    assert response.status_code == 400
    assert response.json()["code"] == code


def test_a_range_may_span_366_days_in_a_leap_year(api, hmrc):
    hmrc.add_obligation("2024-01-01", "2024-03-31", periodKey="24A1", status="F")
    assert keys(api.get(PATH, params={"from": "2024-01-01", "to": "2024-12-31"})) == ["24A1"]
    assert keys(api.get(PATH, params={"from": "2024-02-29", "to": "2025-02-28"})) == ["24A1"]
    refused = api.get(PATH, params={"from": "2024-02-29", "to": "2025-03-01"})
    assert refused.json()["code"] == "INVALID_DATE_RANGE"


def test_an_obligation_added_by_action_is_served(api, base_url):
    response = requests.post(
        f"{base_url}/_sandbox/systems/hmrc/actions/add_obligation",
        json={"start": "2026-04-01", "end": "2026-04-30", "due": "2026-06-07", "periodKey": "26AG"},
        timeout=10,
    )
    assert response.json()["result"] == {
        "start": "2026-04-01",
        "end": "2026-04-30",
        "due": "2026-06-07",
        "status": "O",
        "periodKey": "26AG",
    }
    assert keys(api.get(PATH, params={"status": "O"})) == ["26A1", "26A2", "26AG"]
    twice = requests.post(
        f"{base_url}/_sandbox/systems/hmrc/actions/add_obligation",
        json={"start": "2026-04-01", "end": "2026-04-30", "periodKey": "26AG"},
        timeout=10,
    )
    assert twice.status_code == 400
