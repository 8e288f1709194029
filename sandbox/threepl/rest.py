"""The warehouse's REST API, shaped like Mintsoft's: orders, ASNs and stock levels under ``/api``."""

import functools

from werkzeug.routing import Rule

from ..core import json_response
from .warehouse import Rejected

DENIED = "Authorization has been denied for this request."


def authenticated(handler):
    """Answer 401 unless the ``ms-apikey`` header carries the system's key, as Mintsoft does."""

    @functools.wraps(handler)
    def check(self, request, **values):
        if request.headers.get("ms-apikey") != self.api_key:
            return self.error_response(401, DENIED)
        return handler(self, request, **values)

    return check


def result(success: bool, message: str, **ids) -> dict:
    """One entry of Mintsoft's answer list to a PUT."""
    return {"Success": success, **ids, "Message": message}


class MintsoftApi:
    """Handlers of the REST routes; mixed into the system, which provides ``warehouse``.

    Like Mintsoft, a refused order or ASN still answers 200, with ``Success`` false
    and the reason in ``Message``; only authentication, malformed bodies and unknown
    ids get error statuses.
    """

    api_key = "ms-sandbox-demo-key"

    def rest_routes(self) -> list:
        return [
            Rule("/api/Order", methods=["PUT"], endpoint="put_order"),
            Rule("/api/Order/Search", methods=["GET"], endpoint="search_orders"),
            Rule("/api/Order/<int:order_id>", methods=["GET"], endpoint="get_order"),
            Rule("/api/Order/<int:order_id>/Cancel", methods=["PUT"], endpoint="cancel_order"),
            Rule("/api/ASN", methods=["PUT"], endpoint="put_asn"),
            Rule("/api/ASN/<int:asn_id>", methods=["GET"], endpoint="get_asn"),
            Rule("/api/Product", methods=["PUT"], endpoint="put_product"),
            Rule("/api/Product/StockLevels", methods=["GET"], endpoint="stock_levels"),
        ]

    def error_response(self, status, message):
        """Mintsoft's errors: ASP.NET Web API's ``{"Message": ...}``."""
        return json_response({"Message": message}, status)

    def _json_object(self, request):
        data = request.get_json(silent=True)
        return data if isinstance(data, dict) else None

    @authenticated
    def on_put_order(self, request):
        """``PUT /api/Order``: create an order; ``[{"Success", "OrderId", "Message"}]``."""
        data = self._json_object(request)
        if data is None:
            return self.error_response(400, "The request body must be a JSON order object")
        try:
            order = self.warehouse.create_order(data, channel="API")
        except Rejected as exc:
            ids = {"OrderId": exc.existing_id} if exc.existing_id else {}
            return json_response([result(False, exc.message, **ids)])
        message = f"Order {order['OrderNumber']} created with status {order['OrderStatus']}"
        return json_response([result(True, message, OrderId=order["ID"])])

    @authenticated
    def on_get_order(self, request, order_id):
        order = self.warehouse.order(order_id)
        if order is None:
            return self.error_response(404, f"Order {order_id} not found")
        return json_response(order)

    @authenticated
    def on_search_orders(self, request):
        """``GET /api/Order/Search?OrderNumber=``: the matching orders, possibly none."""
        number = request.args.get("OrderNumber", "").strip()
        if not number:
            return self.error_response(400, "OrderNumber is required")
        return json_response(self.warehouse.find_orders(number))

    @authenticated
    def on_cancel_order(self, request, order_id):
        if self.warehouse.order(order_id) is None:
            return self.error_response(404, f"Order {order_id} not found")
        try:
            order = self.warehouse.cancel(order_id)
        except Rejected as exc:
            return json_response(result(False, exc.message, OrderId=order_id))
        return json_response(result(True, f"Order {order['OrderNumber']} cancelled", OrderId=order_id))

    @authenticated
    def on_put_asn(self, request):
        """``PUT /api/ASN``: announce goods in; ``[{"Success", "ASNId", "Message"}]``."""
        data = self._json_object(request)
        if data is None:
            return self.error_response(400, "The request body must be a JSON ASN object")
        try:
            asn = self.warehouse.create_asn(data)
        except Rejected as exc:
            ids = {"ASNId": exc.existing_id} if exc.existing_id else {}
            return json_response([result(False, exc.message, **ids)])
        message = f"ASN {asn['Reference']} expected {asn['EstimatedDelivery']}"
        return json_response([result(True, message, ASNId=asn["ID"])])

    @authenticated
    def on_get_asn(self, request, asn_id):
        asn = self.warehouse.asn(asn_id)
        if asn is None:
            return self.error_response(404, f"ASN {asn_id} not found")
        return json_response(asn)

    @authenticated
    def on_put_product(self, request):
        """``PUT /api/Product``: a new product; ``{"Success", "ID", "Message"}``, the ID of one that exists already."""
        data = self._json_object(request)
        if data is None:
            return self.error_response(400, "The request body must be a JSON product object")
        sku, name = str(data.get("SKU") or "").strip(), str(data.get("Name") or "").strip()
        if not sku or not name:
            return json_response(result(False, "SKU and Name are required"))
        if self.warehouse.has_product(sku):
            return json_response(result(False, f"A product with SKU {sku} already exists", ID=sku))
        self.warehouse.add_product(sku, name, str(data.get("EAN") or ""))
        return json_response(result(True, f"Product {sku} created", ID=sku))

    @authenticated
    def on_stock_levels(self, request):
        """``GET /api/Product/StockLevels?WarehouseId=&SKU=``: stock lines, all sites if none given."""
        warehouse_id = None
        if request.args.get("WarehouseId"):
            warehouse_id = self.warehouse.resolve_warehouse(request.args["WarehouseId"])
            if warehouse_id is None:
                return self.error_response(404, f"Warehouse {request.args['WarehouseId']} not found")
        sku = request.args.get("SKU") or None
        return json_response(self.warehouse.stock_levels(warehouse_id, sku))
