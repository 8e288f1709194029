"""HMRC's fraud prevention headers for the ``WEB_APP_VIA_SERVER`` connection method (specification 3.3).

``validate(headers)`` answers as HMRC's Test Fraud Prevention Headers API does:
an overall ``code``, and ``errors`` (the header is missing or its value is
wrong) and ``warnings`` (it may be wrong) that each name the headers concerned.
"""

import ipaddress
import re
from datetime import datetime
from urllib.parse import unquote

SPEC_VERSION = "3.3"
METHOD = "WEB_APP_VIA_SERVER"
METHODS = (
    "MOBILE_APP_DIRECT",
    "DESKTOP_APP_DIRECT",
    "MOBILE_APP_VIA_SERVER",
    "DESKTOP_APP_VIA_SERVER",
    "WEB_APP_VIA_SERVER",
    "BATCH_PROCESS_DIRECT",
    "OTHER_DIRECT",
    "OTHER_VIA_SERVER",
)
REQUIRED = (
    "Gov-Client-Connection-Method",
    "Gov-Client-Browser-JS-User-Agent",
    "Gov-Client-Device-ID",
    "Gov-Client-Multi-Factor",
    "Gov-Client-Public-IP",
    "Gov-Client-Public-IP-Timestamp",
    "Gov-Client-Public-Port",
    "Gov-Client-Screens",
    "Gov-Client-Timezone",
    "Gov-Client-User-IDs",
    "Gov-Client-Window-Size",
    "Gov-Vendor-Forwarded",
    "Gov-Vendor-Product-Name",
    "Gov-Vendor-Public-IP",
    "Gov-Vendor-Version",
)
# Sent only when the software has licence keys; HMRC then expects it, so its absence is a warning.
LICENSE = "Gov-Vendor-License-IDs"
# Headers of other connection methods, or dropped from this one by the specification's later versions.
UNEXPECTED = (
    "Gov-Client-Browser-Do-Not-Track",
    "Gov-Client-Browser-Plugins",
    "Gov-Client-Local-IPs",
    "Gov-Client-Local-IPs-Timestamp",
    "Gov-Client-MAC-Addresses",
    "Gov-Client-User-Agent",
)
# Single-factor sign-in may leave it empty, but HMRC wants to hear why.
MAY_BE_EMPTY = {
    "Gov-Client-Multi-Factor": (
        "Value is empty. This may be correct for single factor authentication, for example username and "
        "password. If this is the case, you must contact us explaining why you cannot submit this header."
    ),
    LICENSE: "Value is empty. This may be correct if the software has no licence keys.",
}
MFA_TYPES = ("TOTP", "AUTH_CODE", "OTHER")
UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
MFA_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{3})?)?Z$")
TIMEZONE = re.compile(r"^UTC[+-](0\d|1[0-4]):[0-5]\d$")
INTEGER = re.compile(r"^\d+$")
NUMBER = re.compile(r"^\d+(\.\d+)?$")
# Unencoded characters that HMRC requires percent encoded inside key-value headers.
RESERVED = re.compile(r"[ :/,;]")
LOCAL_NETWORKS = [
    ipaddress.ip_network(n)
    for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7", "fe80::/10")
]


class Invalid(ValueError):
    """A header value HMRC would refuse."""


class Doubtful(ValueError):
    """A header value HMRC would accept with a warning."""


def validate(headers) -> dict:
    """Check ``headers`` (any mapping with case-insensitive ``get``) as HMRC's Test API does."""
    errors, warnings = [], []
    method = headers.get("Gov-Client-Connection-Method")
    if method is None:
        errors.append(("MISSING_HEADER", "Header required", "Gov-Client-Connection-Method"))
    elif method not in METHODS:
        errors.append(("INVALID_HEADER", f"Value must be one of {', '.join(METHODS)}", "Gov-Client-Connection-Method"))
    elif method != METHOD:
        errors.append(("INVALID_HEADER", f"This sandbox checks {METHOD} headers only", "Gov-Client-Connection-Method"))
    else:
        _check_headers(headers, errors, warnings)
    return _answer(errors, warnings)


