"""Webhook signature helpers, always compared in constant time."""

import base64
import hashlib
import hmac


def hmac_sha256(secret, message):
    """Raw HMAC-SHA256 digest of ``message`` (bytes) with ``secret`` (str or bytes)."""
    if isinstance(secret, str):
        secret = secret.encode()
    return hmac.new(secret, message, hashlib.sha256).digest()


def sign_base64(secret, message):
    return base64.b64encode(hmac_sha256(secret, message)).decode()


def sign_hex(secret, message):
    return hmac_sha256(secret, message).hex()


def constant_time_equals(expected, received):
    """Compare two signatures without leaking where they differ."""
    if not expected or not received:
        return False
    if isinstance(expected, str):
        expected = expected.encode()
    if isinstance(received, str):
        received = received.encode()
    return hmac.compare_digest(expected, received)


def verify_base64(secret, message, received):
    return bool(secret) and constant_time_equals(sign_base64(secret, message), received)


def verify_hex(secret, message, received):
    return bool(secret) and constant_time_equals(sign_hex(secret, message), (received or "").lower())
