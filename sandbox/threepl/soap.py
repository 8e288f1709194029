"""The warehouse's SOAP service, shaped like Peoplevox's: a session, then CSV text through named templates.

The contract is ``peoplevox.wsdl`` beside this file (document/literal). Envelopes
are read and written with the standard library: three operations need no framework.
"""

import base64
import binascii
import csv
import io
import operator
import re
import uuid
from datetime import datetime
from pathlib import Path
from xml.etree import ElementTree
from xml.sax.saxutils import escape

from werkzeug.routing import Rule
from werkzeug.wrappers import Response

from .warehouse import BOOKED_IN, Rejected, iso_date, whole_number

WSDL_PATH = Path(__file__).with_name("peoplevox.wsdl")
WSDL_LOCATION = "http://127.0.0.1:8079/threepl/soap"
NS = "http://sandbox.local/peoplevox/"
SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"

SALES_ORDER_FIELDS = {
    "CustomerEmail": "Email",
    "FirstName": "FirstName",
    "LastName": "LastName",
    "ShippingAddressLine1": "Address1",
    "ShippingAddressCity": "Town",
    "ShippingAddressPostcode": "PostCode",
    "ShippingAddressCountry": "Country",
    "ShippingServiceReference": "CourierService",
    "Warehouse": "Warehouse",
    "Channel": "Channel",
}
METHOD = re.compile(r'^(\w+)\.(Equals|StartsWith|Contains)\("([^"]*)"\)$')
COMPARISON = re.compile(r'^(\w+)\s*(>=|<=|==|=|>|<)\s*(DateTime\(\s*\d+(?:\s*,\s*\d+)*\s*\)|"[^"]*"|-?\d+)$')
OPERATORS = {
    ">=": operator.ge,
    "<=": operator.le,
    "==": operator.eq,
    "=": operator.eq,
    ">": operator.gt,
    "<": operator.lt,
}
CLAUSE_HELP = 'use Field.Equals("value"), .StartsWith, .Contains or Field >= DateTime(2026,1,31), joined with AND'


class SoapFault(Exception):
    """An error answered as a SOAP 1.1 fault; ``code`` is ``Client`` (the caller's fault) or ``Server``."""

    def __init__(self, message: str, code: str = "Client"):
        super().__init__(message)
        self.message = message
        self.code = code


def local_name(tag: str) -> str:
    return tag.rpartition("}")[2]


def parse_call(data: bytes) -> tuple[str, dict[str, str]]:
    """The operation named by a SOAP envelope's body, and its parameters as text."""
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as exc:
        raise SoapFault(f"The request is not well-formed XML: {exc}") from exc
    body = root.find(f"{{{SOAP_NS}}}Body")
    if root.tag != f"{{{SOAP_NS}}}Envelope" or body is None or not len(body):
        raise SoapFault("Expected a SOAP 1.1 envelope with a body")
    call = body[0]
    return local_name(call.tag), {local_name(child.tag): child.text or "" for child in call}


def soap_response(operation: str, result: dict) -> Response:
    """The ``<operation>Response`` envelope carrying an IntegrationResponse."""
    wrapper = ElementTree.Element(f"{{{NS}}}{operation}Response")
    node = ElementTree.SubElement(wrapper, f"{{{NS}}}{operation}Result")
    for key in ("ResponseId", "TotalCount", "Detail", "SessionId"):
        if result.get(key) is not None:
            ElementTree.SubElement(node, f"{{{NS}}}{key}").text = str(result[key])
    body = ElementTree.tostring(wrapper, encoding="unicode")
    return Response(_envelope(body), mimetype="text/xml")


def fault_response(fault: SoapFault) -> Response:
    body = (
        f"<soap:Fault><faultcode>soap:{fault.code}</faultcode>"
        f"<faultstring>{escape(fault.message)}</faultstring></soap:Fault>"
    )
    return Response(_envelope(body), status=500, mimetype="text/xml")


def _envelope(body: str) -> str:
    return (
        f'<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="{SOAP_NS}">'
        f"<soap:Body>{body}</soap:Body></soap:Envelope>"
    )


