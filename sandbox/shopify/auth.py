"""Admin API credentials: a static token and client-credentials tokens that expire.

Since 2026-01 merchants create apps in the Dev Dashboard and get tokens with the
client-credentials grant (``POST /admin/oauth/access_token``), valid about a day;
a custom app's static Admin API token (``shpat_...``) still works too. Both stop
working when the app is uninstalled.
"""

import secrets
import time

INVALID_TOKEN = "[API] Invalid API key or access token (unrecognized login or wrong password)"


class Credentials:
    """Issue and check access tokens; ``clock`` is injectable to test expiry without waiting."""

    def __init__(
        self,
        state,
        static_token: str,
        client_id: str,
        client_secret: str,
        scope: str,
        lifetime: int = 86399,
        clock=time.time,
    ):
        self.state = state
        self.static_token = static_token
        self.client_id = client_id
        self.client_secret = client_secret
        self.scope = scope
        self.lifetime = lifetime
        self.clock = clock

    def grant(self, params: dict) -> tuple[int, dict]:
        """Answer the client-credentials grant with Shopify's body, or an OAuth error."""
        if params.get("grant_type") != "client_credentials":
            return 400, {
                "error": "unsupported_grant_type",
                "error_description": "The grant_type must be client_credentials.",
            }
        if params.get("client_id") != self.client_id or params.get("client_secret") != self.client_secret:
            return 401, {
                "error": "invalid_client",
                "error_description": "Client authentication failed: unknown client or wrong secret.",
            }
        if not self.installed:
            return 400, {"error": "invalid_request", "error_description": "The app is not installed on this shop."}
        token = "shpat_" + secrets.token_hex(16)
        self.state.insert("access_tokens", {"id": token, "expires_at": self.clock() + self.lifetime})
        return 200, {"access_token": token, "scope": self.scope, "expires_in": self.lifetime}

    @property
    def installed(self) -> bool:
        return not self.state.get("app", "uninstalled")

    def valid(self, token: str | None) -> bool:
        if not token or not self.installed:
            return False
        if secrets.compare_digest(token, self.static_token):
            return True
        issued = self.state.get("access_tokens", token)
        return issued is not None and issued["expires_at"] > self.clock()

    def expire_all(self) -> int:
        """Make every issued token expired now; return how many were still valid."""
        now = self.clock()
        live = self.state.records("access_tokens", lambda t: t["expires_at"] > now)
        for token in live:
            self.state.update("access_tokens", token["id"], {"expires_at": now})
        return len(live)

    def uninstall(self) -> None:
        self.state.insert("app", {"id": "uninstalled"})
