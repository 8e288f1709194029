"""HMRC's VAT (MTD) API 1.0: OAuth 2.0 tokens, obligations, returns, and the fraud prevention headers.

HMRC's errors come back as ``{"code", "message", "errors": [...]}``; each code
the suite can meet becomes an integration error whose message says what to
do, in the finance user's words. Access tokens live four hours and are
refreshed with the refresh token, which rotates; neither is ever logged.
"""

import hashlib
import ipaddress
import re
import uuid
from urllib.parse import quote, urlencode

from odoo.addons.erp_integration_core.lib.errors import AuthError, BusinessError, TransientError, ValidationError
from odoo.addons.erp_integration_core.lib.http_client import HttpClient

ACCEPT = "application/vnd.hmrc.1.0+json"
CHECK_ACCEPT = "application/vnd.hmrc.2.0+json"
SCOPE = "read:vat write:vat"
# What a finance user does about each refusal HMRC documents for these endpoints.
FIXES = {
    "VRN_INVALID": "The VAT registration number on the HMRC backend is not valid: correct it (nine digits).",
    "VRN_NOT_FOUND": "HMRC does not know this VAT registration number: check it on the HMRC backend.",
    "PERIOD_KEY_INVALID": "The return's period key is not one HMRC issued: read the obligations and use the period's.",
    "DUPLICATE_SUBMISSION": "HMRC already holds a return for this period; a return cannot be filed twice. Correct "
    "mistakes in a later return, or by telling HMRC (form VAT652) when they are too large.",
    "TAX_PERIOD_NOT_ENDED": "The period has not ended yet: submit the return once it has.",
    "NOT_FINALISED": "Confirm the declaration that the return is true and complete, then submit.",
    "INVALID_REQUEST": "HMRC refused the return's figures: check the boxes and submit again.",
    "INVALID_MONETARY_AMOUNT": "A box holds an amount HMRC does not accept: recompute the return.",
    "INSOLVENT_TRADER": "HMRC records the business as insolvent: returns go to HMRC another way.",
    "NOT_FOUND": "HMRC has nothing for this period.",
    "DATE_RANGE_TOO_LARGE": "Ask HMRC for at most a year at a time.",
}
AUTH_CODES = {"INVALID_CREDENTIALS", "UNAUTHORIZED", "CLIENT_OR_AGENT_NOT_AUTHORISED", "INVALID_SCOPE"}


def authorize_url(base_url, client_id, redirect_uri, state):
    """Where the user grants the suite access to their VAT account."""
    query = urlencode(
        {"response_type": "code", "client_id": client_id, "scope": SCOPE, "redirect_uri": redirect_uri, "state": state}
    )
    return f"{base_url.rstrip('/')}/oauth/authorize?{query}"


def fetch_token(base_url, client_id, client_secret, **grant):
    """Tokens for an authorisation code (``code``, ``redirect_uri``), a ``refresh_token``, or the application's own.

    With neither, the token is the application's (``client_credentials``), for
    the APIs HMRC opens to software rather than to a user's VAT account.
    """
    kind = "authorization_code" if "code" in grant else "refresh_token" if grant else "client_credentials"
    http = HttpClient(base_url)
    response = http.request(
        "POST",
        "oauth/token",
        allowed=(400, 401),
        data={"grant_type": kind, "client_id": client_id, "client_secret": client_secret, **grant},
    )
    answer = _json(response)
    if (response.status_code != 200 or "access_token" not in answer) and kind == "client_credentials":
        raise AuthError(
            f"HMRC refused the application's credentials ({answer.get('error') or response.status_code}: "
            f"{answer.get('error_description') or 'no reason'}). Check the client id and secret on the HMRC backend."
        )
    if response.status_code != 200 or "access_token" not in answer:
        raise AuthError(
            f"HMRC refused the {'authorisation' if kind == 'authorization_code' else 'token refresh'} "
            f"({answer.get('error') or response.status_code}: {answer.get('error_description') or 'no reason'}). "
            "Press Connect to HMRC on the backend and grant access again."
        )
    return answer


def _json(response):
    try:
        return response.json()
    except ValueError:
        return {}


