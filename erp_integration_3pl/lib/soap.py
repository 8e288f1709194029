"""The SOAP transport (Peoplevox-like): a session, then CSV text through named templates.

The service offers three operations: ``Authenticate`` (the password sent
base64-encoded) gives a session id; ``SaveData`` takes a template's CSV
(``Items``, ``Sales orders`` with one row per order line, ``Purchase orders``
for ASNs, ``Sales order cancellations``); ``GetData`` answers a template's CSV
in ``Detail``, filtered by a search clause and paged. It calls nobody back:
despatches and goods in are polled. Peoplevox keeps no order id of its own
here, so the delivery's number is the warehouse id; an ASN has one.
"""

import base64
import math
import re
from contextlib import contextmanager

import requests
import zeep
from zeep.exceptions import Error as ZeepError
from zeep.exceptions import Fault, TransportError, XMLSyntaxError
from zeep.transports import Transport
from zeep.utils import get_media_type

from odoo.addons.erp_integration_core.lib.errors import AuthError, BusinessError, TransientError, ValidationError
from odoo.addons.erp_integration_core.lib.http_client import parse_retry_after

from .soap_csv import (
    CANCEL_COLUMNS,
    ITEM_COLUMNS,
    PURCHASE_ORDER_COLUMNS,
    SALES_ORDER_COLUMNS,
    asn_of,
    csv_rows,
    csv_text,
    despatch_rows,
    goods_in_rows,
    integer,
    moment,
    order_of,
    quantity_text,
    status_code,
)
from .transport import Accepted, Batch, WarehouseTransport

TRANSIENT_STATUSES = {429, 502, 503, 504}
SESSION_GONE = re.compile(r"session.*\b(not valid|invalid|expired)\b", re.IGNORECASE)
BAD_LINE = re.compile(r"\bline (\d+)\b", re.IGNORECASE)


class _HttpTransport(Transport):
    """zeep's transport judging HTTP answers itself, and never logging envelopes: the login carries the password."""

    def __init__(self, url, timeout):
        super().__init__(timeout=timeout, operation_timeout=timeout, session=requests.Session())
        self.url = url

    def _load_remote_data(self, url):
        response = self.session.get(url, timeout=self.load_timeout)
        self._check(response, "the request for its service description (WSDL)")
        if response.status_code >= 400 or "html" in get_media_type(response.headers.get("Content-Type", "")):
            raise ValidationError(
                f"{url} answered HTTP {response.status_code} with no SOAP service description. "
                "Check the backend's URL: it is the address the SOAP service is at, without /soap."
            )
        return response.content

    def post(self, address, message, headers):
        response = self.session.post(address, data=message, headers=headers, timeout=self.operation_timeout)
        media_type = get_media_type(response.headers.get("Content-Type", "text/xml"))
        if response.status_code == 500 and "xml" not in media_type:
            raise TransientError(f"The warehouse's SOAP service at {self.url} failed with HTTP 500; it is tried later.")
        self._check(response, "a call")
        if response.status_code >= 400 and "xml" not in media_type:
            raise ValidationError(
                f"{address} answered HTTP {response.status_code}, not SOAP. "
                "Check the backend's URL: it is the address the SOAP service is at, without /soap."
            )
        if "html" in media_type:
            raise TransientError(
                f"The warehouse's SOAP service at {self.url} answered with a web page, not SOAP (a maintenance or "
                "proxy page, most likely); it is tried later. If it lasts, check the backend's URL."
            )
        return response

    def _check(self, response, what):
        if response.status_code in TRANSIENT_STATUSES:
            raise TransientError(
                f"The warehouse's SOAP service at {self.url} answered {what} with HTTP {response.status_code}; "
                "it is tried later.",
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
            )
        if response.status_code in (401, 403):
            raise AuthError(
                f"The warehouse's SOAP service at {self.url} refused {what} with HTTP {response.status_code}. "
                "Check the backend's URL and credentials, then press Retry."
            )


