from sandbox import State


def test_ids_count_per_collection():
    state = State(id_start=1000)
    assert state.insert("orders", {})["id"] == 1000
    assert state.insert("orders", {})["id"] == 1001
    assert state.insert("customers", {})["id"] == 1000
    assert state.insert("orders", {"id": "abc"})["id"] == "abc"
    assert state.counts() == {"orders": 3, "customers": 1}


def test_records_are_copies():
    state = State()
    record = state.insert("items", {"tags": ["a"]})
    record["tags"].append("b")
    state.get("items", record["id"])["tags"].append("c")
    assert state.get("items", record["id"]) == {"id": 1, "tags": ["a"]}


def test_update_delete_and_filter():
    state = State()
    first = state.insert("items", {"qty": 1})
    state.insert("items", {"qty": 5})
    assert state.update("items", first["id"], {"qty": 2}) == {"id": 1, "qty": 2}
    assert state.update("items", 99, {"qty": 2}) is None
    assert [r["qty"] for r in state.records("items", lambda r: r["qty"] > 1)] == [2, 5]
    assert state.delete("items", first["id"])
    assert not state.delete("items", first["id"])
    assert [r["id"] for r in state.records("items")] == [2]


def test_reset_restarts_ids_and_seeded_random():
    state = State(seed=11)
    state.insert("items", {})
    drawn = [state.random.random() for _ in range(3)]
    state.reset()
    assert state.records("items") == []
    assert state.insert("items", {})["id"] == 1
    assert [state.random.random() for _ in range(3)] == drawn
    assert State(seed=11).random.random() == drawn[0]
