"""What a channel does at each step of the guided set-up (``integration.setup.wizard``).

The wizard walks every backend through the same steps: credentials, test
connection, proposed mappings to review, webhooks, flows on. A connector names
its subclass in ``setup_steps`` and overrides the steps its channel has. A step
returns what it did in a sentence; one that cannot be done raises an
``IntegrationError`` saying what to do, and the wizard stops there with it.
"""

from .work import Component


class SetupSteps(Component):
    # The backend fields the connection needs, every one filled in.
    credential_fields = ("api_url", "api_token")

    def missing_credentials(self):
        """The names of the backend fields the connection needs that are still empty."""
        # Credentials are manager-only fields: the wizard only says which are empty.
        backend = self.backend.sudo()
        return [name for name in self.credential_fields if not backend[name]]

    def test_connection(self):
        return self.work.connector.test_connection()

    def propose_mappings(self):
        """Create the value mappings the channel proposes for what the remote system uses; returns the new ones."""
        return self.env["integration.value.mapping"]

    def webhooks(self):
        """Subscribe the webhooks, or say where to point them."""
        return self.env._("%(channel)s sends no webhooks: nothing to subscribe.", channel=self.work.connector.label)

    def flows(self):
        """The channel's flows on this backend, created where missing; the wizard switches them on."""
        return self.backend.flow_ids
