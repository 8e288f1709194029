"""What finance did with a won deal, back on the deal in HubSpot: invoice, status, amount due, payment date.

Sales work in HubSpot and need to see whether the customer was invoiced and
has paid, and which customers are on credit hold, without an Odoo login. The
figures are the suite's own deal and company properties (made by Set up); a
deal's are written only when they differ from what was last sent, so a run
after nothing changed sends nothing. Each batch of at most 100 deals (or
companies) is an outbound exchange; its job reads the figures afresh when it
sends them, so a batch retried after a newer one can never put older figures
back, and the HubSpot client paces the calls under the portal's rate limit.
"""

import uuid
from decimal import Decimal

from odoo import fields

from odoo.addons.erp_integration_core.lib.errors import BusinessError
from odoo.addons.erp_integration_core.work import Component

from .lib.client import BATCH_SIZE

# The suite's properties: (object type, name, label, type, field type, options).
STATUSES = (
    ("invoiced", "Invoiced"),
    ("partially_paid", "Partially paid"),
    ("paid", "Paid"),
    ("overdue", "Overdue"),
    ("credited", "Credited"),
)
YES_NO = (("true", "Yes"), ("false", "No"))
PROPERTIES = (
    ("deals", "odoo_sale_order", "Odoo sale order", "string", "text", ()),
    ("deals", "odoo_invoice_number", "Odoo invoice number", "string", "text", ()),
    ("deals", "odoo_invoice_status", "Odoo invoice status", "enumeration", "select", STATUSES),
    ("deals", "odoo_amount_invoiced", "Odoo amount invoiced", "number", "number", ()),
    ("deals", "odoo_amount_due", "Odoo amount due", "number", "number", ()),
    ("deals", "odoo_payment_date", "Odoo last payment date", "date", "date", ()),
    ("companies", "odoo_amount_overdue", "Odoo amount overdue", "number", "number", ()),
    (
        "companies",
        "odoo_credit_hold",
        "Odoo credit hold",
        "bool",
        "booleancheckbox",
        (("true", "Yes"), ("false", "No")),
    ),
)
OWN_PROPERTIES = frozenset(name for _kind, name, *_rest in PROPERTIES)
KINDS = {"deals": "sale.order", "companies": "res.partner"}
PAID = ("paid", "in_payment")


def _amount(value, currency):
    """An amount as HubSpot's number property takes it: a string, rounded to the currency."""
    return str(Decimal(str(currency.round(value))).quantize(Decimal(10) ** -currency.decimal_places))


def deal_status(sale, today):
    """The invoice figures of a sale order, as deal properties; None while nothing is invoiced.

    Credit notes count against the invoices they credit. The status says the
    most pressing thing: credited (nothing left once credit notes are taken
    off), paid, overdue (something due before ``today`` is unpaid), partly
    paid, or invoiced.
    """
    moves = sale.invoice_ids.filtered(lambda move: move.state == "posted")
    invoices = moves.filtered(lambda move: move.move_type == "out_invoice")
    if not invoices:
        return None
    refunds = moves - invoices
    currency = sale.currency_id
    invoiced = sum(invoices.mapped("amount_total")) - sum(refunds.mapped("amount_total"))
    due = sum(invoices.mapped("amount_residual")) - sum(refunds.mapped("amount_residual"))
    overdue = invoices.filtered(
        lambda move: move.invoice_date_due and move.invoice_date_due < today and move.payment_state not in PAID
    )
    if refunds and currency.is_zero(invoiced):
        status = "credited"
    elif currency.compare_amounts(due, 0) <= 0:
        status = "paid"
    elif overdue:
        status = "overdue"
    elif any(move.payment_state == "partial" for move in invoices) or currency.compare_amounts(due, invoiced) < 0:
        status = "partially_paid"
    else:
        status = "invoiced"
    paid_on = [
        partial.max_date
        for line in invoices.line_ids
        if line.account_type == "asset_receivable"
        for partial in line.matched_credit_ids
    ]
    return {
        "odoo_sale_order": sale.name,
        "odoo_invoice_number": ", ".join(invoices.sorted("name").mapped("name")),
        "odoo_invoice_status": status,
        "odoo_amount_invoiced": _amount(invoiced, currency),
        "odoo_amount_due": _amount(max(due, 0), currency),
        "odoo_payment_date": max(paid_on).isoformat() if paid_on else "",
    }


