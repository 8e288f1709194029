from . import integration_backend, stock_picking
