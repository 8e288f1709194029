"""HMRC's OAuth 2.0: the "Grant authority" page, authorisation codes, and access and refresh tokens.

Codes are single-use and live ten minutes. Access tokens live four hours; a
refresh token is single-use too: refreshing answers a new pair and retires
the old one, access token included. Refresh tokens stop working after 18
months. Errors are OAuth's ``{error, error_description}``.
"""

import time
from html import escape
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from werkzeug.routing import Rule
from werkzeug.utils import redirect
from werkzeug.wrappers import Response

from ..core import json_response
from .errors import OAuthError

SCOPES = {"read:vat": "View your VAT information", "write:vat": "Change your VAT information"}
ACCESS_TTL = 4 * 3600
REFRESH_TTL = 548 * 24 * 3600
PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Grant authority - HMRC</title>
<style>body{{font-family:Arial,sans-serif;margin:2rem;max-width:40rem}}button{{font-size:1rem;padding:.5rem 1rem}}
</style></head><body><p>HM Revenue &amp; Customs (sandbox)</p><h1>Grant authority</h1>
<p>The software <strong>{client}</strong> would like to be able to:</p><ul>{scopes}</ul>
<p>You will be able to withdraw this authority at any time.</p>
<form method="post" action="authorize">{fields}
<button type="submit" name="decision" value="grant">Grant authority</button>
<button type="submit" name="decision" value="deny">Do not grant authority</button></form></body></html>"""


def oauth_rules() -> list:
    return [
        Rule("/oauth/authorize", methods=["GET"], endpoint="authorize_page"),
        Rule("/oauth/authorize", methods=["POST"], endpoint="authorize_decision"),
        Rule("/oauth/token", methods=["POST"], endpoint="token"),
    ]


def with_query(url: str, **params) -> str:
    """``url`` with ``params`` added to its query (empty values left out)."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query) + [(key, value) for key, value in params.items() if value]
    return urlunsplit(parts._replace(query=urlencode(query)))


