{
    "name": "ERP Integration: HubSpot",
    "summary": "HubSpot companies, contacts and deals through the integration core",
    "version": "19.0.1.0.0",
    "category": "Sales/CRM",
    "author": "ERP Integration Suite contributors",
    "website": "https://github.com/erp-integration-suite/erp-integration",
    "license": "LGPL-3",
    "depends": ["erp_integration_core"],
    "data": ["data/queue_job_data.xml"],
    "installable": True,
}
