"""The file transport: CSV files in a drop folder shared with the warehouse, on a local path or over SFTP.

Orders go into ``in/orders/`` one file per shipment, ASNs into ``in/asns/``
and cancellations into ``in/cancellations/``, each written under ``.part``
and renamed so the warehouse never takes half a file. The warehouse answers
with files: refused rows in ``out/errors/``, despatches in
``out/despatches/``, goods booked in in ``out/receipts/``, the orders it
cancelled in ``out/cancellations/``, stock snapshots in ``out/stock/``. Each is read only once
it is complete (a final line break, a last row as long as the header, the
same size and time as at the previous look, and older than
``settle_seconds``), kept verbatim in a ``Batch`` and moved to ``processed/``
when the channel acknowledges it.

Column layouts are plain dicts of contract key to column name per file kind,
so another warehouse's columns are configuration. The default is the sandbox
warehouse's (Mintsoft-like names).
"""

import csv
import io
import logging
import posixpath
import re
import time
from collections import namedtuple
from datetime import datetime

from odoo.addons.erp_integration_core.lib.errors import BusinessError, MappingError

from .transport import Accepted, Batch, WarehouseTransport, integer

_logger = logging.getLogger(__name__)

FOLDERS = {
    "orders": "in/orders",
    "asns": "in/asns",
    "cancellations": "in/cancellations",
    "errors": "out/errors",
    "despatches": "out/despatches",
    "receipts": "out/receipts",
    "cancelled": "out/cancellations",
    "stock": "out/stock",
}
# A cancellation file's name says what it is, so the warehouse's report of refused rows does too.
CANCEL_PREFIX = "cancel_"
ADDRESS_KEYS = ("FirstName", "LastName", "CompanyName", "Address1", "Address2", "Town", "PostCode", "Country")
LAYOUTS = {
    "orders": {
        "number": "OrderNumber",
        "site": "Warehouse",
        "service": "CourierService",
        **{key: key for key in (*ADDRESS_KEYS, "Email", "Phone")},
        "sku": "SKU",
        "quantity": "Quantity",
    },
    "asns": {
        "reference": "Reference",
        "site": "Warehouse",
        "expected": "ExpectedDate",
        "sku": "SKU",
        "quantity": "Quantity",
    },
    "cancellations": {"number": "OrderNumber"},
    "errors": {"line": "Line", "number": "OrderNumber", "reference": "Reference", "error": "Error"},
    "despatches": {
        "id": "OrderId",
        "number": "OrderNumber",
        "date": "DespatchDate",
        "carrier": "CourierName",
        "tracking": "TrackingNumber",
        "url": "TrackingURL",
        "sku": "SKU",
        "quantity": "Quantity",
    },
    "receipts": {
        "reference": "Reference",
        "date": "BookedInDate",
        "sku": "SKU",
        "quantity": "Quantity",
        "received": "QuantityReceived",
    },
    "cancelled": {"number": "OrderNumber", "date": "CancelledDate"},
    "stock": {
        "sku": "SKU",
        "site": "WarehouseId",
        "level": "Level",
        "allocated": "Allocated",
        "available": "Available",
    },
}
REQUIRED = {
    "orders": ("number", "sku", "quantity"),
    "asns": ("reference", "sku", "quantity"),
    "cancellations": ("number",),
    "errors": ("error",),
    "despatches": ("number", "sku", "quantity"),
    "receipts": ("reference", "sku", "received"),
    "cancelled": ("number",),
    "stock": ("sku", "level"),
}
UNFINISHED_SUFFIXES = (".part", ".tmp", ".filepart")

Table = namedtuple("Table", "header rows problems")


def file_name(number):
    """A file name for a shipment number: ``WH/OUT/00012`` becomes ``WH_OUT_00012.csv``."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", str(number)).strip("._")
    if not stem:
        raise BusinessError(f"The shipment number {number!r} cannot name a file; give the delivery a reference.")
    return f"{stem}.csv"


def decode(data):
    """CSV text: UTF-8 with or without byte order mark, else Windows-1252 as Excel saves it."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def read_table(data):
    """``Table`` of the header and the non-blank rows as ``(line, fields)``; None for a file still being written."""
    if not data.endswith(b"\n"):
        return None
    reader = csv.reader(io.StringIO(decode(data), newline=""))
    header, rows = [], []
    try:
        header = [column.strip() for column in next(reader, [])]
        rows += [(reader.line_num, row) for row in reader if any(value.strip() for value in row)]
    except csv.Error as exc:
        return Table(header, rows, [(reader.line_num, f"Not readable as CSV from here on: {exc}")])
    if not header or (rows and len(rows[-1][1]) < len(header)):
        return None
    return Table(header, rows, [])


