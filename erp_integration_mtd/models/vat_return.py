"""A UK VAT return for a period: the nine boxes from posted journal items, each traced to its source.

The boxes come from ``l10n_uk``'s tax report: each box's tax tags, with the
report's sign (a formula ``-1`` counts the credit of tag ``1`` as positive),
summed over the company's posted journal items of the period. Boxes 1 to 5
are in pounds and pence; 6 to 9 in whole pounds, pence dropped, as HMRC asks.
Box 5 is the difference between boxes 3 and 4, never negative, with whether it
is to pay or to reclaim said beside it.

Every journal item counted is kept as a line of the return: its box, what it
added, its document and, for documents the suite created or changed, the
exchange behind it (channel, external reference, payload SHA-256, received
and processed times): the digital link from the box to the payload.
"""

import base64
import csv
import io
import json
from datetime import date, datetime, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

import xlsxwriter
from markupsafe import Markup

from odoo import _, api, fields, models, release
from odoo.exceptions import UserError
from odoo.http import request

from odoo.addons.erp_integration_core.lib import errors

from ..lib import hmrc

CENT, POUND = Decimal("0.01"), Decimal("1")
# The boxes held by tags, the report line that holds each, and whether pence count.
TAGGED = {"1": ("UKTAX_1", CENT), "2": ("UKTAX_2", CENT), "4": ("UKTAX_4", CENT)}
TAGGED |= {box: (f"UKTAX_{box}", POUND) for box in ("6", "7", "8", "9")}
BOXES = [
    ("1", "VAT due on sales and other outputs"),
    ("2", "VAT due on acquisitions from the EU (Northern Ireland)"),
    ("3", "Total VAT due"),
    ("4", "VAT reclaimed on purchases and other inputs"),
    ("5", "Net VAT to pay or reclaim"),
    ("6", "Total sales excluding VAT"),
    ("7", "Total purchases excluding VAT"),
    ("8", "Supplies of goods to the EU excluding VAT"),
    ("9", "Acquisitions of goods from the EU excluding VAT"),
]


