import pytest
import requests

from sandbox import SYSTEMS, build_app, running_server
from sandbox.hmrc import HmrcSystem

from .conftest import TODAY, VRN, nine_boxes


def act(base_url, action, **params):
    return requests.post(f"{base_url}/_sandbox/systems/hmrc/actions/{action}", json=params, timeout=10)


def test_the_sandbox_serves_hmrc_at_its_prefix():
    assert HmrcSystem in SYSTEMS
    app = build_app(seed=1)
    try:
        with running_server(app) as url:
            index = requests.get(url, timeout=10).text
            assert "/hmrc" in index
            response = requests.get(f"{url}/hmrc/organisations/vat/{VRN}/obligations", timeout=10)
            assert response.json()["code"] == "ACCEPT_HEADER_INVALID"
    finally:
        app.close()


def test_the_actions_are_listed(base_url):
    listed = requests.get(f"{base_url}/_sandbox/systems/hmrc/actions", timeout=10).json()["actions"]
    assert listed == [
        "add_obligation",
        "configure",
        "deregister_vat_number",
        "expire_tokens",
        "grant",
        "register_vat_number",
        "set_today",
    ]


def test_the_status_page_shows_the_account_and_no_secret_in_full(api, base_url, connect):
    tokens = connect()
    filed = api.post(f"/organisations/vat/{VRN}/returns", json=nine_boxes())
    page = requests.get(f"{base_url}/_sandbox/systems/hmrc/page", timeout=10).text
    for title in ("Obligations", "Returns", "Liabilities", "Payments", "Tokens", "Last fraud-header validation"):
        assert f"<h2>{title}</h2>" in page
    assert filed.json()["formBundleNumber"] in page and filed.headers["Receipt-ID"] in page
    assert "VALID_HEADERS" in page
    assert tokens["access_token"][:4] + "…" in page
    for secret in (tokens["access_token"], tokens["refresh_token"], "sandbox-client-secret"):
        assert secret not in page


def test_the_status_names_today_and_the_settings(base_url):
    status = requests.get(f"{base_url}/_sandbox/systems/hmrc", timeout=10).json()
    assert status["today"] == TODAY
    assert status["settings"]["client_id"] == "sandbox-client-id"
    assert status["settings"]["client_secret"] == "sand…"
    assert status["collections"]["obligations"] == 5


def test_set_today_moves_the_date_and_refuses_a_bad_one(hmrc, base_url):
    assert act(base_url, "set_today", date="2026-08-01").json() == {"result": {"today": "2026-08-01"}}
    assert hmrc.today().isoformat() == "2026-08-01"
    assert act(base_url, "set_today", date="01/08/2026").status_code == 400
    real = act(base_url, "set_today").json()["result"]["today"]
    assert real != "2026-08-01"


def test_configure_refuses_unknown_settings_and_a_bad_vrn(base_url):
    assert act(base_url, "configure", colour="blue").status_code == 400
    assert act(base_url, "configure", vrn="12345").status_code == 400
    configured = act(base_url, "configure", client_secret="s3cret-value", vrn="111222333").json()["result"]
    assert (configured["vrn"], configured["client_secret"]) == ("111222333", "s3cr…")


def test_reset_gives_fresh_data_and_the_default_settings(api, hmrc, base_url, connect):
    api.post(f"/organisations/vat/{VRN}/returns", json=nine_boxes())
    hmrc.configure(vrn="111222333", client_secret="other")
    hmrc.set_today("2027-01-01")
    requests.post(f"{base_url}/_sandbox/reset", params={"system": "hmrc"}, timeout=10)
    assert (hmrc.vrn, hmrc.client_secret, hmrc.today().isoformat()) == (VRN, "sandbox-client-secret", TODAY)
    assert hmrc.account.filed_return("26A1") is None
    assert hmrc.state.records("tokens") == []
    assert api.get(f"/organisations/vat/{VRN}/obligations", params={"status": "O"}).status_code == 401
    assert connect()["access_token"]


def test_the_same_seed_gives_the_same_account():
    first, second, other = (HmrcSystem(seed=seed, today=TODAY) for seed in (4, 4, 5))
    assert first.state.records("returns") == second.state.records("returns")
    assert first.state.records("returns") != other.state.records("returns")


def test_today_comes_from_the_environment_when_not_given(monkeypatch):
    monkeypatch.setenv("SANDBOX_HMRC_TODAY", "2025-02-03")
    hmrc = HmrcSystem(seed=1)
    assert hmrc.today().isoformat() == "2025-02-03"
    assert [o["periodKey"] for o in hmrc.account.obligations(status="O")] == ["24A4", "25A1"]
    monkeypatch.setenv("SANDBOX_HMRC_TODAY", "3 Feb")
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        HmrcSystem(seed=1)
