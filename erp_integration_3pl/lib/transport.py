"""The one warehouse contract the channel speaks, and the REST transport behind it (Mintsoft-like).

The channel asks a transport to push a shipment and to read one back; each
transport (REST, SOAP, files) is a small adapter with the same methods, so a
business can move warehouses without a rebuild. A shipment is a plain dict:
``number``, ``site``, ``service``, ``address`` (``FirstName``… as the warehouse
names them) and ``lines`` (``sku``, ``quantity``).
"""

from dataclasses import dataclass

from odoo.addons.erp_integration_core.lib.errors import BusinessError
from odoo.addons.erp_integration_core.lib.http_client import HttpClient


@dataclass(frozen=True)
class Accepted:
    """The warehouse took the shipment: its own id for it, and what it said."""

    warehouse_id: str
    message: str


class WarehouseTransport:
    """What every transport does; each raises ``BusinessError`` with the warehouse's reason for a refusal."""

    def push_shipment(self, shipment):
        raise NotImplementedError

    def shipment(self, warehouse_id):
        """The warehouse's view of a shipment: status, despatched quantities, tracking."""
        raise NotImplementedError

    def cancel_shipment(self, warehouse_id, number):
        """Cancel a shipment the warehouse holds; a refusal (picked, despatched) says why."""
        raise NotImplementedError

    def describe(self):
        """A short sentence about the warehouse, for Test connection."""
        raise NotImplementedError


class RestTransport(WarehouseTransport):
    """Mintsoft-like REST: ``ms-apikey`` header; a refusal is a 200 with ``Success`` false and the reason."""

    def __init__(self, base_url, api_key, **kwargs):
        self.http = HttpClient(base_url, headers={"ms-apikey": api_key}, **kwargs)

    def push_shipment(self, shipment):
        body = {
            "OrderNumber": shipment["number"],
            "Warehouse": shipment["site"],
            "CourierService": shipment.get("service") or None,
            **shipment["address"],
            "OrderItems": [{"SKU": line["sku"], "Quantity": line["quantity"]} for line in shipment["lines"]],
        }
        [answer] = self.http.request("PUT", "api/Order", json=body).json()[:1] or [{}]
        if not answer.get("Success"):
            raise BusinessError(
                f"The warehouse refused {shipment['number']}: {answer.get('Message') or 'no reason given'}. "
                "Correct the delivery (products' SKUs, address) in Odoo, then press Retry."
            )
        return Accepted(str(answer["OrderId"]), answer.get("Message") or "")

    def shipment(self, warehouse_id):
        return self.http.get_json(f"api/Order/{warehouse_id}")

    def cancel_shipment(self, warehouse_id, number):
        answer = self.http.request("PUT", f"api/Order/{warehouse_id}/Cancel").json()
        if not answer.get("Success"):
            raise BusinessError(
                f"The warehouse would not cancel {number}: {answer.get('Message') or 'no reason given'}. "
                "Agree with the warehouse what happens to it (a return, say), then Ignore this exchange saying so."
            )
        return answer.get("Message") or ""

    def describe(self):
        levels = self.http.get_json("api/Product/StockLevels")
        sites = sorted({str(level.get("WarehouseId")) for level in levels})
        return f"REST API answering, {len(levels)} stock levels at warehouse(s) {', '.join(sites)}"
