{
    "name": "ERP Integration: sales, invoices and stock",
    "summary": "Orders, invoices and deliveries open the exchanges behind them; stock moves, deliveries "
    "and price changes reach every channel that follows them",
    "version": "19.0.1.0.0",
    "category": "Technical",
    "author": "ERP Integration Suite contributors",
    "website": "https://github.com/erp-integration-suite/erp-integration",
    "license": "LGPL-3",
    "depends": ["erp_integration_core", "sale_stock"],
    "data": ["views/linked_documents_views.xml", "views/integration_backend_views.xml"],
    "installable": True,
    "auto_install": True,
}
