from pathlib import Path

from odoo.modules.module import get_module_path
from odoo.tests import TransactionCase, tagged

SUITE = (
    "erp_integration_core",
    "erp_integration_shopify",
    "erp_integration_hubspot",
    "erp_integration_3pl",
    "erp_integration_mtd",
)


@tagged("post_install", "-at_install")
class TestConventions(TransactionCase):
    """Every model of the suite has access rules and a multi-company rule; every addon is documented."""

    def suite_models(self):
        declared = self.env["ir.model.data"].search([("module", "in", SUITE), ("model", "=", "ir.model")])
        return (
            self.env["ir.model"]
            .browse(declared.mapped("res_id"))
            .filtered(lambda model: not model.transient and not self.env[model.model]._abstract)
        )

    def test_every_model_has_access_rules(self):
        models = self.suite_models()
        self.assertTrue(models)
        for model in models:
            with self.subTest(model.model):
                self.assertTrue(self.env["ir.model.access"].search_count([("model_id", "=", model.id)]))

    def test_every_model_has_a_company_rule(self):
        for model in self.suite_models():
            with self.subTest(model.model):
                self.assertIn("company_id", self.env[model.model]._fields)
                rules = self.env["ir.rule"].search([("model_id", "=", model.id)])
                self.assertTrue(any("company_ids" in (rule.domain_force or "") for rule in rules))

    def test_every_addon_has_a_readme_and_an_icon(self):
        for name in SUITE:
            with self.subTest(name):
                root = Path(get_module_path(name))
                self.assertTrue((root / "README.rst").is_file())
                self.assertTrue((root / "static/description/icon.png").is_file())
