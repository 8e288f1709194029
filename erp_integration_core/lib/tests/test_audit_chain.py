from ..audit_chain import GENESIS, link_hash, verify


def chain(count):
    rows, prev = [], GENESIS
    for seq in range(1, count + 1):
        row = {
            "chain_seq": seq,
            "id": seq * 10,
            "logged_at": "2026-11-27 10:00:00.000001",
            "event": "e",
            "company_id": 1,
            "backend_id": None,
            "exchange_id": None,
            "res_model": None,
            "res_id": None,
            "user_id": 2,
            "details": "{}",
            "prev_hash": prev,
        }
        row["hash"] = prev = link_hash(prev, row)
        rows.append(row)
    return rows


def test_intact_chain_verifies():
    assert verify(chain(50)) == (50, None)


def test_changed_row_is_found():
    rows = chain(10)
    rows[4]["details"] = '{"forged":true}'
    assert verify(rows) == (4, {"id": 50, "reason": "row content does not match its hash"})


def test_removed_or_reordered_rows_are_found():
    rows = chain(10)
    del rows[3]
    assert verify(rows)[1]["reason"] == "row 4 of the chain is missing"
    rows = chain(10)
    rows[2], rows[3] = rows[3], rows[2]
    assert verify(rows)[1] is not None