def _check_headers(headers, errors, warnings) -> None:
    for name in (*REQUIRED, LICENSE):
        value = headers.get(name)
        if value is None:
            if name == LICENSE:
                warnings.append(
                    ("POTENTIALLY_INVALID_HEADER", "Header is missing; send it if licence keys exist", name)
                )
            else:
                errors.append(("MISSING_HEADER", "Header required", name))
        elif not value.strip():
            if name in MAY_BE_EMPTY:
                warnings.append(("EMPTY_HEADER", MAY_BE_EMPTY[name], name))
            else:
                errors.append(("INVALID_HEADER", "Value is empty", name))
        elif name in CHECKS:
            try:
                CHECKS[name](value)
            except Invalid as problem:
                errors.append(("INVALID_HEADER", str(problem), name))
            except Doubtful as problem:
                warnings.append(("POTENTIALLY_INVALID_HEADER", str(problem), name))
    for name in UNEXPECTED:
        if headers.get(name) is not None:
            warnings.append(("UNEXPECTED_HEADER", f"Header is not expected for {METHOD}; remove it", name))
    warnings.extend(_cross_checks(headers))


def _answer(errors, warnings) -> dict:
    if errors:
        code, message = "INVALID_HEADERS", "At least 1 header is invalid"
    elif warnings:
        code, message = "POTENTIALLY_INVALID_HEADERS", "At least 1 header is potentially invalid"
    else:
        code, message = "VALID_HEADERS", "All headers appear to be valid"
    return {
        "specVersion": SPEC_VERSION,
        "code": code,
        "message": message,
        "errors": _grouped(errors),
        "warnings": _grouped(warnings),
    }


def _grouped(problems) -> list[dict]:
    """One entry per code and message, naming every header that has it, lower-cased as HMRC names them."""
    groups: dict[tuple, list] = {}
    for code, message, name in problems:
        groups.setdefault((code, message), []).append(name.lower())
    return [{"code": code, "message": message, "headers": names} for (code, message), names in groups.items()]


def _pairs(value: str, keys=None) -> list[dict]:
    """Parse ``a=1&b=2,a=3&b=4`` into dicts of decoded values; raise ``Invalid`` on a malformed part."""
    items = []
    for item in value.split(","):
        pairs = {}
        for part in item.split("&"):
            key, sep, raw = part.partition("=")
            if not sep or not key or not raw:
                raise Invalid("Value must be key=value pairs separated by &")
            if RESERVED.search(raw) or RESERVED.search(key):
                raise Invalid("Keys and values must be percent encoded")
            pairs[unquote(key)] = unquote(raw)
        if keys is not None and set(pairs) != set(keys):
            raise Invalid(f"Each item must have exactly the keys {', '.join(keys)}")
        items.append(pairs)
    return items


def _ip(value: str, public: bool = True):
    try:
        address = ipaddress.ip_address(unquote(value))
    except ValueError:
        raise Invalid("Value must be an IPv4 or IPv6 address") from None
    local = address.is_loopback or address.is_link_local or address.is_unspecified or address.is_multicast
    if public and (
        local or any(address in network for network in LOCAL_NETWORKS if network.version == address.version)
    ):
        raise Invalid("Value must be a public IP address")
    return address


def _check_user_agent(value):
    if "/" not in value:
        raise Doubtful("Value does not look like a browser's user agent")


def _check_device_id(value):
    if not UUID.match(value):
        raise Invalid("Value must be a UUID")


