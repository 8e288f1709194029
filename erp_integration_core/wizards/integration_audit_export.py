import base64
import csv
import io
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..lib import audit_chain

# What a row is re-checked from, then the same row in words.
COLUMNS = (*audit_chain.FIELDS, "prev_hash", "hash")
READABLE_COLUMNS = ("event_label", "summary", "actor")
PERIODS = [
    ("this_month", "This month"),
    ("last_month", "Last month"),
    ("this_quarter", "This quarter"),
    ("last_quarter", "Last quarter"),
    ("custom", "Custom"),
]


def period_dates(period, today):
    """``(first day, last day)`` of a named period around ``today``; None for a custom one."""
    month = today.replace(day=1)
    quarter = month.replace(month=(today.month - 1) // 3 * 3 + 1)
    starts = {
        "this_month": (month, relativedelta(months=1)),
        "last_month": (month - relativedelta(months=1), relativedelta(months=1)),
        "this_quarter": (quarter, relativedelta(months=3)),
        "last_quarter": (quarter - relativedelta(months=3), relativedelta(months=3)),
    }
    if period not in starts:
        return None
    start, length = starts[period]
    return start, start + length - timedelta(days=1)


class IntegrationAuditExport(models.TransientModel):
    """Verify the whole chain, then export a period's entries as CSV with the proof around them.

    The verification is always of the chain from its start; the file carries,
    per row, its place in the chain, the previous hash and its hash, and says
    in its header and footer what the chain's head was at export, which
    positions the file covers, and whether the chain verified (or where it
    broke). Lines that begin with ``#`` are that proof; the others are CSV.
    """

    _name = "integration.audit.export"
    _description = "Verify and Export Integration Audit Trail"

    period = fields.Selection(PERIODS, default="this_month", required=True)
    date_from = fields.Date(required=True, default=lambda self: fields.Date.context_today(self).replace(day=1))
    date_to = fields.Date(required=True, default=lambda self: fields.Date.context_today(self))
    backend_id = fields.Many2one(
        "integration.backend", string="Backend", help="Only this backend's entries; every backend's when empty."
    )
    state = fields.Selection([("draft", "To export"), ("done", "Exported")], default="draft", readonly=True)
    verified = fields.Boolean(string="Chain verified", readonly=True)
    verify_message = fields.Text(string="Verification", readonly=True)
    row_count = fields.Integer(string="Rows", readonly=True)
    first_seq = fields.Integer(string="First position", readonly=True)
    last_seq = fields.Integer(string="Last position", readonly=True)
    head_seq = fields.Integer(string="Chain head position", readonly=True)
    head_hash = fields.Char(string="Chain head hash", readonly=True)
    unsealed_count = fields.Integer(
        string="Not yet sealed", readonly=True, help="Entries of the period another sealer still held: not in the file."
    )
    file_data = fields.Binary(string="File", readonly=True, attachment=False)
    file_name = fields.Char(readonly=True)

    @api.depends("date_from", "date_to")
    def _compute_display_name(self):
        for wizard in self:
            wizard.display_name = _(
                "Audit trail %(date_from)s to %(date_to)s", date_from=wizard.date_from, date_to=wizard.date_to
            )

    @api.onchange("period")
    def _onchange_period(self):
        dates = period_dates(self.period, fields.Date.context_today(self))
        if dates:
            self.date_from, self.date_to = dates

    @api.constrains("date_from", "date_to")
    def _check_dates(self):
        for wizard in self:
            if wizard.date_from > wizard.date_to:
                raise ValidationError(_("The period ends before it starts."))

    # The period ---------------------------------------------------------------

    def _timezone(self):
        name = self.env.context.get("tz") or self.env.user.tz or "UTC"
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            return ZoneInfo("UTC")

    def _bounds(self):
        """The period's first and last day, in the user's time zone, as naive UTC datetimes ``[start, end)``."""
        self.ensure_one()
        zone = self._timezone()

        def utc(day):
            return datetime.combine(day, time.min, tzinfo=zone).astimezone(timezone.utc).replace(tzinfo=None)

        return utc(self.date_from), utc(self.date_to + timedelta(days=1))

    def _domain(self):
        start, end = self._bounds()
        domain = [("logged_at", ">=", start), ("logged_at", "<", end)]
        if self.backend_id:
            domain.append(("backend_id", "=", self.backend_id.id))
        return domain

    # The proof ----------------------------------------------------------------

    def _verify(self):
        """Seal, then verify the chain from its start; returns ``(result, head_seq, head_hash, message)``."""
        Audit = self.env["integration.audit.log"].sudo()
        Audit._seal()
        result = Audit._verify_chain()
        cr = self.env.cr
        cr.execute("SELECT last_seq, last_hash FROM integration_audit_chain WHERE id = 1")
        head_seq, head_hash = cr.fetchone()
        broken = result["broken"]
        if not broken:
            message = _("Passed: the chain verifies from its start, %(count)s entries intact.", count=result["checked"])
        else:
            position = "-"
            if broken.get("id"):
                cr.execute("SELECT chain_seq FROM integration_audit_log WHERE id = %s", [broken["id"]])
                found = cr.fetchone()
                position = found[0] if found and found[0] else "-"
            message = _(
                "FAILED: the chain is broken at entry %(id)s (chain position %(position)s): %(reason)s; "
                "the %(count)s entries before it are intact.",
                id=broken.get("id") or "-",
                position=position,
                reason=broken["reason"],
                count=result["checked"],
            )
        return result, head_seq, head_hash, message

    def _rows(self):
        """The period's sealed entries the user may read (record rules apply), raw, in chain order."""
        Audit = self.env["integration.audit.log"]
        # Searched as the user, so record rules limit the rows to their
        # companies; then read raw, so timestamps keep the precision they were
        # hashed with and every row can be re-checked from the file alone.
        allowed = Audit.search(self._domain())
        sealed = allowed.filtered("hash")
        rows = (
            Audit._select_rows("id IN %s ORDER BY chain_seq, id", [tuple(sealed.ids) or (0,)], len(sealed) or 1)
            if sealed
            else []
        )
        readable = {row.id: row for row in sealed}
        for row in rows:
            record = readable[row["id"]]
            row.update(event_label=record.event_label, summary=record.summary, actor=record.actor_name)
        return rows, len(allowed) - len(sealed)

    def _csv(self):
        self.ensure_one()
        result, head_seq, head_hash, message = self._verify()
        rows, unsealed = self._rows()
        start, end = self._bounds()
        first = rows[0]["chain_seq"] if rows else 0
        last = rows[-1]["chain_seq"] if rows else 0
        values = {
            "verified": not result["broken"],
            "verify_message": message,
            "row_count": len(rows),
            "first_seq": first,
            "last_seq": last,
            "head_seq": head_seq,
            "head_hash": head_hash,
            "unsealed_count": unsealed,
        }
        positions = (
            _("chain positions %(first)s to %(last)s", first=first, last=last) if rows else _("no chain position")
        )
        header = [
            _("Integration audit trail"),
            _(
                "Entries logged from %(date_from)s to %(date_to)s inclusive (%(zone)s); in UTC from %(start)s to "
                "before %(end)s; backend: %(backend)s",
                date_from=self.date_from,
                date_to=self.date_to,
                zone=self._timezone().key,
                start=start,
                end=end,
                backend=self.backend_id.name or _("all"),
            ),
            _(
                "Exported at %(at)s UTC by user %(uid)s; entries of companies the user cannot see are left out",
                at=fields.Datetime.now(),
                uid=self.env.uid,
            ),
            _("Chain verification: %(message)s", message=message),
            _("Chain head at export: position %(seq)s; hash %(hash)s", seq=head_seq, hash=head_hash),
            _("Rows in this file: %(count)s; %(positions)s", count=len(rows), positions=positions),
            _(
                "Each row: hash = SHA-256 of prev_hash; a line feed; and the JSON array of the columns chain_seq "
                "to details (the previous row's hash is prev_hash)"
            ),
        ]
        if unsealed:
            header.append(
                _("%(count)s entries of the period were not yet sealed and are not in this file", count=unsealed)
            )
        footer = [
            _(
                "End of export: %(count)s rows; first position %(first)s; last position %(last)s; chain head "
                "position %(seq)s hash %(hash)s; verification %(outcome)s",
                count=len(rows),
                first=first or "-",
                last=last or "-",
                seq=head_seq,
                hash=head_hash,
                outcome=_("passed") if not result["broken"] else _("FAILED (see the header)"),
            )
        ]
        buffer = io.StringIO()
        buffer.writelines(f"# {line}\r\n" for line in header)
        writer = csv.DictWriter(buffer, (*COLUMNS, *READABLE_COLUMNS), extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
        buffer.writelines(f"# {line}\r\n" for line in footer)
        return buffer.getvalue(), values

    def action_export(self):
        self.ensure_one()
        text, values = self._csv()
        self.write(
            dict(
                values,
                state="done",
                file_data=base64.b64encode(text.encode()),
                file_name=f"integration-audit-{self.date_from}-{self.date_to}.csv",
            )
        )
        self.env["integration.audit.log"]._log(
            "audit.exported",
            backend=self.backend_id or None,
            details={
                "date_from": str(self.date_from),
                "date_to": str(self.date_to),
                "backend": self.backend_id.id or None,
                "rows": values["row_count"],
                "first": values["first_seq"] or None,
                "last": values["last_seq"] or None,
                "head_seq": values["head_seq"],
                "head_hash": values["head_hash"],
                "verified": values["verified"],
            },
        )
        return {
            "type": "ir.actions.act_window",
            "name": _("Audit trail export"),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
        }

    def action_download(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{self._name}/{self.id}/file_data/{self.file_name}?download=true",
            "target": "self",
        }
