"""HMRC's VAT APIs as a sandbox system: OAuth 2.0, VAT (MTD), fraud prevention headers, Check a UK VAT number."""

import os
import re
import string
import uuid
from datetime import date, datetime, timezone

from werkzeug.exceptions import HTTPException

from ..core import System, json_response
from . import fraud_headers
from .account import VatAccount
from .errors import (
    ACCEPT_HEADER_INVALID,
    INCORRECT_ACCESS_TOKEN_TYPE,
    INVALID_CREDENTIALS,
    INVALID_SCOPE,
    MISSING_CREDENTIALS,
    UNSUPPORTED_VERSION,
    ApiError,
    fault_body,
)
from .oauth import OAuthApi, oauth_rules
from .periods import parse_date
from .register import VatRegister
from .returns import BOXES
from .seed import populate as seed_account
from .seed import populate_register
from .vat_api import FRAUD_CHECK, VatApi, public, vat_rules
from .vat_check import ENDPOINTS as VAT_CHECK_ENDPOINTS
from .vat_check import VatCheckApi, vat_check_rules

ACCEPT = re.compile(r"application/vnd\.hmrc\.(\d+\.\d+)\+json")
# The scope each VAT (MTD) endpoint needs; None: any token of the application will do.
SCOPES = {
    "obligations": "read:vat",
    "submit_return": "write:vat",
    "view_return": "read:vat",
    "liabilities": "read:vat",
    "payments": "read:vat",
    "validate_fraud_headers": None,
}
# The API version of each endpoint behind the API platform (the Accept header names it).
VERSIONS = dict.fromkeys(SCOPES, "1.0") | dict.fromkeys(VAT_CHECK_ENDPOINTS, "2.0")
# The token each takes: a user's (authorisation code), the application's own (client credentials), or either.
TOKENS = (
    dict.fromkeys(SCOPES, "user")
    | {"validate_fraud_headers": "any"}
    | dict.fromkeys(VAT_CHECK_ENDPOINTS, "application")
)
ALPHANUMERIC = string.ascii_letters + string.digits
SETTINGS = ("client_id", "client_secret", "vrn", "redirect_uris", "code_ttl", "strict_period_keys")
ADDRESS_FIELDS = ("line1", "line2", "line3", "line4", "line5", "postcode", "countryCode")


class Ids:
    """References drawn from the system's seeded random numbers, so a seeded sandbox repeats them."""

    def __init__(self, system):
        self.system = system

    @property
    def random(self):
        return self.system.state.random

    def digits(self, count: int) -> str:
        return "".join(self.random.choice("0123456789") for _ in range(count))

    def letters(self, count: int) -> str:
        return "".join(self.random.choice(ALPHANUMERIC) for _ in range(count))

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.random.getrandbits(128), version=4))

    def token(self) -> str:
        return f"{self.random.getrandbits(128):032x}"


def masked(secret: str | None) -> str:
    return f"{secret[:4]}…" if secret else ""


