import threading

from odoo import _, fields, models
from odoo.exceptions import UserError

from ..lib.client import HubSpotClient, RateWindow
from ..setup import HubSpotSetup
from ..sync import trigger_load

# HubSpot counts a portal's requests together: every job of a backend in this
# process paces itself from the same window.
_WINDOWS = {}
_WINDOWS_LOCK = threading.Lock()


class IntegrationBackend(models.Model):
    _inherit = "integration.backend"

    hubspot_deal_policy = fields.Selection(
        [("draft", "Keep as quotation"), ("confirm", "Confirm")],
        string="Won deals",
        default="confirm",
        help="What happens to the sale order of a won deal once its amount reconciles.",
    )
    hubspot_app_id = fields.Char(
        string="HubSpot app id",
        readonly=True,
        help="The private app's id, read by Test connection and Set up: changes it makes come back as echoes.",
    )
    hubspot_load_progress = fields.Char(
        string="Initial load", compute="_compute_hubspot_load_progress", help="Companies and contacts bound so far."
    )

    def _compute_hubspot_load_progress(self):
        for backend in self:
            flow = backend.flow_ids.filtered(lambda flow: flow.code == "crm.load")[:1]
            total = sum(((flow.last_result or {}).get("totals") or {}).values())
            if not total:
                backend.hubspot_load_progress = _("Not started") if flow else False
                continue
            bound = backend.env["integration.binding"].search_count(
                [("backend_id", "=", backend.id), ("res_model", "=", "res.partner")]
            )
            done = _(" (finished listing)") if (flow.cursor or "").startswith("done") else ""
            backend.hubspot_load_progress = _(
                "%(bound)s of %(total)s companies and contacts bound, %(percent)s%%%(done)s",
                bound=bound,
                total=total,
                percent=round(100 * min(bound, total) / total),
                done=done,
            )

    def _hubspot_client(self):
        self.ensure_one()
        with _WINDOWS_LOCK:
            window = _WINDOWS.setdefault((self.env.cr.dbname, self.id), RateWindow())
        # The token is a manager-only field; the connector reads it to act on
        # the backend's behalf, whoever triggered the job.
        backend = self.sudo()
        return HubSpotClient(backend.api_url or "https://api.hubapi.com", backend.api_token or "", window=window)

    def action_hubspot_setup(self):
        """Check the private app's scopes, create the suite's properties, propose mappings and create the flows."""
        return self._run_setup(HubSpotSetup, self._hubspot_setup_summary)

    def _hubspot_setup_summary(self, result):
        title = _("HubSpot portal %(portal)s connected", portal=result["portal"])
        message = _(
            "%(properties)s properties created; %(proposed)s value mappings proposed, %(todo)s to complete "
            "under Value mappings. In the private app's Webhooks settings, send %(events)s to %(url)s.",
            properties=len(result["properties"]),
            proposed=result["proposed_mappings"],
            todo=result["to_complete"],
            events=", ".join(result["webhook_events"]),
            url=result["webhook_url"],
        )
        return title, message

    def action_hubspot_load(self):
        """Start (or resume) the initial load of the portal's companies and contacts."""
        self.ensure_one()
        flow = self.flow_ids.filtered(lambda flow: flow.code == "crm.load")[:1]
        if not flow:
            raise UserError(_("Press Set up HubSpot first: it creates the initial load flow."))
        trigger_load(flow)
        return True
