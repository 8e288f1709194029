"""Local stand-ins for the remote systems the ERP integration addons talk to.

Pure Python (stdlib, werkzeug and requests); it never imports Odoo.
"""

from .core import (
    App,
    DeliveryPolicy,
    FaultConfig,
    RequestLog,
    State,
    System,
    WebhookDispatcher,
    hmac_sha256_base64,
    json_response,
    running_server,
    serve,
)
from .systems import SYSTEMS, build_app

__all__ = [
    "SYSTEMS",
    "App",
    "DeliveryPolicy",
    "FaultConfig",
    "RequestLog",
    "State",
    "System",
    "WebhookDispatcher",
    "build_app",
    "hmac_sha256_base64",
    "json_response",
    "running_server",
    "serve",
]
