{
    "name": "ERP Integration: Shopify",
    "summary": "Shopify orders, stock, fulfilments and refunds through the integration core",
    "version": "19.0.1.0.0",
    "category": "Sales",
    "author": "ERP Integration Suite contributors",
    "website": "https://github.com/erp-integration-suite/erp-integration",
    "license": "LGPL-3",
    "depends": ["erp_integration_sale_stock"],
    "external_dependencies": {"python": ["python-stdnum"]},
    "data": [
        "data/queue_job_data.xml",
        "views/integration_backend_views.xml",
    ],
    "assets": {"web.assets_tests": ["erp_integration_shopify/static/tests/tours/*.js"]},
    "installable": True,
}
