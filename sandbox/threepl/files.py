"""CSV drops: the folder tree a file-based 3PL shares with its client, and the warehouse's side of it.

The ERP writes orders into ``in/orders/``, ASNs into ``in/asns/`` and cancellations
into ``in/cancellations/``; on each clock step the warehouse takes every finished
``.csv`` there, acts on it, moves the file to the folder's ``processed/`` and reports
bad rows in ``out/errors/``. The warehouse writes despatch confirmations into
``out/despatches/``, goods booked in into ``out/receipts/``, the orders it cancelled
into ``out/cancellations/`` and a stock snapshot into ``out/stock/`` every morning.
The same tree is served over SFTP.
"""

import csv
import io
import shutil
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from pathlib import Path

from ..core.knobs import Knobs
from .warehouse import BOOKED_IN, Rejected, crossed, iso, iso_date, whole_number

FOLDERS = (
    "in/orders/processed",
    "in/asns/processed",
    "in/cancellations/processed",
    "out/despatches",
    "out/receipts",
    "out/cancellations",
    "out/stock",
    "out/errors",
)
ORDER_COLUMNS = ("OrderNumber", "SKU", "Quantity")
ASN_COLUMNS = ("Reference", "SKU", "Quantity")
ORDER_ITEM_COLUMNS = ("SKU", "Quantity", "UnitPrice", "UnitPriceVat")
DESPATCH_COLUMNS = (
    "OrderNumber",
    "ExternalOrderReference",
    "OrderId",
    "DespatchDate",
    "CourierName",
    "TrackingNumber",
    "TrackingURL",
    "SKU",
    "Quantity",
)
RECEIPT_COLUMNS = ("Reference", "AsnId", "BookedInDate", "SKU", "Quantity", "QuantityReceived")
CANCELLED_COLUMNS = ("OrderNumber", "OrderId", "CancelledDate")
STOCK_COLUMNS = ("SKU", "WarehouseId", "Level", "Allocated", "Available")
UNFINISHED_SUFFIXES = (".part", ".tmp", ".filepart")
MALFORMED_ROW = "#ERROR: row cut short by the export"
STOCK_FILE_HOUR = 6
RECENT_FILES = 200


@dataclass
class FileProblems(Knobs):
    """What goes wrong with the files the warehouse writes; all off by default.

    ``duplicate``: each file is delivered again an hour later (same name, same
    content), as after a resend on the 3PL's side. ``same_name``: the stock
    snapshot is always ``stock.csv``, overwritten day after day. ``part_hours``: the
    ``.part`` a file is written under stays that long before the rename.
    ``truncated_hours``: the file appears half-written under its final name and is
    completed that much later. ``bom``, ``crlf`` and ``malformed_row``: a UTF-8 byte
    order mark, Windows line endings, one row with the wrong number of fields.
    """

    duplicate: bool = False
    same_name: bool = False
    part_hours: float = 0.0
    truncated_hours: float = 0.0
    bom: bool = False
    crlf: bool = False
    malformed_row: bool = False

    @classmethod
    def kinds(cls) -> list[str]:
        return [field.name for field in fields(cls)]

    def with_kind(self, kind: str) -> "FileProblems":
        """These problems plus ``kind`` (``part`` and ``truncated`` for short: delays become one hour)."""
        kind = {"part": "part_hours", "truncated": "truncated_hours"}.get(kind, kind)
        if kind not in self.kinds():
            raise ValueError(f"Unknown file problem {kind!r}; choose from {', '.join(self.kinds())}")
        value = 1.0 if kind.endswith("_hours") else True
        return FileProblems.from_dict({**self.to_dict(), kind: value})


def render_csv(columns, rows, problems: FileProblems) -> bytes:
    """CSV bytes of ``rows`` (dicts), with the requested encoding and row problems."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n" if problems.crlf else "\n")
    writer.writerow(columns)
    lines = [[row.get(column, "") for column in columns] for row in rows]
    if problems.malformed_row:
        lines.insert(len(lines) // 2, [MALFORMED_ROW])
    writer.writerows(lines)
    return ("\ufeff" if problems.bom else "").encode() + buffer.getvalue().encode()


def read_csv_text(data: bytes) -> str:
    """Decode a dropped file: UTF-8 with or without BOM, else Windows-1252 as Excel saves it."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def read_rows(data: bytes, required, key: str) -> tuple[list[tuple[int, dict]], list[dict]]:
    """The rows of a dropped file with their line numbers, and errors for a bad header or rows of the wrong width.

    Errors are rows of the file's error report, ``key`` naming the record's column.
    """
    reader = csv.reader(io.StringIO(read_csv_text(data), newline=""))
    header = [column.strip() for column in next(reader, [])]
    missing = [column for column in required if column not in header]
    if missing:
        return [], [{"Line": 1, key: "", "Error": f"Header lacks column(s) {', '.join(missing)}"}]
    rows, errors = [], []
    for row in reader:
        if not any(value.strip() for value in row):
            continue
        if len(row) != len(header):
            errors.append({"Line": reader.line_num, key: "", "Error": f"{len(row)} fields, expected {len(header)}"})
            continue
        rows.append((reader.line_num, {column: value.strip() for column, value in zip(header, row)}))
    return rows, errors


