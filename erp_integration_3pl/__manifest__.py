{
    "name": "ERP Integration: Warehouse (3PL)",
    "summary": "Orders out to a third-party warehouse, despatches and stock back, over REST, SOAP or files",
    "version": "19.0.1.1.0",
    "category": "Inventory",
    "author": "ERP Integration Suite contributors",
    "website": "https://github.com/erp-integration-suite/erp-integration",
    "license": "LGPL-3",
    "depends": ["erp_integration_sale_stock", "stock_delivery"],
    "external_dependencies": {"python": ["zeep", "paramiko"]},
    "data": [
        "data/queue_job_data.xml",
        "views/integration_backend_views.xml",
        "views/stock_picking_views.xml",
        "views/integration_exchange_views.xml",
    ],
    "assets": {"web.assets_tests": ["erp_integration_3pl/static/tests/tours/*.js"]},
    "installable": True,
}