class OAuthApi:
    """The authorisation and token endpoints of the HMRC system (a mixin of ``HmrcSystem``)."""

    def _check_client(self, client_id: str | None) -> None:
        if not client_id:
            raise OAuthError("invalid_request", "client_id is required")
        if client_id != self.client_id:
            raise OAuthError("invalid_request", "client_id is invalid")

    def _check_redirect(self, redirect_uri: str | None) -> None:
        if not redirect_uri:
            raise OAuthError("invalid_request", "redirect_uri is required")
        allowed = not self.redirect_uris or redirect_uri in self.redirect_uris
        if not redirect_uri.startswith(("http://", "https://")) or not allowed:
            raise OAuthError("invalid_request", "redirect_uri is invalid")

    def _refusal(self, params) -> str | None:
        """The redirection that refuses an authorisation request, or None if the request is sound."""
        scope = params.get("scope") or ""
        if params.get("response_type") != "code":
            error, description = "unsupported_response_type", "response_type must be code"
        elif not scope.strip():
            error, description = "invalid_request", "scope is required"
        # Scopes are separated by spaces; an encoded plus sign arrives as "+" and names no scope.
        elif any(name not in SCOPES for name in scope.split()):
            error, description = "invalid_scope", "scope is invalid"
        else:
            return None
        return with_query(params["redirect_uri"], error=error, error_description=description, state=params.get("state"))

    def on_authorize_page(self, request):
        """``GET /oauth/authorize``: the page where the user grants the software authority."""
        params = request.args
        try:
            self._check_client(params.get("client_id"))
            self._check_redirect(params.get("redirect_uri"))
        except OAuthError as error:
            return error.response()
        refusal = self._refusal(params)
        if refusal:
            return redirect(refusal, 303)
        fields = "".join(
            f'<input type="hidden" name="{escape(name)}" value="{escape(params.get(name, ""))}">'
            for name in ("response_type", "client_id", "scope", "redirect_uri", "state")
        )
        scopes = "".join(f"<li>{escape(SCOPES[name])} ({escape(name)})</li>" for name in params["scope"].split())
        page = PAGE.format(client=escape(params["client_id"]), scopes=scopes, fields=fields)
        return Response(page, mimetype="text/html")

    def on_authorize_decision(self, request):
        """``POST /oauth/authorize``: the user's answer on the page; back to the software either way."""
        fields = {
            key: request.form.get(key) for key in ("client_id", "redirect_uri", "state", "scope", "response_type")
        }
        try:
            self._check_client(fields["client_id"])
            self._check_redirect(fields["redirect_uri"])
            if request.form.get("decision") == "deny":
                denied = {"error": "access_denied", "error_description": "user denied the authorization"}
                uri = with_query(fields["redirect_uri"], **denied, state=fields["state"])
            else:
                uri = self.grant(**fields)["redirect"]
        except OAuthError as error:
            return error.response()
        return redirect(uri, 303)

    def grant(self, client_id=None, redirect_uri=None, state=None, scope="read:vat write:vat", response_type="code"):
        """The user grants authority: the address HMRC sends them back to, with a fresh code."""
        client_id = client_id or self.client_id
        params = {"client_id": client_id, "redirect_uri": redirect_uri, "state": state, "scope": scope}
        self._check_client(client_id)
        self._check_redirect(redirect_uri)
        refusal = self._refusal({**params, "response_type": response_type})
        if refusal:
            return {"redirect": refusal, "code": None}
        code = self.ids.token()
        record = {"code": code, "client_id": client_id, "redirect_uri": redirect_uri, "scope": " ".join(scope.split())}
        record.update(expires_at=time.time() + self.code_ttl, used=False)
        self.state.insert("codes", record)
        return {"redirect": with_query(redirect_uri, code=code, state=state), "code": code}

    def on_token(self, request):
        """``POST /oauth/token``: tokens for a code, a refresh token or the application's own credentials."""
        form = request.form
        try:
            grant_type = form.get("grant_type")
            if not grant_type:
                raise OAuthError("invalid_request", "grant_type is required")
            if grant_type not in ("authorization_code", "refresh_token", "client_credentials"):
                raise OAuthError("unsupported_grant_type", "grant_type is not supported")
            for name in ("client_id", "client_secret"):
                if not form.get(name):
                    raise OAuthError("invalid_request", f"{name} is required")
            if form["client_id"] != self.client_id or form["client_secret"] != self.client_secret:
                raise OAuthError("invalid_client", "invalid client id or secret", 401)
            answer = getattr(self, f"_{grant_type}")(form)
        except OAuthError as error:
            return error.response()
        return json_response(answer, headers={"Cache-Control": "no-store"})

    def _authorization_code(self, form) -> dict:
        for name in ("code", "redirect_uri"):
            if not form.get(name):
                raise OAuthError("invalid_request", f"{name} is required")
        with self.state.lock:
            found = self.state.records("codes", lambda c: c["code"] == form["code"])
            record = found[0] if found else None
            usable = record and not record["used"] and record["expires_at"] > time.time()
            if not usable or record["client_id"] != form["client_id"]:
                raise OAuthError("invalid_request", "code is invalid")
            if record["redirect_uri"] != form["redirect_uri"]:
                raise OAuthError("invalid_request", "redirect_uri is invalid")
            self.state.update("codes", record["id"], {"used": True})
            return self._issue(record["client_id"], record["scope"])

    def _refresh_token(self, form) -> dict:
        if not form.get("refresh_token"):
            raise OAuthError("invalid_request", "refresh_token is required")
        with self.state.lock:
            found = self.state.records("tokens", lambda t: t.get("refresh_token") == form["refresh_token"])
            record = found[0] if found else None
            usable = record and record["status"] == "active" and record["refresh_expires_at"] > time.time()
            if not usable or record["client_id"] != form["client_id"]:
                raise OAuthError("invalid_grant", "refresh_token is invalid")
            self.state.update("tokens", record["id"], {"status": "refreshed"})
            return self._issue(record["client_id"], record["scope"])

    def _client_credentials(self, form) -> dict:
        scope = " ".join(name for name in (form.get("scope") or "").split() if name in SCOPES)
        return self._issue(form["client_id"], scope, refresh=False)

    def _issue(self, client_id: str, scope: str, refresh: bool = True) -> dict:
        now = time.time()
        record = {"access_token": self.ids.token(), "client_id": client_id, "scope": scope, "status": "active"}
        record.update(issued_at=now, expires_at=now + ACCESS_TTL)
        if refresh:
            record.update(refresh_token=self.ids.token(), refresh_expires_at=now + REFRESH_TTL)
        self.state.insert("tokens", record)
        answer = {"access_token": record["access_token"], "expires_in": ACCESS_TTL, "scope": scope}
        if refresh:
            answer["refresh_token"] = record["refresh_token"]
        answer["token_type"] = "bearer"
        return answer

    def token_for(self, access_token: str) -> dict | None:
        """The live token record of ``access_token``, or None if it is unknown, expired or retired."""
        found = self.state.records("tokens", lambda t: t["access_token"] == access_token)
        record = found[0] if found else None
        if record and record["status"] == "active" and record["expires_at"] > time.time():
            return record
        return None

    def expire_tokens(self) -> dict:
        """Make every live access token expire now; their refresh tokens still work."""
        now = time.time()
        with self.state.lock:
            live = self.state.records("tokens", lambda t: t["status"] == "active" and t["expires_at"] > now)
            for record in live:
                self.state.update("tokens", record["id"], {"expires_at": now})
        return {"expired": len(live)}
