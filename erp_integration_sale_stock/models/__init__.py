from . import account_move, product_template, sale_order, stock_move, stock_picking
