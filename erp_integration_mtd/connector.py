from odoo import fields

from odoo.addons.erp_integration_core.connector import Connector
from odoo.addons.erp_integration_core.lib.errors import BusinessError


class HmrcConnector(Connector):
    """HMRC's VAT (MTD) API: obligations read, returns filed, each filing an outbound exchange with its receipt;
    and its Check a UK VAT number API, each check an outbound exchange too.

    HMRC sends nothing: there are no webhooks to verify. A filing carries the
    fraud prevention headers of the browser request that asked for it, so it is
    sent from that request and never retried later without them.
    """

    channel = "hmrc"
    label = "HMRC (MTD VAT)"

    def client(self):
        return self.backend._hmrc_client(self.backend.env.context.get("hmrc_fraud_headers"))

    def export(self, exchange):
        if exchange.flow == "vat.check":
            return self._check_vat_number(exchange, self.parse(exchange))
        if exchange.flow != "vat.submit":
            return super().export(exchange)
        data = self.parse(exchange)
        if not self.backend.env.context.get("hmrc_fraud_headers"):
            raise BusinessError(
                "A return is filed from the VAT return's screen, with the browser's fraud prevention details: "
                "open the return and press Submit to HMRC again."
            )
        vat_return = exchange.env["integration.vat.return"].browse(data["return"]).exists()
        receipt = self.client().submit(data["vrn"], data["body"])
        if vat_return:
            vat_return._record_receipt(receipt, exchange)
        return receipt

    def _check_vat_number(self, exchange, data):
        """HMRC's answer on a VAT number, linked to the partner it was asked for."""
        answer = self.backend._hmrc_vat_check().lookup(data["target"], data.get("requester"))
        partner = exchange.env["res.partner"].browse(data["partner"]).exists()
        if partner:
            exchange._link(partner, "sent")
        return answer

    def run_flow(self, flow):
        if flow.code == "obligations.read":
            flow.last_result = self.backend._hmrc_read_obligations()
            return fields.Datetime.to_string(fields.Datetime.now())
        return super().run_flow(flow)

    def test_connection(self):
        open_obligations = self.backend._hmrc_client().obligations(self.backend._hmrc_vrn(), status="O")
        return f"HMRC answering for VRN {self.backend._hmrc_vrn()}: {len(open_obligations)} open obligation(s)"
