from odoo import _, api, fields, models

from odoo.addons.erp_integration_core.lib.errors import BusinessError
from odoo.addons.erp_integration_core.work import EXCHANGE

CUSTOMER_MOVES = ("out_invoice", "out_refund")


def notify_invoices_changed(moves):
    """Tell the channels that customer invoices were posted, reset, cancelled, paid or unpaid."""
    invoices = moves.filtered(lambda move: move.move_type in CUSTOMER_MOVES)
    if invoices:
        invoices.env["integration.backend"]._notify("invoice.changed", invoices, companies=invoices.company_id)


class AccountMove(models.Model):
    _name = "account.move"
    _inherit = ["account.move", "integration.linked.mixin"]

    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        exchange_id = self.env.context.get(EXCHANGE)
        if exchange_id and posted:
            posted._integration_audit_posting(self.env["integration.exchange"].browse(exchange_id))
        notify_invoices_changed(posted)
        return posted

    def _integration_post(self, backend):
        """Post documents the integration made: one dated in a locked period waits, or moves on by ``backend``'s policy.

        Odoo refuses to post into a period closed by a lock date; rather than
        fail with Odoo's words, the exchange waits saying which lock and what
        to do, or (policy ``first_open``) the document is dated on the first
        open date Odoo would use and says so in its chatter.
        """
        for move in self:
            has_tax = move._affect_tax_report()
            locks = move._get_violated_lock_dates(move.date, has_tax)
            if not locks:
                continue
            locked = self.env["res.company"]._format_lock_dates(locks)
            if backend.locked_period_policy != "first_open":
                raise BusinessError(
                    _(
                        "%(move)s is dated %(date)s, in a locked period (%(locks)s). Post it by hand on an open date, "
                        "or set the backend's policy for a document in a locked period to post on the first open "
                        "date, then press Retry.",
                        move=move.display_name,
                        date=fields.Date.to_string(move.date),
                        locks=locked,
                    )
                )
            first_open = move._get_accounting_date(move.date, has_tax, lock_dates=locks)
            move.message_post(
                body=_(
                    "Dated %(first_open)s, the first open date, instead of %(date)s, which is in a locked period "
                    "(%(locks)s).",
                    first_open=fields.Date.to_string(first_open),
                    date=fields.Date.to_string(move.date),
                    locks=locked,
                )
            )
            move.date = first_open
        self.action_post()

    def _integration_audit_posting(self, exchange):
        """Write each posting the suite made to the audit chain, against its exchange, with the entry's digest.

        The digest (``_integration_digests``) is what a later VAT return
        compares to find entries changed after the suite posted them; Odoo's
        own ``inalterable_hash`` is kept beside it where the journal is locked.
        """
        digests = self._integration_digests()
        self.env["integration.audit.log"]._log_many(
            [
                {
                    "event": "move.posted",
                    "company_id": move.company_id.id,
                    "backend_id": exchange.backend_id.id,
                    "exchange_id": exchange.id,
                    "res_model": move._name,
                    "res_id": move.id,
                    "details": {"digest": digests.get(move.id), "inalterable_hash": move.inalterable_hash or None},
                }
                for move in self
            ]
        )

    @api.model
    def _integration_digests(self, move_ids=None):
        """``{move id: SHA-256}`` of what the moves say for VAT: per journal item, its account, partner, date,
        balance and amount in currency, taxes and tax tags, in item order. One statement for any number of moves.
        """
        self.env.flush_all()
        lines = self.env["account.move.line"]
        taxes, tags = lines._fields["tax_ids"], lines._fields["tax_tag_ids"]
        self.env.cr.execute(
            f"""
            SELECT aml.move_id, encode(sha256(convert_to(string_agg(concat_ws('|',
                       aml.account_id, aml.partner_id, aml.date, aml.balance, aml.amount_currency, aml.currency_id,
                       aml.tax_line_id,
                       (SELECT string_agg(t.{taxes.column2}::text, ',' ORDER BY t.{taxes.column2})
                          FROM {taxes.relation} t WHERE t.{taxes.column1} = aml.id),
                       (SELECT string_agg(g.{tags.column2}::text, ',' ORDER BY g.{tags.column2})
                          FROM {tags.relation} g WHERE g.{tags.column1} = aml.id)
                   ), E'\n' ORDER BY aml.id), 'UTF8')), 'hex')
              FROM account_move_line aml
             WHERE aml.move_id = ANY(%s)
             GROUP BY aml.move_id
            """,
            [list(move_ids if move_ids is not None else self.ids)],
        )
        return dict(self.env.cr.fetchall())

    def button_draft(self):
        result = super().button_draft()
        notify_invoices_changed(self)
        return result

    def button_cancel(self):
        result = super().button_cancel()
        notify_invoices_changed(self)
        return result


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    def reconcile(self):
        result = super().reconcile()
        notify_invoices_changed(self.move_id)
        return result

    def remove_move_reconcile(self):
        # The invoices on the other side of each match lose their payment too.
        moves = (
            self.move_id | self.matched_debit_ids.debit_move_id.move_id | self.matched_credit_ids.credit_move_id.move_id
        )
        result = super().remove_move_reconcile()
        notify_invoices_changed(moves)
        return result
