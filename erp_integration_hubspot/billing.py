"""What finance did with a won deal, back on the deal in HubSpot: invoice, status, amount due, payment date.

Sales work in HubSpot and need to see whether the customer was invoiced and
has paid, and which customers are on credit hold, without an Odoo login. The
figures are the suite's own deal and company properties (made by Set up); a
deal's are written only when they differ from what was last sent, a hundred
to an outbound exchange (``push.PropertyPush``).
"""

from decimal import Decimal

from odoo import fields

from .push import PropertyPush

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


class InvoiceStatus(PropertyPush):
    """The invoice figures of the deals and customer companies this backend imported."""

    flow = "invoices.push"
    kinds = KINDS
    what = "invoice figures"
    fix = "If it names an odoo_ property, press Set up HubSpot on the backend to create the suite's properties."

    def __init__(self, work):
        super().__init__(work)
        self.today = fields.Date.context_today(self.backend)

    def _bindings(self, kind):
        bindings = super()._bindings(kind)
        if kind == "deals":
            # One query for the orders with a posted invoice: the others have nothing to send.
            invoiced = set(
                self.env["sale.order"]
                .search([("id", "in", bindings.mapped("res_id")), ("invoice_ids.state", "=", "posted")])
                .ids
            )
            return bindings.filtered(lambda binding: binding.res_id in invoiced)
        if kind == "companies":
            # Only companies that became customers.
            partners = self.env["res.partner"].browse(bindings.mapped("res_id")).exists()
            customers = set(partners.filtered("sale_order_ids").ids)
            return bindings.filtered(lambda binding: binding.res_id in customers)
        return bindings

    def _record_values(self, kind, record):
        return deal_status(record, self.today) if kind == "deals" else company_status(record, self.today)
