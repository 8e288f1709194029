from . import (
    integration_audit_export,
    integration_exchange_ignore,
    integration_exchange_replay,
    integration_personal_data,
    integration_setup_wizard,
    integration_suppression_lift,
    integration_trace,
)
