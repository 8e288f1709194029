from . import integration_backend, vat_return
