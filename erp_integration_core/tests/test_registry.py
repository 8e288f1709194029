from ..connector import CONNECTORS, Connector, get_connector_class, installed_connectors
from ..lib.errors import BusinessError
from .common import IntegrationCase, ToyConnector


class TestConnectorRegistry(IntegrationCase):
    """A database is offered only the connectors of the addons installed in it."""

    def setUp(self):
        super().setUp()
        # As if another database of this server had an addon this one has not.
        attributes = {
            "channel": "elsewhere",
            "label": "Elsewhere",
            "__module__": "odoo.addons.not_installed_here.connector",
        }
        self.foreign = type("ElsewhereConnector", (Connector,), attributes)
        self.addCleanup(CONNECTORS.pop, "elsewhere", None)

    def test_a_connector_of_an_addon_not_installed_here_is_not_offered(self):
        self.assertIs(CONNECTORS["elsewhere"], self.foreign, "Python imported it")
        offered = dict(self.env["integration.backend"]._selection_channel())
        self.assertNotIn("elsewhere", offered)
        self.assertEqual(offered["shopify"], "Shopify")
        self.assertIs(installed_connectors(self.env)["toy"], ToyConnector, "the tests' own connector, while they run")
        with self.assertRaisesRegex(BusinessError, "No connector is installed for channel 'elsewhere'"):
            get_connector_class(self.env, "elsewhere")

    def test_a_webhook_for_a_channel_not_installed_here_is_an_unknown_address(self):
        self.env.cr.execute("UPDATE integration_backend SET channel = 'elsewhere' WHERE id = %s", [self.backend.id])
        self.assertEqual(self.receive(self.contact()), (404, {"error": "unknown webhook address"}))