class FileTransport(WarehouseTransport):
    """CSV files in a drop folder (``LocalFolder`` or ``SftpFolder``), the sandbox warehouse's layout by default.

    ``layouts`` overrides the columns of a file kind (``orders``, ``errors``,
    ``despatches``, ``stock``) as ``{contract key: column name}``; ``folders``
    where each kind lives. A file changed since this transport last listed
    it, or modified less than ``settle_seconds`` ago, waits for the next read.
    """

    pushes_items = False
    reads_orders = False
    cancels_at_once = False

    def __init__(self, folder, layouts=None, settle_seconds=5, folders=None):
        self.folder = folder
        self.layouts = {kind: dict(columns) for kind, columns in {**LAYOUTS, **(layouts or {})}.items()}
        for kind, keys in REQUIRED.items():
            missing = [key for key in keys if not self.layouts[kind].get(key)]
            if missing:
                raise MappingError(
                    f"The warehouse's {kind} file layout has no column for {', '.join(missing)}. "
                    "Add it to the backend's file layout, then press Retry."
                )
        self.folders = {**FOLDERS, **(folders or {})}
        self.settle_seconds = settle_seconds
        self._seen = {}

    def push_shipment(self, shipment):
        number = shipment["number"]
        common = {
            "number": number,
            "site": shipment.get("site"),
            "service": shipment.get("service"),
            **(shipment.get("address") or {}),
        }
        rows = [{**common, "sku": line["sku"], "quantity": self._quantity(number, line)} for line in shipment["lines"]]
        if not rows:
            raise BusinessError(f"{number} has no lines to send to the warehouse.")
        path = self._drop("orders", file_name(number), rows)
        _logger.info("Shipment %s written as %s", number, path)
        return Accepted(warehouse_id=number, message=f"written as {path}")

    def push_asn(self, asn):
        """An ASN file in ``in/asns/``: the receipt's reference names it, and the booking-in file names it back."""
        reference = asn["reference"]
        common = {"reference": reference, "site": asn.get("site"), "expected": asn.get("expected")}
        rows = [{**common, "sku": line["sku"], "quantity": self._quantity(reference, line)} for line in asn["lines"]]
        if not rows:
            raise BusinessError(f"{reference} has no lines to announce to the warehouse.")
        path = self._drop("asns", file_name(reference), rows)
        return Accepted(warehouse_id=reference, message=f"written as {path}")

    def cancel_shipment(self, warehouse_id, number):
        """A cancellation file: the warehouse cancels the order on its next read, or reports the row refused."""
        path = self._drop("cancellations", CANCEL_PREFIX + file_name(warehouse_id), [{"number": warehouse_id}])
        return f"written as {path}; a refusal comes back in {self.folders['errors']}"

    def _drop(self, kind, name, rows):
        """Write ``rows`` as a ``kind`` file in its folder, in its layout; returns the path."""
        layout = self.layouts[kind]
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(layout.values())
        writer.writerows([["" if row.get(key) is None else row[key] for key in layout] for row in rows])
        path = posixpath.join(self.folders[kind], name)
        try:
            self.folder.write(path, buffer.getvalue().encode())
        except FileNotFoundError as exc:
            raise self._missing(kind) from exc
        return path

    def _missing(self, kind):
        return BusinessError(
            f"The drop folder {self.folder.label} has no {self.folders[kind]} folder. "
            "Check the folder on the backend (or ask the warehouse to create it), then press Retry."
        )

    @staticmethod
    def _quantity(number, line):
        quantity = line["quantity"]
        if float(quantity) != int(float(quantity)):
            raise BusinessError(
                f"{number}: {line['sku']} has quantity {quantity}; the warehouse takes whole units. "
                "Correct the delivery in Odoo, then press Retry."
            )
        return int(float(quantity))

    def read_refusals(self):
        """The warehouse's reports of refused rows: ``Batch``-es of ``{"kind", "number", "line", "error"}``.

        ``kind`` says what was refused: an ``order`` (a shipment), an ``asn``
        (its rows name a reference) or a ``cancel`` (a cancellation file's).
        """
        batches = []
        with self.folder.session():
            for path, data, table in self._complete_files("errors"):
                rows, problems = self._rows("errors", table)
                cancels = posixpath.basename(path).startswith(CANCEL_PREFIX)
                records = []
                for line, values in rows:
                    kind = "cancel" if cancels else "order" if values["number"] else "asn"
                    number = values["number"] or values["reference"]
                    if not number:
                        problems.append((line, "names no order number or reference"))
                        continue
                    records.append(
                        {
                            "kind": kind,
                            "number": number,
                            "line": integer(values.get("line") or "", minimum=0),
                            "error": values["error"],
                        }
                    )
                batches.append(Batch(path, data, records, problems))
        return batches

    def read_receipts(self, cursor=None):
        """One ``Batch`` of ASNs booked in per complete receipt file not yet acknowledged; files need no cursor."""
        with self.folder.session():
            return [self._receipts(path, data, table) for path, data, table in self._complete_files("receipts")]

    def _receipts(self, path, data, table):
        """The ASNs a receipt file books in, each whole: one unreadable row leaves its ASN out."""
        rows, problems = self._rows("receipts", table)
        asns, bad = {}, {}
        for line, values in rows:
            reference = values["reference"]
            received = integer(values["received"], minimum=0)
            expected = integer(values.get("quantity") or "0", minimum=0)
            if not reference:
                problems.append((line, f"{self.layouts['receipts']['reference']} is empty"))
            elif not values["sku"] or received is None or expected is None:
                problems.append((line, f"SKU or quantities of {reference} not readable"))
                bad.setdefault(reference, line)
            else:
                asns.setdefault(reference, []).append(
                    {"sku": values["sku"], "quantity": expected, "received": received}
                )
        for reference, line in bad.items():
            problems.append((line, f"Booking in of {reference} left out: line {line} cannot be read"))
        records = [
            {"id": reference, "reference": reference, "status": "BOOKEDIN", "lines": lines}
            for reference, lines in asns.items()
            if reference not in bad
        ]
        return Batch(path, data, records, sorted(problems))

    def read_cancellations(self):
        """One ``Batch`` per complete cancellation file: the orders the warehouse confirms it cancelled.

        An order is known by the number Odoo sent it under, which is its id here.
        """
        batches = []
        with self.folder.session():
            for path, data, table in self._complete_files("cancelled"):
                rows, problems = self._rows("cancelled", table)
                records = []
                for line, values in rows:
                    if not values["number"]:
                        problems.append((line, f"{self.layouts['cancelled']['number']} is empty"))
                        continue
                    number = values["number"]
                    records.append(
                        {"id": number, "number": number, "status": "CANCELLED", "cancelled_at": values["date"] or None}
                    )
                batches.append(Batch(path, data, records, sorted(problems)))
        return batches

    def read_despatches(self, cursor=None):
        """One ``Batch`` per complete despatch file not yet acknowledged; files need no cursor."""
        with self.folder.session():
            return [self._despatches(path, data, table) for path, data, table in self._complete_files("despatches")]

    def _despatches(self, path, data, table):
        """Orders despatched, one per order and tracking number: what the file says shipped, line by line."""
        rows, problems = self._rows("despatches", table)
        groups, bad = {}, {}
        for line, values in rows:
            key = (values["number"], values.get("tracking") or values.get("date") or "")
            quantity = integer(values["quantity"], minimum=0)
            if not values["number"]:
                problems.append((line, f"{self.layouts['despatches']['number']} is empty"))
            elif not values["sku"]:
                problems.append((line, f"{self.layouts['despatches']['sku']} is empty"))
                bad.setdefault(key, line)
            elif quantity is None:
                column = self.layouts["despatches"]["quantity"]
                problems.append((line, f"{column} {values['quantity']!r} is not a whole number"))
                bad.setdefault(key, line)
            else:
                groups.setdefault(key, []).append({**values, "quantity": quantity})
        for (number, _), line in bad.items():
            problems.append((line, f"Despatch of {number} left out: line {line} cannot be read"))
        records = [self._despatch(path, group) for key, group in groups.items() if key not in bad]
        return Batch(path, data, records, sorted(problems))

    @staticmethod
    def _despatch(path, rows):
        first = rows[0]
        despatched = {}
        for row in rows:
            despatched[row["sku"]] = despatched.get(row["sku"], 0) + row["quantity"]
        parcels = {(r.get("carrier") or None, r.get("tracking") or None, r.get("url") or None) for r in rows}
        number = first["number"]
        return {
            "id": first.get("id") or number,
            "number": number,
            "status": "DESPATCHED",
            "query": None,
            # The file says what shipped, not what was ordered.
            "lines": [{"sku": sku, "quantity": None, "despatched": n} for sku, n in despatched.items()],
            "parcels": [
                {"carrier": carrier, "tracking": tracking, "url": url}
                for carrier, tracking, url in sorted(parcels, key=str)
                if carrier or tracking
            ],
            "despatch": first.get("tracking") or f"{number} at {first.get('date') or path}",
            "despatched_at": first.get("date") or None,
        }

    def read_stock(self):
        """The newest stock file as a ``Batch`` of stock levels, or None if there is none or it is not complete."""
        with self.folder.session():
            entries = self._candidates("stock")
            if not entries:
                return None
            newest = max(entries, key=lambda entry: (entry.mtime, entry.name))
            found = self._ready(posixpath.join(self.folders["stock"], newest.name), newest)
            if not found:
                return None
        path, data, table = found
        rows, problems = self._rows("stock", table)
        records = []
        for line, values in rows:
            numbers = {key: integer(values.get(key)) for key in ("level", "allocated", "available")}
            wrong = [self.layouts["stock"][key] for key in numbers if key in values and numbers[key] is None]
            if not values["sku"] or wrong:
                problems.append((line, f"{', '.join(wrong) or 'SKU'} not readable"))
                continue
            records.append({"sku": values["sku"], "site": values.get("site"), **numbers})
        return Batch(path, data, records, problems)

    def acknowledge(self, batch):
        """Move the batch's file to ``processed/`` beside it, unless it changed since it was read."""
        folder, name = posixpath.split(batch.name)
        with self.folder.session():
            try:
                if self.folder.read(batch.name) != batch.raw:
                    _logger.info("%s changed since it was read; left for the next read", batch.name)
                    return
            except FileNotFoundError:
                return
            try:
                taken = {entry.name for entry in self.folder.list(posixpath.join(folder, "processed"))}
            except FileNotFoundError:
                taken = set()
            stem, suffix = posixpath.splitext(name)
            target, stamp, counter = name, f"{datetime.now():%Y%m%d%H%M%S}", 0
            while target in taken:
                counter += 1
                target = f"{stem}_{stamp}{suffix}" if counter == 1 else f"{stem}_{stamp}_{counter}{suffix}"
            self.folder.move(batch.name, posixpath.join(folder, "processed", target))
        self._seen.pop(batch.name, None)

    def describe(self):
        with self.folder.session():
            try:
                self.folder.list(self.folders["orders"])
            except FileNotFoundError as exc:
                raise self._missing("orders") from exc
            counts = {kind: len(self._candidates(kind)) for kind in ("orders", "despatches", "errors", "stock")}
        return (
            f"Drop folder answering {self.folder.label}: {counts['orders']} order file(s) waiting, "
            f"{counts['despatches']} despatch file(s), {counts['errors']} refusal file(s), "
            f"{counts['stock']} stock file(s)"
        )

    def push_item(self, item):
        raise BusinessError(
            f"The warehouse takes no product files, so {item.get('sku')} cannot be sent. Set it up at the "
            "warehouse another way (their portal, or a product list they import), then Ignore this exchange."
        )

    def shipment(self, warehouse_id):
        raise BusinessError(
            f"The warehouse's files cannot be asked about {warehouse_id}: its despatches arrive as files in "
            f"{self.folders['despatches']}."
        )

    def asn(self, warehouse_id):
        raise BusinessError(f"The warehouse's files cannot be asked about ASN {warehouse_id}.")

    def _candidates(self, kind):
        """The finished CSV names in a kind's folder (none if it is missing): no ``.part``/``.tmp``, no hidden files."""
        try:
            entries = self.folder.list(self.folders[kind])
        except FileNotFoundError:
            return []
        return [
            entry
            for entry in entries
            if not entry.name.startswith(".")
            and not entry.name.endswith(UNFINISHED_SUFFIXES)
            and entry.name.lower().endswith(".csv")
        ]

    def _complete_files(self, kind):
        """``(path, data, table)`` of every complete file of ``kind``, oldest first."""
        found = []
        for entry in sorted(self._candidates(kind), key=lambda entry: (entry.mtime, entry.name)):
            ready = self._ready(posixpath.join(self.folders[kind], entry.name), entry)
            if ready:
                found.append(ready)
        return found

    def _ready(self, path, entry):
        """The file read, if it is complete and stable; else None, so the next read tries again."""
        previous, self._seen[path] = self._seen.get(path), (entry.size, entry.mtime)
        if previous not in (None, (entry.size, entry.mtime)) or time.time() - entry.mtime < self.settle_seconds:
            return None
        try:
            data = self.folder.read(path)
        except FileNotFoundError:
            return None
        table = read_table(data) if len(data) == entry.size else None
        return (path, data, table) if table else None

    def _rows(self, kind, table):
        """``(line, {contract key: text})`` per row with as many fields as the header, and the problems."""
        layout = self.layouts[kind]
        # The columns a kind cannot do without must be there; the others may not be, and read as empty.
        missing = [layout[key] for key in REQUIRED[kind] if layout[key] not in table.header]
        if missing:
            return [], [(1, f"The header lacks column(s) {', '.join(missing)}")]
        index = {key: table.header.index(column) for key, column in layout.items() if column in table.header}
        absent = dict.fromkeys(set(layout) - set(index), "")
        good, problems = [], list(table.problems)
        header = table.header
        for line, row in table.rows:
            if len(row) != len(header):
                problems.append((line, f"{len(row)} field(s), expected {len(header)}"))
                continue
            good.append((line, {**absent, **{key: row[position].strip() for key, position in index.items()}}))
        return good, problems
