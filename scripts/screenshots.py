#!/usr/bin/env python3
"""Save the README's screenshots from a running demo, with headless Chromium driven over the DevTools protocol.

`make screenshots` (scripts/screenshots) builds the throwaway demo database,
starts the sandbox and Odoo, connects them and then runs this. Each page is
taken once it is ready: its own element is there, nothing shows as loading
and no request has been in flight for a moment. An error dialog stops the run
rather than end up in the README.
"""

import argparse
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
import websocket

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--url", default=os.environ.get("ODOO_URL", "http://127.0.0.1:8069"))
parser.add_argument("--db", default=os.environ.get("DEMO_DB", "erp_integration_demo"))
parser.add_argument("--out", default="docs/screenshots")
parser.add_argument("--chrome", default=os.environ.get("CHROME"))
parser.add_argument("--size", default="1440x900", help="the browser window, WIDTHxHEIGHT")
args = parser.parse_args()
WIDTH, HEIGHT = (int(side) for side in args.size.split("x"))
# How long a page may take to be ready, and how long the network must then have been quiet.
TIMEOUT = int(os.environ.get("SCREENSHOTS_TIMEOUT", "90"))
QUIET = 0.5

session = requests.Session()


def call(model, method, *positional, **keywords):
    answer = session.post(
        f"{args.url}/web/dataset/call_kw",
        json={"jsonrpc": "2.0", "params": {"model": model, "method": method, "args": positional, "kwargs": keywords}},
        timeout=120,
    ).json()
    if "error" in answer:
        sys.exit(f"{model}.{method}: {answer['error']['data']['message']}")
    return answer["result"]


def wait_until(what, check, timeout=TIMEOUT):
    deadline = time.monotonic() + timeout
    while not (result := check()):
        if time.monotonic() > deadline:
            sys.exit(f"timed out waiting for {what}")
        time.sleep(0.5)
    return result


