import csv
import io
import socket
import time

import paramiko
import pytest

from sandbox.threepl import ThreePLSystem

from .test_files import ORDER_FILE


def connect(threepl, password=ThreePLSystem.sftp_password):
    host, port = threepl.sftp.address
    transport = paramiko.Transport((host, port))
    try:
        transport.connect(hostkey=threepl.sftp.host_key, username="threepl", password=password)
    finally:
        transport.close()


def test_upload_orders_and_collect_despatches(sftp, threepl):
    assert sorted(sftp.listdir("/")) == ["in", "out"]
    sftp.putfo(io.BytesIO(ORDER_FILE.encode()), "/in/orders/sftp_001.csv.part")
    sftp.posix_rename("/in/orders/sftp_001.csv.part", "/in/orders/sftp_001.csv")
    threepl.advance(hours=4)
    assert sftp.listdir("/in/orders/processed") == ["sftp_001.csv"]
    rows = []
    for name in sftp.listdir("/out/despatches"):
        with sftp.open(f"/out/despatches/{name}") as remote:
            rows += list(csv.DictReader(io.StringIO(remote.read().decode())))
        sftp.remove(f"/out/despatches/{name}")
    assert {row["OrderNumber"] for row in rows} >= {"FILE-1", "FILE-2"}
    assert all(row["TrackingNumber"] for row in rows)
    assert sftp.listdir("/out/despatches") == []


def test_paths_cannot_leave_the_drop_folder(sftp):
    assert sorted(sftp.listdir("/../../..")) == ["in", "out"]
    with pytest.raises(FileNotFoundError):
        sftp.stat("/etc/passwd")


def test_wrong_password_is_refused(sftp, threepl):
    with pytest.raises(paramiko.AuthenticationException):
        connect(threepl, password="guess")


def test_refused_connections_and_slow_transfers(sftp, threepl):
    threepl.configure(transfer_delay_ms=100)
    started = time.monotonic()
    sftp.listdir("/")
    sftp.putfo(io.BytesIO(b"x"), "/in/slow.txt")
    assert time.monotonic() - started >= 0.1
    threepl.configure(refuse_connections=True)
    with pytest.raises((paramiko.SSHException, EOFError, ConnectionError)):
        connect(threepl)


def test_environment_starts_the_server_and_close_stops_it(monkeypatch, tmp_path):
    monkeypatch.setenv("SANDBOX_THREEPL_SFTP_PORT", "0")
    monkeypatch.setenv("SANDBOX_THREEPL_ROOT", str(tmp_path))
    threepl = ThreePLSystem(seed=1)
    address = threepl.sftp.address
    connect(threepl)
    assert (tmp_path / "in/orders").is_dir()
    threepl.close()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(address, timeout=2)
    assert (tmp_path / "in/orders").is_dir()


def test_asns_and_cancellations_go_up_and_receipts_and_confirmations_come_down(sftp, threepl):
    assert sorted(sftp.listdir("/in")) == ["asns", "cancellations", "orders"]
    assert sorted(sftp.listdir("/out")) == ["cancellations", "despatches", "errors", "receipts", "stock"]
    sftp.putfo(io.BytesIO(b"Reference,SKU,Quantity,ExpectedDate\nPO-SFTP,MUG-BLU,3,2000-01-01\n"), "/in/asns/a.csv")
    sftp.putfo(io.BytesIO(b"OrderNumber\nSO-1004\n"), "/in/cancellations/c.csv")
    threepl.advance(hours=0.5)
    assert sftp.listdir("/in/asns/processed") == ["a.csv"]
    assert sftp.listdir("/in/cancellations/processed") == ["c.csv"]
    (receipt,) = sftp.listdir("/out/receipts")
    with sftp.open(f"/out/receipts/{receipt}") as remote:
        assert [row["Reference"] for row in csv.DictReader(io.StringIO(remote.read().decode()))] == ["PO-SFTP"]
    (confirmation,) = sftp.listdir("/out/cancellations")
    with sftp.open(f"/out/cancellations/{confirmation}") as remote:
        assert [row["OrderNumber"] for row in csv.DictReader(io.StringIO(remote.read().decode()))] == ["SO-1004"]
