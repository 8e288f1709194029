import secrets
from datetime import timedelta

from odoo import fields, models

from odoo.addons.erp_integration_core.lib.errors import AuthError, BusinessError

from ..lib import hmrc

MANAGER = "erp_integration_core.group_integration_manager"


class IntegrationBackend(models.Model):
    _inherit = "integration.backend"

    hmrc_client_id = fields.Char(string="HMRC client id", help="The application's client id at HMRC's Developer Hub.")
    hmrc_vrn = fields.Char(string="VAT registration number", help="Nine digits; the company's VAT number if empty.")
    hmrc_vendor_ip = fields.Char(
        string="Server's public IP", help="This Odoo server's public IP address, sent to HMRC as fraud prevention data."
    )
    hmrc_refresh_token = fields.Char(groups=MANAGER, copy=False)
    hmrc_token_expires_at = fields.Datetime(string="Access to HMRC until", readonly=True, copy=False)
    hmrc_oauth_state = fields.Char(groups=MANAGER, copy=False)

    def _hmrc_vrn(self):
        self.ensure_one()
        vrn = "".join(ch for ch in (self.hmrc_vrn or self.company_id.vat or "") if ch.isdigit())
        if len(vrn) != 9:
            raise BusinessError(
                f"Backend '{self.name}' has no nine-digit VAT registration number: set it on the HMRC tab."
            )
        return vrn

    def _hmrc_redirect_uri(self):
        # The server's public address is a system parameter, which only administrators read directly.
        base = self.env["ir.config_parameter"].sudo().get_param("web.base.url")
        return f"{base}/integration/hmrc/callback"

    def _hmrc_start_authorisation(self):
        """A fresh state for the OAuth round trip, and where to send the user to grant access."""
        self.ensure_one()
        state = f"{self.id}.{secrets.token_urlsafe(24)}"
        # The state is a manager-only field; the manager pressing Connect may not be an integration manager.
        self.sudo().hmrc_oauth_state = state
        return hmrc.authorize_url(self.api_url or "", self.hmrc_client_id or "", self._hmrc_redirect_uri(), state)

    def _hmrc_store_tokens(self, answer):
        # Tokens are manager-only fields, written on the backend's behalf whoever authorised or refreshed.
        self.sudo().write(
            {
                "api_token": answer["access_token"],
                "hmrc_refresh_token": answer.get("refresh_token") or False,
                "hmrc_token_expires_at": fields.Datetime.now() + timedelta(seconds=int(answer.get("expires_in") or 0)),
                "hmrc_oauth_state": False,
            }
        )

    def _hmrc_access_token(self):
        """A valid access token: refreshed (the refresh token rotates) when it has run out."""
        self.ensure_one()
        # Credentials are manager-only; the connector reads them to act on the backend's behalf.
        backend = self.sudo()
        if not backend.api_token or not backend.hmrc_refresh_token:
            raise AuthError(f"Backend '{self.name}' is not connected to HMRC: press Connect to HMRC and grant access.")
        if backend.hmrc_token_expires_at and backend.hmrc_token_expires_at > fields.Datetime.now() + timedelta(
            minutes=1
        ):
            return backend.api_token
        answer = hmrc.fetch_token(
            backend.api_url or "",
            backend.hmrc_client_id or "",
            backend.api_secret or "",
            refresh_token=backend.hmrc_refresh_token,
        )
        self._hmrc_store_tokens(answer)
        return answer["access_token"]

    def _hmrc_client(self, fraud_headers=None):
        # A call no person's request made (reading obligations on a schedule) is HMRC's batch process.
        headers = dict(fraud_headers or hmrc.batch_headers(self.env.user.login))
        scenario = self.env.context.get("hmrc_test_scenario")
        if scenario and "api.service.hmrc.gov.uk" not in (self.api_url or ""):
            # HMRC's sandbox (and the suite's) answer as a documented scenario; never sent to the live API.
            headers["Gov-Test-Scenario"] = scenario
        return hmrc.HmrcClient(self.api_url or "", self._hmrc_access_token(), headers)

    def _hmrc_vat_check(self):
        """HMRC's VAT number check for this application: its own token, no user's."""
        # The client secret is manager-only; the connector reads it to act on the backend's behalf.
        backend = self.sudo()
        answer = hmrc.fetch_token(backend.api_url or "", backend.hmrc_client_id or "", backend.api_secret or "")
        return hmrc.VatNumberCheck(backend.api_url or "", answer["access_token"])

    def _hmrc_read_obligations(self):
        """Open obligations become draft returns of their periods, once each."""
        self.ensure_one()
        Return = self.env["integration.vat.return"]
        created = []
        for obligation in self._hmrc_client().obligations(self._hmrc_vrn(), status="O"):
            key = obligation.get("periodKey")
            if key and not Return.search_count([("backend_id", "=", self.id), ("period_key", "=", key)]):
                created.append(
                    Return.create(
                        {
                            "backend_id": self.id,
                            "company_id": self.company_id.id,
                            "period_key": key,
                            "date_from": obligation["start"],
                            "date_to": obligation["end"],
                            "due_date": obligation.get("due"),
                        }
                    ).period_key
                )
        return {"created": created}

    def action_hmrc_connect(self):
        self.ensure_one()
        return {"type": "ir.actions.act_url", "url": self._hmrc_start_authorisation(), "target": "self"}

    def action_hmrc_read_obligations(self):
        """Read HMRC's open obligations now: each becomes a draft return of its period."""
        self.ensure_one()
        result = self._hmrc_read_obligations()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("HMRC obligations"),
                "message": self.env._("New draft returns: %(keys)s", keys=", ".join(result["created"]) or "none"),
                "type": "info",
                "next": {"type": "ir.actions.act_window_close"},
            },
        }
