from . import account_move, integration_backend, product_template, res_partner, sale_order, stock_move, stock_picking
