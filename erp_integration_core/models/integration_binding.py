from odoo import api, fields, models

from ..lib.payload import sha256_hex


class IntegrationBinding(models.Model):
    """External id ⇄ Odoo record, per backend and model, unique both ways.

    ``external_type`` tells kinds of external record apart where one Odoo
    model is bound to several whose ids may coincide: HubSpot numbers its
    companies and its contacts separately, and both are partners here.

    ``sync_hash`` is the hash of the values last synced, so an update carrying
    the same values is skipped, and ``external_updated_at`` lets an older
    event be told apart from a newer one that already arrived.
    """

    _name = "integration.binding"
    _description = "Integration Binding"
    _order = "backend_id, res_model, external_id"

    backend_id = fields.Many2one("integration.backend", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="backend_id.company_id", store=True, precompute=True)
    res_model = fields.Char(string="Model", required=True)
    res_id = fields.Many2oneReference(string="Record ID", model_field="res_model", required=True)
    external_id = fields.Char(required=True)
    external_type = fields.Char(
        help="The kind of external record (HubSpot's company or contact), where one model is bound to several."
    )
    external_ref = fields.Char(help="A second external id the channel needs, e.g. a variant's inventory item.")
    external_updated_at = fields.Datetime()
    synced_values = fields.Json(help="What was last sent, where the channel needs the figures, not just a hash.")
    sync_hash = fields.Char()
    synced_at = fields.Datetime()

    # An index rather than a UNIQUE constraint, so that bindings without a type stay unique too;
    # the id before the type, so that a lookup by id uses it whatever its type.
    _external_id_unique = models.UniqueIndex(
        "(backend_id, res_model, external_id, COALESCE(external_type, ''))",
        "This external record is already bound on this backend.",
    )
    _record_unique = models.Constraint(
        "UNIQUE(backend_id, res_model, res_id)", "This Odoo record is already bound on this backend."
    )

    @api.model
    def _values_hash(self, values):
        return sha256_hex(repr(sorted(values.items())))

    @api.model
    def _domain(self, backend, model, external_ids, external_type=None):
        """The bindings of ``model`` on ``backend`` to any of ``external_ids`` of ``external_type``."""
        return [
            ("backend_id", "=", backend.id),
            ("res_model", "=", model),
            ("external_type", "=", external_type or False),
            ("external_id", "in", [str(external_id) for external_id in external_ids]),
        ]

    @api.model
    def _find(self, backend, model, external_id, external_type=None):
        """The Odoo record bound to ``external_id`` (of ``external_type``), or an empty recordset."""
        binding = self.search(self._domain(backend, model, [external_id], external_type), limit=1)
        return self.env[model].browse(binding.res_id).exists() if binding else self.env[model]

    @api.model
    def _bind(self, backend, record, external_id, external_updated_at=None, values=None, external_type=None):
        """Create or refresh the binding of ``record``; returns the binding."""
        vals = {
            "external_updated_at": external_updated_at,
            "sync_hash": self._values_hash(values) if values is not None else False,
            "synced_at": fields.Datetime.now(),
        }
        binding = self.search(
            [("backend_id", "=", backend.id), ("res_model", "=", record._name), ("res_id", "=", record.id)], limit=1
        )
        if binding:
            binding.write(vals)
            return binding
        return self.create(
            dict(
                vals,
                backend_id=backend.id,
                res_model=record._name,
                res_id=record.id,
                external_id=str(external_id),
                external_type=external_type or False,
            )
        )

    def _is_stale(self, external_updated_at):
        """True when an event older than what was already synced arrives late."""
        self.ensure_one()
        return bool(self.external_updated_at and external_updated_at and external_updated_at < self.external_updated_at)
