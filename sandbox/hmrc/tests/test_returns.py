import re
import threading
from urllib.parse import quote

import pytest

from .conftest import TODAY, VRN, nine_boxes

RETURNS = f"/organisations/vat/{VRN}/returns"
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"


def field_errors(response) -> list[tuple[str, str]]:
    assert response.status_code == 400, response.text
    body = response.json()
    assert (body["code"], body["message"]) == ("INVALID_REQUEST", "Invalid request")
    return [(error["code"], error["path"]) for error in body["errors"]]


def test_a_valid_return_is_filed_with_hmrcs_receipt(api):
    response = api.post(RETURNS, json=nine_boxes())
    assert response.status_code == 201, response.text
    receipt = response.json()
    assert set(receipt) == {"processingDate", "paymentIndicator", "formBundleNumber", "chargeRefNumber"}
    assert re.fullmatch(rf"{TODAY}T\d{{2}}:\d{{2}}:\d{{2}}\.\d{{3}}Z", receipt["processingDate"])
    assert re.fullmatch(r"\d{12}", receipt["formBundleNumber"])
    assert receipt["paymentIndicator"] == "DD", "VAT to pay, and HMRC holds a Direct Debit"
    assert 1 <= len(receipt["chargeRefNumber"]) <= 16
    assert re.fullmatch(UUID, response.headers["Receipt-ID"])
    assert re.fullmatch(rf"{TODAY}T\d{{2}}:\d{{2}}:\d{{2}}Z", response.headers["Receipt-Timestamp"])
    assert re.fullmatch(UUID, response.headers["X-CorrelationId"])
    assert response.headers["Receipt-Signature"] == "DO NOT USE"


def test_a_filed_return_meets_its_obligation_and_can_be_viewed(api):
    api.post(RETURNS, json=nine_boxes())
    met = api.get(f"/organisations/vat/{VRN}/obligations", params={"from": "2026-01-01", "to": "2026-03-31"})
    assert met.json()["obligations"][0] == {
        "start": "2026-01-01",
        "end": "2026-03-31",
        "due": "2026-05-07",
        "status": "F",
        "periodKey": "26A1",
        "received": TODAY,
    }
    viewed = api.get(f"{RETURNS}/26A1")
    assert viewed.status_code == 200
    expected = {key: value for key, value in nine_boxes().items() if key != "finalised"}
    assert viewed.json() == expected


def test_a_repayment_return_is_paid_into_the_bank_and_has_no_charge_reference(api):
    body = nine_boxes(vatDueSales=100, totalVatDue=100, vatReclaimedCurrPeriod=350.75, netVatDue=250.75)
    receipt = api.post(RETURNS, json=body).json()
    assert receipt["paymentIndicator"] == "BANK"
    assert "chargeRefNumber" not in receipt


def test_a_period_cannot_be_filed_twice(api):
    assert api.post(RETURNS, json=nine_boxes()).status_code == 201
    again = api.post(RETURNS, json=nine_boxes())
    assert again.status_code == 403
    assert again.json() == {
        "code": "DUPLICATE_SUBMISSION",
        "message": "The VAT return was already submitted for the given period",
    }
    assert api.post(RETURNS, json=nine_boxes("25A4")).json()["code"] == "DUPLICATE_SUBMISSION", "filed when seeded"


