from odoo import models

LOAD_FLOWS = ("companies.load", "contacts.load")


class IntegrationExchange(models.Model):
    _inherit = "integration.exchange"

    def _process_backlog(self):
        """A page of the initial load is a batch of a hundred records already: it takes no backlog.

        In a batch, one page's job went on for ten seconds with the next
        pages, holding the locks of the ones it had not reached, while the
        other worker found none it could take.
        """
        if self.backend_id.channel == "hubspot" and self.flow in LOAD_FLOWS:
            return 0
        return super()._process_backlog()