class Browser:
    """Just enough of the DevTools protocol: navigate, evaluate, count requests in flight, take a screenshot."""

    def __init__(self, chrome, profile):
        self.process = subprocess.Popen(
            [
                chrome,
                "--headless=new",
                # Chromium will not run as root with its sandbox; the only pages are the local demo's.
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-extensions",
                "--no-first-run",
                "--no-default-browser-check",
                "--hide-scrollbars",
                "--mute-audio",
                "--force-device-scale-factor=1",
                f"--window-size={WIDTH},{HEIGHT}",
                f"--user-data-dir={profile}",
                # Port 0: any free port, which Chromium writes into DevToolsActivePort.
                "--remote-debugging-port=0",
                "--remote-allow-origins=*",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            self.socket = self.connect(chrome, Path(profile, "DevToolsActivePort"))
        except BaseException:
            self.process.kill()
            raise
        self.next_id = 0
        self.in_flight = {}
        self.last_request = time.monotonic()
        self.errors = []
        for domain in ("Page", "Runtime", "Network"):
            self.send(f"{domain}.enable")
        self.send("Emulation.setDeviceMetricsOverride", width=WIDTH, height=HEIGHT, deviceScaleFactor=1, mobile=False)

    def connect(self, chrome, active):
        def listening():
            if self.process.poll() is not None:
                sys.exit(f"{chrome} stopped at once (exit status {self.process.returncode})")
            return active.exists() and len(active.read_text().split()) == 2

        wait_until("Chromium's DevTools port", listening, 30)
        port = active.read_text().split()[0]
        pages = requests.get(f"http://127.0.0.1:{port}/json/list", timeout=10).json()
        [page] = [target for target in pages if target["type"] == "page"][:1]
        return websocket.create_connection(page["webSocketDebuggerUrl"], timeout=TIMEOUT, suppress_origin=True)

    def close(self):
        try:
            self.socket.close()
        finally:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def send(self, method, **params):
        self.next_id += 1
        self.socket.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']['message']}")
                return message["result"]
            self.event(message.get("method"), message.get("params", {}))

    def event(self, method, params):
        # Requests in flight, so that a page counts as ready only once the web client stops asking.
        if method == "Network.requestWillBeSent":
            # The bus's shared worker loads its own script: the page hears that it starts, never that it ends.
            if "/bus/websocket_worker_bundle" not in params["request"]["url"]:
                self.in_flight[params["requestId"]] = params["request"]["url"]
            self.last_request = time.monotonic()
        elif method in ("Network.loadingFinished", "Network.loadingFailed"):
            self.in_flight.pop(params["requestId"], None)
            self.last_request = time.monotonic()
        elif method == "Page.frameNavigated" and not params["frame"].get("parentId"):
            self.in_flight.clear()
        elif method == "Runtime.exceptionThrown":
            self.errors.append(params["exceptionDetails"].get("exception", {}).get("description", "?"))

    def evaluate(self, expression):
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']['text']}")
        return result["result"].get("value")

    def open(self, path):
        self.send("Page.navigate", url=f"{args.url}{path}")

    @staticmethod
    def find(selector, text):
        """A JavaScript expression for the first element matching ``selector`` whose text holds ``text``."""
        return (
            f"[...document.querySelectorAll({json.dumps(selector)})]"
            f".find((element) => element.innerText.includes({json.dumps(text)}))"
        )

    def ready(self, selector, what, text=""):
        """Wait until ``selector`` is on the page, nothing shows as loading and the network has been quiet."""
        check = f"""(() => {{
            const error = document.querySelector(".o_error_dialog, .o_dialog_error");
            if (error) return error.innerText;
            return document.readyState === "complete" && document.fonts.status === "loaded"
                && !document.querySelector(".o_loading_indicator, .o_blockUI, .o_view_sample_data, .fa-spin")
                && !!{self.find(selector, text)};
        }})()"""
        deadline = time.monotonic() + TIMEOUT
        while True:
            state = self.evaluate(check)
            if isinstance(state, str):
                sys.exit(f"{what}: Odoo shows an error\n{state}")
            if state and not self.in_flight and time.monotonic() - self.last_request > QUIET:
                return
            if time.monotonic() > deadline:
                sys.exit(
                    f"{what}: not ready after {TIMEOUT} s (waiting for {selector} {text!r}; "
                    f"in flight: {list(self.in_flight.values())}; script errors: {self.errors})"
                )
            time.sleep(0.1)

    def click(self, selector, what, text=""):
        self.ready(selector, what, text)
        self.evaluate(f"{self.find(selector, text)}.click()")

    def shoot(self, name):
        # Clicks are the page's own (no pointer, so no hover); the focus is dropped, and the code
        # editor's cursor and the bracket it stands by, stray marks in a still, are hidden.
        self.evaluate(
            """document.activeElement && document.activeElement.blur();
            document.head.insertAdjacentHTML(
                "beforeend", "<style>.ace_cursor-layer, .ace_bracket { display: none }</style>"
            )"""
        )
        data = self.send("Page.captureScreenshot", format="png")["data"]
        path = Path(args.out, f"{name}.png")
        path.write_bytes(base64.b64decode(data))
        print(f"  {path}  {path.stat().st_size // 1024} KB")


def prepare():
    """Wait for the demo's jobs, pick the records to show, and compute the quarter's VAT return as finance would."""
    login = session.post(
        f"{args.url}/web/session/authenticate",
        json={"jsonrpc": "2.0", "params": {"db": args.db, "login": "admin", "password": "admin"}},
        timeout=60,
    ).json()
    if "error" in login:
        sys.exit(f"cannot log in to {args.db}: {login['error']['data']['message']}")
    # The paid orders demo-connect placed go through their jobs (order, invoice, payment, warehouse) first.
    wait_until(
        "the demo's jobs",
        lambda: not call("queue.job", "search_count", [["state", "in", ["pending", "enqueued", "started"]]]),
    )
    records = {}
    # A live exception (the order with a SKU Odoo does not know) rather than one of the week's backdated ones.
    for domain in ([["idempotency_key", "not like", "demo-history:%"]], []):
        found = call(
            "integration.exchange",
            "search",
            [["state", "=", "needs_attention"], ["flow", "=", "orders/create"], *domain],
            limit=1,
            order="id desc",
        )
        if found:
            records["exchange"] = found[0]
            break
    else:
        sys.exit("the demo has no order waiting in the exception queue")
    records["shopify"] = call("integration.backend", "search", [["channel", "=", "shopify"]], limit=1)[0]
    today = time.strftime("%Y-%m-%d")
    quarter = call("integration.vat.return", "search", [["date_from", "<=", today], ["date_to", ">=", today]], limit=1)
    if not quarter:
        sys.exit("the demo has no VAT return for the current quarter")
    call("integration.vat.return", "action_compute", quarter)
    records["vat_return"] = quarter[0]
    return records


def main():
    names = ("chromium", "chromium-browser", "google-chrome")
    chrome = args.chrome or next(filter(None, map(shutil.which, names)), None)
    if not chrome:
        sys.exit("The screenshots need Chromium: apt-get install chromium (or set CHROME).")
    records = prepare()
    Path(args.out).mkdir(parents=True, exist_ok=True)
    profile = tempfile.mkdtemp(prefix="chromium-", dir=os.environ.get("SCREENSHOTS_TMP"))
    browser = None
    try:
        browser = Browser(chrome, profile)
        browser.open(f"/web/login?db={args.db}")
        browser.ready("form.oe_login_form input[name=login]", "login page")
        browser.evaluate(
            """(() => {
                const form = document.querySelector("form.oe_login_form");
                form.querySelector("input[name=login]").value = "admin";
                form.querySelector("input[name=password]").value = "admin";
                form.submit();
            })()"""
        )
        browser.ready(".o_web_client .o_main_navbar", "home page after login")

        browser.open("/odoo/integration-dashboard")
        browser.ready(".o_integration_dashboard .o_integration_backend .o_integration_dashboard_chart canvas", "chart")
        browser.shoot("dashboard")

        # The queue opens grouped by backend and error category; one category is unfolded to show its
        # exchanges and what to fix, the other groups keep their counts.
        browser.open("/odoo/action-erp_integration_core.action_integration_exception")
        browser.click(".o_list_view .o_group_header", "exception queue", "HubSpot")
        browser.click(".o_list_view .o_group_header", "HubSpot's categories", "Mapping")
        browser.ready(".o_list_view .o_data_row", "HubSpot's mapping exceptions", "HubSpot deal")
        browser.shoot("exception-queue")

        browser.open(f"/odoo/action-erp_integration_core.action_integration_exchange/{records['exchange']}")
        browser.ready(".o_form_view div[name=payload_pretty] .ace_line", "exchange form")
        browser.shoot("exchange")

        # The sealer runs every minute; sealing now, as its button would, shows the chain whole.
        call("integration.audit.log", "action_seal_now")
        browser.open("/odoo/action-erp_integration_core.action_integration_audit_log")
        browser.ready(".o_integration_sealing_banner", "audit trail's sealing banner")
        browser.ready(".o_list_view .o_data_row", "audit trail")
        browser.shoot("audit-trail")

        # The store's guided set-up two steps in: the connection tested, the mappings proposed for review.
        browser.open(f"/odoo/action-erp_integration_core.action_integration_backend/{records['shopify']}")
        browser.click(".o_form_view .o_statusbar_buttons button[name=action_guided_setup]", "backend form")
        # It opens at the first step not done; Next does that step (the connection test asks the sandbox).
        browser.ready(".modal .o_arrow_button_current", "guided set-up")
        steps = ("credentials", "connection", "mappings")
        for step, following in zip(steps, steps[1:]):
            if browser.evaluate(f"!!document.querySelector('.modal .o_arrow_button_current[data-value={step}]')"):
                browser.click(".modal button[name=action_next]", f"{step} step")
                browser.ready(f".modal .o_arrow_button_current[data-value={following}]", f"{following} step")
        browser.ready(".modal .o_setup_mappings .o_data_row", "proposed mappings")
        browser.shoot("guided-setup")

        browser.open(f"/odoo/action-erp_integration_mtd.action_integration_vat_return/{records['vat_return']}")
        browser.ready(".o_form_view div[name=box1]", "VAT return")
        browser.shoot("vat-return")
    finally:
        if browser:
            browser.close()
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    main()