class HmrcClient:
    """The VAT API for one access token, with the fraud prevention headers of the request that asked."""

    def __init__(self, base_url, access_token, fraud_headers=None):
        headers = {"Accept": ACCEPT, "Authorization": f"Bearer {access_token}", **(fraud_headers or {})}
        self.http = HttpClient(base_url, headers=headers)

    def _call(self, method, path, **kwargs):
        response = self.http.request(method, path, allowed=(400, 401, 403, 404, 406, 409, 422), **kwargs)
        if response.status_code < 400:
            return response
        answer = _json(response)
        code = answer.get("code") or str(response.status_code)
        detail = "; ".join(f"{e.get('code')} {e.get('path') or ''}".strip() for e in answer.get("errors") or ())
        said = f"HMRC answered {code}: {answer.get('message') or 'no message'}" + (f" ({detail})" if detail else "")
        if code in AUTH_CODES or response.status_code == 401:
            raise AuthError(f"{said}. Press Connect to HMRC on the backend and grant access again.")
        if response.status_code == 406:
            raise ValidationError(f"{said}. The suite asked in a way HMRC does not accept: report it.")
        raise BusinessError(f"{said}. {FIXES.get(code, 'Check the return and the HMRC backend, then try again.')}")

    def obligations(self, vrn, date_from=None, date_to=None, status=None):
        params = {key: value for key, value in (("from", date_from), ("to", date_to), ("status", status)) if value}
        response = self._call("GET", f"organisations/vat/{vrn}/obligations", params=params)
        return _json(response).get("obligations") or []

    def submit(self, vrn, body):
        """File a return; HMRC's receipt, with its receipt id and time from the headers."""
        response = self._call("POST", f"organisations/vat/{vrn}/returns", json=body)
        receipt = _json(response)
        if not receipt.get("formBundleNumber"):
            raise TransientError(
                "HMRC's answer to the submission carries no receipt; ask HMRC before submitting again."
            )
        receipt["receiptId"] = response.headers.get("Receipt-ID")
        receipt["receiptTimestamp"] = response.headers.get("Receipt-Timestamp")
        receipt["correlationId"] = response.headers.get("X-CorrelationId")
        return receipt

    def filed_return(self, vrn, period_key):
        return _json(self._call("GET", f"organisations/vat/{vrn}/returns/{quote(period_key, safe='')}"))

    def liabilities(self, vrn, date_from, date_to):
        """What HMRC charges for periods ending in the range (at most a year); none is an empty list."""
        return self._financial(vrn, "liabilities", date_from, date_to)

    def payments(self, vrn, date_from, date_to):
        """What HMRC has received for periods ending in the range (at most a year); none is an empty list."""
        return self._financial(vrn, "payments", date_from, date_to)

    def _financial(self, vrn, kind, date_from, date_to):
        params = {"from": str(date_from), "to": str(date_to)}
        try:
            response = self._call("GET", f"organisations/vat/{vrn}/{kind}", params=params)
        except BusinessError as err:
            if "answered NOT_FOUND" in err.message:
                return []
            raise
        return _json(response).get(kind) or []


class VatNumberCheck:
    """HMRC's Check a UK VAT number API 2.0, for an application token: is a VAT number registered, and to whom.

    Given the business's own VAT number as the requester, HMRC answers with a
    consultation number, the business's proof that it checked.
    """

    def __init__(self, base_url, access_token):
        headers = {"Accept": CHECK_ACCEPT, "Authorization": f"Bearer {access_token}"}
        self.http = HttpClient(base_url, headers=headers)

    def lookup(self, target, requester=None):
        """``{"registered", "name", "consultation", "processed"}`` for UK VAT number ``target`` (its digits)."""
        path = f"organisations/vat/check-vat-number/lookup/{quote(target, safe='')}"
        if requester:
            path += f"/{quote(requester, safe='')}"
        response = self.http.request("GET", path, allowed=(400, 401, 403, 404, 406))
        answer = _json(response)
        said = f"HMRC answered {answer.get('code') or response.status_code}: {answer.get('message') or 'no message'}"
        if response.status_code == 404:
            return {"registered": False, "name": None, "consultation": None, "processed": None}
        if response.status_code == 401:
            raise AuthError(f"{said}. Check the client id and secret on the HMRC backend.")
        if response.status_code == 403:
            raise BusinessError(
                f"{said}. HMRC does not know the company's own VAT number {requester} as registered: correct the "
                "company's VAT number, then check again."
            )
        if response.status_code >= 400:
            raise ValidationError(
                f"{said}. A UK VAT number is 9 digits (12 with a branch): correct it, then check again."
            )
        return {
            "registered": True,
            "name": (answer.get("target") or {}).get("name"),
            "consultation": answer.get("consultationNumber"),
            "processed": answer.get("processingDate"),
        }


# Fraud prevention headers, connection method WEB_APP_VIA_SERVER -------------

BROWSER_KEYS = ("user_agent", "device_id", "timezone", "screens", "window")


