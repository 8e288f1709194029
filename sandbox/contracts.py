"""The published contract files in ``contracts/`` at the repository's root.

The sandbox is built on them and the tests compare against them. They are part of
the repository: a missing one is an error that names the file, never a reason to
skip a test.
"""

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "contracts"


class ContractMissing(FileNotFoundError):
    """A contract file the repository should hold is not there."""


def contract_file(relative: str) -> Path:
    path = ROOT / relative
    if not path.is_file():
        raise ContractMissing(
            f"The contract file {path} is missing. It belongs to the repository (see contracts/README.md): "
            f"restore it with `git checkout -- contracts/`."
        )
    return path


def shopify_webhook_example(topic: str) -> dict:
    """Shopify's official example payload of a webhook topic such as ``orders/create``."""
    return json.loads(contract_file(f"shopify/webhooks/2026-01/{topic}.json").read_text(encoding="utf-8"))
