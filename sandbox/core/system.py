"""The base class of every simulated remote system."""

import logging

from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.routing import Map, RequestRedirect
from werkzeug.wrappers import Request, Response

from .faults import FaultConfig, FaultInjector
from .responses import json_response
from .state import State
from .webhooks import WebhookDispatcher

_logger = logging.getLogger(__name__)


class System:
    """A simulated remote system, mounted under its own path prefix.

    A subclass sets ``name`` (and optionally ``title`` and ``prefix``, which defaults
    to ``/<name>``), returns its werkzeug rules from ``routes()`` with paths relative
    to the prefix, and implements each rule's endpoint ``x`` as a method
    ``on_x(request, **values)`` returning a werkzeug ``Response``. Its data lives in
    ``self.state``; ``populate()`` fills a fresh state. Fault injection
    (``self.faults``) and outbound webhooks (``self.webhooks``, signed by
    ``sign_webhook``) come with the base class.

    Subclasses set any attribute ``populate`` needs before calling
    ``super().__init__``, which populates the state.
    """

    name = ""
    title = ""
    prefix = ""

    def __init__(self, seed: int | None = None):
        if not self.name:
            raise TypeError(f"{type(self).__name__} must define a name")
        self.seed = seed
        self.prefix = self.prefix or f"/{self.name}"
        self.title = self.title or self.name
        self.state = State(seed)
        self.faults = FaultInjector(seed)
        self.webhooks = WebhookDispatcher(signer=self.sign_webhook, seed=seed)
        self.url_map = Map(self.routes())
        self.populate()

    def routes(self) -> list:
        """Return the werkzeug ``Rule`` objects of this system."""
        return []

    def populate(self) -> None:
        """Put the initial data into a fresh state; nothing by default."""

    def sign_webhook(self, url: str, body: bytes) -> dict[str, str]:
        """Return the headers authenticating a webhook sent to ``url``; none by default."""
        return {}

    def error_response(self, status: int, message: str) -> Response:
        """Build an error answer in the format of the real system."""
        return json_response({"errors": message}, status)

    def dispatch(self, request: Request) -> Response:
        """Route ``request`` (whose path is relative to the prefix) to its handler."""
        adapter = self.url_map.bind_to_environ(request.environ)
        try:
            endpoint, values = adapter.match()
            return getattr(self, f"on_{endpoint}")(request, **values)
        except RequestRedirect as redirect:
            return redirect.get_response(request.environ)
        except MethodNotAllowed as exc:
            response = self.error_response(405, exc.name)
            response.headers["Allow"] = ", ".join(exc.valid_methods or ())
            return response
        except HTTPException as exc:
            return self.error_response(exc.code or 500, exc.name)
        except Exception:
            _logger.exception("%s failed to answer %s %s", self.name, request.method, request.path)
            return self.error_response(500, "Internal Server Error")

    def actions(self) -> dict:
        """Named events a person or a test can trigger (e.g. ``close_deal``).

        Each value is a callable taking keyword arguments from the JSON body of
        ``POST /_sandbox/systems/<name>/actions/<action>`` (or ``python -m sandbox
        act``) and returning a JSON-serialisable result.
        """
        return {}

    def status_tables(self) -> dict[str, list[dict]]:
        """Rows shown on the HTML status page, by title: the newest records of each collection."""
        return {name: self.state.records(name)[-20:] for name in self.state.counts()}

    def reset(self) -> None:
        """Return to the initial data with no faults and no pending webhooks."""
        self.state.reset()
        self.faults.configure(FaultConfig())
        self.webhooks.reset()
        self.populate()

    def status(self) -> dict:
        """Summarise the system for its status page."""
        return {
            "name": self.name,
            "title": self.title,
            "prefix": self.prefix,
            "collections": self.state.counts(),
            "faults": self.faults.config.to_dict(),
            "webhooks": {
                "pending": self.webhooks.pending,
                "attempts": len(self.webhooks.attempts),
            },
        }

    def close(self) -> None:
        self.webhooks.close()
