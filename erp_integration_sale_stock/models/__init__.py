from . import account_move, integration_backend, product_template, sale_order, stock_move, stock_picking
