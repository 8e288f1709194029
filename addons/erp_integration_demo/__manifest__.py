{
    "name": "ERP Integration: Demo",
    "summary": "A UK demo company with backends wired to the local sandbox, for the one-command demo",
    "version": "19.0.1.0.0",
    "category": "Hidden",
    "author": "ERP Integration Suite contributors",
    "website": "https://github.com/erp-integration-suite/erp-integration",
    "license": "LGPL-3",
    "depends": [
        "erp_integration_shopify",
        "erp_integration_hubspot",
        "erp_integration_3pl",
        "erp_integration_mtd",
        "l10n_uk",
    ],
    "data": ["data/demo_company.xml", "data/demo_backends.xml"],
    "installable": True,
    "uninstall_hook": "uninstall_hook",
}
