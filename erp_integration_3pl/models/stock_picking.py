from odoo import fields, models

STATUSES = [
    ("NEW", "New"),
    ("AWAITINGPICKING", "Awaiting picking"),
    ("ONBACKORDER", "On backorder"),
    ("PICKED", "Picked"),
    ("DESPATCHED", "Despatched"),
    ("QUERYRAISED", "Query raised"),
    ("CANCELLED", "Cancelled"),
    ("AWAITINGDELIVERY", "Expected at the warehouse"),
    ("BOOKEDIN", "Booked in"),
]


class StockPicking(models.Model):
    _inherit = "stock.picking"

    threepl_status = fields.Selection(
        STATUSES, string="Warehouse status", readonly=True, copy=False, help="Where the 3PL says the shipment is."
    )