def _check_multi_factor(value):
    for factor in _pairs(value, ("type", "timestamp", "unique-reference")):
        if factor["type"] not in MFA_TYPES:
            raise Invalid(f"type must be one of {', '.join(MFA_TYPES)}")
        if not MFA_TIMESTAMP.match(factor["timestamp"]):
            raise Invalid("timestamp must be a UTC time as yyyy-MM-ddThh:mmZ")


def _check_timestamp(value):
    if not TIMESTAMP.match(value):
        raise Invalid("Value must be a UTC timestamp as yyyy-MM-ddThh:mm:ss.sssZ")
    try:
        datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ")
    except ValueError:
        raise Invalid("Value must be a real date and time") from None


def _check_port(value):
    if not INTEGER.match(value) or not 1 <= int(value) <= 65535:
        raise Invalid("Value must be a port number between 1 and 65535")
    if int(value) in (80, 443):
        raise Doubtful("Value is a server port; send the port of the client's connection")


def _check_screens(value):
    for screen in _pairs(value, ("width", "height", "scaling-factor", "colour-depth")):
        if not all(INTEGER.match(screen[key]) for key in ("width", "height", "colour-depth")):
            raise Invalid("width, height and colour-depth must be whole numbers")
        if not NUMBER.match(screen["scaling-factor"]):
            raise Invalid("scaling-factor must be a number")


def _check_timezone(value):
    if not TIMEZONE.match(value):
        raise Invalid("Value must be UTC±hh:mm")


def _check_window(value):
    windows = _pairs(value, ("width", "height"))
    if len(windows) != 1:
        raise Invalid("Value must describe one window")
    if not all(INTEGER.match(windows[0][key]) for key in ("width", "height")):
        raise Invalid("width and height must be whole numbers")


def _check_forwarded(value):
    for hop in _pairs(value, ("by", "for")):
        _ip(hop["by"], public=False)
        _ip(hop["for"], public=False)


def _check_percent_encoded(value):
    if RESERVED.search(value):
        raise Invalid("Value must be percent encoded")


CHECKS = {
    "Gov-Client-Browser-JS-User-Agent": _check_user_agent,
    "Gov-Client-Device-ID": _check_device_id,
    "Gov-Client-Multi-Factor": _check_multi_factor,
    "Gov-Client-Public-IP": _ip,
    "Gov-Client-Public-IP-Timestamp": _check_timestamp,
    "Gov-Client-Public-Port": _check_port,
    "Gov-Client-Screens": _check_screens,
    "Gov-Client-Timezone": _check_timezone,
    "Gov-Client-User-IDs": _pairs,
    "Gov-Client-Window-Size": _check_window,
    "Gov-Vendor-Forwarded": _check_forwarded,
    "Gov-Vendor-License-IDs": _pairs,
    "Gov-Vendor-Product-Name": _check_percent_encoded,
    "Gov-Vendor-Public-IP": _ip,
    "Gov-Vendor-Version": _pairs,
}


def _cross_checks(headers) -> list[tuple]:
    """The first hop must come from the client's address, the last reach HMRC from the vendor's."""
    try:
        hops = _pairs(headers.get("Gov-Vendor-Forwarded") or "", ("by", "for"))
        client = _ip(headers.get("Gov-Client-Public-IP") or "", public=False)
        vendor = _ip(headers.get("Gov-Vendor-Public-IP") or "", public=False)
    except Invalid:
        return []
    problems = []
    if _ip(hops[0]["for"], public=False) != client:
        message = "The first hop's for= is not Gov-Client-Public-IP"
        problems += [
            ("POTENTIALLY_INVALID_HEADER", message, n) for n in ("Gov-Vendor-Forwarded", "Gov-Client-Public-IP")
        ]
    if _ip(hops[-1]["by"], public=False) != vendor:
        message = "The last hop's by= is not Gov-Vendor-Public-IP"
        problems += [
            ("POTENTIALLY_INVALID_HEADER", message, n) for n in ("Gov-Vendor-Forwarded", "Gov-Vendor-Public-IP")
        ]
    return problems
