"""Bindings made before they carried HubSpot's object type are given it.

HubSpot numbers companies, contacts and deals separately, so a binding is
now found by its type as well as its id. A partner bound earlier is a company
or a contact as Odoo has it; a sale order is a deal. A contact erased earlier
was put on the suppression list by the hash of their id alone: the hash of
their typed id is added beside it, so they stay suppressed.
"""

from odoo import SUPERUSER_ID, api

from odoo.addons.erp_integration_core.personal_data import reference_hash


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        """
        UPDATE integration_binding binding
           SET external_type = CASE WHEN partner.is_company THEN 'company' ELSE 'contact' END
          FROM integration_backend backend, res_partner partner
         WHERE binding.backend_id = backend.id AND backend.channel = 'hubspot' AND binding.external_type IS NULL
           AND binding.res_model = 'res.partner' AND partner.id = binding.res_id
        """
    )
    cr.execute(
        """
        UPDATE integration_binding binding
           SET external_type = 'deal'
          FROM integration_backend backend
         WHERE binding.backend_id = backend.id AND backend.channel = 'hubspot' AND binding.external_type IS NULL
           AND binding.res_model = 'sale.order'
        """
    )
    env = api.Environment(cr, SUPERUSER_ID, {})
    Suppression = env["integration.suppression"]
    for backend in env["integration.backend"].with_context(active_test=False).search([("channel", "=", "hubspot")]):
        contacts = env["integration.binding"].search(
            [("backend_id", "=", backend.id), ("res_model", "=", "res.partner"), ("external_type", "=", "contact")]
        )
        typed = {
            reference_hash(backend, ref): reference_hash(backend, ref, "contact")
            for ref in contacts.mapped("external_id")
        }
        erased = Suppression._suppressed_hashes(backend.company_id, set(typed))
        if erased:
            Suppression._suppress(backend.company_id, refs={typed[old] for old in erased})
