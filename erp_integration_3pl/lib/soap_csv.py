"""The SOAP warehouse's CSV: what ``SaveData`` is given and what ``GetData`` answers, read into the contract's terms.

Peoplevox-like templates carry CSV text in one SOAP field; these functions
write it (one physical line per row, so a fault's line number names the row)
and read it back (despatches and goods in, with the rows that cannot be read
named by line), apart from the session and faults of ``soap.py``.
"""

import csv
import io
import re
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation

from .transport import integer

ITEM_COLUMNS = ("Sku", "Name", "Barcode")
SALES_ORDER_COLUMNS = (
    "SalesOrderNumber",
    "CustomerEmail",
    "FirstName",
    "LastName",
    "ShippingAddressLine1",
    "ShippingAddressCity",
    "ShippingAddressPostcode",
    "ShippingAddressCountry",
    "ShippingServiceReference",
    "Warehouse",
    "Sku",
    "Quantity",
)
PURCHASE_ORDER_COLUMNS = ("PurchaseOrderNumber", "Sku", "Quantity", "ExpectedDate", "Warehouse")
CANCEL_COLUMNS = ("SalesOrderNumber",)


def csv_text(columns, rows):
    """CSV for ``SaveData``: quoted where needed, one physical line per row so a fault's line number names the row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([" ".join(str(value if value is not None else "").splitlines()) for value in row])
    return buffer.getvalue()


def csv_rows(detail):
    """``(line, row)`` for each record of a ``GetData`` answer, its header on line 1."""
    reader = csv.DictReader(io.StringIO((detail or "").lstrip("\ufeff"), newline=""))
    return [
        (reader.line_num, {key.strip(): (value or "").strip() for key, value in row.items() if key is not None})
        for row in reader
    ]


def quantity_text(value):
    """A quantity as the warehouse reads it: ``2.0`` is ``2``; anything else is sent as is, for it to judge."""
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    return str(int(number)) if number.is_finite() and number == number.to_integral_value() else str(value)


def moment(text):
    """An ISO date and time as naive UTC (the warehouse's own times carry no offset), or None."""
    try:
        value = datetime.fromisoformat(str(text or "").strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return value.astimezone(timezone.utc).replace(tzinfo=None) if value.tzinfo else value


def status_code(text):
    """The contract's status from the warehouse's (``Awaiting picking`` is ``AWAITINGPICKING``)."""
    return re.sub(r"[\s_-]", "", text or "").upper() or None


def order_of(number, status, rows, despatch=None):
    """An order in the contract's terms from readable ``Despatches`` rows: lines shipped, a parcel per tracking."""
    lines, parcels = {}, {}
    for row in rows:
        lines[row["Sku"]] = lines.get(row["Sku"], 0) + row["quantity"]
        if row.get("TrackingNumber"):
            parcels.setdefault(
                (row["DespatchNumber"], row["TrackingNumber"]),
                {
                    "carrier": row.get("CarrierName", ""),
                    "tracking": row["TrackingNumber"],
                    "url": row.get("TrackingUrl", ""),
                },
            )
    order = {
        "id": number,
        "number": number,
        "status": status,
        "query": None,
        "lines": [{"sku": sku, "quantity": None, "despatched": quantity} for sku, quantity in lines.items()],
        "parcels": list(parcels.values()),
    }
    if despatch:
        order.update(despatch=despatch, despatched_at=max(row["moment"] for row in rows).isoformat())
    return order


def despatch_rows(detail):
    """A ``Despatches`` answer read: its rows (with ``quantity`` and ``moment``), ``(line, message)`` problems, and
    the ``(order, despatch)`` pairs an unreadable row spoils, to be left out whole rather than applied in part.
    """
    readable, problems, spoilt = [], [], set()
    for line, row in csv_rows(detail):
        quantity, when = integer(row.get("Quantity"), minimum=0), moment(row.get("DespatchDate"))
        problem = None
        if not row.get("SalesOrderNumber"):
            problem = "SalesOrderNumber is empty"
        elif not row.get("DespatchNumber"):
            problem = f"DespatchNumber is empty (order {row['SalesOrderNumber']})"
        elif not row.get("Sku"):
            problem = f"Sku is empty (despatch {row['DespatchNumber']})"
        elif quantity is None:
            problem = f"Quantity {row.get('Quantity')!r} of {row['Sku']} is not a whole number"
        elif when is None:
            problem = f"DespatchDate {row.get('DespatchDate')!r} is not a date and time"
        if problem:
            if row.get("SalesOrderNumber") and row.get("DespatchNumber"):
                spoilt.add((row["SalesOrderNumber"], row["DespatchNumber"]))
                problem += f"; despatch {row['DespatchNumber']} of {row['SalesOrderNumber']} is left out"
            problems.append((line, problem))
            continue
        readable.append({**row, "quantity": quantity, "moment": when})
    return readable, problems, spoilt


def goods_in_rows(detail):
    """A ``Goods in`` answer read, as ``despatch_rows`` reads despatches: rows, problems, the ASNs spoilt."""
    readable, problems, spoilt = [], [], set()
    for line, row in csv_rows(detail):
        received, when = integer(row.get("QuantityReceived"), minimum=0), moment(row.get("BookedInDate"))
        problem = None
        if not row.get("AsnId"):
            problem = "AsnId is empty"
        elif not row.get("Sku"):
            problem = f"Sku is empty (ASN {row['AsnId']})"
        elif received is None:
            problem = f"QuantityReceived {row.get('QuantityReceived')!r} of {row['Sku']} is not a whole number"
        elif when is None:
            problem = f"BookedInDate {row.get('BookedInDate')!r} is not a date and time"
        if problem:
            if row.get("AsnId"):
                spoilt.add((row["AsnId"],))
                problem += f"; ASN {row['AsnId']} is left out"
            problems.append((line, problem))
            continue
        readable.append({**row, "received": received, "moment": when})
    return readable, problems, spoilt


def asn_of(warehouse_id, rows):
    """An ASN in the contract's terms from its readable ``Goods in`` rows."""
    return {
        "id": warehouse_id,
        "reference": rows[0].get("PurchaseOrderNumber", ""),
        "status": "BOOKEDIN",
        "lines": [
            {"sku": row["Sku"], "quantity": integer(row.get("Quantity"), minimum=0), "received": row["received"]}
            for row in rows
        ],
        "booked_at": max(row["moment"] for row in rows).isoformat(),
    }
