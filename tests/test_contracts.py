"""The repository carries the contracts it is built on, and regenerates them reproducibly."""

import gzip
import re
import subprocess
import sys

import pytest
from graphql import build_ast_schema, parse

from sandbox.contracts import ROOT, ContractMissing, contract_file, shopify_webhook_example

REPO = ROOT.parent
COMPACT = REPO / "scripts/compact-shopify-schema"

SDL = '''
"""The entry point."""
type Query {
  """An order by id."""
  order(
    """Its global id."""
    id: ID!
  ): Order
  legacy: String @deprecated(reason: "Use `order` instead, as Shopify's prose explains.")
}

"""Marks a mutation as idempotent."""
directive @idempotent(key: String!) on FIELD

type Order { id: ID! status: Status }

"""Order statuses."""
enum Status {
  """Open."""
  OPEN
  CLOSED
}
'''


def test_every_contract_file_the_readme_lists_is_in_the_repository():
    listed = re.findall(r"^\| `([^`]+)`", (ROOT / "README.md").read_text(), flags=re.MULTILINE)
    assert len(listed) == 3
    for entry in listed:
        matches = list(ROOT.glob(re.sub(r"<[^>]+>/<[^>]+>", "*/*", entry)))
        assert matches, f"contracts/{entry} is listed in contracts/README.md but missing"


def test_a_missing_contract_file_is_an_error_naming_it():
    with pytest.raises(ContractMissing, match=r"contracts/shopify/webhooks/2026-01/orders/nope\.json is missing"):
        shopify_webhook_example("orders/nope")


def test_the_webhook_examples_are_shopifys_payloads():
    order = shopify_webhook_example("orders/create")
    assert {"id", "line_items", "total_price", "currency"} <= set(order)
    assert contract_file("hmrc/vat-api/1.0/application.yaml").read_text().startswith("openapi: 3.0.3")


def test_the_compacted_schema_keeps_every_name_and_drops_the_prose(tmp_path):
    source = tmp_path / "schema.graphql"
    source.write_text(SDL)
    out = tmp_path / "schema.graphql.gz"
    run = [sys.executable, str(COMPACT), str(source), "--out", str(out)]
    result = subprocess.run(run, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    text = gzip.decompress(out.read_bytes()).decode()
    assert '"' not in text.replace('"shopify', ""), "no description or deprecation reason is left"
    schema = build_ast_schema(parse(text))
    assert list(schema.query_type.fields["order"].args) == ["id"]
    assert schema.query_type.fields["legacy"].deprecation_reason is not None
    assert list(schema.get_type("Status").values) == ["OPEN", "CLOSED"]
    assert schema.get_directive("idempotent").args["key"]
    first = out.read_bytes()
    subprocess.run(run, capture_output=True, check=True)
    assert out.read_bytes() == first, "the same input gives the same bytes"


def test_the_shipped_schema_is_compact_and_complete():
    path = contract_file("shopify/admin-graphql/2026-01/schema.graphql.gz")
    assert path.stat().st_size < 200_000
    schema = build_ast_schema(parse(gzip.decompress(path.read_bytes()).decode(), no_location=True))
    assert len(schema.type_map) > 2900
    assert {"orderCancel", "inventorySetQuantities", "bulkOperationRunQuery"} <= set(schema.mutation_type.fields)
