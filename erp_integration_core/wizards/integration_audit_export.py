import base64
import csv
import io

from odoo import fields, models

from ..lib import audit_chain

COLUMNS = (*audit_chain.FIELDS, "prev_hash", "hash")


class IntegrationAuditExport(models.TransientModel):
    """CSV of the audit trail for a period, with the hashes finance can re-check."""

    _name = "integration.audit.export"
    _description = "Export Integration Audit Trail"

    date_from = fields.Date(required=True, default=lambda self: fields.Date.today().replace(day=1))
    date_to = fields.Date(required=True, default=fields.Date.today)
    file_data = fields.Binary(readonly=True, attachment=False)
    file_name = fields.Char(readonly=True)

    def _csv(self):
        self.ensure_one()
        Audit = self.env["integration.audit.log"]
        Audit._seal()
        # Searched as the user, so record rules limit the rows to their
        # companies; then read raw, so timestamps keep the precision they were
        # hashed with and every row can be re-checked from the file alone.
        allowed = Audit.search(
            [
                ("logged_at", ">=", fields.Datetime.to_datetime(self.date_from)),
                ("logged_at", "<", fields.Datetime.add(fields.Datetime.to_datetime(self.date_to), days=1)),
            ]
        )
        rows = Audit._select_rows("id IN %s ORDER BY chain_seq, id", [tuple(allowed.ids) or (0,)], len(allowed) or 1)
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, COLUMNS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
        return buffer.getvalue()

    def action_export(self):
        self.ensure_one()
        self.write(
            {
                "file_data": base64.b64encode(self._csv().encode()),
                "file_name": f"integration-audit-{self.date_from}-{self.date_to}.csv",
            }
        )
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{self._name}/{self.id}/file_data/{self.file_name}?download=true",
            "target": "self",
        }
