import hmac

from odoo import http
from odoo.http import request

from odoo.addons.erp_integration_core.lib.errors import IntegrationError

from ..lib import hmrc


class HmrcOAuth(http.Controller):
    @http.route("/integration/hmrc/callback", type="http", auth="user", methods=["GET"])
    def callback(self, code=None, state=None, error=None, **_params):
        """HMRC sends the user back here with a one-time code: it becomes the backend's tokens."""
        backend_id = (state or "").split(".", 1)[0]
        if not backend_id.isdigit():
            return request.make_response("Unknown authorisation request.", status=400)
        # The state and the client secret are manager-only fields: read as the system, compared in constant time.
        backend = request.env["integration.backend"].sudo().browse(int(backend_id)).exists()
        if not backend or not backend.hmrc_oauth_state or not hmac.compare_digest(backend.hmrc_oauth_state, state):
            return request.make_response("This authorisation request is not the one Odoo started.", status=400)
        if not request.env.user.has_group("erp_integration_core.group_integration_manager"):
            return request.make_response("Only an integration manager can connect a backend to HMRC.", status=403)
        if error or not code:
            return request.make_response(f"HMRC did not grant access: {error or 'no code'}.", status=400)
        try:
            answer = hmrc.fetch_token(
                backend.api_url or "",
                backend.hmrc_client_id or "",
                backend.api_secret or "",
                code=code,
                redirect_uri=backend._hmrc_redirect_uri(),
            )
        except IntegrationError as err:
            return request.make_response(err.message, status=400)
        backend._hmrc_store_tokens(answer)
        return request.redirect(f"/odoo/integration.backend/{backend.id}")
