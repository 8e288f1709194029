"""The machinery shared by every simulated system."""

from .app import App
from .faults import FaultConfig, FaultInjector
from .request_log import LoggedRequest, RequestLog
from .responses import json_response
from .server import running_server, serve
from .state import State
from .system import System
from .webhooks import Attempt, DeliveryPolicy, WebhookDispatcher, hmac_sha256_base64

__all__ = [
    "App",
    "Attempt",
    "DeliveryPolicy",
    "FaultConfig",
    "FaultInjector",
    "LoggedRequest",
    "RequestLog",
    "State",
    "System",
    "WebhookDispatcher",
    "hmac_sha256_base64",
    "json_response",
    "running_server",
    "serve",
]
