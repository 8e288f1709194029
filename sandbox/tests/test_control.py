import requests


def test_systems_and_status_page(base_url):
    requests.post(f"{base_url}/echo/records", json={})
    systems = requests.get(f"{base_url}/_sandbox/systems").json()["systems"]
    assert [s["name"] for s in systems] == ["echo"]
    status = requests.get(f"{base_url}/_sandbox/systems/echo").json()
    assert status["prefix"] == "/echo"
    assert status["collections"] == {"records": 1}
    assert requests.get(f"{base_url}/_sandbox/systems/nope").status_code == 404


def test_faults_get_and_put(base_url):
    faults = requests.get(f"{base_url}/_sandbox/faults").json()
    assert faults["echo"]["error_rate"] == 0
    answer = requests.put(f"{base_url}/_sandbox/faults", json={"echo": {"latency_ms": 20}})
    assert answer.json()["echo"]["latency_ms"] == 20
    echo_only = requests.get(f"{base_url}/_sandbox/faults", params={"system": "echo"}).json()
    assert echo_only["echo"]["latency_ms"] == 20
    cleared = requests.put(f"{base_url}/_sandbox/faults", json={"echo": {}}).json()
    assert cleared["echo"]["latency_ms"] == 0


def test_invalid_fault_settings(base_url):
    url = f"{base_url}/_sandbox/faults"
    unknown_knob = requests.put(url, json={"echo": {"latency": 5}})
    assert unknown_knob.status_code == 400
    assert "latency" in unknown_knob.json()["error"]
    assert requests.put(url, json={"echo": {"error_rate": "high"}}).status_code == 400
    assert requests.put(url, json={"nope": {}}).status_code == 404
    assert requests.put(url, data="[]").status_code == 400
    assert requests.post(url, json={}).status_code == 405


def test_reset_clears_data_faults_and_log(app, base_url):
    requests.post(f"{base_url}/echo/records", json={})
    requests.put(f"{base_url}/_sandbox/faults", json={"echo": {"latency_ms": 10}})
    assert requests.post(f"{base_url}/_sandbox/reset").json() == {"status": "reset"}
    assert requests.get(f"{base_url}/echo/records").json() == {"records": []}
    assert requests.get(f"{base_url}/_sandbox/faults").json()["echo"]["latency_ms"] == 0
    assert len(app.log) == 1
    requests.post(f"{base_url}/echo/records", json={})
    assert requests.post(f"{base_url}/_sandbox/reset", params={"system": "echo"}).ok
    assert app.systems["echo"].state.records("records") == []
    assert len(app.log) == 2


def test_status_page_shows_what_the_system_holds(base_url):
    requests.post(f"{base_url}/echo/records", json={"name": "shown"}, timeout=5)
    page = requests.get(f"{base_url}/_sandbox/systems/echo/page", timeout=5)
    assert page.headers["Content-Type"].startswith("text/html")
    assert "shown" in page.text


def test_unknown_action_is_a_404_naming_the_system(base_url):
    response = requests.post(f"{base_url}/_sandbox/systems/echo/actions/explode", json={}, timeout=5)
    assert response.status_code == 404
    assert "echo has no action" in response.json()["error"]
