"""HMRC's fraud prevention headers for a web app via server, and the return's body, built and checked."""

import pytest

from odoo.addons.erp_integration_core.lib.errors import ValidationError

from ..lib.hmrc import fraud_headers, return_body
from .common import BROWSER

SERVER = {
    "client_ip": "198.51.100.7",
    "client_port": "52114",
    "at": "2026-12-01T18:40:12.000Z",
    "user": "finance@example.co.uk",
    "server_ip": "203.0.113.9",
    "version": "19.0",
    "mfa": None,
}


def test_every_header_of_the_web_app_via_server_method_in_hmrc_s_format():
    headers = fraud_headers(BROWSER, SERVER)
    assert headers["Gov-Client-Connection-Method"] == "WEB_APP_VIA_SERVER"
    assert headers["Gov-Client-Screens"] == "width=1920&height=1080&scaling-factor=1&colour-depth=24"
    assert headers["Gov-Client-Window-Size"] == "width=1256&height=803"
    assert headers["Gov-Client-Public-IP"] == "198.51.100.7"
    assert headers["Gov-Client-Public-Port"] == "52114"
    assert headers["Gov-Vendor-Forwarded"] == "by=203.0.113.9&for=198.51.100.7"
    assert headers["Gov-Vendor-Product-Name"] == "ERP%20Integration%20Suite"
    assert headers["Gov-Client-User-IDs"].startswith("odoo=")
    assert "finance" not in headers["Gov-Client-User-IDs"], "an id, not the person's login"
    assert headers["Gov-Client-Multi-Factor"] == "", "no second factor used: the header is sent, empty"
    with_mfa = fraud_headers(BROWSER, dict(SERVER, mfa=("TOTP", "2026-12-01T18:40Z", "7")))
    assert with_mfa["Gov-Client-Multi-Factor"] == "type=TOTP&timestamp=2026-12-01T18%3A40Z&unique-reference=7"


@pytest.mark.parametrize(
    ("browser", "server", "named"),
    [
        ({**BROWSER, "device_id": ""}, SERVER, "device_id"),
        (BROWSER, {**SERVER, "client_ip": None}, "client_ip"),
        ({k: v for k, v in BROWSER.items() if k != "screens"}, SERVER, "screens"),
        ({**BROWSER, "timezone": "Europe/London"}, SERVER, "Europe/London"),
        ({**BROWSER, "device_id": "not-a-uuid"}, SERVER, "malformed"),
    ],
)
def test_missing_or_malformed_data_is_caught_before_anything_is_sent(browser, server, named):
    with pytest.raises(ValidationError) as caught:
        fraud_headers(browser, server)
    assert named in caught.value.message


def test_the_body_gives_boxes_one_to_five_in_pence_and_six_to_nine_in_whole_pounds():
    boxes = {
        "1": "20.20",
        "2": "0",
        "3": "20.20",
        "4": "10.00",
        "5": "10.20",
        "6": "160",
        "7": "50",
        "8": "0",
        "9": "0",
    }
    body = return_body("26A4", boxes, True)
    assert body == {
        "periodKey": "26A4",
        "finalised": True,
        "vatDueSales": 20.2,
        "vatDueAcquisitions": 0.0,
        "totalVatDue": 20.2,
        "vatReclaimedCurrPeriod": 10.0,
        "netVatDue": 10.2,
        "totalValueSalesExVAT": 160,
        "totalValuePurchasesExVAT": 50,
        "totalValueGoodsSuppliedExVAT": 0,
        "totalAcquisitionsExVAT": 0,
    }
