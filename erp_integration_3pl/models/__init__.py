from . import integration_backend, integration_exchange, stock_picking
