"""A bounded record of the requests each system received, with secrets masked."""

import itertools
import threading
import time
from collections import deque
from dataclasses import asdict, dataclass
from urllib.parse import urlencode

SECRET_MARKERS = (
    "authorization",
    "token",
    "secret",
    "apikey",
    "api-key",
    "api_key",
    "password",
    "cookie",
)
MASK = "***"


def is_secret(name: str) -> bool:
    """Tell whether a header or query parameter name suggests a credential."""
    lowered = name.lower()
    return any(marker in lowered for marker in SECRET_MARKERS)


def mask_headers(headers) -> dict[str, str]:
    return {name: MASK if is_secret(name) else value for name, value in headers.items()}


def mask_query(args) -> str:
    """Re-encode a werkzeug ``MultiDict`` of query arguments with secret values masked."""
    pairs = [(name, MASK if is_secret(name) else value) for name, value in args.items(multi=True)]
    return urlencode(pairs, safe="*")


@dataclass
class LoggedRequest:
    """One request as a system saw it, and how it was answered."""

    id: int
    time: float
    system: str
    method: str
    path: str
    query: str
    headers: dict
    body: str
    body_size: int
    status: int
    duration_ms: float
    fault: str | None

    def to_dict(self) -> dict:
        return asdict(self)


class RequestLog:
    """Keep the last ``maxlen`` requests, bodies cut to ``body_limit`` characters."""

    def __init__(self, maxlen: int = 10_000, body_limit: int = 4096):
        self.body_limit = body_limit
        self._entries: deque[LoggedRequest] = deque(maxlen=maxlen)
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def record(self, system: str, request, response, duration: float, fault=None):
        """Add an entry built from a werkzeug request and response; return it."""
        body = request.get_data()
        with self._lock:
            entry = LoggedRequest(
                id=next(self._ids),
                time=time.time(),
                system=system,
                method=request.method,
                path=request.script_root + request.path,
                query=mask_query(request.args),
                headers=mask_headers(request.headers),
                body=body.decode("utf-8", "replace")[: self.body_limit],
                body_size=len(body),
                status=response.status_code,
                duration_ms=round(duration * 1000, 1),
                fault=fault,
            )
            self._entries.append(entry)
        return entry

    def entries(self, system: str | None = None) -> list[LoggedRequest]:
        """Return the kept entries, oldest first, optionally for one system only."""
        with self._lock:
            return [e for e in self._entries if system is None or e.system == system]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
