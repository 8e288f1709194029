from . import integration_backend, sale_order, stock_move, stock_picking
