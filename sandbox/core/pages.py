"""The small HTML status page of a system: what the external system holds right now."""

import json
from html import escape

STYLE = (
    "body{font-family:system-ui,sans-serif;margin:2rem;color:#222}"
    "table{border-collapse:collapse;margin-bottom:2rem;font-size:.85rem}"
    "th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}"
    "th{background:#f3f3f3}code{font-size:.8rem}"
)


def _cell(value) -> str:
    if isinstance(value, dict | list):
        text = json.dumps(value, default=str)
        return f"<code>{escape(text[:200])}{'…' if len(text) > 200 else ''}</code>"
    return escape(str(value))


def _table(title: str, rows: list[dict]) -> str:
    if not rows:
        return f"<h2>{escape(title)}</h2><p>None.</p>"
    columns = list(dict.fromkeys(key for row in rows for key in row))[:12]
    head = "".join(f"<th>{escape(str(c))}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{_cell(row.get(c, ''))}</td>" for c in columns) + "</tr>" for row in rows)
    return f"<h2>{escape(title)}</h2><table><tr>{head}</tr>{body}</table>"


def status_page(system) -> str:
    """Render ``system.status_tables()`` with its counts; refreshes every five seconds."""
    counts = ", ".join(f"{escape(k)}: {v}" for k, v in system.state.counts().items()) or "empty"
    tables = "".join(_table(title, rows) for title, rows in system.status_tables().items())
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><meta http-equiv='refresh' content='5'>"
        f"<title>{escape(system.title)}</title><style>{STYLE}</style></head><body>"
        f"<p><a href='/'>Sandbox</a></p><h1>{escape(system.title)}</h1>"
        f"<p>Mounted at <code>{escape(system.prefix)}</code> · {counts}</p>{tables}</body></html>"
    )
