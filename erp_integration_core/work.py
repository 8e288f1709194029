"""One context object for a channel's helpers, as the OCA connector's ``work_on``.

A channel splits its logic by concept (an order import, a stock sync, a
privacy handler…). Each piece needs the same things: the backend, the
environment, the backend's company, the exchange being processed if any, and
the channel's API client. They come together in a ``Work``, and a helper is a
``Component`` built from it::

    class OrderImport(Component):
        def upsert(self, data):
            partner = self.env["res.partner"]...   # self.backend, self.exchange, self.client

    OrderImport(connector.work(exchange)).upsert(data)
"""

from functools import cached_property


class Work:
    def __init__(self, connector, exchange=None):
        self.connector = connector
        self.backend = connector.backend
        self.env = connector.env
        self.company = self.backend.company_id
        self.exchange = exchange

    @cached_property
    def client(self):
        """The channel's API client, made on first use and shared by the helpers of this work."""
        return self.connector.client()


class Component:
    """A piece of a channel's logic, working on one ``Work``."""

    def __init__(self, work):
        self.work = work
        self.backend = work.backend
        self.env = work.env
        self.company = work.company
        self.exchange = work.exchange

    @property
    def client(self):
        return self.work.client
