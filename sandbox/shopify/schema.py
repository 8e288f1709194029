"""The real Admin GraphQL schema (2026-01), loaded once and cached.

The repository ships it in ``contracts/shopify/admin-graphql/2026-01/schema.graphql.gz``:
Shopify's published SDL without its prose (``scripts/compact-shopify-schema``).
``SHOPIFY_SCHEMA_PATH`` may point at another SDL file, gzipped or not. Parsing takes
a fraction of a second, so it happens on the first GraphQL request, not at start-up,
and the result is cached as the schema's introspection (a plain dict, pickled) under
``SANDBOX_CACHE_DIR`` (default ``~/.cache/erp-integration-sandbox``), keyed by the
file's sha256. Rebuilding a schema from that takes about a tenth of a second.
Pickling the ``GraphQLSchema`` itself or its parsed document is slower to load than
parsing again, which is why neither is used.
"""

import gc
import gzip
import hashlib
import logging
import os
import pickle
import threading
import time
from pathlib import Path

from graphql import GraphQLSchema, build_ast_schema, build_client_schema, introspection_from_schema, parse

from ..contracts import ROOT

_logger = logging.getLogger(__name__)

API_VERSION = "2026-01"
SCHEMA_ENV = "SHOPIFY_SCHEMA_PATH"
CACHE_ENV = "SANDBOX_CACHE_DIR"
DEFAULT_SCHEMA = ROOT / f"shopify/admin-graphql/{API_VERSION}/schema.graphql.gz"
CACHE_FORMAT = 1

_lock = threading.Lock()
_schema: GraphQLSchema | None = None
last_load: dict = {}


class SchemaNotFound(RuntimeError):
    """The schema file is missing: the GraphQL endpoint cannot work without it."""


def schema_path() -> Path:
    return Path(os.environ.get(SCHEMA_ENV) or DEFAULT_SCHEMA)


def cache_dir() -> Path:
    return Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "erp-integration-sandbox")


def load_schema() -> GraphQLSchema:
    """Return the Admin API schema, building it (or reading the cache) on first use."""
    global _schema
    with _lock:
        if _schema is None:
            _schema = _load(schema_path())
        return _schema


def _load(path: Path) -> GraphQLSchema:
    if not path.is_file():
        raise SchemaNotFound(
            f"The Shopify Admin GraphQL schema was not found at {path}. The repository ships it as "
            f"{DEFAULT_SCHEMA.relative_to(ROOT.parent)} (restore it with `git checkout -- contracts/`); "
            f"{SCHEMA_ENV} may point at another {API_VERSION} SDL file."
        )
    started = time.perf_counter()
    source = path.read_bytes()
    digest = hashlib.sha256(source).hexdigest()
    cached = cache_dir() / f"shopify-admin-{API_VERSION}-{digest[:32]}-v{CACHE_FORMAT}.pickle"
    # The schema is a few hundred thousand small objects: the cyclic collector would
    # scan them over and over while they are being created, doubling the load time.
    collecting = gc.isenabled()
    gc.disable()
    try:
        schema = _read_cache(cached)
        origin = "cache"
        if schema is None:
            text = gzip.decompress(source) if source[:2] == b"\x1f\x8b" else source
            schema = build_ast_schema(parse(text.decode("utf-8"), no_location=True), assume_valid_sdl=True)
            origin = "sdl"
            _write_cache(cached, introspection_from_schema(schema))
    finally:
        if collecting:
            gc.enable()
    seconds = time.perf_counter() - started
    last_load.update(origin=origin, seconds=round(seconds, 3), path=str(path), sha256=digest)
    _logger.info("Loaded the Shopify %s schema from %s in %.2f s", API_VERSION, origin, seconds)
    return schema


def _read_cache(cached: Path) -> GraphQLSchema | None:
    try:
        with cached.open("rb") as handle:
            return build_client_schema(pickle.load(handle), assume_valid=True)
    except FileNotFoundError:
        return None
    except Exception:  # a damaged cache is rebuilt, never fatal
        _logger.warning("Ignoring the unreadable schema cache %s", cached, exc_info=True)
        return None


def _write_cache(cached: Path, introspection: dict) -> None:
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        partial = cached.with_suffix(f".{os.getpid()}.tmp")
        with partial.open("wb") as handle:
            pickle.dump(introspection, handle, protocol=pickle.HIGHEST_PROTOCOL)
        partial.replace(cached)
    except OSError:
        _logger.warning("Could not write the schema cache %s; the next start will parse again", cached, exc_info=True)
