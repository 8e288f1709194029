from . import integration_backend, product_template, sale_order, stock_move, stock_picking