class HmrcSystem(OAuthApi, VatApi, VatCheckApi, System):
    """One organisation's VAT account at HMRC, and HMRC's VAT register, reached as software reaches HMRC's sandbox.

    The software sends the user to ``/oauth/authorize`` to grant authority, trades the
    code at ``/oauth/token``, and calls the VAT endpoints with ``Authorization: Bearer``
    and ``Accept: application/vnd.hmrc.1.0+json``. Every VAT call's fraud prevention
    headers are checked and the verdict kept (``fraud_checks``), but, as on HMRC's
    live API, a call with bad headers is answered all the same. "Today" is the real
    date unless ``today`` (``SANDBOX_HMRC_TODAY``) or the ``set_today`` action moves it;
    the seeded obligations are laid out around the today the system starts or resets with.

    The Check a UK VAT number API (2.0) reads the register (``vat_register``) with the
    application's own token, from ``grant_type=client_credentials``; a user's token is
    refused there, as an application's is by the VAT endpoints.
    """

    name = "hmrc"
    title = "HMRC VAT (Making Tax Digital)"
    defaults = {
        "client_id": "sandbox-client-id",
        "client_secret": "sandbox-client-secret",
        "vrn": "123456789",
        "redirect_uris": [],
        "code_ttl": 600,
        "strict_period_keys": False,
    }
    fraud_check_limit = 200

    def __init__(self, seed: int | None = None, today: str | None = None):
        today = today or os.environ.get("SANDBOX_HMRC_TODAY")
        self.initial_today = parse_date(today) if today else None
        if today and self.initial_today is None:
            raise ValueError(f"today must be a YYYY-MM-DD date, not {today!r}")
        self.ids = Ids(self)
        self._restore_settings()
        super().__init__(seed)

    def _restore_settings(self) -> None:
        for key, value in self.defaults.items():
            setattr(self, key, list(value) if isinstance(value, list) else value)
        self.today_override = self.initial_today

    def routes(self):
        return oauth_rules() + vat_rules() + vat_check_rules()

    def populate(self):
        self.account = VatAccount(self.state, self.strict_period_keys)
        seed_account(self.account, self.today(), self.ids)
        self.vat_register = VatRegister(self.state)
        populate_register(self.vat_register)

    def reset(self):
        self._restore_settings()
        super().reset()

    def today(self) -> date:
        return self.today_override or datetime.now(timezone.utc).date()

    def now(self) -> datetime:
        """The present moment on the sandbox's today."""
        return datetime.combine(self.today(), datetime.now(timezone.utc).time(), tzinfo=timezone.utc)

    def error_response(self, status, message):
        """The API platform's ``{code, message}``, injected faults included."""
        return json_response(fault_body(status, message), status)

    def dispatch(self, request):
        """Check the Accept header, the token and its scope before an API endpoint answers."""
        endpoint = self._endpoint(request)
        if endpoint not in VERSIONS:
            return super().dispatch(request)
        try:
            self._admit(request, endpoint)
        except ApiError as error:
            response = error.response()
        else:
            response = super().dispatch(request)
        response.headers.setdefault("X-CorrelationId", self.ids.uuid())
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        return response

    def _endpoint(self, request) -> str | None:
        try:
            endpoint, _ = self.url_map.bind_to_environ(request.environ).match()
        except HTTPException:
            return None
        return endpoint

    def _admit(self, request, endpoint: str) -> None:
        match = ACCEPT.search(request.headers.get("Accept", ""))
        if not match:
            raise ApiError(ACCEPT_HEADER_INVALID)
        if match.group(1) != VERSIONS[endpoint]:
            raise ApiError(UNSUPPORTED_VERSION)
        authorization = request.headers.get("Authorization")
        if not authorization:
            raise ApiError(MISSING_CREDENTIALS)
        scheme, _, token = authorization.partition(" ")
        record = self.token_for(token.strip()) if scheme.lower() == "bearer" else None
        if record is None:
            raise ApiError(INVALID_CREDENTIALS)
        # Only the authorisation code grant gives a refresh token: the mark of a user's token.
        kind = "user" if "refresh_token" in record else "application"
        if TOKENS[endpoint] not in ("any", kind):
            raise ApiError(INCORRECT_ACCESS_TOKEN_TYPE)
        scope = SCOPES.get(endpoint)
        if scope and scope not in record["scope"].split():
            raise ApiError(INVALID_SCOPE)
        # The fraud prevention headers are the VAT (MTD) API's; checking a VAT number needs none.
        if endpoint in SCOPES:
            request.environ[FRAUD_CHECK] = self._check_fraud_headers(request)

    def _check_fraud_headers(self, request) -> dict:
        """Validate the request's fraud prevention headers and keep the verdict, the oldest dropped past the limit."""
        result = fraud_headers.validate(request.headers)
        with self.state.lock:
            record = {"at": self.now().isoformat(timespec="seconds"), "method": request.method}
            self.state.insert("fraud_checks", {**record, "path": request.script_root + request.path, **result})
            kept = self.state.records("fraud_checks")
            for old in kept[: max(0, len(kept) - self.fraud_check_limit)]:
                self.state.delete("fraud_checks", old["id"])
        return result

    def fraud_header_results(self) -> list[dict]:
        """The verdicts on the fraud prevention headers of the latest VAT calls, oldest first."""
        return self.state.records("fraud_checks")

    def actions(self):
        return {
            "grant": self.grant,
            "expire_tokens": self.expire_tokens,
            "set_today": self.set_today,
            "configure": self.configure,
            "add_obligation": self.add_obligation,
            "register_vat_number": self.register_vat_number,
            "deregister_vat_number": self.deregister_vat_number,
        }

    def set_today(self, date=None) -> dict:
        """Make ``date`` (YYYY-MM-DD) the sandbox's today, until reset; none: back to the real date."""
        if date:
            day = parse_date(str(date))
            if day is None:
                raise ValueError("date must be a YYYY-MM-DD date")
            self.today_override = day
        else:
            self.today_override = None
        return {"today": self.today().isoformat()}

    def configure(self, **values) -> dict:
        """Change the application's credentials and redirect URIs, the organisation's VRN, code lifetime, strictness."""
        unknown = sorted(set(values) - set(SETTINGS))
        if unknown:
            raise ValueError(f"Unknown setting(s) {', '.join(unknown)}; known: {', '.join(SETTINGS)}")
        if "vrn" in values and not re.fullmatch(r"\d{9}", str(values["vrn"])):
            raise ValueError("vrn must be nine digits")
        if "redirect_uris" in values and not isinstance(values["redirect_uris"], list):
            raise ValueError("redirect_uris must be a list of URIs (empty: any http(s) URI)")
        if "code_ttl" in values:
            values["code_ttl"] = float(values["code_ttl"])
        for key, value in values.items():
            setattr(self, key, value)
        self.account.strict_period_keys = bool(self.strict_period_keys)
        return self.settings()

    def settings(self) -> dict:
        answer = {key: getattr(self, key) for key in SETTINGS}
        answer["client_secret"] = masked(self.client_secret)
        return answer

    def add_obligation(self, start, end, due=None, periodKey=None, status="O", received=None) -> dict:
        """Open (or, with ``status`` F, record as met) an obligation for the period ``start``..``end``."""
        if status not in ("O", "F"):
            raise ValueError("status must be O or F")
        return public(self.account.add_obligation(start, end, due, periodKey, status, received))

    def register_vat_number(self, vatNumber, name=None, **address) -> dict:
        """Put ``vatNumber`` (9 or 12 digits) on the VAT register, or back on it; name and address as HMRC answers them.

        A new number needs ``name`` and ``line1``; ``line2``..``line5``, ``postcode`` and
        ``countryCode`` (GB) are optional. A known one keeps what it is not given.
        """
        unknown = sorted(set(address) - set(ADDRESS_FIELDS))
        if unknown:
            raise ValueError(f"Unknown field(s) {', '.join(unknown)}; known: name, {', '.join(ADDRESS_FIELDS)}")
        return public(self.vat_register.register(str(vatNumber), name, **address))

    def deregister_vat_number(self, vatNumber) -> dict:
        """Take ``vatNumber`` off the register: checks of it answer 404 NOT_FOUND, or 403 as a requester."""
        return public(self.vat_register.deregister(str(vatNumber)))

    def status(self):
        results = self.fraud_header_results()
        return {
            **super().status(),
            "today": self.today().isoformat(),
            "settings": self.settings(),
            "fraud_header_results": results[-20:],
            "last_fraud_header_result": results[-1] if results else None,
            "vat_checks": self.vat_checks()[-20:],
        }

    def status_tables(self):
        tokens = [
            {
                "Access token": masked(t["access_token"]),
                "Refresh token": masked(t.get("refresh_token")),
                "Scope": t["scope"],
                "Status": t["status"],
                "Expires": datetime.fromtimestamp(t["expires_at"], timezone.utc).isoformat(timespec="seconds"),
            }
            for t in self.state.records("tokens")[-20:]
        ]
        returns = [
            {
                "Period": r["periodKey"],
                "Filed": r["filed"],
                **r["receipt"],
                "Receipt-ID": r["receiptId"],
                "Boxes 1-9": " · ".join(r["boxes"][name] for name in BOXES),
            }
            for r in self.state.records("returns")
        ]
        checks = self.fraud_header_results()
        last = [
            {"At": c["at"], "Path": c["path"], "Code": c["code"], "Errors": c["errors"], "Warnings": c["warnings"]}
            for c in checks[-1:]
        ]
        return {
            "Organisation": [
                {
                    "VRN": self.vrn,
                    "Today": self.today().isoformat(),
                    "Client id": self.client_id,
                    "Client secret": masked(self.client_secret),
                    "Period keys": "issued only" if self.strict_period_keys else "any well-formed",
                }
            ],
            "Obligations": [public(o) for o in self.account.obligations()],
            "Returns": returns,
            "Liabilities": [public(item, "directDebit", "raised") for item in self.account.liabilities(self.today())],
            "Payments": self.account.payments(self.today()),
            "Tokens": tokens,
            "VAT register": [
                {
                    "VAT number": e["vatNumber"],
                    "Name": e["name"],
                    "Address": ", ".join(e["address"].values()),
                    "Registered": "yes" if e["registered"] else "no (deregistered)",
                }
                for e in self.vat_register.entries()
            ],
            "VAT number checks": [
                {
                    "Processed": c["processingDate"],
                    "Target": c["target"],
                    "Name": c["name"],
                    "Requester": c["requester"],
                    "Consultation number": c["consultationNumber"],
                }
                for c in self.vat_checks()[-20:]
            ],
            "Last fraud-header validation": last,
            "Recent fraud-header checks": [
                {"At": c["at"], "Method": c["method"], "Path": c["path"], "Code": c["code"]} for c in checks[-20:]
            ],
        }
