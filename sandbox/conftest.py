"""Pytest settings shared by every sandbox test package."""

import pytest


@pytest.fixture(scope="session")
def load_registry():
    """Stand in for pytest-odoo's fixture of that name, if installed: the sandbox has no Odoo."""