def read_csv(text: str, required: tuple[str, ...]) -> list[tuple[int, dict]]:
    """Rows of ``CsvData`` with their line numbers; a fault names the first bad line."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    header = [column.strip() for column in next(reader, [])]
    missing = [column for column in required if column not in header]
    if missing:
        raise SoapFault(f"CsvData line 1: the header lacks column(s) {', '.join(missing)}")
    rows = []
    for row in reader:
        if not any(value.strip() for value in row):
            continue
        if len(row) != len(header):
            raise SoapFault(f"CsvData line {reader.line_num}: {len(row)} fields, expected {len(header)}")
        rows.append((reader.line_num, {column: value.strip() for column, value in zip(header, row)}))
    return rows


def write_csv(columns, rows) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def saved_answer(summary: str, ids: dict) -> dict:
    """A SaveData answer naming what it saved: ``<summary>: <number>=<id>, ...`` in ``Detail``."""
    detail = summary + (": " + ", ".join(f"{number}={record_id}" for number, record_id in ids.items()) if ids else "")
    return {"ResponseId": 0, "TotalCount": len(ids), "Detail": detail}


def search_filter(clause: str, columns):
    """A predicate on rows from a Peoplevox-style search clause."""
    clause = (clause or "").strip()
    if not clause:
        return lambda row: True
    tests = [_condition(part.strip(), columns) for part in re.split(r"\s+AND\s+", clause, flags=re.IGNORECASE)]
    return lambda row: all(test(row) for test in tests)


def _condition(text: str, columns):
    method = METHOD.match(text)
    comparison = COMPARISON.match(text)
    field = (method or comparison).group(1) if method or comparison else None
    if field is None:
        raise SoapFault(f"Search clause {text!r} is not understood; {CLAUSE_HELP}")
    if field not in columns:
        raise SoapFault(f"Search clause: unknown field {field!r}; fields are {', '.join(columns)}")
    if method:
        _, name, value = method.groups()
        check = {"Equals": operator.eq, "StartsWith": str.startswith, "Contains": operator.contains}[name]
        return lambda row: check(str(row[field]), value)
    _, sign, literal = comparison.groups()
    compare = OPERATORS[sign]
    if literal.startswith("DateTime"):
        parts = [int(part) for part in re.findall(r"\d+", literal)]
        moment = datetime(*parts).isoformat(timespec="seconds")
        return lambda row: bool(row[field]) and compare(str(row[field]), moment)
    if literal.startswith('"'):
        return lambda row: compare(str(row[field]), literal[1:-1])
    number = int(literal)
    return lambda row: str(row[field]).lstrip("-").isdigit() and compare(int(row[field]), number)


class PeoplevoxApi:
    """Handlers of ``/soap``; mixed into the system, which provides ``warehouse`` and ``state``.

    Sessions live in the ``sessions`` collection until the next reset. SaveData
    checks the whole CSV before saving anything, so a fault means nothing was saved;
    sales orders that already exist are skipped, which makes a resend harmless, while
    a purchase order that exists already is refused, as the REST API refuses its ASN.
    """

    soap_client_id = "sandbox"
    soap_username = "integration"
    soap_password = "peoplevox-sandbox"

    def soap_routes(self) -> list:
        return [Rule("/soap", methods=["GET", "POST"], endpoint="soap")]

    def on_soap(self, request):
        """``GET /soap?wsdl``: the contract, pointing at this server; ``POST /soap``: a call."""
        if request.method == "GET":
            if "wsdl" not in {key.lower() for key in request.args}:
                return Response("Ask for the service description at ?wsdl", status=400, mimetype="text/plain")
            wsdl = WSDL_PATH.read_text(encoding="utf-8").replace(WSDL_LOCATION, request.base_url)
            return Response(wsdl, mimetype="text/xml")
        operations = {"Authenticate": self._authenticate, "SaveData": self._save_data, "GetData": self._get_data}
        try:
            operation, params = parse_call(request.get_data())
            if operation not in operations:
                raise SoapFault(f"Unknown operation {operation!r}; this service offers {', '.join(operations)}")
            return soap_response(operation, operations[operation](params))
        except SoapFault as fault:
            return fault_response(fault)

    def _authenticate(self, params: dict) -> dict:
        try:
            password = base64.b64decode(params.get("password", ""), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise SoapFault("The password must be sent base64-encoded") from exc
        given = (params.get("clientId"), params.get("username"), password)
        if given != (self.soap_client_id, self.soap_username, self.soap_password):
            raise SoapFault("Authentication failed: check the client id, user name and password")
        session_id = uuid.uuid4().hex
        self.state.insert("sessions", {"id": session_id, "ClientId": given[0], "Username": given[1]})
        return {"ResponseId": 0, "TotalCount": 1, "Detail": f"{given[0]},{session_id}", "SessionId": session_id}

    def _check_session(self, params: dict) -> None:
        session_id = params.get("SessionId", "")
        if not session_id or self.state.get("sessions", session_id) is None:
            raise SoapFault(f"Session {session_id!r} is not valid or has expired; call Authenticate again")

    def _save_data(self, params: dict) -> dict:
        self._check_session(params)
        templates = {
            "Sales orders": self._save_sales_orders,
            "Items": self._save_items,
            "Purchase orders": self._save_purchase_orders,
            "Sales order cancellations": self._save_cancellations,
        }
        template = params.get("TemplateName", "")
        if template not in templates:
            raise SoapFault(f"SaveData has no template {template!r}; use one of {', '.join(templates)}")
        return templates[template](params.get("CsvData", ""))

    def _save_sales_orders(self, text: str) -> dict:
        rows = read_csv(text, ("SalesOrderNumber", "Sku", "Quantity"))
        orders: dict[str, list[tuple[int, dict]]] = {}
        for line, row in rows:
            self._check_line(line, row, "SalesOrderNumber")
            orders.setdefault(row["SalesOrderNumber"], []).append((line, row))
        created, existing = [], []
        for number, lines in orders.items():
            if self.warehouse.find_orders(number):
                existing.append(number)
                continue
            first = lines[0][1]
            order = {field: first[column] for column, field in SALES_ORDER_FIELDS.items() if column in first}
            order["OrderNumber"] = number
            order["OrderItems"] = [
                {"SKU": row["Sku"], "Quantity": row["Quantity"], "UnitPrice": row.get("SalePrice")} for _, row in lines
            ]
            try:
                self.warehouse.create_order(order, channel="Peoplevox")
            except Rejected as exc:
                raise SoapFault(f"CsvData line {lines[0][0]}: {exc.message}") from exc
            created.append(number)
        detail = f"Saved {len(created)} sales order(s)"
        if existing:
            detail += f"; already existing, skipped: {', '.join(existing)}"
        return {"ResponseId": 0, "TotalCount": len(created), "Detail": detail}

    def _check_line(self, line: int, row: dict, number_column: str) -> None:
        """Fault on a line of goods naming no order, an unknown Sku or Warehouse, or a quantity that is not whole."""
        if not row[number_column]:
            raise SoapFault(f"CsvData line {line}: {number_column} is empty")
        if not self.warehouse.has_product(row["Sku"]):
            raise SoapFault(f"CsvData line {line}: unknown Sku {row['Sku']!r}")
        if whole_number(row["Quantity"]) is None:
            raise SoapFault(f"CsvData line {line}: Quantity {row['Quantity']!r} is not a whole number above zero")
        if row.get("Warehouse") and self.warehouse.resolve_warehouse(row["Warehouse"]) is None:
            raise SoapFault(f"CsvData line {line}: unknown Warehouse {row['Warehouse']!r}")

    def _save_purchase_orders(self, text: str) -> dict:
        """One ASN per PurchaseOrderNumber, a line per row; ``Detail`` pairs each number with its ASN id.

        ``ExpectedDate`` and ``Warehouse`` come from the order's first row. Every ASN is
        checked by the warehouse's own rules under the state's lock before any is created.
        """
        rows = read_csv(text, ("PurchaseOrderNumber", "Sku", "Quantity"))
        orders: dict[str, list[tuple[int, dict]]] = {}
        for line, row in rows:
            self._check_line(line, row, "PurchaseOrderNumber")
            if row.get("ExpectedDate") and iso_date(row["ExpectedDate"]) is None:
                raise SoapFault(f"CsvData line {line}: ExpectedDate {row['ExpectedDate']!r} is not a date YYYY-MM-DD")
            orders.setdefault(row["PurchaseOrderNumber"], []).append((line, row))
        announcements = {number: self._announcement(number, lines) for number, lines in orders.items()}
        with self.state.lock:
            for number, announcement in announcements.items():
                try:
                    self.warehouse.check_asn(announcement)
                except Rejected as exc:
                    raise SoapFault(f"CsvData line {orders[number][0][0]}: {exc.message}") from exc
            created = {number: self.warehouse.create_asn(data)["ID"] for number, data in announcements.items()}
        return saved_answer(f"Saved {len(created)} purchase order(s)", created)

    @staticmethod
    def _announcement(number: str, lines: list[tuple[int, dict]]) -> dict:
        """The warehouse's ASN for one purchase order's rows."""
        first = lines[0][1]
        return {
            "Reference": number,
            "Warehouse": first.get("Warehouse"),
            "EstimatedDelivery": first.get("ExpectedDate") or None,
            "Items": [{"SKU": row["Sku"], "Quantity": row["Quantity"]} for _, row in lines],
        }

    def _save_cancellations(self, text: str) -> dict:
        """Cancel the orders named, all or none: each is checked before any is cancelled; a repeat counts once."""
        rows = read_csv(text, ("SalesOrderNumber",))
        targets: dict[str, int] = {}
        with self.state.lock:
            for line, row in rows:
                number = row["SalesOrderNumber"]
                if not number:
                    raise SoapFault(f"CsvData line {line}: SalesOrderNumber is empty")
                try:
                    order = self.warehouse.order_numbered(number)
                    self.warehouse.check_cancel(order)
                except Rejected as exc:
                    raise SoapFault(f"CsvData line {line}: {exc.message}") from exc
                targets.setdefault(number, order["ID"])
            for order_id in targets.values():
                self.warehouse.cancel(order_id)
        return saved_answer(f"Cancelled {len(targets)} sales order(s)", targets)

    def _save_items(self, text: str) -> dict:
        rows = read_csv(text, ("Sku", "Name"))
        for line, row in rows:
            if not row["Sku"] or not row["Name"]:
                raise SoapFault(f"CsvData line {line}: Sku and Name are required")
        for _, row in rows:
            self.warehouse.add_product(row["Sku"], row["Name"], row.get("Barcode", ""))
        return {"ResponseId": 0, "TotalCount": len(rows), "Detail": f"Saved {len(rows)} item(s)"}

    def _get_data(self, params: dict) -> dict:
        self._check_session(params)
        templates = {
            "Despatches": self._despatch_rows,
            "Item stock": self._stock_rows,
            "Sales orders": self._sales_order_rows,
            "Items": self._item_rows,
            "Goods in": self._goods_in_rows,
        }
        template = params.get("TemplateName", "")
        if template not in templates:
            raise SoapFault(f"GetData has no template {template!r}; use one of {', '.join(templates)}")
        columns, rows = templates[template]()
        matches = search_filter(params.get("SearchClause"), columns)
        rows = [row for row in rows if matches(row)]
        total = len(rows)
        size = whole_number(params.get("ItemsPerPage") or "0", minimum=0)
        page = whole_number(params.get("PageNo") or "1")
        if size is None or page is None:
            raise SoapFault("PageNo and ItemsPerPage must be whole numbers")
        if size:
            rows = rows[(page - 1) * size : page * size]
        return {"ResponseId": 0, "TotalCount": total, "Detail": write_csv(columns, rows)}

    def _site_codes(self) -> dict:
        return {site["id"]: site["Code"] for site in self.state.records("warehouses")}

    def _despatch_rows(self):
        columns = (
            "DespatchNumber",
            "SalesOrderNumber",
            "DespatchDate",
            "CarrierName",
            "TrackingNumber",
            "TrackingUrl",
            "Sku",
            "Quantity",
        )
        rows = [
            {
                "DespatchNumber": f"D{despatch['id']:06d}",
                "SalesOrderNumber": despatch["OrderNumber"],
                "DespatchDate": despatch["DespatchDate"],
                "CarrierName": despatch["CourierName"],
                "TrackingNumber": despatch["TrackingNumber"],
                "TrackingUrl": despatch["TrackingURL"],
                "Sku": item["SKU"],
                "Quantity": item["Quantity"],
            }
            for despatch in self.state.records("despatches")
            for item in despatch["Items"]
        ]
        return columns, rows

    def _stock_rows(self):
        codes = self._site_codes()
        rows = [
            {
                "Sku": line["SKU"],
                "Warehouse": codes.get(line["WarehouseId"], line["WarehouseId"]),
                "OnHand": line["Level"],
                "Allocated": line["Allocated"],
                "Available": line["Available"],
            }
            for line in self.warehouse.stock_levels()
        ]
        return ("Sku", "Warehouse", "OnHand", "Allocated", "Available"), rows

    def _sales_order_rows(self):
        codes = self._site_codes()
        rows = [
            {
                "SalesOrderNumber": order["OrderNumber"],
                "Status": order["OrderStatus"],
                "CustomerEmail": order["Email"],
                "OrderDate": order["OrderDate"],
                "Warehouse": codes.get(order["WarehouseId"], order["WarehouseId"]),
                "Channel": order["Channel"],
                "TrackingNumber": order["TrackingNumber"] or "",
            }
            for order in self.state.records("orders")
        ]
        columns = ("SalesOrderNumber", "Status", "CustomerEmail", "OrderDate", "Warehouse", "Channel", "TrackingNumber")
        return columns, rows

    def _goods_in_rows(self):
        """One row per line of each booked-in ASN, in booking-in order so a ``BookedInDate`` cursor reads on."""
        columns = ("PurchaseOrderNumber", "AsnId", "BookedInDate", "Sku", "Quantity", "QuantityReceived")
        booked = self.state.records("asns", lambda asn: asn["Status"] == BOOKED_IN)
        rows = [
            {
                "PurchaseOrderNumber": asn["Reference"],
                "AsnId": asn["id"],
                "BookedInDate": asn["BookedInDate"],
                "Sku": item["SKU"],
                "Quantity": item["Quantity"],
                "QuantityReceived": item["QuantityReceived"],
            }
            for asn in sorted(booked, key=lambda asn: (asn["BookedInDate"], asn["id"]))
            for item in asn["Items"]
        ]
        return columns, rows

    def _item_rows(self):
        rows = self.state.records("products")
        return ("Sku", "Name", "Barcode"), [{"Sku": p["SKU"], "Name": p["Name"], "Barcode": p["Barcode"]} for p in rows]