class SoapTransport(WarehouseTransport):
    """Peoplevox-like SOAP: the session opened lazily and once more when the service forgets it."""

    page_size = 500

    def __init__(self, base_url, client_id, username, password, timeout=30):
        self.url = f"{base_url.rstrip('/')}/soap"
        self.client_id = client_id
        self.username = username
        self.password = password
        self.timeout = timeout
        self.session_id = None
        self._client = None

    @contextmanager
    def _answers(self, what):
        """The network failing, or an answer that is not SOAP, as the core's errors; faults pass through."""
        try:
            yield
        except Fault:
            raise
        except (requests.Timeout, requests.ConnectionError) as err:
            raise TransientError(
                f"The warehouse's SOAP service at {self.url} did not answer {what} ({err.__class__.__name__}); "
                "it is tried later."
            ) from err
        except requests.RequestException as err:
            raise ValidationError(
                f"Could not reach the warehouse's SOAP service at {self.url} ({err.__class__.__name__}). "
                "Check the backend's URL, then press Retry."
            ) from err
        except (TransportError, XMLSyntaxError) as err:
            raise TransientError(
                f"The warehouse's SOAP service at {self.url} answered {what} with something that is not a SOAP "
                "envelope (cut short, or another page); it is tried later."
            ) from err
        except ZeepError as err:
            raise ValidationError(
                f"The warehouse's SOAP service at {self.url} answered {what} in a shape its service description "
                f"does not allow: {err.message}. Tell the warehouse, or the integrator if it persists."
            ) from err

    @property
    def client(self):
        if self._client is None:
            transport = _HttpTransport(self.url, self.timeout)
            # A stock report is one CSV text node, larger than lxml allows by default.
            settings = zeep.Settings(xml_huge_tree=True)
            with self._answers("the request for its service description (WSDL)"):
                self._client = zeep.Client(f"{self.url}?wsdl", transport=transport, settings=settings)
        return self._client

    def _send(self, operation, **params):
        """One operation; an answer with a negative ``ResponseId`` is a refusal, as a fault is."""
        with self._answers(operation):
            result = getattr(self.client.service, operation)(**params)
        if result is None:
            raise ValidationError(f"The warehouse's SOAP service at {self.url} answered {operation} with nothing.")
        if (result.ResponseId or 0) < 0:
            raise Fault(result.Detail or "no reason given", code="Client")
        return result

    def _authenticate(self):
        password = base64.b64encode(self.password.encode()).decode()
        try:
            result = self._send("Authenticate", clientId=self.client_id, username=self.username, password=password)
        except Fault as fault:
            if self._server_fault(fault):
                raise self._fault_error("Authenticate", fault) from None
            raise AuthError(
                f"The warehouse's SOAP service refused to log in user {self.username!r} of client "
                f"{self.client_id!r}: {fault.message}. Check the client id, user name and password on the backend, "
                "then press Retry."
            ) from None
        session_id = result.SessionId or (result.Detail or "").rpartition(",")[2].strip()
        if not session_id:
            raise ValidationError(f"The warehouse's SOAP service at {self.url} logged in but gave no session id.")
        self.session_id = session_id
        return session_id

    def _call(self, operation, refused=None, **params):
        """``operation`` in the session, logging in first, and again once if the service has forgotten the session.

        A fault naming a CSV line is the warehouse refusing the data: ``refused(reason)`` makes its
        ``BusinessError``. Other faults are the service failing (transient) or not understanding us.
        """
        for renewed in (False, True):
            try:
                return self._send(operation, SessionId=self.session_id or self._authenticate(), **params)
            except Fault as fault:
                if not renewed and SESSION_GONE.search(fault.message or ""):
                    self.session_id = None
                    continue
                line = BAD_LINE.search(fault.message or "")
                # Line 1 is the header this transport wrote: a fault there is ours, not the data's.
                if refused and not self._server_fault(fault) and line and int(line.group(1)) > 1:
                    raise refused(fault.message) from None
                raise self._fault_error(operation, fault, params.get("TemplateName")) from None
        raise AssertionError("unreachable")

    @staticmethod
    def _server_fault(fault):
        return (fault.code or "").rpartition(":")[2].lower() == "server"

    def _fault_error(self, operation, fault, template=None):
        called = f"{operation} {template!r}" if template else operation
        if self._server_fault(fault):
            return TransientError(f"The warehouse's SOAP service failed {called}: {fault.message}; it is tried later.")
        if SESSION_GONE.search(fault.message or ""):
            return AuthError(
                f"The warehouse's SOAP service refuses the session it has just opened for user {self.username!r}: "
                f"{fault.message}. Ask the warehouse whether this user may use the integration service."
            )
        return ValidationError(
            f"The warehouse's SOAP service refused {called}: {fault.message}. "
            "Tell the integrator: the service no longer takes what this transport sends."
        )

    def _get(self, template, clause="", page=None):
        params = {"TemplateName": template, "SearchClause": clause or None}
        if page:
            params.update(PageNo=page, ItemsPerPage=self.page_size)
        result = self._call("GetData", **params)
        return result, result.Detail or ""

    def push_item(self, item):
        """Peoplevox knows a product by its SKU: that is its id."""
        self.push_items([item])
        return item["sku"]

    def push_items(self, items):
        """Make the warehouse know many products in one call; returns how many it saved."""
        if not items:
            return 0
        rows = [(item["sku"], item.get("name"), item.get("barcode")) for item in items]

        def refused(reason):
            line = int(BAD_LINE.search(reason).group(1))
            item = items[line - 2] if 2 <= line < len(items) + 2 else None
            about = f"product {item['sku'] or item.get('name')!r}" if item else "a product"
            return BusinessError(
                f"The warehouse refused {about}: {reason}. "
                "Give the product an internal reference (its SKU) and a name in Odoo, then press Retry."
            )

        return self._call("SaveData", refused, TemplateName="Items", CsvData=csv_text(ITEM_COLUMNS, rows)).TotalCount

    def push_shipment(self, shipment):
        """One ``Sales orders`` row per line; an order the warehouse already has is a resend, accepted again."""
        number = shipment["number"]
        address = shipment.get("address") or {}
        # The template has one street line: a flat or building number in the second must still reach the door.
        street = ", ".join(filter(None, (address.get("Address1"), address.get("Address2"))))
        order = (
            number,
            address.get("Email"),
            address.get("FirstName"),
            address.get("LastName"),
            street,
            address.get("Town"),
            address.get("PostCode"),
            address.get("Country"),
            shipment.get("service"),
            shipment.get("site"),
        )
        rows = [(*order, line["sku"], quantity_text(line["quantity"])) for line in shipment["lines"]]

        def refused(reason):
            return BusinessError(
                f"The warehouse refused {number}: {reason}. "
                "Correct the delivery in Odoo (the products' SKUs known to the warehouse, whole quantities, "
                "the warehouse site), then press Retry."
            )

        csv_data = csv_text(SALES_ORDER_COLUMNS, rows)
        result = self._call("SaveData", refused, TemplateName="Sales orders", CsvData=csv_data)
        detail = result.Detail or ""
        if not result.TotalCount and number not in detail:
            raise BusinessError(
                f"The warehouse did not save {number}: {detail or 'no reason given'}. "
                "Check the delivery in Odoo, then press Retry."
            )
        return Accepted(number, detail)

    def shipment(self, warehouse_id):
        """The order as the warehouse has it, its despatches giving the lines shipped and the parcels.

        The service reports no ordered quantities nor a query's text: ``quantity`` and ``query`` are None.
        """
        number = warehouse_id
        if '"' in number:
            raise ValidationError(f"The warehouse's search cannot look for {number!r}: it contains a double quote.")
        _result, detail = self._get("Sales orders", f'SalesOrderNumber.Equals("{number}")')
        orders = [row for _line, row in csv_rows(detail) if row.get("SalesOrderNumber") == number]
        if not orders:
            raise BusinessError(
                f"The warehouse has no order {number}. Send the delivery again (Retry its shipment exchange), "
                "or ask the warehouse what became of it."
            )
        _result, detail = self._get("Despatches", f'SalesOrderNumber.Equals("{number}")')
        despatches, problems, _spoilt = despatch_rows(detail)
        if problems:
            line, message = problems[0]
            raise ValidationError(f"The warehouse's despatches of {number} cannot be read: line {line}: {message}.")
        return order_of(number, status_code(orders[0].get("Status")), despatches)

    def read_despatches(self, cursor=None):
        """Despatches from ``cursor`` (the latest ``DespatchDate`` read before; None: all), one ``Batch`` per page.

        Records carry their ``despatch`` number for the channel to apply each once.
        """
        return self._read_pages(
            "Despatches",
            "DespatchDate",
            cursor,
            despatch_rows,
            lambda row: (row["SalesOrderNumber"], row["DespatchNumber"]),
            lambda key, group: order_of(key[0], "DESPATCHED", group, key[1]),
        )

    def read_receipts(self, cursor=None):
        """ASNs booked in from ``cursor`` (the latest ``BookedInDate`` read before), one ``Batch`` per page."""
        return self._read_pages(
            "Goods in",
            "BookedInDate",
            cursor,
            goods_in_rows,
            lambda row: (row["AsnId"],),
            lambda key, group: asn_of(key[0], group),
        )

    def _read_pages(self, template, date_column, cursor, read_rows, key_of, record_of):
        """``template``'s rows dated from ``cursor`` on, page by page, as records of the rows sharing a key.

        The search filters by day, so rows earlier than the cursor on its day are dropped, and the cursor's own
        instant is read again: the channel applies each record once by its key. Rows come in date order; a
        record whose rows run on past a page's end is given whole to the next page. ``read_rows(detail)`` gives
        ``(rows with "moment", (line, message) problems, keys an unreadable row spoils)``.
        """
        since = moment(cursor) if cursor else None
        if cursor and since is None:
            raise ValidationError(f"The {template} cursor {cursor!r} is not an ISO date and time; clear or correct it.")
        clause = f"{date_column} >= DateTime({since.year},{since.month},{since.day})" if since else ""
        batches, carried, spoilt, latest = [], [], set(), since
        page, pages = 1, 1
        while page <= pages:
            result, detail = self._get(template, clause, page)
            rows, problems, spoiling = read_rows(detail)
            spoilt |= spoiling
            pages = math.ceil((result.TotalCount or 0) / self.page_size)
            rows = carried + [row for row in rows if since is None or row["moment"] >= since]
            carried = []
            if rows and page < pages:
                tail = key_of(rows[-1])
                carried = [row for row in rows if key_of(row) == tail]
                rows = [row for row in rows if key_of(row) != tail]
            groups = {}
            for row in rows:
                groups.setdefault(key_of(row), []).append(row)
            records = [record_of(key, group) for key, group in groups.items() if key not in spoilt]
            latest = max(filter(None, [latest, *(row["moment"] for row in rows)]), default=None)
            batches.append(
                Batch(
                    name=f"GetData {template} {clause or 'all'}, page {page} of {max(pages, 1)}",
                    raw=detail.encode(),
                    records=records,
                    problems=problems,
                    cursor=latest.isoformat() if latest else None,
                )
            )
            page += 1
        return batches

    def read_stock(self):
        """Every stock line the warehouse reports, in one answer."""
        result, detail = self._get("Item stock")
        levels, problems = [], []
        columns = (("level", "OnHand"), ("allocated", "Allocated"), ("available", "Available"))
        for line, row in csv_rows(detail):
            numbers = {key: integer(row.get(column)) for key, column in columns}
            unreadable = [f"{column} {row.get(column)!r}" for key, column in columns if numbers[key] is None]
            if not row.get("Sku"):
                problems.append((line, "Sku is empty"))
            elif unreadable:
                problems.append((line, f"{', '.join(unreadable)} of {row['Sku']}: not a whole number"))
            else:
                levels.append({"sku": row["Sku"], "site": row.get("Warehouse") or None, **numbers})
        rows = len(levels) + len(problems)
        if result.TotalCount is not None and result.TotalCount > rows:
            problems.append((0, f"the warehouse counted {result.TotalCount} stock lines but sent {rows}"))
        return Batch(name="GetData Item stock", raw=detail.encode(), records=levels, problems=problems)

    def cancel_shipment(self, warehouse_id, number):
        """``Sales order cancellations``: cancelled now, or a fault saying why not (picked, despatched, unknown)."""

        def refused(reason):
            return BusinessError(
                f"The warehouse would not cancel {number}: {reason}. Agree with the warehouse what happens to it "
                "(a return, say), then Ignore this exchange saying so."
            )

        rows = [(warehouse_id,)]
        result = self._call(
            "SaveData", refused, TemplateName="Sales order cancellations", CsvData=csv_text(CANCEL_COLUMNS, rows)
        )
        return result.Detail or ""

    def push_asn(self, asn):
        """``Purchase orders``, one row per line; the answer pairs each number with the warehouse's ASN id."""
        reference = asn["reference"]
        rows = [
            (reference, line["sku"], quantity_text(line["quantity"]), asn.get("expected"), asn.get("site"))
            for line in asn["lines"]
        ]

        def refused(reason):
            return BusinessError(
                f"The warehouse refused the ASN of {reference}: {reason}. Correct the receipt in Odoo (the products' "
                "SKUs, whole quantities, the warehouse site), then press Retry."
            )

        result = self._call(
            "SaveData", refused, TemplateName="Purchase orders", CsvData=csv_text(PURCHASE_ORDER_COLUMNS, rows)
        )
        detail = result.Detail or ""
        found = re.search(rf"(?:^|[:,]\s*){re.escape(reference)}=(\w+)", detail)
        if not found:
            raise ValidationError(
                f"The warehouse saved the ASN of {reference} but gave no id for it ({detail!r}). "
                "Tell the integrator: the service's answer changed."
            )
        return Accepted(found.group(1), detail)

    def asn(self, warehouse_id):
        """The ASN as the warehouse has booked it in; one not booked in yet is awaited."""
        if '"' in str(warehouse_id):
            raise ValidationError(f"The warehouse's search cannot look for {warehouse_id!r}: it contains a quote.")
        _result, detail = self._get("Goods in", f'AsnId.Equals("{warehouse_id}")')
        rows, problems, _spoilt = goods_in_rows(detail)
        if problems:
            line, message = problems[0]
            raise ValidationError(
                f"The warehouse's booking in of ASN {warehouse_id} cannot be read: line {line}: {message}."
            )
        if not rows:
            return {"id": str(warehouse_id), "reference": "", "status": "AWAITINGDELIVERY", "lines": []}
        return asn_of(str(warehouse_id), rows)

    def describe(self):
        result = self._call("GetData", TemplateName="Items", PageNo=1, ItemsPerPage=1)
        return f"SOAP service answering as client {self.client_id}, {result.TotalCount} items"