class IntegrationVatReturn(models.Model):
    _name = "integration.vat.return"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _description = "VAT return (Making Tax Digital)"
    _order = "date_from desc, id desc"

    name = fields.Char(compute="_compute_name", store=True)
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    date_from = fields.Date(string="From", required=True)
    date_to = fields.Date(string="To", required=True)
    period_key = fields.Char(help="HMRC's key of the obligation this return meets, e.g. 24A1.")
    due_date = fields.Date(readonly=True)
    backend_id = fields.Many2one(
        "integration.backend",
        string="HMRC backend",
        domain="[('channel', '=', 'hmrc'), ('company_id', '=', company_id)]",
    )
    state = fields.Selection([("draft", "Draft"), ("submitted", "Submitted")], default="draft", readonly=True)
    declaration = fields.Boolean(
        string="I confirm the return is true and complete",
        help="HMRC's declaration: when you submit this VAT information you are making a legal declaration that "
        "the information is true and complete.",
    )
    hmrc_client_info = fields.Char(help="What the browser reported for HMRC's fraud prevention headers.")
    submitted_at = fields.Datetime(readonly=True)
    submitted_by = fields.Many2one("res.users", readonly=True, copy=False)
    processing_date = fields.Char(string="HMRC processing date", readonly=True)
    form_bundle_number = fields.Char(readonly=True)
    payment_indicator = fields.Char(readonly=True)
    charge_ref_number = fields.Char(string="Charge reference", readonly=True)
    receipt_id = fields.Char(string="HMRC receipt id", readonly=True)
    computed_at = fields.Datetime(readonly=True)
    box1 = fields.Monetary(string="Box 1", readonly=True)
    box2 = fields.Monetary(string="Box 2", readonly=True)
    box3 = fields.Monetary(string="Box 3", readonly=True)
    box4 = fields.Monetary(string="Box 4", readonly=True)
    box5 = fields.Monetary(string="Box 5", readonly=True)
    box6 = fields.Monetary(string="Box 6", readonly=True)
    box7 = fields.Monetary(string="Box 7", readonly=True)
    box8 = fields.Monetary(string="Box 8", readonly=True)
    box9 = fields.Monetary(string="Box 9", readonly=True)
    changed_since_filed = fields.Boolean(
        readonly=True,
        copy=False,
        tracking=True,
        help="An entry of the period was posted, reset or cancelled after the return was filed: what HMRC holds "
        "no longer matches the ledger. Correct it in the next return (or tell HMRC, form VAT652, if the error is "
        "large), then clear the flag.",
    )
    hmrc_account = fields.Html(string="At HMRC", readonly=True, copy=False, sanitize=True)
    hmrc_account_read_at = fields.Datetime(string="Read from HMRC", readonly=True, copy=False)
    to_reclaim = fields.Boolean(readonly=True, help="Box 4 exceeds box 3: HMRC owes the business box 5.")
    line_ids = fields.One2many("integration.vat.return.line", "return_id", string="Journal items", readonly=True)
    unlinked_count = fields.Integer(
        compute="_compute_counts", string="Items without a source payload", help="Keyed in Odoo, not received."
    )
    flagged_count = fields.Integer(
        compute="_compute_counts",
        string="Items flagged",
        help="Documents the integration posted that have no exchange behind them, or that changed after it "
        "posted them: look at each before submitting.",
    )

    _period_valid = models.Constraint("CHECK(date_from <= date_to)", "A return's period cannot end before it starts.")

    @api.depends("date_from", "date_to")
    def _compute_name(self):
        for vat_return in self:
            vat_return.name = _("VAT return %(start)s – %(end)s", start=vat_return.date_from, end=vat_return.date_to)

    @api.depends("line_ids.payload_sha256", "line_ids.flag")
    def _compute_counts(self):
        for vat_return in self:
            vat_return.unlinked_count = len(vat_return.line_ids.filtered(lambda line: not line.payload_sha256))
            vat_return.flagged_count = len(vat_return.line_ids.filtered("flag"))

    def _tags(self):
        """Per tagged box, its ``(tags, sign)`` pairs, from l10n_uk's tax report."""
        report = self.env.ref("l10n_uk.tax_report")
        lines = {line.code: line for line in report.line_ids if line.code}
        boxes = {}
        for box, (code, _unit) in TAGGED.items():
            if code not in lines:
                raise UserError(_("The UK tax report has no line %(code)s: update the l10n_uk module.", code=code))
            expressions = lines[code].expression_ids.filtered(lambda expression: expression.engine == "tax_tags")
            boxes[box] = [
                (expression._get_matching_tags(), -1 if expression.formula.startswith("-") else 1)
                for expression in expressions
            ]
        return boxes

    def action_compute(self):
        """Compute the nine boxes from the posted journal items of the period, and keep what each box counted."""
        if any(vat_return.state == "submitted" for vat_return in self):
            raise UserError(_("A submitted return is what HMRC holds: it is not computed again."))
        for vat_return in self:
            vat_return._compute_boxes()
        return True

    def _boxes(self):
        return {str(box): Decimal(str(self[f"box{box}"])) for box in range(1, 10)}

    def action_submit(self):
        """File the return with HMRC: an outbound exchange sent now, from this request, with its fraud headers."""
        self.ensure_one()
        if self.state == "submitted":
            raise UserError(_("This return was submitted on %(when)s.", when=self.submitted_at))
        if not self.computed_at or not self.period_key or not self.backend_id:
            raise UserError(_("Compute the return, give it HMRC's period key and its HMRC backend, then submit."))
        if not self.declaration:
            raise UserError(_("Confirm the declaration that the return is true and complete, then submit."))
        headers = hmrc.fraud_headers(self._browser_info(), self._server_info())
        backend = self.backend_id
        vrn = backend._hmrc_vrn()
        body = hmrc.return_body(self.period_key, self._boxes(), self.declaration)
        # Each press is an attempt of its own: one HMRC refused stays in the exception queue as it was.
        attempt = (
            self.env["integration.exchange"]
            .sudo()
            .search_count(
                [("backend_id", "=", backend.id), ("flow", "=", "vat.submit"), ("external_id", "=", self.period_key)]
            )
        )
        # Filed by an accounting manager, recorded as the integration's own exchange, which they need not manage.
        exchange = backend.sudo()._send(
            "vat.submit",
            {"return": self.id, "vrn": vrn, "body": body},
            f"vat.submit:{vrn}:{self.period_key}:{attempt + 1}",
            external_type="VatReturn",
            external_id=self.period_key,
        )
        # Sent here rather than by its job: HMRC wants the fraud headers of the request that asked.
        exchange.with_context(hmrc_fraud_headers=headers)._apply()
        if exchange.state == "done":
            message, kind = (
                _("HMRC received the return: form bundle %(number)s.", number=self.form_bundle_number),
                "success",
            )
        else:
            message, kind = exchange.message, "danger"
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": _("VAT return"),
                "message": message,
                "type": kind,
                "sticky": kind != "success",
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def action_read_hmrc_account(self):
        """What HMRC holds for this period: the return as filed (checked against this one), charges and payments.

        Read from the user's own request, with its fraud prevention headers,
        as HMRC asks of every call a person makes; kept on the return as read.
        """
        self.ensure_one()
        if not self.backend_id or not self.period_key:
            raise UserError(_("Give the return its HMRC backend and period key first."))
        today = fields.Date.context_today(self)
        if self.date_from > today:
            raise UserError(_("HMRC has nothing yet for a period that has not started."))
        backend = self.backend_id
        try:
            client = backend._hmrc_client(hmrc.fraud_headers(self._browser_info(), self._server_info()))
            vrn = backend._hmrc_vrn()
            filed = client.filed_return(vrn, self.period_key) if self.state == "submitted" else None
            # HMRC answers for at most a year, never beyond today.
            until = min(self.date_from + timedelta(days=364), today)
            liabilities = client.liabilities(vrn, self.date_from, until)
            payments = client.payments(vrn, self.date_from, until)
        except errors.IntegrationError as err:
            raise UserError(err.message) from None
        differences = self._filed_differences(filed) if filed else []
        self.write(
            {
                "hmrc_account": self._account_html(filed, differences, liabilities, payments),
                "hmrc_account_read_at": fields.Datetime.now(),
            }
        )
        if differences:
            self.message_post(
                body=_("HMRC holds different figures for %(boxes)s.", boxes=", ".join(differences)),
                subtype_xmlid="mail.mt_note",
            )
        return True

    def _filed_differences(self, filed):
        """The boxes whose figure HMRC holds differs from this return's, by name (``box 1``…)."""
        ours = hmrc.return_body(self.period_key, self._boxes(), True)
        return [
            _("box %s", number)
            for number, name in enumerate(hmrc.BOX_NAMES, 1)
            if Decimal(str(filed.get(name, 0))) != Decimal(str(ours[name]))
        ]

    def _account_html(self, filed, differences, liabilities, payments):
        """HMRC's figures as small tables for the form (escaped: they come from outside)."""

        def table(header, rows):
            head = Markup("").join(Markup("<th>%s</th>") % cell for cell in header)
            body = Markup("").join(
                Markup("<tr>%s</tr>") % Markup("").join(Markup("<td>%s</td>") % cell for cell in row) for row in rows
            )
            return Markup('<table class="table table-sm"><thead><tr>%s</tr></thead><tbody>%s</tbody></table>') % (
                head,
                body,
            )

        parts = []
        if filed:
            verdict = (
                _("Differs from this return in %s.", ", ".join(differences))
                if differences
                else _("Matches this return, box for box.")
            )
            parts.append(Markup("<h5>%s</h5><p>%s</p>") % (_("The return as filed"), verdict))
        parts.append(Markup("<h5>%s</h5>") % _("Liabilities"))
        parts.append(
            table(
                [_("Period"), _("Type"), _("Charged"), _("Outstanding"), _("Due")],
                [
                    [
                        "{from} – {to}".format(**{"from": "", "to": "", **(item.get("taxPeriod") or {})}),
                        item.get("type", ""),
                        item.get("originalAmount", ""),
                        item.get("outstandingAmount", ""),
                        item.get("due", ""),
                    ]
                    for item in liabilities
                ]
                or [[_("None"), "", "", "", ""]],
            )
        )
        parts.append(Markup("<h5>%s</h5>") % _("Payments"))
        parts.append(
            table(
                [_("Amount"), _("Received")],
                [[item.get("amount", ""), item.get("received", "")] for item in payments] or [[_("None"), ""]],
            )
        )
        return Markup("").join(parts)

    def _browser_info(self):
        try:
            info = json.loads(self.hmrc_client_info or "{}")
        except ValueError:
            info = {}
        return info if isinstance(info, dict) else {}

    def _server_info(self):
        """The request's side of the fraud prevention data: where the user reached this server from, and when."""
        environ = request.httprequest.environ if request else {}
        mfa = None
        if "totp_enabled" in self.env.user._fields and self.env.user.totp_enabled:
            mfa = ("TOTP", fields.Datetime.now().strftime("%Y-%m-%dT%H:%MZ"), str(self.env.user.id))
        return {
            "client_ip": environ.get("REMOTE_ADDR"),
            "client_port": environ.get("REMOTE_PORT"),
            "at": fields.Datetime.now().strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "user": self.env.user.login,
            "server_ip": self.backend_id.hmrc_vendor_ip,
            "version": release.version,
            "mfa": mfa,
        }

    def _record_receipt(self, receipt, exchange):
        """HMRC's receipt on the return, and in the audit chain (references, never amounts or people)."""
        self.write(
            {
                "state": "submitted",
                "submitted_at": fields.Datetime.now(),
                "submitted_by": self.env.user.id,
                "processing_date": receipt.get("processingDate"),
                "form_bundle_number": receipt.get("formBundleNumber"),
                "payment_indicator": receipt.get("paymentIndicator"),
                "charge_ref_number": receipt.get("chargeRefNumber"),
                "receipt_id": receipt.get("receiptId"),
            }
        )
        exchange._link(self, "updated", ["state", "form_bundle_number"])
        self.env["integration.audit.log"]._log(
            "vat.return.submitted",
            record=self,
            backend=self.backend_id,
            exchange=exchange,
            details={
                "period": self.period_key,
                "form_bundle": receipt.get("formBundleNumber"),
                "receipt": receipt.get("receiptId"),
                "body_sha256": exchange.payload_sha256,
            },
        )

    def _compute_boxes(self):
        """The boxes and their lines in a few statements, so that a quarter of thousands of invoices takes seconds.

        Each tagged box's journal items are copied into the return's lines with
        what they add (the balance, with the report's sign) and the first
        exchange linked to their document; the boxes are the lines' sums, in
        ``numeric``, so nothing passes through a float before it is rounded.
        """
        self.ensure_one()
        cr = self.env.cr
        self.env.flush_all()
        # The return's own lines, owned by it alone: replaced wholesale.
        cr.execute("DELETE FROM integration_vat_return_line WHERE return_id = %s", [self.id])
        field = self.env["account.move.line"]._fields["tax_tag_ids"]
        for box, pairs in self._tags().items():
            for tags, sign in pairs:
                if not tags:
                    continue
                # Raw SQL for speed; the company is the return's, which its reader may see (record rule).
                cr.execute(
                    f"""
                    INSERT INTO integration_vat_return_line (
                        return_id, company_id, box, move_line_id, move_id, date, amount, exchange_ref,
                        source_channel, external_id, payload_sha256, received_at, processed_at,
                        create_uid, write_uid, create_date, write_date
                    )
                    SELECT %(return)s, aml.company_id, %(box)s, aml.id, aml.move_id, aml.date, aml.balance * %(sign)s,
                           ex.id, backend.channel, ex.external_id, ex.payload_sha256, ex.create_date, ex.processed_at,
                           %(uid)s, %(uid)s, now() at time zone 'UTC', now() at time zone 'UTC'
                      FROM account_move_line aml
                      JOIN {field.relation} rel ON rel.{field.column1} = aml.id AND rel.{field.column2} = ANY(%(tags)s)
                      LEFT JOIN LATERAL (
                            SELECT link.exchange_id FROM integration_exchange_link link
                             WHERE link.res_model = 'account.move' AND link.res_id = aml.move_id
                             ORDER BY link.id LIMIT 1
                      ) first_link ON TRUE
                      LEFT JOIN integration_exchange ex ON ex.id = first_link.exchange_id
                      LEFT JOIN integration_backend backend ON backend.id = ex.backend_id
                     WHERE aml.company_id = %(company)s AND aml.parent_state = 'posted'
                       AND aml.date >= %(start)s AND aml.date <= %(end)s
                    """,
                    {
                        "return": self.id,
                        "box": box,
                        "sign": sign,
                        "uid": self.env.uid,
                        "tags": tags.ids,
                        "company": self.company_id.id,
                        "start": self.date_from,
                        "end": self.date_to,
                    },
                )
        self._flag_lines()
        cr.execute(
            "SELECT box, SUM(amount) FROM integration_vat_return_line WHERE return_id = %s GROUP BY box", [self.id]
        )
        totals = dict.fromkeys(TAGGED, Decimal(0)) | {box: Decimal(total) for box, total in cr.fetchall()}
        self.invalidate_recordset(["line_ids"])
        boxes = {box: totals[box].quantize(CENT, rounding=ROUND_HALF_UP) for box in ("1", "2", "4")}
        # Whole pounds: the pence are dropped, towards zero.
        boxes |= {box: totals[box].quantize(POUND, rounding=ROUND_DOWN) for box in ("6", "7", "8", "9")}
        boxes["3"] = boxes["1"] + boxes["2"]
        boxes["5"] = abs(boxes["3"] - boxes["4"])
        self.write(
            {
                **{f"box{box}": float(value) for box, value in boxes.items()},
                "to_reclaim": boxes["4"] > boxes["3"],
                "computed_at": fields.Datetime.now(),
            }
        )

    def _flag_lines(self):
        """Flag the lines of documents the suite posted that lost their link or changed since it posted them.

        Each posting by the suite is in the audit chain with the entry's digest
        (``move.posted``); the digest now is computed the same way, in SQL, for
        every such document of the return at once.
        """
        cr = self.env.cr
        cr.execute(
            """
            SELECT DISTINCT ON (log.res_id) log.res_id, log.details::jsonb->>'digest'
              FROM integration_audit_log log
             WHERE log.event = 'move.posted' AND log.res_model = 'account.move'
               AND log.res_id IN (SELECT move_id FROM integration_vat_return_line WHERE return_id = %s)
             ORDER BY log.res_id, log.id DESC
            """,
            [self.id],
        )
        posted = dict(cr.fetchall())
        now = self.env["account.move"]._integration_digests(list(posted))
        changed = [move_id for move_id, digest in posted.items() if now.get(move_id) != digest]
        cr.execute(
            """
            UPDATE integration_vat_return_line
               SET flag = CASE WHEN move_id = ANY(%(changed)s) THEN 'changed' ELSE 'unlinked' END
             WHERE return_id = %(return)s AND move_id = ANY(%(posted)s)
               AND (move_id = ANY(%(changed)s) OR exchange_ref IS NULL)
            """,
            {"return": self.id, "changed": changed, "posted": list(posted)},
        )

    def action_open_flagged(self):
        """The journal items of documents to look at before submitting."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("%(name)s: flagged items", name=self.name),
            "res_model": "integration.vat.return.line",
            "view_mode": "list,form",
            "domain": [("return_id", "=", self.id), ("flag", "!=", False)],
            "context": {"create": False},
        }

    def action_open_box(self):
        """The journal items behind one box (``box`` in the context): the drill-down."""
        self.ensure_one()
        box = self.env.context.get("box")
        return {
            "type": "ir.actions.act_window",
            "name": _("%(name)s: box %(box)s", name=self.name, box=box),
            "res_model": "integration.vat.return.line",
            "view_mode": "list,form",
            "domain": [("return_id", "=", self.id), ("box", "=", box)],
            "context": {"create": False},
        }

    @api.model
    def _alert_filed_periods(self, moves):
        """Tell finance when entries that count for VAT change in a period already filed with HMRC.

        One activity per return (for the accounting managers' first member or
        whoever filed it) and a message naming the documents; the return keeps
        the flag until someone clears it.
        """
        taxed = moves.filtered(lambda move: move.line_ids.tax_tag_ids)
        if not taxed:
            return
        filed = self.sudo().search(
            [
                ("state", "=", "submitted"),
                ("company_id", "in", taxed.company_id.ids),
                ("date_from", "<=", max(taxed.mapped("date"))),
                ("date_to", ">=", min(taxed.mapped("date"))),
            ]
        )
        for vat_return in filed:
            changed = taxed.filtered(
                lambda move, r=vat_return: move.company_id == r.company_id and r.date_from <= move.date <= r.date_to
            )
            if not changed:
                continue
            names = ", ".join(changed.mapped("display_name"))
            vat_return.message_post(
                body=_("Changed after filing with HMRC: %(documents)s.", documents=names), subtype_xmlid="mail.mt_note"
            )
            if not vat_return.changed_since_filed:
                vat_return.changed_since_filed = True
                vat_return.activity_schedule(
                    "mail.mail_activity_data_todo",
                    summary=_("Filed VAT period changed"),
                    note=_(
                        "Entries of %(period)s changed after the return was filed (%(documents)s). Correct it in the "
                        "next return, or tell HMRC if the error is large, then clear the flag on the return.",
                        period=vat_return.name,
                        documents=names,
                    ),
                    user_id=vat_return._finance_user().id,
                )

    def _finance_user(self):
        """Who hears of a filed period that changed: who filed it, else an accounting manager of the company."""
        managers = self.env.ref("account.group_account_manager").user_ids.filtered(
            lambda user: self.company_id in user.company_ids and not user.share
        )
        return self.submitted_by or managers[:1] or self.env.user

    def action_clear_changed(self):
        """Finance has dealt with the change (next return, or HMRC told): the flag and its activity go."""
        self.write({"changed_since_filed": False})
        self.activity_ids.filtered(lambda activity: activity.summary == _("Filed VAT period changed")).action_done()

    def _export_tables(self):
        """The return and its drill-down as two tables of ``(header, rows)``: the boxes, then every journal item."""
        boxes = (["Box", "Description", "Value"], [[box, label, self[f"box{box}"]] for box, label in BOXES])
        header = [
            "Box",
            "Date",
            "Document",
            "Account",
            "Amount",
            "Source",
            "External reference",
            "Payload SHA-256",
            "Received",
            "Processed",
            "Flag",
        ]
        flags = dict(self.env["integration.vat.return.line"]._fields["flag"].selection)
        rows = [
            [
                line.box,
                line.date,
                line.move_id.name,
                line.move_line_id.account_id.code,
                line.amount,
                line.source_channel or "",
                line.external_id or "",
                line.payload_sha256 or "",
                line.received_at or "",
                line.processed_at or "",
                flags.get(line.flag, ""),
            ]
            for line in self.line_ids.sorted(lambda line: (line.box, line.date or fields.Date.today(), line.id))
        ]
        return boxes, (header, rows)

    def _csv(self):
        """The return and its drill-down as CSV, for the accountant."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        (box_header, box_rows), (header, rows) = self._export_tables()
        writer.writerow(box_header)
        writer.writerows([[box, label, f"{value:.2f}"] for box, label, value in box_rows])
        writer.writerow([])
        writer.writerow(header)
        writer.writerows(
            [[f"{value:.2f}" if column == 4 else value for column, value in enumerate(row)] for row in rows]
        )
        return out.getvalue()

    def _xlsx(self):
        """The return and its drill-down as a workbook: the boxes on one sheet, the journal items on another."""
        out = io.BytesIO()
        workbook = xlsxwriter.Workbook(out, {"in_memory": True, "default_date_format": "yyyy-mm-dd"})
        bold = workbook.add_format({"bold": True})
        money = workbook.add_format({"num_format": "#,##0.00"})
        moment = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        for name, (header, rows) in zip(("Return", "Journal items"), self._export_tables(), strict=True):
            sheet = workbook.add_worksheet(name)
            sheet.write_row(0, 0, header, bold)
            for number, row in enumerate(rows, start=1):
                for column, value in enumerate(row):
                    if isinstance(value, float):
                        sheet.write_number(number, column, value, money)
                    elif isinstance(value, datetime):
                        sheet.write_datetime(number, column, value, moment)
                    elif isinstance(value, date):
                        sheet.write_datetime(number, column, datetime.combine(value, datetime.min.time()))
                    else:
                        sheet.write(number, column, value)
            sheet.freeze_panes(1, 0)
            # Wide enough for a date and time, a document number or an amount; a hash overflows readably.
            sheet.set_column(0, len(header) - 1, 20)
        workbook.close()
        return out.getvalue()

    def action_export_csv(self):
        return self._download("csv", "text/csv", self._csv().encode("utf-8-sig"))

    def action_export_xlsx(self):
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        return self._download("xlsx", mimetype, self._xlsx())

    def _download(self, extension, mimetype, data):
        self.ensure_one()
        if not self.computed_at:
            raise UserError(_("Compute the return first."))
        attachment = self.env["ir.attachment"].create(
            {
                "name": f"vat-return-{self.date_from}-{self.date_to}.{extension}",
                "datas": base64.b64encode(data),
                "res_model": self._name,
                "res_id": self.id,
                "mimetype": mimetype,
            }
        )
        return {"type": "ir.actions.act_url", "url": f"/web/content/{attachment.id}?download=true", "target": "self"}


