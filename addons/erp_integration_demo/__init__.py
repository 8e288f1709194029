from .demo import prepare_demo


def uninstall_hook(env):
    """Keep the demo's backends, archived, rather than fail to delete them.

    Creating a backend writes an audit row naming it, and an audit row is
    never deleted, so Odoo could not delete the backends with the rest of the
    demo's data: it would log a foreign-key error for each. They are archived
    and lose their external ids instead, and go with their tables when the
    core itself is uninstalled.
    """
    data = env["ir.model.data"].search([("module", "=", "erp_integration_demo"), ("model", "=", "integration.backend")])
    env["integration.backend"].with_context(active_test=False).browse(data.mapped("res_id")).exists().active = False
    data.unlink()
