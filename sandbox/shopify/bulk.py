"""Bulk query operations: run a query over every record, serve the result as JSONL.

As in Shopify, the query's connections take no page size and return everything;
each node becomes one JSON line, nodes of a nested connection become lines of their
own with ``__parentId`` set to their parent's id (so a parent must select ``id``).
The operation is reported ``RUNNING`` for ``bulk_seconds`` before it is
``COMPLETED``, with the ``bulk_operations/finish`` webhook sent at that moment.
"""

import json
from datetime import datetime, timedelta, timezone

from graphql import parse
from graphql.error import GraphQLSyntaxError

from .errors import validate
from .store import UserError, gid, iso


def _is_connection(value) -> bool:
    return (
        isinstance(value, dict)
        and bool(value)
        and set(value) <= {"edges", "nodes", "pageInfo"}
        and (isinstance(value.get("edges"), list) or isinstance(value.get("nodes"), list))
    )


def _nodes(connection: dict) -> list[dict]:
    nodes = [edge["node"] for edge in connection.get("edges") or [] if isinstance(edge, dict) and "node" in edge]
    return nodes + list(connection.get("nodes") or [])


def flatten(data: dict) -> tuple[list[dict], int]:
    """Turn a bulk query result into JSONL rows; return them and the number of top-level rows."""
    rows: list[dict] = []

    def emit(node: dict, parent_id):
        row = {key: value for key, value in node.items() if not _is_connection(value)}
        if parent_id is not None:
            row["__parentId"] = parent_id
        rows.append(row)
        children = [value for value in node.values() if _is_connection(value)]
        if children and "id" not in node:
            raise UserError(
                "The parent 'node' field for a nested connection must select the 'id' field.", ["query"], "INVALID"
            )
        for child in children:
            for item in _nodes(child):
                emit(item, node["id"])

    roots = [value for value in data.values() if _is_connection(value)]
    if not roots:
        raise UserError("Bulk queries must contain at least one connection.", ["query"], "INVALID")
    for connection in roots:
        for node in _nodes(connection):
            emit(node, None)
    return rows, sum(len(_nodes(c)) for c in roots)


def run_query(api, query: str, base_url: str, delay: float) -> dict:
    """Start a bulk query operation; raise ``UserError`` for what Shopify refuses."""
    state = api.system.state
    running = [op for op in state.records("bulk_operations") if op["type"] == "query" and status(op) == "running"]
    if running:
        current = gid("BulkOperation", running[0]["id"])
        raise UserError(
            f"A bulk query operation for this app and shop is already in progress: {current}.",
            None,
            "OPERATION_IN_PROGRESS",
        )
    try:
        document = parse(query)
    except GraphQLSyntaxError as exc:
        raise UserError(f"Invalid bulk query: {exc.message}", ["query"], "INVALID") from exc
    errors = validate(api.schema(), document)
    if errors:
        raise UserError(f"Invalid bulk query: {errors[0]['message']}", ["query"], "INVALID")
    if any(d.kind == "operation_definition" and d.operation.value != "query" for d in document.definitions):
        raise UserError(
            "Bulk operations only support queries; use bulkOperationRunMutation for mutations.", ["query"], "INVALID"
        )
    result = api.execute_document(document, None, {}, bulk=True)
    if result.errors:
        raise UserError(f"Invalid bulk query: {result.errors[0].message}", ["query"], "INVALID")
    rows, roots = flatten(result.data or {})
    content = "".join(json.dumps(row) + "\n" for row in rows)
    created = datetime.now(timezone.utc)
    operation_id = api.system.store.new_id("bulk_operations")
    record = state.insert(
        "bulk_operations",
        {
            "id": operation_id,
            "type": "query",
            "query": query,
            "created_at": iso(created),
            "completed_at": iso(created + timedelta(seconds=delay)),
            "completes_at": (created + timedelta(seconds=delay)).timestamp(),
            "status": "running",
            "object_count": len(rows),
            "root_object_count": roots,
            "file_size": len(content.encode()),
            "url": f"{base_url}/bulk/{operation_id}.jsonl",
            "content": content,
        },
    )
    return record


def status(record: dict) -> str:
    """``running`` until the operation's completion time, then its final status."""
    if record["status"] == "running" and datetime.now(timezone.utc).timestamp() >= record["completes_at"]:
        return "completed"
    return record["status"]


def view(record: dict | None) -> dict | None:
    if record is None:
        return None
    current = status(record)
    done = current == "completed"
    return {
        "__typename": "BulkOperation",
        "id": gid("BulkOperation", record["id"]),
        "type": record["type"].upper(),
        "status": current.upper(),
        "query": record["query"],
        "createdAt": record["created_at"],
        "completedAt": record["completed_at"] if done else None,
        "objectCount": str(record["object_count"] if done else 0),
        "rootObjectCount": str(record["root_object_count"] if done else 0),
        "fileSize": str(record["file_size"]) if done else None,
        "url": record["url"] if done and record["object_count"] else None,
        "partialDataUrl": None,
        "errorCode": None,
    }
