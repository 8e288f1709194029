from odoo import _, fields, models

from odoo.addons.erp_integration_core.lib.errors import BusinessError

from ..lib.files import LAYOUTS, FileTransport
from ..lib.folders import LocalFolder, SftpFolder
from ..lib.soap import SoapTransport
from ..lib.transport import RestTransport
from ..setup import ThreePLSetup

MANAGER = "erp_integration_core.group_integration_manager"


class IntegrationBackend(models.Model):
    _inherit = "integration.backend"

    threepl_transport = fields.Selection(
        [("rest", "REST API"), ("soap", "SOAP service"), ("sftp", "Files over SFTP"), ("folder", "Files in a folder")],
        string="Warehouse transport",
        default="rest",
        help="How Odoo reaches the warehouse: its REST API (API URL and key), its SOAP service (API URL, "
        "client id, user and password) or CSV files in a drop folder, over SFTP or on this server.",
    )
    threepl_client_id = fields.Char(string="Client id", help="SOAP: the client id the warehouse gave you.")
    threepl_username = fields.Char(string="User name", help="SOAP or SFTP: the user Odoo signs in as.")
    threepl_host = fields.Char(string="SFTP host")
    threepl_port = fields.Integer(string="SFTP port", default=22)
    threepl_folder = fields.Char(
        string="Drop folder",
        groups=MANAGER,
        help="Files: the folder holding in/ and out/, on the SFTP server or on this server.",
    )
    threepl_settle_seconds = fields.Integer(
        string="Leave new files for (s)",
        default=5,
        help="Files: a file changed more recently than this is left for the next read, in case it is still "
        "being written.",
    )
    threepl_warehouse_id = fields.Many2one(
        "stock.warehouse", string="Odoo warehouse run by the 3PL", help="Its deliveries and receipts go to the 3PL."
    )
    threepl_site = fields.Char(string="Warehouse site", help="The 3PL's name or id for its site, e.g. MAIN.")
    threepl_stock_site = fields.Char(
        string="Site in stock reports",
        help="How the warehouse's stock reports name the site, when not as above (an id such as 1, say).",
    )
    threepl_drift_threshold = fields.Integer(
        string="Stock differences applied up to",
        default=2,
        help="Reconciliation: a difference of at most this many units per product is applied as an inventory "
        "adjustment; a larger one waits for a person to approve it.",
    )
    threepl_ship_policy = fields.Selection(
        [("confirmed", "When confirmed"), ("assigned", "When reserved")],
        string="Send deliveries",
        default="assigned",
    )
    threepl_receipt_policy = fields.Selection(
        [("backorder", "Validate what arrived, backorder the rest"), ("exception", "Wait for a person")],
        string="Receipt differences",
        default="backorder",
        help="When the warehouse books in other quantities than the receipt expects.",
    )
    threepl_file_policy = fields.Selection(
        [("rows", "Apply the good rows, hold the bad ones"), ("file", "Hold the whole file")],
        string="File with a bad row",
        default="rows",
    )

    def _threepl_transport(self):
        self.ensure_one()
        # Credentials are manager-only fields; the connector reads them to act on
        # the backend's behalf, whoever triggered the job.
        backend = self.sudo()
        kind = backend.threepl_transport
        if kind == "rest":
            return RestTransport(backend.api_url or "", backend.api_token or "")
        if kind == "soap":
            return SoapTransport(
                backend.api_url or "",
                backend.threepl_client_id or "",
                backend.threepl_username or "",
                backend.api_secret or "",
            )
        if kind == "sftp":
            folder = SftpFolder(
                backend.threepl_host or "",
                backend.threepl_port or 22,
                backend.threepl_username or "",
                backend.api_secret or "",
                root=backend.threepl_folder or "/",
            )
        elif kind == "folder" and backend.threepl_folder:
            folder = LocalFolder(backend.threepl_folder)
        else:
            raise BusinessError(
                f"Backend '{backend.name}': choose the warehouse transport and fill in its connection "
                "(the drop folder, for files in a folder) on the Warehouse tab."
            )
        return FileTransport(folder, self._threepl_layouts(), settle_seconds=backend.threepl_settle_seconds)

    def _threepl_layouts(self):
        """The warehouse's CSV columns per file kind, from the backend's field mappings (flows ``file.<kind>``).

        A mapping's external path is the warehouse's column, its Odoo field the
        contract's key; a kind without mappings keeps the default layout.
        """
        layouts = {}
        for mapping in self.field_mapping_ids.filtered(lambda m: m.active and m.flow.startswith("file.")):
            layouts.setdefault(mapping.flow.removeprefix("file."), {})[mapping.target] = mapping.source
        return {kind: columns for kind, columns in layouts.items() if kind in LAYOUTS}

    def _threepl_install_layouts(self):
        """Give a file warehouse's backend the default layouts as field mappings, to edit for its warehouse."""
        for kind, columns in LAYOUTS.items():
            specs = [{"name": f"{kind}: {key}", "source": column, "target": key} for key, column in columns.items()]
            self._install_field_mappings(f"file.{kind}", specs)

    def action_threepl_setup(self):
        """Test the connection on the chosen transport, create the flows and say what to set at the warehouse."""
        return self._run_setup(ThreePLSetup, self._threepl_setup_summary)

    def _threepl_setup_summary(self, result):
        message = _(
            "%(connection)s. Flows created: %(flows)s.",
            connection=result["connection"],
            flows=", ".join(result["flows"]) or _("none, they were there"),
        )
        if result["callbacks"]:
            message += " " + _(
                "In the warehouse's portal, send despatch, cancellation and booking-in callbacks to %(url)s, "
                "signed with the backend's webhook secret.",
                url=result["url"],
            )
        return _("Warehouse connected"), message
