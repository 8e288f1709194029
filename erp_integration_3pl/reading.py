"""What the warehouse does not call back with is read: despatches, goods in, refusals and cancellations confirmed.

Each page or file is kept verbatim once, with its SHA-256, and each record in
it is an inbound exchange of its own, keyed by what it is about (the
despatch), so a file delivered twice, or read again after a crash before it
was moved aside, applies nothing twice. A row that cannot be read waits in
the exception queue naming the file and the line; whether the file's other
rows are applied meanwhile is the backend's policy.
"""

import hashlib
from functools import partial

from odoo.addons.erp_integration_core.lib.errors import BusinessError, ValidationError
from odoo.addons.erp_integration_core.lib.events import Delivery, Event
from odoo.addons.erp_integration_core.work import Component

from .lib.files import decode


def refusal(record, sha256):
    """Flow, idempotency key and external type of a refused row of the file whose SHA-256 is ``sha256``."""
    asn = record.get("kind") == "asn"
    return (
        "asn.refused" if asn else "shipment.refused",
        f"refused:{record['number']}:{record['line']}:{sha256}",
        "ASN" if asn else "Order",
    )


class Reading(Component):
    def despatches(self, cursor):
        """Read despatches and refusals since ``cursor``; returns the new cursor."""
        if self.client.callbacks:
            return cursor
        cursor = self._read(
            self.client.read_despatches(cursor),
            cursor,
            lambda record: ("shipment.despatched", f"despatch:{record['number']}:{record['despatch']}", "Order"),
            key="number",
        )
        for batch in getattr(self.client, "read_refusals", list)():
            sha256 = hashlib.sha256(batch.raw).hexdigest()
            self._read([batch], None, partial(refusal, sha256=sha256), key="number", extra={"file": batch.name})
        # A warehouse that confirms cancellations later says which orders it cancelled, once each.
        self._read(
            getattr(self.client, "read_cancellations", list)(),
            None,
            lambda record: ("shipment.cancelled", f"cancelled:{record['number']}", "Order"),
            key="number",
        )
        return cursor

    def receipts(self, cursor):
        """Read what the warehouse booked in since ``cursor``, one exchange per ASN; returns the new cursor."""
        if self.client.callbacks:
            return cursor
        return self._read(
            self.client.read_receipts(cursor),
            cursor,
            lambda record: ("receipt.booked_in", f"receipt:{record['id']}", "ASN"),
            key="id",
        )

    def _read(self, batches, cursor, describe, key, extra=None):
        """Store each batch with an event per record (``describe(record)`` gives flow, idempotency key and external
        type; ``key`` the record's field that is its external id); returns the last batch's cursor."""
        for batch in batches:
            events = []
            for record in batch.records:
                flow, idempotency_key, external_type = describe(record)
                events.append(
                    Event.of(
                        flow,
                        idempotency_key,
                        dict(record, **(extra or {})),
                        external_type=external_type,
                        external_id=record[key],
                    )
                )
            self._store(batch, events)
            cursor = batch.cursor or cursor
        return cursor

    def _store(self, batch, events):
        """Keep ``batch`` with its events; a file held whole for a bad row is left where it is, to be resent."""
        sha256 = hashlib.sha256(batch.raw).hexdigest()
        problems = [
            Event.of("file.problem", f"problem:{sha256}:{line}", {"file": batch.name, "line": line, "message": text})
            for line, text in batch.problems
        ]
        held = bool(problems) and self.backend.threepl_file_policy == "file"
        if held:
            events = [Event.of("file.problem", f"problem:{sha256}", {"file": batch.name, "problems": batch.problems})]
        else:
            events = events + problems
        if events:
            delivery = Delivery(decode(batch.raw), source="file", name=batch.name, headers={"sha256": sha256})
            self.backend._receive_events(events, delivery)
        if not held:
            self.client.acknowledge(batch)

    def problem(self, data):
        """A row (or a file) the suite could not read: a person asks the warehouse for a corrected file."""
        lines = data.get("problems") or [(data.get("line"), data.get("message"))]
        said = "; ".join(f"line {line}: {text}" for line, text in lines)
        held = " None of the file was applied." if data.get("problems") else ""
        raise ValidationError(
            f"{data.get('file')}: {said}.{held} Ask the warehouse to correct the file and send it again, "
            "then Ignore this exchange."
        )

    def refused(self, data):
        """The warehouse refused a row it read from a file: what a person does next depends on what it was."""
        where = f"({data.get('file')}, line {data.get('line')}): {data.get('error')}."
        fix = {
            "cancel": f"The warehouse would not cancel {data.get('number')} {where} Agree with the warehouse what "
            "happens to it (a return, say), then Ignore this exchange saying so.",
            "asn": f"The warehouse refused the ASN of {data.get('number')} {where} Correct the receipt in Odoo, then "
            "Retry its ASN exchange.",
        }
        raise BusinessError(
            fix.get(data.get("kind"))
            or f"The warehouse refused {data.get('number')} {where} Correct the delivery in Odoo, then Retry its "
            "shipment exchange."
        )
