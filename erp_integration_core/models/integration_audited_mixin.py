from odoo import api, models


class IntegrationAuditedMixin(models.AbstractModel):
    """Configuration records whose every change lands in the audit log.

    Only field names are logged: values may be credentials or personal data.
    """

    _name = "integration.audited.mixin"
    _description = "Integration Audited Configuration"
    _audit_prefix = None
    # Fields whose change is audited; None means every written field.
    _audit_fields = None

    def _audit_backend(self):
        return self.backend_id

    def _audit_changes(self, event, changed):
        if self._audit_fields is not None:
            changed = set(changed) & set(self._audit_fields)
            if not changed and event.endswith(".changed"):
                return
        Audit = self.env["integration.audit.log"]
        for record in self:
            Audit._log(
                f"{self._audit_prefix}.{event}",
                record=record,
                backend=record._audit_backend(),
                details={"fields": sorted(changed)},
            )

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        for record, vals in zip(records, vals_list, strict=True):
            record._audit_changes("created", vals)
        return records

    def write(self, vals):
        result = super().write(vals)
        self._audit_changes("changed", vals)
        return result

    def unlink(self):
        self._audit_changes("deleted", [])
        return super().unlink()