class IntegrationVatReturnLine(models.Model):
    _name = "integration.vat.return.line"
    _description = "Journal item counted in a VAT return box"
    _order = "box, date, id"

    return_id = fields.Many2one("integration.vat.return", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="return_id.company_id", store=True)
    currency_id = fields.Many2one(related="return_id.currency_id")
    box = fields.Selection([(box, f"{box}: {label}") for box, label in BOXES], required=True)
    move_line_id = fields.Many2one("account.move.line", string="Journal item", required=True, ondelete="cascade")
    move_id = fields.Many2one(related="move_line_id.move_id", string="Document", store=True)
    date = fields.Date(related="move_line_id.date", store=True)
    partner_id = fields.Many2one(related="move_line_id.partner_id")
    amount = fields.Monetary(help="What this journal item adds to the box, with the report's sign.")
    exchange_ref = fields.Integer(string="Exchange", help="The id of the exchange behind the document.")
    source_channel = fields.Char(string="Source")
    external_id = fields.Char(string="External reference")
    payload_sha256 = fields.Char(string="Payload SHA-256")
    received_at = fields.Datetime(string="Received")
    processed_at = fields.Datetime(string="Processed")
    flag = fields.Selection(
        [
            ("unlinked", "Posted by the integration, no exchange behind it"),
            ("changed", "Changed after the integration posted it"),
        ],
        readonly=True,
        help="The audit chain holds the document as the integration posted it; this is how it differs now.",
    )

    def action_open_exchange(self):
        """The exchange behind this line's document (integration users and auditors)."""
        self.ensure_one()
        return self.env["integration.exchange"].browse(self.exchange_ref)._action_open()
