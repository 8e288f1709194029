import os
import select
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from sandbox.__main__ import parse_args

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_command_line_starts_and_stops_on_signal(signum):
    # How fast it starts (about a second here) is not asserted: a loaded CI
    # machine stretches it, and a timed test that fails then tells nothing.
    process = subprocess.Popen(
        [sys.executable, "-m", "sandbox", "--port", "0", "--seed", "1"],
        cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        ready, _, _ = select.select([process.stdout], [], [], 30)
        assert ready, "the sandbox printed nothing within 30 s"
        url = process.stdout.readline().split()[-1]
        assert requests.get(f"{url}/_health", timeout=5).json() == {"status": "ok"}
        process.send_signal(signum)
        assert process.wait(timeout=5) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_environment_variables_are_defaults(monkeypatch):
    monkeypatch.setenv("SANDBOX_HOST", "0.0.0.0")
    monkeypatch.setenv("SANDBOX_PORT", "9123")
    monkeypatch.setenv("SANDBOX_SEED", "5")
    args = parse_args([])
    assert (args.host, args.port, args.seed) == ("0.0.0.0", 9123, 5)
    assert parse_args(["--port", "9000"]).port == 9000


def test_importing_the_sandbox_does_not_import_odoo():
    code = "import sys, sandbox.__main__; sys.exit('odoo' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False, cwd=ROOT).returncode == 0


def test_sandbox_process_serves_and_stops():
    from sandbox.testing import sandbox_process

    with sandbox_process(seed=1) as url:
        assert requests.get(f"{url}/_health", timeout=5).json() == {"status": "ok"}
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{url}/_health", timeout=1)


def test_https_port_serves_the_shop_at_the_root_with_a_ca_to_trust(tmp_path):
    pytest.importorskip("trustme")
    process = subprocess.Popen(
        [sys.executable, "-m", "sandbox", "--port", "0", "--https-port", "0", "--tls-dir", str(tmp_path)],
        cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        process.stdout.readline()
        line = process.stdout.readline()
        assert line.startswith("Sandbox serving HTTPS on https://127.0.0.1:"), line
        url, ca_pem = line.split()[4], line.split()[-1]
        assert ca_pem == str(tmp_path / "ca.pem")
        # The shop's token endpoint, at the root as on {shop}.myshopify.com and under /shopify.
        grant = {"client_id": "sandbox-client-id", "client_secret": "sandbox-shopify-secret"}
        grant["grant_type"] = "client_credentials"
        for path in ("/admin/oauth/access_token", "/shopify/admin/oauth/access_token"):
            answer = requests.post(f"{url}{path}", json=grant, verify=ca_pem, timeout=5)
            assert answer.json()["access_token"].startswith("shpat_")
        assert requests.get(f"{url}/_health", verify=ca_pem, timeout=5).json() == {"status": "ok"}
    finally:
        process.terminate()
        process.wait(timeout=5)
