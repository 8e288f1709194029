"""Onboarding a warehouse: the connection on its transport, the flows it needs, and what to set at the warehouse.

A REST warehouse calls back: its callbacks are set in its own portal, so
set-up says where to point them. SOAP and file warehouses are read instead,
so they get the flows reading despatches and goods in; a file warehouse's column layouts
become field mappings (flows ``file.orders``, ``file.despatches``…) to edit
for its files. Every warehouse's shipments are followed and its stock
reconciled daily.
"""

from odoo.addons.erp_integration_core.lib.errors import BusinessError
from odoo.addons.erp_integration_core.work import Component

FOLLOW = ("shipments.follow", "Follow shipments at the warehouse", "scheduled", 30)
READ = ("despatches.read", "Read despatches and refusals", "scheduled", 15)
RECEIPTS = ("receipts.read", "Read goods booked in", "scheduled", 15)
RECONCILE = ("stock.reconcile", "Reconcile stock with the warehouse", "scheduled", 1440)


class ThreePLSetup(Component):
    def run(self):
        if not self.backend.threepl_warehouse_id:
            raise BusinessError(
                f"Backend '{self.backend.name}': choose the Odoo warehouse the 3PL runs on the Warehouse tab first."
            )
        connection = self.client.describe()
        if self.backend.threepl_transport in ("sftp", "folder"):
            self.backend._threepl_install_layouts()
        flows = (FOLLOW, RECONCILE) if self.client.callbacks else (FOLLOW, READ, RECEIPTS, RECONCILE)
        created = self.backend._install_flows(flows)
        return {
            "connection": connection,
            "flows": created.mapped("name"),
            "callbacks": self.client.callbacks,
            "url": self.backend.webhook_url,
        }
