import requests


def test_health_and_index(base_url):
    assert requests.get(f"{base_url}/_health").json() == {"status": "ok"}
    index = requests.get(base_url + "/")
    assert index.headers["Content-Type"].startswith("text/html")
    assert 'href="_sandbox/systems/echo/page"' in index.text


def test_create_get_and_list_records(base_url):
    created = requests.post(f"{base_url}/echo/records", json={"sku": "MUG-1", "qty": 3})
    assert created.status_code == 201
    record = created.json()["record"]
    assert record == {"id": 1, "data": {"sku": "MUG-1", "qty": 3}}
    requests.post(f"{base_url}/echo/records", json={"sku": "MUG-2"})
    fetched = requests.get(f"{base_url}/echo/records/1")
    assert fetched.json() == {"record": record}
    listed = requests.get(f"{base_url}/echo/records").json()["records"]
    assert [r["data"]["sku"] for r in listed] == ["MUG-1", "MUG-2"]


def test_errors_use_the_system_format(base_url):
    missing = requests.get(f"{base_url}/echo/records/42")
    assert missing.status_code == 404
    assert missing.json() == {"errors": "Not Found"}
    invalid = requests.post(f"{base_url}/echo/records", data="not json")
    assert invalid.status_code == 422
    wrong_method = requests.delete(f"{base_url}/echo/records")
    assert wrong_method.status_code == 405
    assert "POST" in wrong_method.headers["Allow"]
    assert requests.get(f"{base_url}/nowhere").status_code == 404


def test_handler_crash_answers_500(base_url, echo, monkeypatch):
    def crash(request):
        raise RuntimeError("boom")

    monkeypatch.setattr(echo, "on_list_records", crash)
    response = requests.get(f"{base_url}/echo/records")
    assert response.status_code == 500
    assert response.json() == {"errors": "Internal Server Error"}
