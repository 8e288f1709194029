"""Odoo's figures written into HubSpot properties, only where they changed since they were last sent.

What was sent is kept on each binding (``synced_values``, merged with what
other pushes sent, whose properties are their own), so a run after nothing
changed sends nothing. Each batch of at most 100 objects is an outbound
exchange; its job reads the figures afresh when it sends them, so a batch
retried after a newer one can never put older figures back, and the HubSpot
client paces the calls under the portal's rate limit.
"""

import uuid

from odoo import fields

from odoo.addons.erp_integration_core.lib.errors import BusinessError
from odoo.addons.erp_integration_core.work import Component

from .lib.client import BATCH_SIZE
from .lib.records import SINGULAR


class PropertyPush(Component):
    """Queue (``push``) and send (``send``) property values of the objects this backend bound.

    A subclass names its ``flow``, its ``kinds`` (HubSpot object type → Odoo
    model) and says what a record's properties are (``_record_values``, None
    when there is nothing to send yet).
    """

    flow = None
    kinds = {}
    what = "values"
    fix = ""

    def __init__(self, work):
        super().__init__(work)
        self.Binding = self.env["integration.binding"]

    def _bindings(self, kind):
        return self.Binding.search(
            [
                ("backend_id", "=", self.backend.id),
                ("res_model", "=", self.kinds[kind]),
                ("external_type", "=", SINGULAR[kind]),
            ]
        )

    def _record_values(self, kind, record):
        raise NotImplementedError

    def _values(self, kind, binding):
        record = self.env[self.kinds[kind]].browse(binding.res_id).with_company(self.company)
        if not record.exists():
            return None
        return self._record_values(kind, record.with_context(active_test=False))

    @staticmethod
    def _changed(values, binding):
        """The part of ``values`` that differs from what was last sent for ``binding``.

        An empty value never sent is left out: HubSpot may hold what Odoo lacks.
        """
        sent = binding.synced_values or {}
        return {
            name: value
            for name, value in (values or {}).items()
            if sent.get(name) != value and (value != "" or name in sent)
        }

    def push(self):
        """Queue every object whose values changed since they were last sent; how many of each kind."""
        run = uuid.uuid4().hex  # each run's batches are new messages
        queued = {}
        for kind in self.kinds:
            changed = [
                binding.id for binding in self._bindings(kind) if self._changed(self._values(kind, binding), binding)
            ]
            for number, start in enumerate(range(0, len(changed), BATCH_SIZE)):
                self.backend._send(
                    self.flow,
                    {"object_type": kind, "bindings": changed[start : start + BATCH_SIZE]},
                    f"{self.flow}:{kind}:{run}:{number}",
                    external_type=kind,
                )
            queued[kind] = len(changed)
        return dict(queued, at=fields.Datetime.now().isoformat())

    def send(self, payload):
        """Job of an outbound exchange: one batch update with what changed, read now."""
        kind = payload["object_type"]
        bindings = self.Binding.browse(payload["bindings"]).exists()
        inputs, sent = [], {}
        for binding in bindings:
            values = self._changed(self._values(kind, binding), binding)
            if values:
                inputs.append({"id": binding.external_id, "properties": values})
                sent[binding.external_id] = (binding, values)
        if not inputs:
            return {"sent": 0, "reason": "everything was already sent"}
        answer = self.client.batch_update(kind, inputs)
        updated = {str(result.get("id")) for result in answer.get("results") or ()}
        problems = [error for error in answer.get("errors") or () if error.get("category") != "OBJECT_NOT_FOUND"]
        if problems:
            messages = "; ".join(str(error.get("message")) for error in problems[:5])
            raise BusinessError(
                f"HubSpot refused the {self.what} of {len(problems)} {kind}: {messages}. {self.fix} Then press Retry."
            )
        for external_id, (binding, values) in sent.items():
            if external_id in updated:
                binding.write(
                    {"synced_values": {**(binding.synced_values or {}), **values}, "synced_at": fields.Datetime.now()}
                )
        records = self.env[self.kinds[kind]].browse([binding.res_id for binding, _values in sent.values()])
        self.exchange._link(records, "sent")
        gone = sorted(set(sent) - updated)
        return {"sent": len(updated), "gone": gone, "values": {key: values for key, (_b, values) in sent.items()}}
