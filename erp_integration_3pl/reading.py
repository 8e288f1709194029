"""What the warehouse does not call back with is read: despatches, goods in and refusals, from SOAP pages or files.

Each page or file is kept verbatim once, with its SHA-256, and each record in
it is an inbound exchange of its own, keyed by what it is about (the
despatch), so a file delivered twice, or read again after a crash before it
was moved aside, applies nothing twice. A row that cannot be read waits in
the exception queue naming the file and the line; whether the file's other
rows are applied meanwhile is the backend's policy.
"""

import hashlib

from odoo.addons.erp_integration_core.lib.errors import BusinessError, ValidationError
from odoo.addons.erp_integration_core.lib.events import Delivery, Event
from odoo.addons.erp_integration_core.work import Component

from .lib.files import decode


class Reading(Component):
    def despatches(self, cursor):
        """Read despatches and refusals since ``cursor``; returns the new cursor."""
        client = self.client
        if client.callbacks:
            return cursor
        for batch in client.read_despatches(cursor):
            events = [
                Event.of(
                    "shipment.despatched",
                    f"despatch:{record['number']}:{record['despatch']}",
                    record,
                    external_type="Order",
                    external_id=record["number"],
                )
                for record in batch.records
            ]
            self._store(batch, events)
            cursor = batch.cursor or cursor
        for batch in getattr(client, "read_refusals", list)():
            sha256 = hashlib.sha256(batch.raw).hexdigest()
            events = [
                Event.of(
                    "asn.refused" if record.get("kind") == "asn" else "shipment.refused",
                    f"refused:{record['number']}:{record['line']}:{sha256}",
                    dict(record, file=batch.name),
                    external_type="ASN" if record.get("kind") == "asn" else "Order",
                    external_id=record["number"],
                )
                for record in batch.records
            ]
            self._store(batch, events)
        return cursor

    def receipts(self, cursor):
        """Read what the warehouse booked in since ``cursor``, one exchange per ASN; returns the new cursor."""
        client = self.client
        if client.callbacks:
            return cursor
        for batch in client.read_receipts(cursor):
            events = [
                Event.of(
                    "receipt.booked_in",
                    f"receipt:{record['id']}",
                    record,
                    external_type="ASN",
                    external_id=record["id"],
                )
                for record in batch.records
            ]
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
