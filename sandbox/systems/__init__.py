"""The simulated systems the sandbox serves, and the factory building the app from them.

A new system is registered by adding its class to ``SYSTEMS``.
"""

from ..core import App
from ..hmrc import HmrcSystem
from ..hubspot import HubSpotSystem
from ..shopify import ShopifySystem
from ..threepl import ThreePLSystem
from .echo import EchoSystem

SYSTEMS = [EchoSystem, HubSpotSystem, ThreePLSystem, ShopifySystem, HmrcSystem]


def build_app(seed: int | None = None, systems=None) -> App:
    """Return an ``App`` serving a fresh instance of each system class, all seeded alike."""
    classes = SYSTEMS if systems is None else systems
    return App(system_class(seed=seed) for system_class in classes)
