"""The connector template every channel subclasses.

A channel declares ``channel`` and ``label`` and overrides the steps it needs;
the pipeline itself (intake, queueing, retries, state, audit) stays in the
core models. Subclasses register themselves on definition::

    class ShopifyConnector(Connector):
        channel = "shopify"
        label = "Shopify"
        signature_header = "X-Shopify-Hmac-Sha256"
        event_id_header = "X-Shopify-Event-Id"
        topic_header = "X-Shopify-Topic"

        def apply(self, exchange, data, values):
            ...
"""

import psycopg2
import requests

from .lib import errors, payload, signatures
from .lib.events import Event
from .setup_steps import SetupSteps
from .work import Work

# Every connector class Python has imported, by channel. One server process may
# serve several databases with different addons installed, so what a database
# may use is filtered by ``installed_connectors(env)``.
CONNECTORS = {}


def installed_connectors(env):
    """The connector classes whose addon is installed in this database, by channel."""
    installed = env.registry._init_modules
    return {channel: cls for channel, cls in CONNECTORS.items() if cls._addon() in installed}


def get_connector_class(env, channel):
    cls = installed_connectors(env).get(channel)
    if cls is None:
        raise errors.BusinessError(
            f"No connector is installed for channel '{channel}'. Install its addon or archive the backend."
        )
    return cls


class Connector:
    """Base connector: webhook intake helpers and the parse → validate → map → apply steps."""

    channel = None
    label = None
    signature_header = "X-Integration-Signature"
    event_id_header = "X-Integration-Event-Id"
    topic_header = "X-Integration-Topic"

    # Business events the channel follows (see ``integration.backend._notify``),
    # each with the real-time flows it runs, debounced by ``event_delay`` seconds.
    events = {}
    event_delay = 30
    # Flows whose exchanges are batches already (a page of an initial load):
    # their jobs take no backlog batch of the exchanges waiting behind them.
    unbatched_flows = ()
    # What the channel does at each step of the guided set-up.
    setup_steps = SetupSteps

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.channel:
            CONNECTORS[cls.channel] = cls

    @classmethod
    def _addon(cls):
        """The addon that defines this connector (``odoo.addons.<addon>.…``)."""
        parts = cls.__module__.split(".")
        return parts[2] if parts[:2] == ["odoo", "addons"] and len(parts) > 2 else None

    def __init__(self, backend):
        self.backend = backend
        self.env = backend.env

    def work(self, exchange=None):
        """The context handed to this channel's helpers (``work.Component``)."""
        return Work(self, exchange)

    def client(self):
        """The channel's API client for this backend."""
        raise errors.BusinessError(f"The {self.label or self.channel} connector has no API client.")

    # Intake: runs inside the webhook request, before the 200. Keep it cheap and
    # free of ORM writes: the request has not been authenticated yet.

    def verify_request(self, request, secret):
        """True when ``request`` (a ``WebhookRequest``) carries a valid signature for ``secret``."""
        return signatures.verify_base64(secret, request.body, request.headers.get(self.signature_header))

    def describe_request(self, request, data):
        """The events of an authenticated delivery: a list of ``Event``, one exchange each.

        By default the whole body is one event. Its idempotency key must be
        the same for every delivery of it, so the event id header is preferred
        and the body's hash is the fallback. A channel whose deliveries carry
        many events (HubSpot's arrays, a warehouse file) returns one per event,
        with the event's own key and the lock of the object it concerns. Raise
        ``ValidationError`` for a body that is not a delivery at all (answered 400).
        """
        flow = request.topic or request.headers.get(self.topic_header) or "webhook"
        external_id = data.get("id") if isinstance(data, dict) else None
        event_id = request.headers.get(self.event_id_header)
        key = f"{flow}:{event_id}" if event_id else f"{flow}:sha256:{payload.sha256_hex(request.body)}"
        return [Event(flow, key, request.body.decode(), external_id=external_id)]

    # Processing: runs in a queue job, one exchange at a time.

    def process(self, exchange):
        data = self.parse(exchange)
        self.validate(exchange, data)
        values = self.map(exchange, data)
        return self.apply(exchange, data, values)

    def parse(self, exchange):
        return payload.parse_json(exchange.payload)

    def validate(self, exchange, data):
        """Raise ``ValidationError`` when ``data`` cannot be processed."""

    def map(self, exchange, data):
        return exchange.backend_id._apply_field_mappings(exchange.flow, data)

    def apply(self, exchange, data, values):
        raise errors.BusinessError(
            f"The {self.label or self.channel} connector has no handler for flow '{exchange.flow}'. "
            "Ignore the exchange if the flow is not used."
        )

    def export(self, exchange):
        """Send an outbound exchange; return the remote answer to keep."""
        raise errors.BusinessError(f"The {self.label or self.channel} connector cannot export '{exchange.flow}'.")

    def run_flow(self, flow):
        """Run a scheduled flow from ``flow.cursor``; return the new cursor."""
        raise errors.BusinessError(f"The {self.label or self.channel} connector has no scheduled flow '{flow.code}'.")

    def on_event(self, event, records):
        """``event`` happened to ``records`` in Odoo: run the channel's flows for it, once however often it comes.

        A channel overrides this for events that are messages of their own
        (a delivery that becomes a fulfilment), and calls ``super()`` for the rest.
        """
        codes = self.events.get(event) or ()
        flows = self.backend.flow_ids.filtered(lambda flow: flow.code in codes and flow.mode == "realtime")
        flows._trigger(delay=self.event_delay)

    def test_connection(self):
        """Return a short, human message describing the remote system."""
        raise errors.BusinessError(f"The {self.label or self.channel} connector cannot test its connection yet.")

    def classify(self, error):
        """Turn a library exception into an ``IntegrationError`` (or ``None``: a bug)."""
        if isinstance(error, errors.IntegrationError):
            return error
        if isinstance(error, requests.Timeout | requests.ConnectionError):
            return errors.TransientError(f"{error.__class__.__name__}: {error}")
        if isinstance(error, psycopg2.errors.UniqueViolation):
            # Another transaction created the same record first: trying again sees it.
            return errors.TransientError(f"A concurrent change created the same record ({error.diag.constraint_name})")
        if isinstance(error, ValueError) and payload.NUL_REFUSED in str(error):
            # psycopg2 refuses to send a text holding U+0000, wherever a payload's text was going.
            return errors.ValidationError(
                "The payload holds a NUL character (U+0000) in a text, which Odoo cannot store. Correct it at the "
                "source and Replay, or Ignore the exchange with the reason."
            )
        return None
