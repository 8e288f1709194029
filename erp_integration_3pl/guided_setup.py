"""The warehouse steps of the guided set-up: the pieces of ``ThreePLSetup``, one step at a time."""

from odoo.addons.erp_integration_core.lib.errors import BusinessError
from odoo.addons.erp_integration_core.setup_steps import SetupSteps

from .setup import FOLLOW, READ, RECEIPTS, RECONCILE

# What each transport needs to reach the warehouse.
TRANSPORT_FIELDS = {
    "rest": ("api_url", "api_token"),
    "soap": ("api_url", "threepl_client_id", "threepl_username", "api_secret"),
    "sftp": ("threepl_host", "threepl_username", "api_secret", "threepl_folder"),
    "folder": ("threepl_folder",),
}


class ThreePLSetupSteps(SetupSteps):
    def missing_credentials(self):
        backend = self.backend.sudo()
        needed = ("threepl_warehouse_id", *TRANSPORT_FIELDS.get(backend.threepl_transport, ()))
        return [name for name in needed if not backend[name]]

    def test_connection(self):
        if not self.backend.threepl_warehouse_id:
            raise BusinessError(
                f"Backend '{self.backend.name}': choose the Odoo warehouse the 3PL runs on the Warehouse tab first."
            )
        # This step's own client, so the site check reuses the stock levels the description read.
        message = self.client.describe()
        self._check_stock_site()
        return message

    def _check_stock_site(self):
        """Reconciliation keeps only the levels of the backend's site: a site the warehouse never names matches none."""
        backend = self.backend
        ours = {backend.threepl_site, backend.threepl_stock_site} - {False, None, ""}
        sites = self.client.stock_sites()
        if ours and sites and not ours & sites:
            raise BusinessError(
                f"Backend '{backend.name}': the warehouse's stock levels name site(s) {', '.join(sorted(sites))}, "
                f"not {' or '.join(sorted(ours))}, so a stock reconciliation would find nothing. On the Warehouse "
                "tab, set Site in stock reports to this warehouse's site as the stock levels name it, then press "
                "Next again."
            )

    def propose_mappings(self):
        # A file warehouse's columns become field mappings to edit; there are no values to propose.
        if self.backend.threepl_transport in ("sftp", "folder"):
            self.backend._threepl_install_layouts()
        return super().propose_mappings()

    def webhooks(self):
        if not self.client.callbacks:
            return self.env._("The warehouse is read on a schedule: it has no callbacks to set.")
        return self.env._(
            "In the warehouse's portal, send despatch, cancellation and booking-in callbacks to %(url)s, signed "
            "with the backend's webhook secret.",
            url=self.backend.webhook_url,
        )

    def flows(self):
        specs = (FOLLOW, RECONCILE) if self.client.callbacks else (FOLLOW, READ, RECEIPTS, RECONCILE)
        self.backend._install_flows(specs)
        codes = {code for code, *_rest in specs}
        return self.backend.flow_ids.filtered(lambda flow: flow.code in codes)
