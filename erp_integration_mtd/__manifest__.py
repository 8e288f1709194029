{
    "name": "ERP Integration: Making Tax Digital VAT",
    "summary": "UK VAT returns from posted journal items, each box traced to its documents and payloads",
    "version": "19.0.1.0.0",
    "category": "Accounting/Localizations",
    "author": "ERP Integration Suite contributors",
    "website": "https://github.com/erp-integration-suite/erp-integration",
    "license": "LGPL-3",
    "depends": ["erp_integration_sale_stock", "l10n_uk"],
    "external_dependencies": {"python": ["xlsxwriter"]},
    "data": [
        "security/ir.model.access.csv",
        "security/mtd_rules.xml",
        "views/vat_return_views.xml",
        "views/res_partner_views.xml",
    ],
    "assets": {
        "web.assets_backend": ["erp_integration_mtd/static/src/**/*"],
        "web.assets_tests": ["erp_integration_mtd/static/tests/tours/*.js"],
    },
    "installable": True,
}
