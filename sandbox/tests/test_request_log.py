import requests

from sandbox import App, RequestLog, running_server
from sandbox.systems import EchoSystem


def test_requests_are_logged_with_secrets_masked(app, base_url):
    requests.post(
        f"{base_url}/echo/records?hapikey=k-123&page=2",
        json={"note": "hello"},
        headers={
            "Authorization": "Bearer s3cret",
            "X-Shopify-Access-Token": "shpat_s3cret",
            "ms-apikey": "s3cret",
            "X-Trace": "visible",
        },
    )
    requests.get(f"{base_url}/_health")
    [entry] = app.log.entries()
    assert (entry.system, entry.method, entry.path) == ("echo", "POST", "/echo/records")
    assert entry.status == 201
    assert entry.query == "hapikey=***&page=2"
    assert entry.headers["Authorization"] == "***"
    assert entry.headers["X-Shopify-Access-Token"] == "***"
    assert entry.headers["Ms-Apikey"] == "***"
    assert entry.headers["X-Trace"] == "visible"
    assert entry.body == '{"note": "hello"}'
    assert entry.fault is None
    assert entry.duration_ms >= 0
    assert "s3cret" not in str(entry.to_dict())


def test_log_is_bounded_and_bodies_truncated():
    app = App([EchoSystem()], log=RequestLog(maxlen=3, body_limit=10))
    with running_server(app) as url:
        for number in range(5):
            requests.post(f"{url}/echo/records", json={"number": number, "padding": "x" * 50})
    entries = app.log.entries()
    assert len(app.log) == 3
    assert [e.id for e in entries] == [3, 4, 5]
    assert len(entries[0].body) == 10
    assert entries[0].body_size > 50
    app.close()


def test_log_over_the_control_api(base_url):
    requests.get(f"{base_url}/echo/records", headers={"Authorization": "Basic c2VjcmV0"})
    requests.get(f"{base_url}/echo/records/1")
    log = requests.get(f"{base_url}/_sandbox/requests", params={"system": "echo"}).json()
    assert [e["path"] for e in log["requests"]] == ["/echo/records", "/echo/records/1"]
    assert log["requests"][0]["headers"]["Authorization"] == "***"
    last = requests.get(f"{base_url}/_sandbox/requests", params={"limit": 1}).json()
    assert [e["status"] for e in last["requests"]] == [404]
    assert requests.delete(f"{base_url}/_sandbox/requests").status_code == 200
    assert requests.get(f"{base_url}/_sandbox/requests").json() == {"requests": []}
