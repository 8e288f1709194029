from . import account_move, integration_backend, res_partner, vat_return
