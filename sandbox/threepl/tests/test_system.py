import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

from sandbox.threepl import ThreePLSystem
from sandbox.threepl.clock import Clock

ROOT = Path(__file__).resolve().parents[3]


def test_clock_advances_in_steps_and_tells_subscribers():
    clock = Clock()
    seen = []
    clock.subscribe(lambda previous, now: seen.append((now - previous).total_seconds()))
    start = clock.now
    clock.advance(hours=1, minutes=10)
    assert seen == [900, 900, 900, 900, 600]
    assert (clock.now - start).total_seconds() == 4200
    clock.tick()
    assert seen[-1] == 900


def test_sped_up_clock_runs_on_its_own_until_closed():
    clock = Clock(speed=36000, interval=0.01)
    start = clock.now
    clock.start()
    deadline = time.monotonic() + 5
    while (clock.now - start).total_seconds() < 3600 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert (clock.now - start).total_seconds() >= 3600
    clock.close()
    assert not clock.running
    stopped_at = clock.now
    time.sleep(0.05)
    assert clock.now == stopped_at


def test_speed_from_environment_and_close_stops_every_thread(monkeypatch):
    monkeypatch.setenv("SANDBOX_THREEPL_SPEED", "3600")
    before = set(threading.enumerate())
    threepl = ThreePLSystem(seed=2)
    threepl.start_sftp()
    assert threepl.clock.running
    root = threepl.root
    threepl.close()
    time.sleep(0.1)
    assert set(threading.enumerate()) <= before
    assert not root.exists()


def test_same_seed_same_warehouse(monkeypatch):
    monkeypatch.delenv("SANDBOX_THREEPL_SPEED", raising=False)
    first, second, other = ThreePLSystem(seed=5), ThreePLSystem(seed=5), ThreePLSystem(seed=6)
    try:
        for system in (first, second, other):
            system.configure(shrinkage_rate=0.5)
            system.advance(hours=30)
        snapshot = [
            (s.warehouse.stock_levels(), [o["TrackingNumber"] for o in s.state.records("orders")])
            for s in (first, second, other)
        ]
        assert snapshot[0] == snapshot[1]
        assert snapshot[0] != snapshot[2]
    finally:
        for system in (first, second, other):
            system.close()


def test_actions_status_page_and_reset_through_the_control_api(base_url, threepl, api):
    control = f"{base_url}/_sandbox/systems/threepl"
    actions = requests.get(f"{control}/actions", timeout=5).json()["actions"]
    assert {"despatch", "advance", "book_in", "set_callback", "drop_file_problem", "stock_count"} <= set(actions)
    order_id = api.create_order("SO-8001", [("MUG-BLU", 1)])["OrderId"]
    despatched = requests.post(f"{control}/actions/despatch", json={"order_id": order_id}, timeout=5)
    assert despatched.json()["result"]["OrderStatus"] == "DESPATCHED"
    assert requests.post(f"{control}/actions/advance", json={"hours": 2}, timeout=5).ok
    missing = requests.post(f"{control}/actions/book_in", json={"asn_id": 99}, timeout=5)
    assert missing.status_code == 400
    page = requests.get(f"{control}/page", timeout=5).text
    assert "SO-8001" in page
    assert "MUG-BLU" in page
    status = requests.get(control, timeout=5).json()
    assert status["clock"] == threepl.clock.now.isoformat(timespec="seconds")
    assert status["files_root"] == str(threepl.root)
    assert status["settings"]["warehouse"]["pick_hours"] == 2
    (threepl.root / "in/orders/left.csv").write_text("OrderNumber,SKU,Quantity\n")
    threepl.set_callback("http://127.0.0.1:9/nowhere")
    assert requests.post(f"{base_url}/_sandbox/reset", timeout=5).ok
    assert api.get("/Order/Search", params={"OrderNumber": "SO-8001"}).json() == []
    assert threepl.clock.now == threepl.clock.origin
    assert not (threepl.root / "in/orders/left.csv").exists()
    assert threepl.callback_url == ""


def test_sandbox_still_starts_fast_without_paramiko_loaded():
    code = "import sys, sandbox.__main__; sys.exit('paramiko' in sys.modules or 'zeep' in sys.modules)"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SANDBOX_THREEPL")}
    assert subprocess.run([sys.executable, "-c", code], check=False, cwd=ROOT, env=env).returncode == 0
