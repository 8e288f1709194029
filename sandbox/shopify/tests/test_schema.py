import pytest

from sandbox.shopify import schema as schema_module
from sandbox.shopify.schema import SchemaNotFound, load_schema


def test_a_missing_schema_says_where_it_looked_and_how_to_fix_it(tmp_path):
    with pytest.raises(SchemaNotFound, match="SHOPIFY_SCHEMA_PATH"):
        schema_module._load(tmp_path / "absent.graphql")


def test_the_parsed_schema_is_cached_by_content(schema, tmp_path, monkeypatch):
    monkeypatch.setenv("SANDBOX_CACHE_DIR", str(tmp_path))
    path = schema_module.schema_path()
    cold = schema_module._load(path)
    assert schema_module.last_load["origin"] == "sdl"
    [cached] = tmp_path.iterdir()
    assert schema_module.last_load["sha256"][:32] in cached.name
    warm = schema_module._load(path)
    assert schema_module.last_load["origin"] == "cache"
    assert len(warm.type_map) == len(cold.type_map) > 2900
    assert warm.get_directive("idempotent") is not None
    assert load_schema() is load_schema()


def test_a_damaged_cache_is_ignored(tmp_path):
    damaged = tmp_path / "schema.pickle"
    damaged.write_bytes(b"not a pickle")
    assert schema_module._read_cache(damaged) is None
    assert schema_module._read_cache(tmp_path / "absent.pickle") is None