def _software_headers(user, version):
    """Who asks (a hash of the login: HMRC wants an id, not the person's name) and with what software."""
    return {
        "Gov-Client-User-IDs": f"odoo={hashlib.sha256(user.encode()).hexdigest()[:16]}",
        "Gov-Vendor-Product-Name": quote("ERP Integration Suite"),
        "Gov-Vendor-Version": f"erp-integration-mtd={quote(version or '19.0')}",
    }


TIMEZONE = re.compile(r"^UTC[+-]\d{2}:\d{2}$")


def fraud_headers(browser, server):
    """The headers HMRC requires for a web app reaching it through this server; raise naming what is missing.

    ``browser``: what the web client collected as the user pressed the button
    (``user_agent``, ``device_id``, ``timezone`` as ``UTC±hh:mm``, ``screens``
    ``[{width, height, scaling, depth}]``, ``window`` ``{width, height}``).
    ``server``: ``client_ip``, ``client_port``, ``at`` (UTC time the request
    came in), ``user`` (login), ``server_ip``, ``version``, ``mfa`` (``(type,
    timestamp, reference)`` or None).
    """
    missing = [key for key in BROWSER_KEYS if not browser.get(key)]
    missing += [key for key in ("client_ip", "client_port", "at", "server_ip") if not server.get(key)]
    if missing:
        raise ValidationError(
            f"HMRC requires fraud prevention data the request did not carry: {', '.join(missing)}. Submit from the "
            "VAT return's screen in a browser (not by a script), so that the browser's details can be sent."
        )
    try:
        uuid.UUID(str(browser["device_id"]))
        client_ip = ipaddress.ip_address(server["client_ip"])
    except ValueError as exc:
        raise ValidationError(f"Fraud prevention data is malformed ({exc}); reload the page and submit again.") from exc
    if not TIMEZONE.match(browser["timezone"]):
        raise ValidationError(f"The browser's time zone {browser['timezone']!r} is not UTC±hh:mm; reload the page.")
    screens = ",".join(
        f"width={s['width']}&height={s['height']}&scaling-factor={s['scaling']}&colour-depth={s['depth']}"
        for s in browser["screens"]
    )
    headers = {
        "Gov-Client-Connection-Method": "WEB_APP_VIA_SERVER",
        "Gov-Client-Browser-JS-User-Agent": browser["user_agent"],
        "Gov-Client-Device-ID": str(browser["device_id"]),
        "Gov-Client-Public-IP": str(client_ip),
        "Gov-Client-Public-IP-Timestamp": server["at"],
        "Gov-Client-Public-Port": str(server["client_port"]),
        "Gov-Client-Screens": screens,
        "Gov-Client-Timezone": browser["timezone"],
        "Gov-Client-Window-Size": f"width={browser['window']['width']}&height={browser['window']['height']}",
        "Gov-Vendor-Forwarded": f"by={quote(server['server_ip'])}&for={quote(str(client_ip))}",
        "Gov-Vendor-Public-IP": server["server_ip"],
        **_software_headers(server["user"], server.get("version")),
    }
    # Signed in with a password alone, there is no factor to name: HMRC asks for the header, empty.
    headers["Gov-Client-Multi-Factor"] = ""
    if server.get("mfa"):
        kind, timestamp, reference = server["mfa"]
        headers["Gov-Client-Multi-Factor"] = (
            f"type={quote(kind)}&timestamp={quote(timestamp)}&unique-reference={quote(reference)}"
        )
    return headers


def batch_headers(user, version="19.0"):
    """The fraud prevention headers of a call made by the server on its own (connection method BATCH_PROCESS_DIRECT)."""
    return {"Gov-Client-Connection-Method": "BATCH_PROCESS_DIRECT", **_software_headers(user, version)}


# HMRC's names of boxes 1 to 9.
BOX_NAMES = (
    "vatDueSales",
    "vatDueAcquisitions",
    "totalVatDue",
    "vatReclaimedCurrPeriod",
    "netVatDue",
    "totalValueSalesExVAT",
    "totalValuePurchasesExVAT",
    "totalValueGoodsSuppliedExVAT",
    "totalAcquisitionsExVAT",
)


def return_body(period_key, boxes, finalised):
    """The nine boxes as HMRC takes them: 1–5 to the penny, 6–9 in whole pounds."""
    body = {"periodKey": period_key, "finalised": bool(finalised)}
    for number, name in enumerate(BOX_NAMES, 1):
        value = boxes[str(number)]
        body[name] = round(float(value), 2) if number <= 5 else int(value)
    return body
