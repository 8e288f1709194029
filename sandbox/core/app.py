"""The WSGI application serving the simulated systems side by side."""

import time
from html import escape

from werkzeug.wrappers import Request, Response

from .control import ControlApi
from .request_log import RequestLog
from .responses import json_response

RESERVED_PREFIXES = ("/_sandbox", "/_health")


class App:
    """Route each request to the system owning its path prefix, with faults and logging.

    ``/`` (an index page), ``/_health`` and ``/_sandbox/...`` (the control API) belong
    to the sandbox itself: they are never faulted nor logged.
    """

    def __init__(self, systems=(), log: RequestLog | None = None):
        self.systems = {}
        self.log = log if log is not None else RequestLog()
        self.control = ControlApi(self)
        for system in systems:
            self.register(system)

    def register(self, system):
        """Mount ``system`` under its prefix; names and prefixes must be unique."""
        if system.name in self.systems:
            raise ValueError(f"A system named {system.name!r} is already registered")
        taken = [s.prefix for s in self.systems.values()] + list(RESERVED_PREFIXES)
        if system.prefix in taken or not system.prefix.startswith("/"):
            raise ValueError(f"Prefix {system.prefix!r} is invalid or already used")
        self.systems[system.name] = system
        return system

    def system_for(self, path: str):
        """Return the system whose prefix ``path`` falls under, or None."""
        for system in self.systems.values():
            if path == system.prefix or path.startswith(system.prefix + "/"):
                return system
        return None

    def reset(self) -> None:
        """Reset every system and clear the request log."""
        for system in self.systems.values():
            system.reset()
        self.log.clear()

    def close(self) -> None:
        """Stop the systems' background work, such as webhook delivery."""
        for system in self.systems.values():
            system.close()

    def __call__(self, environ, start_response):
        return self.handle(environ)(environ, start_response)

    def handle(self, environ) -> Response:
        """Answer the request described by ``environ``."""
        path = environ.get("PATH_INFO") or "/"
        if path == "/":
            return self.index()
        if path == "/_health":
            return json_response({"status": "ok"})
        if path.startswith("/_sandbox/"):
            return self.control.dispatch(Request(environ))
        system = self.system_for(path)
        if system is None:
            return json_response({"errors": "Not Found"}, 404)
        return self.call_system(system, environ)

    def call_system(self, system, environ) -> Response:
        """Answer through ``system``, seen from its prefix, with faults applied; log it."""
        started = time.monotonic()
        request = Request(mount(environ, system.prefix))
        request.get_data()
        response, fault = system.faults.apply(request, system.dispatch, system.error_response)
        self.log.record(system.name, request, response, time.monotonic() - started, fault)
        return response

    def index(self) -> Response:
        """An HTML page linking to each system's status and to the control API."""
        items = "".join(
            f'<li><a href="_sandbox/systems/{escape(s.name)}/page">{escape(s.title)}</a>'
            f" <code>{escape(s.prefix)}</code></li>"
            for s in self.systems.values()
        )
        page = (
            "<!DOCTYPE html><html><head><title>Sandbox</title></head><body>"
            f"<h1>Sandbox</h1><ul>{items}</ul>"
            '<p><a href="_sandbox/requests">Request log</a> · '
            '<a href="_sandbox/faults">Faults</a> · '
            '<a href="_sandbox/webhooks">Webhooks</a></p></body></html>'
        )
        return Response(page, mimetype="text/html")


def mount(environ, prefix: str) -> dict:
    """Return a copy of ``environ`` with ``prefix`` moved from PATH_INFO to SCRIPT_NAME."""
    mounted = dict(environ)
    mounted["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + prefix
    mounted["PATH_INFO"] = environ["PATH_INFO"][len(prefix) :] or "/"
    return mounted