def company_status(partner, today):
    """What the company owes past its due dates, in the company's currency, and whether that puts it on hold."""
    company = partner.env.company
    lines = partner.env["account.move.line"].search(
        [
            ("partner_id", "child_of", partner.commercial_partner_id.id),
            ("account_type", "=", "asset_receivable"),
            ("parent_state", "=", "posted"),
            ("reconciled", "=", False),
            ("date_maturity", "<", today),
            ("company_id", "=", company.id),
        ]
    )
    overdue = sum(lines.mapped("amount_residual"))
    currency = company.currency_id
    return {
        "odoo_amount_overdue": _amount(max(overdue, 0), currency),
        "odoo_credit_hold": "true" if currency.compare_amounts(overdue, 0) > 0 else "false",
    }


class InvoiceStatus(Component):
    """Queue (``push``) and send (``send``) the invoice figures of the deals and companies this backend imported."""

    def __init__(self, work):
        super().__init__(work)
        self.Binding = self.env["integration.binding"]
        self.today = fields.Date.context_today(self.backend)

    def _bindings(self, kind):
        bindings = self.Binding.search([("backend_id", "=", self.backend.id), ("res_model", "=", KINDS[kind])])
        if kind == "companies":
            # Only companies that became customers: contacts' bindings are people.
            partners = self.env["res.partner"].browse(bindings.mapped("res_id")).exists()
            customers = set(partners.filtered(lambda partner: partner.is_company and partner.sale_order_ids).ids)
            return bindings.filtered(lambda binding: binding.res_id in customers)
        return bindings

    def _values(self, kind, binding):
        record = self.env[KINDS[kind]].browse(binding.res_id).with_company(self.company)
        if not record.exists():
            return None
        record = record.with_context(active_test=False)
        return deal_status(record, self.today) if kind == "deals" else company_status(record, self.today)

    def push(self):
        """Queue the figures of every deal and customer company whose figures changed since they were last sent."""
        run = uuid.uuid4().hex  # each run's batches are new messages
        queued = {}
        for kind in KINDS:
            changed = [
                binding.id
                for binding in self._bindings(kind)
                if (values := self._values(kind, binding)) is not None and values != (binding.synced_values or None)
            ]
            for number, start in enumerate(range(0, len(changed), BATCH_SIZE)):
                self.backend._send(
                    "invoices.push",
                    {"object_type": kind, "bindings": changed[start : start + BATCH_SIZE]},
                    f"invoices.push:{kind}:{run}:{number}",
                    external_type=kind,
                )
            queued[kind] = len(changed)
        return {"deals": queued["deals"], "companies": queued["companies"], "at": fields.Datetime.now().isoformat()}

    def send(self, payload):
        """Job of an ``invoices.push`` exchange: one batch update with the figures as they are now."""
        kind = payload["object_type"]
        bindings = self.Binding.browse(payload["bindings"]).exists()
        inputs, sent = [], {}
        for binding in bindings:
            values = self._values(kind, binding)
            if values is not None and values != (binding.synced_values or None):
                inputs.append({"id": binding.external_id, "properties": values})
                sent[binding.external_id] = (binding, values)
        if not inputs:
            return {"sent": 0, "reason": "every figure was already sent"}
        answer = self.client.batch_update(kind, inputs)
        updated = {str(result.get("id")) for result in answer.get("results") or ()}
        problems = [error for error in answer.get("errors") or () if error.get("category") != "OBJECT_NOT_FOUND"]
        if problems:
            messages = "; ".join(str(error.get("message")) for error in problems[:5])
            raise BusinessError(
                f"HubSpot refused the invoice figures of {len(problems)} {kind}: {messages}. If it names an "
                "odoo_ property, press Set up HubSpot on the backend to create the suite's properties, then Retry."
            )
        for external_id, (binding, values) in sent.items():
            if external_id in updated:
                binding.write({"synced_values": values, "synced_at": fields.Datetime.now()})
        self.exchange._link(self.env[KINDS[kind]].browse([binding.res_id for binding, _v in sent.values()]), "sent")
        gone = sorted(set(sent) - updated)
        return {"sent": len(updated), "gone": gone, "values": {key: values for key, (_b, values) in sent.items()}}
