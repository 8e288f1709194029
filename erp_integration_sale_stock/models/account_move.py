from odoo import models

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
        notify_invoices_changed(posted)
        return posted

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
