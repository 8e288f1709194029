import base64
import hashlib
import hmac

from ..payload import parse_json, safe_headers, sha256_hex
from ..signatures import constant_time_equals, sign_base64, verify_base64, verify_hex

BODY = b'{"id": 1}'


def test_base64_signature_matches_the_reference_algorithm():
    expected = base64.b64encode(hmac.new(b"secret", BODY, hashlib.sha256).digest()).decode()
    assert sign_base64("secret", BODY) == expected
    assert verify_base64("secret", BODY, expected)


def test_wrong_missing_or_empty_signatures_are_refused():
    good = sign_base64("secret", BODY)
    assert not verify_base64("other", BODY, good)
    assert not verify_base64("secret", BODY + b" ", good)
    assert not verify_base64("secret", BODY, None)
    assert not verify_base64("", BODY, sign_base64("", BODY)), "an unset secret never verifies"
    assert not verify_hex("secret", BODY, "zz")
    assert not constant_time_equals("", "")


def test_payload_helpers():
    assert sha256_hex(b"") == hashlib.sha256(b"").hexdigest()
    assert safe_headers({"X-Shopify-Hmac-Sha256": "abc", "Authorization": "Bearer x", "X-Topic": "orders"}) == {
        "X-Shopify-Hmac-Sha256": "***",
        "Authorization": "***",
        "X-Topic": "orders",
    }


def test_hostile_json_is_a_validation_error():
    import pytest

    from ..errors import ValidationError

    for body in (b"\xff\xfe", b"{", b"[" * 100000 + b"]" * 100000, b"NaN-ish"):
        with pytest.raises(ValidationError):
            parse_json(body)
