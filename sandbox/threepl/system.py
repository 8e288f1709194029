"""The UK 3PL: one simulated warehouse reached three ways, as UK 3PLs are (REST, SOAP and CSV files)."""

import json
import os
import shutil
import tempfile
import threading
import uuid
from pathlib import Path

from ..core import System, hmac_sha256_base64
from .clock import Clock
from .files import FileDrop
from .rest import MintsoftApi
from .seed import populate as seed_warehouse
from .soap import PeoplevoxApi
from .warehouse import Warehouse, iso


class ThreePLSystem(MintsoftApi, PeoplevoxApi, System):
    """A UK 3PL warehouse: Mintsoft-like REST under ``/api``, Peoplevox-like SOAP at ``/soap``,
    CSV drops in a folder tree that ``start_sftp()`` also serves over SFTP.

    Options, each falling back to the environment so ``python -m sandbox`` can set
    them: ``speed`` (``SANDBOX_THREEPL_SPEED``), simulated seconds per real second, 0
    to move the clock only by hand; ``root`` (``SANDBOX_THREEPL_ROOT``), the drop
    folder, a temporary one removed on ``close()`` if not given; ``sftp_port``
    (``SANDBOX_THREEPL_SFTP_PORT``), to start the SFTP server at once. Callbacks
    go to the URL set by the ``set_callback`` action, signed with its secret.
    """

    name = "threepl"
    title = "UK 3PL warehouse (Mintsoft REST, Peoplevox SOAP, CSV over SFTP)"
    callback_secret = "warehouse-callback-secret"
    sftp_username = "threepl"
    sftp_password = "sandbox"

    def __init__(self, seed=None, speed=None, root=None, sftp_port=None, api_key=None):
        env = os.environ
        if speed is None:
            speed = float(env.get("SANDBOX_THREEPL_SPEED") or 0)
        root = root or env.get("SANDBOX_THREEPL_ROOT")
        if sftp_port is None and env.get("SANDBOX_THREEPL_SFTP_PORT"):
            sftp_port = int(env["SANDBOX_THREEPL_SFTP_PORT"])
        if api_key:
            self.api_key = api_key
        self.clock = Clock(speed=speed)
        self.owns_root = not root
        self.root = Path(root or tempfile.mkdtemp(prefix="sandbox-threepl-"))
        self.root.mkdir(parents=True, exist_ok=True)
        self.sftp = None
        self._sftp_lock = threading.Lock()
        super().__init__(seed)
        self.clock.subscribe(self._step)
        self.clock.start()
        if sftp_port is not None:
            self.start_sftp(port=sftp_port)

    def routes(self):
        return self.rest_routes() + self.soap_routes()

    def populate(self):
        """A fresh warehouse on fresh data, the clock back at its start, no callback, empty folders."""
        self.clock.reset()
        self.callback_url = ""
        self.secret = self.callback_secret
        self.warehouse = Warehouse(self.state, self.clock, self._announce)
        seed_warehouse(self.warehouse)
        self.files = FileDrop(self.warehouse, self.root)
        self.files.prepare()

    def reset(self):
        with self.clock.lock:
            super().reset()
        if self.sftp:
            self.sftp.settings = type(self.sftp.settings)()

    def _step(self, previous, now):
        with self.state.lock:
            self.warehouse.step(previous, now)
            self.files.step(previous, now)

    def _announce(self, event: str, record: dict) -> None:
        """POST ``record`` to the callback URL; the event id stays the same across retries and duplicates."""
        if not self.callback_url:
            return
        headers = {"X-Warehouse-Event": event, "X-Warehouse-Event-Id": str(uuid.uuid4())}
        self.webhooks.deliver(self.callback_url, json.dumps(record).encode(), headers)

    def sign_webhook(self, url, body):
        """Base64 HMAC-SHA256 of the raw body with the callback secret."""
        return {"X-Warehouse-Signature": hmac_sha256_base64(self.secret, body)}

    def start_sftp(self, host: str = "127.0.0.1", port: int = 0) -> dict:
        """Serve the drop folder over SFTP (0: a free port); a no-op if it already is."""
        from .sftp import SftpServer

        with self._sftp_lock:
            if self.sftp is None:
                self.sftp = SftpServer(self.root, self.sftp_username, self.sftp_password)
            host, port = self.sftp.start(host, int(port))
        return {"host": host, "port": port, "username": self.sftp_username, "password": self.sftp_password}

    def actions(self):
        return {
            "despatch": self.despatch,
            "advance": self.advance,
            "book_in": self.book_in,
            "set_callback": self.set_callback,
            "drop_file_problem": self.drop_file_problem,
            "stock_count": self.stock_count,
            "configure": self.configure,
            "start_sftp": self.start_sftp,
        }

    def despatch(self, order_id, lines: dict | None = None) -> dict:
        """Ship an order now: all it can, or ``{SKU: quantity}``; the rest goes on backorder."""
        return self.warehouse.despatch(int(order_id), lines)

    def advance(self, hours: float = 1) -> dict:
        """Let ``hours`` of warehouse time pass now."""
        return {"now": iso(self.clock.advance(hours=float(hours)))}

    def book_in(self, asn_id, received: dict | None = None) -> dict:
        """Receive an ASN now, with ``{SKU: quantity}`` received if given."""
        return self.warehouse.book_in(int(asn_id), received)

    def set_callback(self, url: str = "", secret: str | None = None) -> dict:
        """Where despatch, cancellation and booking-in callbacks go (empty: nowhere), and their secret."""
        if url and not str(url).startswith(("http://", "https://")):
            raise ValueError("url must be an http(s) URL")
        self.callback_url = url
        if secret:
            self.secret = secret
        return {"url": self.callback_url}

    def drop_file_problem(self, kind: str, persist: bool = False) -> dict:
        """Write a stock file showing problem ``kind`` now; with ``persist``, every file until reset."""
        with self.clock.lock, self.state.lock:
            return {"file": self.files.drop_problem(kind, self.clock.now, persist)}

    def stock_count(self) -> dict:
        """Count stock now (shrinkage applies) and write the stock file."""
        with self.clock.lock, self.state.lock:
            losses = self.warehouse.stock_count()
            path = self.files.write_stock(self.clock.now)
        return {"adjustments": losses, "file": str(path.relative_to(self.root))}

    def configure(self, **values) -> dict:
        """Set knobs by name: warehouse settings, file problems, SFTP faults, ``speed`` and ``api_key``."""
        speed = values.pop("speed", None)
        api_key = values.pop("api_key", None)
        targets = [(self.warehouse, "settings"), (self.files, "problems")]
        if self.sftp:
            targets.append((self.sftp, "settings"))
        updates = []
        for owner, attribute in targets:
            current = getattr(owner, attribute).to_dict()
            mine = {key: values.pop(key) for key in list(values) if key in current}
            if mine:
                updates.append((owner, attribute, type(getattr(owner, attribute)).from_dict({**current, **mine})))
        if values:
            hint = "" if self.sftp else " (SFTP knobs need start_sftp first)"
            raise ValueError(f"Unknown setting(s) {', '.join(sorted(values))}{hint}")
        for owner, attribute, settings in updates:
            setattr(owner, attribute, settings)
        if api_key:
            self.api_key = api_key
        if speed is not None:
            self.clock.set_speed(float(speed))
        return self.settings()

    def settings(self) -> dict:
        return {
            "speed": self.clock.speed,
            "warehouse": self.warehouse.settings.to_dict(),
            "files": self.files.problems.to_dict(),
            "sftp": self.sftp.settings.to_dict() if self.sftp else None,
        }

    def status(self):
        sftp = self.sftp.address if self.sftp else None
        return {
            **super().status(),
            "clock": iso(self.clock.now),
            "files_root": str(self.root),
            "sftp": {"host": sftp[0], "port": sftp[1]} if sftp else None,
            "callback_url": self.callback_url,
            "settings": self.settings(),
        }

    def status_tables(self):
        sites = {site["id"]: site["Code"] for site in self.state.records("warehouses")}
        sftp = self.sftp.address if self.sftp else None
        overview = {
            "Time": iso(self.clock.now),
            "Speed": self.clock.speed or "by hand",
            "Drop folder": str(self.root),
            "SFTP": f"sftp://{self.sftp_username}@{sftp[0]}:{sftp[1]}/" if sftp else "not started",
            "Callback": self.callback_url or "none",
        }
        orders = [
            {
                "ID": o["id"],
                "OrderNumber": o["OrderNumber"],
                "Status": o["OrderStatus"],
                "Warehouse": sites.get(o["WarehouseId"]),
                "Items": ", ".join(f"{i['SKU']} {i['QuantityDespatched']}/{i['Quantity']}" for i in o["OrderItems"]),
                "Courier": o["CourierName"] or "",
                "Tracking": o["TrackingNumber"] or "",
                "Despatched": o["DespatchDate"] or "",
            }
            for o in self.state.records("orders")[-30:]
        ]
        asns = [
            {
                "ID": a["id"],
                "Reference": a["Reference"],
                "Status": a["Status"],
                "Warehouse": sites.get(a["WarehouseId"]),
                "Expected": a["EstimatedDelivery"],
                "Items (expected/received)": ", ".join(
                    f"{i['SKU']} {i['Quantity']}/{'' if i['QuantityReceived'] is None else i['QuantityReceived']}"
                    for i in a["Items"]
                ),
            }
            for a in self.state.records("asns")[-20:]
        ]
        return {
            "Warehouse": [overview],
            "Orders": orders,
            "Stock levels": self.warehouse.stock_levels(),
            "ASNs": asns,
            "Recent files": self.state.records("files")[-20:][::-1],
            "Stock count losses": self.state.records("adjustments")[-20:],
        }

    def close(self):
        """Stop the clock, the SFTP server and webhook delivery; remove a temporary drop folder."""
        self.clock.close()
        if self.sftp:
            self.sftp.close()
        super().close()
        if self.owns_root:
            shutil.rmtree(self.root, ignore_errors=True)
