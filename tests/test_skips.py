"""No test vanishes unseen: the repository's pytest rules on skipped tests."""

from pathlib import Path

CONFTEST = Path(__file__).resolve().parents[1] / "conftest.py"
TOURS = """
import unittest

class Tours(unittest.TestCase):
    def test_tour(self):
        raise unittest.SkipTest("Chrome executable not found")

    def test_contract(self):
        self.skipTest("contracts/x.json is missing")
"""


def run(pytester, monkeypatch, ci):
    monkeypatch.setenv("CI", ci)
    pytester.makeconftest(CONFTEST.read_text())
    pytester.makepyfile(test_tours=TOURS)
    return pytester.runpytest_subprocess("-p", "no:odoo", "-p", "no:cacheprovider")


def test_in_ci_a_skipped_tour_fails_and_says_how_to_install_chromium(pytester, monkeypatch):
    result = run(pytester, monkeypatch, "true")
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(["*Chrome executable not found*", "*apt-get install chromium*"])
    result.stdout.fnmatch_lines(["*contracts/x.json is missing*", "*Nothing may be skipped in CI*"])


def test_elsewhere_the_run_ends_with_a_line_per_skip_reason(pytester, monkeypatch):
    result = run(pytester, monkeypatch, "")
    result.assert_outcomes(skipped=2)
    result.stdout.fnmatch_lines(["1 browser tour(s) skipped: no browser could be driven.*apt-get install chromium*"])
    result.stdout.fnmatch_lines(["1 test(s) skipped: contracts/x.json is missing"])
