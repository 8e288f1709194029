from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.fields import Domain

# Where a document came from, when the integration made that and not this
# one: a delivery from its sales order, an invoice from its orders (or the
# invoice a credit note reverses), a payment from its invoices. Read only where
# the fields exist, so the core needs none of those addons.
ORIGINS = {
    "stock.picking": ("sale_id",),
    "account.move": ("line_ids.sale_line_ids.order_id", "reversed_entry_id"),
    "account.payment": ("invoice_ids", "reconciled_invoice_ids"),
}


class IntegrationTrace(models.TransientModel):
    """One page from a document to the evidence behind it.

    The document, the exchanges that created or changed it (with the
    originals they replayed), each one's payload with its SHA-256 and the time
    it was received, the deliveries that carried them, what else they did in
    Odoo, and every audit entry of the document and of those exchanges with
    its place in the chain and its hash. Everything is read as the user, so
    record rules decide what a trace shows.
    """

    _name = "integration.trace"
    _description = "Integration Trace"

    res_model = fields.Char(string="Model", readonly=True)
    res_id = fields.Many2oneReference(string="Record ID", model_field="res_model", readonly=True)
    exchange_id = fields.Many2one(
        "integration.exchange",
        string="Exchange traced",
        readonly=True,
        help="A trace of one exchange, not of a document.",
    )
    record_ref = fields.Char(string="Document", compute="_compute_trace")
    origin_refs = fields.Text(
        string="Traced through",
        compute="_compute_trace",
        help="The documents this one came from whose exchanges are traced too (a delivery's sales order, an "
        "invoice's orders, a payment's invoices).",
    )
    res_model_name = fields.Char(string="Document type", compute="_compute_trace")
    exchange_ids = fields.Many2many("integration.exchange", string="Exchanges", compute="_compute_trace")
    delivery_ids = fields.Many2many("integration.delivery", string="Deliveries", compute="_compute_trace")
    link_ids = fields.Many2many("integration.exchange.link", string="What they did in Odoo", compute="_compute_trace")
    audit_ids = fields.Many2many("integration.audit.log", string="Audit entries", compute="_compute_trace")
    exchange_count = fields.Integer(compute="_compute_trace")
    audit_count = fields.Integer(compute="_compute_trace")
    unsealed_count = fields.Integer(string="Not yet sealed", compute="_compute_trace")
    verified = fields.Boolean(readonly=True)
    verify_message = fields.Text(string="Verification", readonly=True)

    # Opening ------------------------------------------------------------------

    @api.model
    def _open_for(self, record):
        """The trace of ``record`` (any model), as a window action."""
        record.ensure_one()
        record.check_access("read")
        trace = self.create({"res_model": record._name, "res_id": record.id})
        return trace._action_open(_("Trace of %(document)s", document=record.display_name))

    @api.model
    def _open_for_exchanges(self, exchange):
        exchange.ensure_one()
        exchange.check_access("read")
        trace = self.create({"exchange_id": exchange.id})
        return trace._action_open(_("Trace of exchange %(exchange)s", exchange=exchange.id))

    @api.model
    def action_trace_active_record(self):
        """Server action behind a Trace button on a form that has no ``integration.linked.mixin``."""
        model_name, record_id = self.env.context.get("active_model"), self.env.context.get("active_id")
        if not model_name or not record_id or model_name not in self.env:
            raise UserError(_("Open a document first, then press Trace."))
        return self._open_for(self.env[model_name].browse(record_id))

    def _action_open(self, name):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": name,
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
        }

    # What the page shows --------------------------------------------------------

    def _record(self):
        self.ensure_one()
        if not self.res_model or self.res_model not in self.env:
            return None
        return self.env[self.res_model].browse(self.res_id)

    def _origins(self):
        """The documents the traced one came from (``ORIGINS``), as far as the user may read them."""
        record = self._record()
        if record is None or not record.exists():
            return []
        origins = []
        for path in ORIGINS.get(record._name, ()):
            if path.split(".")[0] not in record._fields:
                continue
            try:
                found = record.mapped(path)
            except (AccessError, KeyError):
                continue
            origins += [origin for origin in found if origin != record and origin not in origins]
        return origins

    def _traced_exchanges(self, origins=()):
        """The exchanges linked to the document (or its origins), and the originals of those that are replays."""
        Exchange = self.env["integration.exchange"]
        if self.exchange_id:
            exchanges = self.exchange_id
        elif self.res_model:
            documents = [(self.res_model, self.res_id), *((origin._name, origin.id) for origin in origins)]
            links = self.env["integration.exchange.link"].search(
                Domain.OR(
                    [Domain("res_model", "=", model) & Domain("res_id", "=", res_id) for model, res_id in documents]
                )
            )
            exchanges = links.exchange_id
        else:
            exchanges = Exchange
        originals = exchanges.parent_id
        while originals - exchanges:
            exchanges |= originals
            originals = exchanges.parent_id
        return exchanges.sorted("id")

    @api.depends("record_ref")
    def _compute_display_name(self):
        for trace in self:
            trace.display_name = _("Trace of %(document)s", document=trace.record_ref or "-")

    @api.depends("res_model", "res_id", "exchange_id")
    def _compute_trace(self):
        Audit = self.env["integration.audit.log"]
        for trace in self:
            origins = trace._origins()
            exchanges = trace._traced_exchanges(origins)
            domain = [("exchange_id", "in", exchanges.ids)]
            if trace.res_model:
                domain = ["|", "&", ("res_model", "=", trace.res_model), ("res_id", "=", trace.res_id), *domain]
            audit = Audit.search(domain, order="chain_seq, id")
            # Unsealed entries have no place yet: they come last, in the order they were logged.
            audit = audit.filtered("chain_seq") + audit.filtered(lambda row: not row.chain_seq)
            if trace.res_model:
                documents = [(trace.res_model, trace.res_id), *((origin._name, origin.id) for origin in origins)]
                refs = Audit._document_refs(documents)
                trace.res_model_name, trace.record_ref = refs[trace.res_model, trace.res_id]
                trace.origin_refs = "\n".join(refs[document][1] for document in documents[1:]) or False
            else:
                trace.origin_refs = False
                trace.record_ref = trace.exchange_id.display_name or False
                trace.res_model_name = False
            trace.exchange_ids = exchanges
            trace.delivery_ids = exchanges.delivery_id
            trace.link_ids = exchanges.link_ids.sorted("id")
            trace.audit_ids = audit
            trace.exchange_count = len(exchanges)
            trace.audit_count = len(audit)
            trace.unsealed_count = len(audit.filtered(lambda row: not row.hash))

    # Buttons ----------------------------------------------------------------------

    def action_open_record(self):
        self.ensure_one()
        record = self._record()
        if record is None or not record.exists():
            raise UserError(_("The document no longer exists."))
        return {
            "type": "ir.actions.act_window",
            "res_model": record._name,
            "res_id": record.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }

    def action_verify(self):
        """Verify the whole chain from its start, and say where this page's entries stand."""
        self.ensure_one()
        result, message, _kind = self.env["integration.audit.log"]._verify_and_log()
        broken = result["broken"]
        if broken and broken.get("id") in self.audit_ids.ids:
            message = _("%(message)s That entry is on this page.", message=message)
        elif broken:
            message = _("%(message)s That entry is not one of this page's.", message=message)
        self.write({"verified": not broken, "verify_message": message})
        return True


class IntegrationExchange(models.Model):
    _inherit = "integration.exchange"

    def action_open_payload(self):
        """Open the exchange on its payload: from a trace, whose rows are exchanges."""
        self.ensure_one()
        return self._action_open()

    def action_view_integration_trace(self):
        """This exchange's trace: its payload, the originals it replays and every audit entry, on one page."""
        self.ensure_one()
        return self.env["integration.trace"]._open_for_exchanges(self)
