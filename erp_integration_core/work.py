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

# The context key under which a backlog batch collects the work its exchanges defer.
DEFERRED = "integration_deferred"
# The context key naming the exchange being processed, for what its work does to business documents
# (a posting audited against the exchange behind it).
EXCHANGE = "integration_exchange_id"


class Deferred:
    """Calls a backlog batch makes once for all its exchanges, such as confirming their orders.

    Odoo confirms twenty sale orders together markedly faster than one by one
    (their procurements, pickings and reservations are made in one pass).
    """

    def __init__(self):
        self.calls = {}

    def add(self, records, method):
        key = (records._name, method)
        self.calls[key] = self.calls[key] | records if key in self.calls else records

    def run(self):
        for (_model, method), records in self.calls.items():
            getattr(records, method)()
        self.calls = {}


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

    def later(self, records, method):
        """Call ``records.method()`` now, or once for the whole backlog batch this exchange is part of.

        For work whose outcome the exchange's own checks do not depend on
        (confirming an order whose totals were checked): if the batch's call
        fails, the batch is undone and its exchanges are applied one by one.
        """
        deferred = self.exchange.env.context.get(DEFERRED) if self.exchange else None
        if deferred is None:
            getattr(records, method)()
        else:
            deferred.add(records, method)


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
