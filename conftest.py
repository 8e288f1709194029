"""Pytest settings for the whole repository.

The root is made importable, so tests reach the ``sandbox`` package. And no test
may vanish unseen: in CI (``CI=true``) a skipped test is a failure that says what
was missing and how to install it; elsewhere the run ends with a line per skip
reason, so a browser tour that did not run is never mistaken for one that passed.
"""

import os
import sys
from collections import Counter
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]  # tests/test_skips.py runs pytest on this file's rules

ROOT = str(Path(__file__).resolve().parent)
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
# Odoo's HttpCase skips a tour when it cannot drive a browser.
BROWSER_HINTS = ("chrome", "websocket", "devtools")
INSTALL_BROWSER = (
    "Browser tours need Chromium and websocket-client: `apt-get install chromium` (Debian/Ubuntu) "
    "and `python3 -m pip install -r requirements.txt`."
)
_skipped: Counter = Counter()


def _reason(report) -> str:
    longrepr = report.longrepr
    text = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
    return text.removeprefix("Skipped: ").strip()


def _is_browser(reason: str) -> bool:
    return any(hint in reason.lower() for hint in BROWSER_HINTS)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if not report.skipped or hasattr(report, "wasxfail"):
        return
    reason = _reason(report)
    if IN_CI:
        hint = INSTALL_BROWSER if _is_browser(reason) else "Nothing may be skipped in CI: provide what it needs."
        report.outcome = "failed"
        report.longrepr = f"Skipped in CI, which counts as a failure: {reason}\n{hint}"
    else:
        _skipped["browser tours" if _is_browser(reason) else reason] += 1


def pytest_terminal_summary(terminalreporter):
    for what, count in _skipped.items():
        if what == "browser tours":
            line = f"{count} browser tour(s) skipped: no browser could be driven. {INSTALL_BROWSER}"
        else:
            line = f"{count} test(s) skipped: {what}"
        terminalreporter.write_line(line, yellow=True, bold=True)
