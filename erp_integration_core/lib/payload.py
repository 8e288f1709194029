"""Helpers for raw payloads: hashing, parsing and masking secrets."""

import hashlib
import json

from .errors import ValidationError

# PostgreSQL text cannot hold U+0000: psycopg2 refuses to send it with this message.
NUL_REFUSED = "cannot contain NUL"
# What a received NUL is stored as in the exchange's own texts (its SHA-256 is of the bytes received).
NUL_STAND_IN = "\ufffd"

SECRET_HEADER_WORDS = ("authorization", "token", "secret", "signature", "hmac", "apikey", "api-key", "cookie")
MASK = "***"


def sha256_hex(body):
    if isinstance(body, str):
        body = body.encode()
    return hashlib.sha256(body).hexdigest()


def parse_json(body):
    """Decode a JSON body, turning any decoding problem into a ``ValidationError``."""
    if isinstance(body, bytes):
        try:
            body = body.decode("utf-8")
        except UnicodeDecodeError as err:
            raise ValidationError(f"The body is not UTF-8 text ({err.reason}).") from err
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as err:
        raise ValidationError(f"The body is not valid JSON: {err}.") from err


def storable(value):
    """``value`` as PostgreSQL can store it: a text's NUL characters replaced, anything else unchanged."""
    return value.replace("\x00", NUL_STAND_IN) if isinstance(value, str) and "\x00" in value else value


def is_secret_header(name):
    name = name.lower()
    return any(word in name for word in SECRET_HEADER_WORDS)


def safe_headers(headers):
    """Return headers as a plain dict with every secret-bearing value masked."""
    return {name: (MASK if is_secret_header(name) else value) for name, value in headers.items()}


def pretty_json(text):
    """Indent a JSON document for people; leave anything else untouched."""
    try:
        return json.dumps(json.loads(text), indent=2, sort_keys=True, ensure_ascii=False)
    except (TypeError, ValueError):
        return text
