from . import (
    integration_audit_log,
    integration_audited_mixin,
    integration_backend,
    integration_binding,
    integration_delivery,
    integration_exchange,
    integration_exchange_link,
    integration_field_mapping,
    integration_flow,
    integration_linked_mixin,
    integration_value_mapping,
    res_partner,
)
