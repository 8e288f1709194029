from odoo.modules.module import get_manifest
from odoo.tests import TransactionCase, tagged

from .. import uninstall_hook


@tagged("post_install", "-at_install")
class TestDemoUninstall(TransactionCase):
    def test_the_demo_s_backends_are_archived_and_kept_with_their_audit_trail(self):
        self.assertEqual(get_manifest("erp_integration_demo")["uninstall_hook"], "uninstall_hook")
        backends = self.env["integration.backend"].browse(
            self.env.ref(f"erp_integration_demo.backend_{name}").id for name in ("shopify", "hubspot", "3pl", "hmrc")
        )
        audited = self.env["integration.audit.log"].search([("event", "=", "backend.created")]).backend_id
        self.assertEqual(backends & audited, backends, "each has an audit row, which may not be deleted")
        uninstall_hook(self.env)
        self.assertEqual(backends.mapped("active"), [False] * 4)
        self.assertFalse(self.env.ref("erp_integration_demo.backend_shopify", raise_if_not_found=False))
