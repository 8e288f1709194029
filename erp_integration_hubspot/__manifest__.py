{
    "name": "ERP Integration: HubSpot",
    "summary": "HubSpot companies and contacts into partners, won deals into sale orders and projects",
    "version": "19.0.1.3.0",
    "category": "Sales/CRM",
    "author": "ERP Integration Suite contributors",
    "website": "https://github.com/erp-integration-suite/erp-integration",
    "license": "LGPL-3",
    "depends": ["erp_integration_sale_stock", "sale_project"],
    "external_dependencies": {"python": ["python-stdnum"]},
    "data": ["data/queue_job_data.xml", "views/integration_backend_views.xml"],
    "assets": {"web.assets_tests": ["erp_integration_hubspot/static/tests/tours/*.js"]},
    "installable": True,
}
