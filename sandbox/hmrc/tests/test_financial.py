import pytest

from .conftest import VRN, nine_boxes

LIABILITIES = f"/organisations/vat/{VRN}/liabilities"
PAYMENTS = f"/organisations/vat/{VRN}/payments"
YEAR = {"from": "2025-05-16", "to": "2026-05-15"}


def test_the_seeded_returns_raised_charges_collected_by_direct_debit(api, hmrc):
    liabilities = api.get(LIABILITIES, params=YEAR).json()["liabilities"]
    assert [item["taxPeriod"] for item in liabilities] == [
        {"from": "2025-04-01", "to": "2025-06-30"},
        {"from": "2025-07-01", "to": "2025-09-30"},
        {"from": "2025-10-01", "to": "2025-12-31"},
    ]
    assert {item["type"] for item in liabilities} == {"VAT Return Debit Charge"}
    assert all(item["outstandingAmount"] == 0 for item in liabilities)
    filed = [hmrc.account.filed_return(key)["boxes"]["netVatDue"] for key in ("25A2", "25A3", "25A4")]
    assert [item["originalAmount"] for item in liabilities] == [float(amount) for amount in filed]
    payments = api.get(PAYMENTS, params=YEAR).json()["payments"]
    assert [p["received"] for p in payments] == ["2025-08-10", "2025-11-10", "2026-02-10"]
    assert [p["amount"] for p in payments] == [float(amount) for amount in filed]


def test_a_return_filed_late_is_collected_three_days_after_filing(api, hmrc):
    assert api.post(f"/organisations/vat/{VRN}/returns", json=nine_boxes()).status_code == 201
    owed = api.get(LIABILITIES, params=YEAR).json()["liabilities"][-1]
    assert owed == {
        "taxPeriod": {"from": "2026-01-01", "to": "2026-03-31"},
        "type": "VAT Return Debit Charge",
        "originalAmount": 750.25,
        "outstandingAmount": 750.25,
        "due": "2026-05-07",
    }
    assert len(api.get(PAYMENTS, params=YEAR).json()["payments"]) == 3
    hmrc.set_today("2026-05-18")
    assert api.get(LIABILITIES, params=YEAR).json()["liabilities"][-1]["outstandingAmount"] == 0
    assert api.get(PAYMENTS, params=YEAR).json()["payments"][-1] == {"amount": 750.25, "received": "2026-05-18"}


def test_a_repayment_is_a_credit_charge(api):
    body = nine_boxes(vatDueSales=100, totalVatDue=100, vatReclaimedCurrPeriod=350.75, netVatDue=250.75)
    api.post(f"/organisations/vat/{VRN}/returns", json=body)
    credit = api.get(LIABILITIES, params=YEAR).json()["liabilities"][-1]
    assert (credit["type"], credit["originalAmount"], credit["outstandingAmount"]) == (
        "VAT Return Credit Charge",
        -250.75,
        -250.75,
    )


def test_a_charge_is_listed_when_its_period_ends_in_the_range(api):
    only_the_last = api.get(LIABILITIES, params={"from": "2025-12-31", "to": "2026-05-15"}).json()["liabilities"]
    assert [item["taxPeriod"]["to"] for item in only_the_last] == ["2025-12-31"]
    assert len(api.get(PAYMENTS, params={"from": "2025-12-31", "to": "2026-05-15"}).json()["payments"]) == 1


@pytest.mark.parametrize("path", [LIABILITIES, PAYMENTS])
@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"to": "2026-01-01"}, "DATE_FROM_INVALID"),
        ({"from": "2016-04-05", "to": "2017-01-01"}, "DATE_FROM_INVALID"),
        ({"from": "2026-01-01"}, "DATE_TO_INVALID"),
        ({"from": "2026-01-01", "to": "2026-05-16"}, "DATE_TO_INVALID"),
        ({"from": "2025-05-15", "to": "2026-05-15"}, "DATE_RANGE_INVALID"),
        ({"from": "2026-03-01", "to": "2026-02-01"}, "DATE_RANGE_INVALID"),
    ],
)
def test_a_bad_range_is_refused_with_hmrcs_code(api, path, params, code):
    response = api.get(path, params=params)
    assert response.status_code == 400
    assert response.json()["code"] == code


@pytest.mark.parametrize("path", [LIABILITIES, PAYMENTS])
def test_nothing_in_the_range_is_not_found(api, path):
    response = api.get(path, params={"from": "2019-01-01", "to": "2019-12-31"})
    assert response.status_code == 404
    assert response.json()["code"] == "NOT_FOUND"
