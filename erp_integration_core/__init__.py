from . import connector, controllers, models, wizards

# On import rather than in a post_load hook, which Odoo skips for a package
# already imported (as a test runner does before Odoo loads it); once per
# process either way.
controllers.dispatch.install()


def uninstall_hook(env):
    """Remove what the core made outside its models' tables, which Odoo drops by itself.

    The index it added to queue_job's table (queue_job stays), the audit
    chain's head, and the guard that keeps audit rows from being changed or
    deleted. Whoever uninstalls the core should export the audit trail first
    (Integration > Audit trail > Verify and export): its table goes too.
    """
    env.cr.execute(
        """
        DROP INDEX IF EXISTS queue_job_pending_integration_exchange_index;
        DROP TABLE IF EXISTS integration_audit_chain;
        DROP FUNCTION IF EXISTS integration_audit_log_guard() CASCADE;
        """
    )
