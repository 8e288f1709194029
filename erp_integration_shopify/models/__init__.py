from . import integration_backend, sale_order, stock_picking
