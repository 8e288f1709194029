"""A stand-in for HubSpot's CRM API: objects, search, batches, associations, limits and signed webhooks."""

from .system import HubSpotSystem
from .webhooks import sign_v3

__all__ = ["HubSpotSystem", "sign_v3"]
