from . import integration_backend, res_partner, vat_return
