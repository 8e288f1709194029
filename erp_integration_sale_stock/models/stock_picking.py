from odoo import fields, models

# What a warehouse's order says of a delivery besides its lines.
CHANGES = {"partner_id", "carrier_id"}


class StockPicking(models.Model):
    _name = "stock.picking"
    _inherit = ["stock.picking", "integration.linked.mixin"]

    # Who carried a delivery and where to follow it, as the channel that shipped it
    # said (a warehouse's despatch), for the channels that pass it on (a shop's fulfilment).
    tracking_carrier = fields.Char(string="Carrier (as shipped)", copy=False, readonly=True)
    tracking_url = fields.Char(string="Tracking link", copy=False, readonly=True)

    def write(self, vals):
        result = super().write(vals)
        if CHANGES.intersection(vals):
            # Where or how it goes changed: a warehouse holding the delivery may need it again.
            deliveries = self.filtered(lambda picking: picking.picking_type_code == "outgoing")
            if deliveries:
                self.env["integration.backend"]._notify("picking.changed", deliveries, companies=deliveries.company_id)
        return result

    def _action_done(self):
        result = super()._action_done()
        done = self.filtered(lambda picking: picking.state == "done")
        self.env["integration.backend"]._notify("picking.done", done, companies=done.company_id)
        return result

    def action_cancel(self):
        result = super().action_cancel()
        cancelled = self.filtered(lambda picking: picking.state == "cancel")
        self.env["integration.backend"]._notify("picking.cancelled", cancelled, companies=cancelled.company_id)
        return result