def finished(path: Path) -> bool:
    """Whether a dropped file is a CSV its writer has finished: not hidden, not still under a temporary name."""
    if not path.is_file() or path.name.startswith(".") or path.name.endswith(UNFINISHED_SUFFIXES):
        return False
    return path.suffix.lower() == ".csv"


class FileDrop:
    """The warehouse's side of the shared folder tree under ``root``.

    ``problems`` applies to every file written but error reports; ``drop_problem()``
    writes one file with a problem now. Follow-ups such as renames and redeliveries
    wait in ``pending`` for their simulated time. File events go to the ``files``
    collection. What has been reported already is remembered: ``despatches_written``
    counts the despatches, ``receipted`` holds the ids of the ASNs booked in.
    """

    def __init__(self, warehouse, root: Path):
        self.warehouse = warehouse
        self.state = warehouse.state
        self.root = Path(root)
        self.problems = FileProblems()
        self.pending: list[tuple[datetime, str, Path, bytes | Path]] = []
        self.despatches_written = 0
        self.receipted: set[int] = set()

    def prepare(self) -> None:
        """Empty the tree and recreate its folders."""
        for top in ("in", "out"):
            shutil.rmtree(self.root / top, ignore_errors=True)
        for folder in FOLDERS:
            (self.root / folder).mkdir(parents=True, exist_ok=True)
        self.despatches_written = len(self.state.records("despatches"))
        self.receipted = {asn["id"] for asn in self.state.records("asns", lambda asn: asn["Status"] == BOOKED_IN)}

    def step(self, previous: datetime, now: datetime) -> None:
        """Finish due follow-ups, take in dropped files, write despatches, receipts and the morning stock file."""
        self._follow_up(now)
        self.take_orders(now)
        self.take_asns(now)
        self.take_cancellations(now)
        self.write_despatches(now)
        self.write_receipts(now)
        if crossed(previous, now, STOCK_FILE_HOUR):
            self.write_stock(now)

    def _follow_up(self, now: datetime) -> None:
        due = [item for item in self.pending if item[0] <= now]
        self.pending = [item for item in self.pending if item[0] > now]
        for _, action, path, payload in due:
            if action == "rename":
                payload.replace(path)
                self._record(now, path, "renamed from .part")
            else:
                path.write_bytes(payload)
                self._record(now, path, "completed" if action == "complete" else "delivered again")

    def take_orders(self, now: datetime) -> list[str]:
        """Process every finished order file in ``in/orders/``; return their names."""
        return self._take("in/orders", "OrderNumber", self._import_orders, now)

    def take_asns(self, now: datetime) -> list[str]:
        """Process every finished ASN file in ``in/asns/``; return their names."""
        return self._take("in/asns", "Reference", self._import_asns, now)

    def take_cancellations(self, now: datetime) -> list[str]:
        """Process every finished cancellation file in ``in/cancellations/``; confirm what was cancelled in one file."""
        cancelled: list[dict] = []
        names = self._take("in/cancellations", "OrderNumber", lambda data: self._cancel(data, now, cancelled), now)
        if cancelled:
            path = self._unique(self.root / "out/cancellations" / f"cancelled_{now:%Y%m%d_%H%M}.csv")
            self._deliver(path, CANCELLED_COLUMNS, cancelled, now, None)
        return names

    def _take(self, folder: str, key: str, importer, now: datetime) -> list[str]:
        """Hand each finished file of ``folder`` to ``importer`` (bytes to error rows), then move it to ``processed/``.

        Refused rows go to ``out/errors/<file>_errors.csv`` as ``Line,<key>,Error``.
        """
        inbox = self.root / folder
        names = []
        for path in sorted(inbox.iterdir()) if inbox.is_dir() else ():
            if not finished(path):
                continue
            errors = importer(path.read_bytes())
            target = inbox / "processed" / path.name
            if target.exists():
                target = target.with_name(f"{path.stem}_{now:%Y%m%d%H%M%S}{path.suffix}")
            path.replace(target)
            self._record(now, target, f"processed, {len(errors)} error(s)")
            if errors:
                report = self.root / "out/errors" / f"{path.stem}_errors.csv"
                self._deliver(report, ("Line", key, "Error"), errors, now, FileProblems())
            names.append(path.name)
        return names

    def _import_orders(self, data: bytes) -> list[dict]:
        """Create the orders of one file; return its errors, one row per line refused."""
        return self._import_groups(
            data, ORDER_COLUMNS, "OrderNumber", "Order", self._order_row_problem, self._create_order
        )

    def _import_asns(self, data: bytes) -> list[dict]:
        """Create the ASNs of one file; return its errors, one row per line refused."""
        return self._import_groups(data, ASN_COLUMNS, "Reference", "ASN", self._asn_row_problem, self._create_asn)

    def _import_groups(self, data: bytes, required, key: str, noun: str, problem_of, create) -> list[dict]:
        """Create one record per ``key`` value from its rows, all of them or none; return the errors, line by line.

        ``problem_of(values)`` says what is wrong with a row, if anything; ``create(rows)`` makes
        the record from its ``(line, values)`` rows or raises ``Rejected``.
        """
        rows, errors = read_rows(data, required, key)
        groups: dict[str, list[tuple[int, dict | None]]] = {}
        for line, values in rows:
            problem = problem_of(values)
            if problem:
                errors.append({"Line": line, key: values[key], "Error": problem})
            groups.setdefault(values[key], []).append((line, values if not problem else None))
        for number, members in groups.items():
            bad = [line for line, values in members if values is None]
            if bad:
                errors += [
                    {"Line": line, key: number, "Error": f"{noun} not created: line {bad[0]} is invalid"}
                    for line, values in members
                    if values is not None
                ]
                continue
            try:
                create(members)
            except Rejected as exc:
                errors += [{"Line": line, key: number, "Error": exc.message} for line, _ in members]
        return sorted(errors, key=lambda error: error["Line"])

    def _order_row_problem(self, values: dict) -> str | None:
        return self._row_problem(values, "OrderNumber")

    def _row_problem(self, values: dict, key: str) -> str | None:
        if not values[key]:
            return f"{key} is empty"
        if not self.warehouse.has_product(values["SKU"]):
            return f"Unknown SKU {values['SKU']!r}"
        if whole_number(values["Quantity"]) is None:
            return f"Quantity {values['Quantity']!r} is not a whole number above zero"
        return None

    def _asn_row_problem(self, values: dict) -> str | None:
        """The problems any row of goods can have, plus an ``ExpectedDate`` or ``Warehouse`` that cannot be read."""
        problem = self._row_problem(values, "Reference")
        if problem:
            return problem
        if values.get("ExpectedDate") and iso_date(values["ExpectedDate"]) is None:
            return f"ExpectedDate {values['ExpectedDate']!r} is not a date YYYY-MM-DD"
        if values.get("Warehouse") and self.warehouse.resolve_warehouse(values["Warehouse"]) is None:
            return f"Unknown Warehouse {values['Warehouse']!r}"
        return None

    def _create_order(self, rows: list[tuple[int, dict]]) -> dict:
        """One order from its rows: customer fields from the first, one item per row."""
        first = rows[0][1]
        order = {key: value for key, value in first.items() if key not in ORDER_ITEM_COLUMNS}
        order["OrderItems"] = [{key: values.get(key) for key in ORDER_ITEM_COLUMNS} for _, values in rows]
        return self.warehouse.create_order(order, channel="File")

    def _create_asn(self, rows: list[tuple[int, dict]]) -> dict:
        """One ASN from its rows: expected date and site from the first, one item per row."""
        first = rows[0][1]
        announcement = {
            "Reference": first["Reference"],
            "Warehouse": first.get("Warehouse"),
            "EstimatedDelivery": first.get("ExpectedDate") or None,
            "Items": [{"SKU": values["SKU"], "Quantity": values["Quantity"]} for _, values in rows],
        }
        return self.warehouse.create_asn(announcement)

    def _cancel(self, data: bytes, now: datetime, cancelled: list[dict]) -> list[dict]:
        """Cancel the order of each row, each on its own; add confirmations to ``cancelled``, return the refusals."""
        rows, errors = read_rows(data, ("OrderNumber",), "OrderNumber")
        for line, values in rows:
            number = values["OrderNumber"]
            try:
                order = self._cancel_numbered(number)
            except Rejected as exc:
                errors.append({"Line": line, "OrderNumber": number, "Error": exc.message})
                continue
            cancelled.append({"OrderNumber": number, "OrderId": order["ID"], "CancelledDate": iso(now)})
        return sorted(errors, key=lambda error: error["Line"])

    def _cancel_numbered(self, number: str) -> dict:
        if not number:
            raise Rejected("OrderNumber is empty")
        return self.warehouse.cancel(self.warehouse.order_numbered(number)["ID"])

    def write_despatches(self, now: datetime, problems: FileProblems | None = None) -> Path | None:
        """Write the despatches made since the last file, one row per SKU shipped."""
        despatches = self.state.records("despatches")[self.despatches_written :]
        if not despatches:
            return None
        self.despatches_written += len(despatches)
        rows = [{**despatch, **item} for despatch in despatches for item in despatch["Items"]]
        path = self._unique(self.root / "out/despatches" / f"despatch_{now:%Y%m%d_%H%M}.csv")
        return self._deliver(path, DESPATCH_COLUMNS, rows, now, problems)

    def write_receipts(self, now: datetime, problems: FileProblems | None = None) -> Path | None:
        """Write the ASNs booked in since the last file, however they were announced: one row per line received."""
        booked = self.state.records("asns", lambda asn: asn["Status"] == BOOKED_IN and asn["id"] not in self.receipted)
        if not booked:
            return None
        self.receipted.update(asn["id"] for asn in booked)
        rows = [
            {"Reference": asn["Reference"], "AsnId": asn["id"], "BookedInDate": asn["BookedInDate"], **item}
            for asn in sorted(booked, key=lambda asn: (asn["BookedInDate"], asn["id"]))
            for item in asn["Items"]
        ]
        path = self._unique(self.root / "out/receipts" / f"receipt_{now:%Y%m%d_%H%M}.csv")
        return self._deliver(path, RECEIPT_COLUMNS, rows, now, problems)

    def write_stock(self, now: datetime, problems: FileProblems | None = None) -> Path:
        """Write a snapshot of every stock line: ``stock_<date>.csv``, or ``stock.csv`` day after day."""
        problems = problems or self.problems
        name = "stock.csv" if problems.same_name else f"stock_{now:%Y%m%d}.csv"
        rows = self.warehouse.stock_levels()
        return self._deliver(self.root / "out/stock" / name, STOCK_COLUMNS, rows, now, problems)

    def drop_problem(self, kind: str, now: datetime, persist: bool = False) -> str:
        """Write a stock snapshot showing problem ``kind`` now; with ``persist``, every file from now on."""
        problems = self.problems.with_kind(kind)
        if persist:
            self.problems = problems
        path = self.write_stock(now, problems)
        return str(path.relative_to(self.root))

    def _deliver(self, path: Path, columns, rows, now: datetime, problems: FileProblems | None) -> Path:
        """Write a file the way the 3PL does, problems included: ``.part`` first, then renamed."""
        problems = problems or self.problems
        data = render_csv(columns, rows, problems)
        part = path.with_name(path.name + ".part")
        if problems.truncated_hours:
            path.write_bytes(data[: len(data) // 2])
            self._record(now, path, "written half")
            self.pending.append((now + timedelta(hours=problems.truncated_hours), "complete", path, data))
        elif problems.part_hours:
            part.write_bytes(data)
            self._record(now, part, "written, rename pending")
            self.pending.append((now + timedelta(hours=problems.part_hours), "rename", path, part))
        else:
            part.write_bytes(data)
            part.replace(path)
            self._record(now, path, "written")
        if problems.duplicate:
            self.pending.append((now + timedelta(hours=1), "redeliver", path, data))
        return path

    def _record(self, now: datetime, path: Path, event: str) -> None:
        self.state.insert("files", {"Time": iso(now), "Path": str(path.relative_to(self.root)), "Event": event})
        stale = self.state.records("files")[:-RECENT_FILES]
        for record in stale:
            self.state.delete("files", record["id"])

    @staticmethod
    def _unique(path: Path) -> Path:
        counter = 1
        candidate = path
        while candidate.exists():
            candidate = path.with_name(f"{path.stem}_{counter}{path.suffix}")
            counter += 1
        return candidate
