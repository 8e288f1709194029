"""The audit log's hash chain, independent of storage.

Each row's hash is SHA-256 over the previous row's hash and a canonical form
of the row, so changing, removing or re-ordering any row breaks every hash
after it. ``verify`` walks rows in chain order and reports the first break.
"""

import hashlib
import json

GENESIS = "0" * 64

# The columns that are hashed, in canonical order.
FIELDS = (
    "chain_seq",
    "id",
    "logged_at",
    "event",
    "company_id",
    "backend_id",
    "exchange_id",
    "res_model",
    "res_id",
    "user_id",
    "details",
)


def canonical(row):
    """A stable text form of a row: a JSON array of ``FIELDS`` values."""
    return json.dumps([row[name] for name in FIELDS], separators=(",", ":"), default=str)


def link_hash(prev_hash, row):
    return hashlib.sha256(f"{prev_hash}\n{canonical(row)}".encode()).hexdigest()


def verify(rows, prev_hash=GENESIS):
    """Check an iterable of rows (dicts with ``FIELDS``, ``prev_hash`` and ``hash``).

    Returns ``(checked, broken)`` where ``broken`` is ``None`` or a dict naming
    the first row whose link does not hold and why.
    """
    checked = 0
    expected_seq = None
    for row in rows:
        if expected_seq is not None and row["chain_seq"] != expected_seq:
            return checked, {"id": row["id"], "reason": f"row {expected_seq} of the chain is missing"}
        if row["prev_hash"] != prev_hash:
            return checked, {"id": row["id"], "reason": "previous hash does not match the row before"}
        if link_hash(prev_hash, row) != row["hash"]:
            return checked, {"id": row["id"], "reason": "row content does not match its hash"}
        prev_hash = row["hash"]
        expected_seq = row["chain_seq"] + 1
        checked += 1
    return checked, None