def test_eight_simultaneous_submissions_file_one_return(api):
    statuses = []

    def submit():
        statuses.append(api.post(RETURNS, json=nine_boxes()).status_code)

    threads = [threading.Thread(target=submit) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [201] + [403] * 7


def test_a_period_that_has_not_ended_cannot_be_filed_until_after_its_last_day(api, hmrc):
    early = api.post(RETURNS, json=nine_boxes("26A2"))
    assert early.status_code == 403
    assert early.json()["code"] == "TAX_PERIOD_NOT_ENDED"
    hmrc.set_today("2026-06-30")
    assert api.post(RETURNS, json=nine_boxes("26A2")).json()["code"] == "TAX_PERIOD_NOT_ENDED"
    hmrc.set_today("2026-07-01")
    assert api.post(RETURNS, json=nine_boxes("26A2")).status_code == 201


def test_a_return_not_declared_final_is_refused(api):
    response = api.post(RETURNS, json=nine_boxes(finalised=False))
    assert response.status_code == 403
    assert response.json() == {"code": "NOT_FINALISED", "message": "User has not declared VAT return as final"}


@pytest.mark.parametrize(
    ("changes", "path", "message"),
    [
        ({"vatDueSales": 1200.505, "totalVatDue": 1200.505}, "/vatDueSales", "-9,999,999,999,999.99 and"),
        ({"vatReclaimedCurrPeriod": 1e13}, "/vatReclaimedCurrPeriod", "-9,999,999,999,999.99 and"),
        ({"netVatDue": -750.25}, "/netVatDue", "between 0 and 99,999,999,999.99"),
        ({"netVatDue": 100_000_000_000}, "/netVatDue", "between 0 and 99,999,999,999.99"),
        ({"totalValueSalesExVAT": 6002.5}, "/totalValueSalesExVAT", "-9999999999999 and 9999999999999"),
        ({"totalAcquisitionsExVAT": 10_000_000_000_000}, "/totalAcquisitionsExVAT", "-9999999999999 and"),
    ],
)
def test_an_amount_out_of_range_or_with_too_many_decimals_is_invalid(api, changes, path, message):
    response = api.post(RETURNS, json=nine_boxes(**changes))
    assert ("INVALID_MONETARY_AMOUNT", path) in field_errors(response)
    error = next(e for e in response.json()["errors"] if e["path"] == path)
    assert message in error["message"]


def test_boxes_six_to_nine_take_whole_pounds_with_or_without_zero_pence(api):
    body = '{"periodKey": "26A1", "vatDueSales": 1200.50, "vatDueAcquisitions": 0.00, "totalVatDue": 1200.50, '
    body += '"vatReclaimedCurrPeriod": 450.25, "netVatDue": 750.25, "totalValueSalesExVAT": 6002.00, '
    body += '"totalValuePurchasesExVAT": 2251, "totalValueGoodsSuppliedExVAT": 0.00, "totalAcquisitionsExVAT": 0, '
    body += '"finalised": true}'
    response = api.post(RETURNS, data=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 201, response.text


def test_totals_that_do_not_add_up_are_both_reported(api):
    response = api.post(RETURNS, json=nine_boxes(totalVatDue=1200.49, netVatDue=750.25))
    assert field_errors(response) == [("VAT_NET_VALUE", "/netVatDue"), ("VAT_TOTAL_VALUE", "/totalVatDue")]
    assert api.post(RETURNS, json=nine_boxes(netVatDue=750.26)).json()["errors"][0]["code"] == "VAT_NET_VALUE"


def test_totals_are_checked_to_the_penny(api):
    body = nine_boxes(vatDueSales=0.1, vatDueAcquisitions=0.2, totalVatDue=0.3, vatReclaimedCurrPeriod=0, netVatDue=0.3)
    assert api.post(RETURNS, json=body).status_code == 201


@pytest.mark.parametrize("key", ["26a1", "26A", "26A1X", "26-1"])
def test_a_badly_formed_period_key_is_invalid(api, key):
    response = api.post(RETURNS, json=nine_boxes(key))
    assert field_errors(response) == [("PERIOD_KEY_INVALID", "/periodKey")]


def test_a_malformed_vrn_is_invalid(api):
    response = api.post("/organisations/vat/12345/returns", json=nine_boxes())
    assert response.status_code == 400
    assert response.json() == {"code": "VRN_INVALID", "message": "The provided VRN is invalid"}


def test_every_missing_and_mistyped_field_is_named(api):
    body = nine_boxes(periodKey=2601, vatDueSales="1200.50", finalised="yes")
    del body["netVatDue"], body["totalAcquisitionsExVAT"]
    assert sorted(field_errors(api.post(RETURNS, json=body))) == [
        ("INVALID_NUMERIC_VALUE", "/vatDueSales"),
        ("INVALID_STRING_VALUE", "/periodKey"),
        ("MANDATORY_FIELD_MISSING", "/netVatDue"),
        ("MANDATORY_FIELD_MISSING", "/totalAcquisitionsExVAT"),
        ("UNMAPPED_PLAY_ERROR", "/finalised"),
    ]


def test_a_body_that_is_not_json_is_an_invalid_request_with_a_receipt_id(api):
    response = api.post(RETURNS, data="{periodKey: 26A1", headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json() == {"code": "INVALID_REQUEST", "message": "Invalid request"}
    assert re.fullmatch(UUID, response.headers["Receipt-ID"])
    wrong_type = api.post(RETURNS, data="periodKey=26A1", headers={"Content-Type": "text/plain"})
    assert wrong_type.status_code == 415
    assert wrong_type.json()["code"] == "INVALID_BODY_TYPE"


def test_any_well_formed_period_key_is_filed_unless_only_issued_ones_are_taken(api, hmrc):
    assert api.post(RETURNS, json=nine_boxes("#001")).status_code == 201
    assert api.get(f"{RETURNS}/{quote('#001', safe='')}").json()["periodKey"] == "#001"
    hmrc.configure(strict_period_keys=True)
    refused = api.post(RETURNS, json=nine_boxes("99Z9"))
    assert refused.status_code == 400
    assert refused.json() == {"code": "PERIOD_KEY_INVALID", "message": "Invalid period key"}


def test_viewing_a_return_not_filed_or_a_bad_key(api):
    assert api.get(f"{RETURNS}/26A1").json() == {
        "code": "NOT_FOUND",
        "message": "The requested resource could not be found",
    }
    bad = api.get(f"{RETURNS}/26a1")
    assert bad.status_code == 400
    assert bad.json() == {"code": "PERIOD_KEY_INVALID", "message": "Invalid period key"}


def test_a_return_more_than_four_years_old_cannot_be_viewed(api, hmrc):
    assert api.get(f"{RETURNS}/25A2").status_code == 200
    hmrc.set_today("2029-07-01")
    response = api.get(f"{RETURNS}/25A2")
    assert response.status_code == 403
    assert response.json()["code"] == "DATE_RANGE_TOO_LARGE"
