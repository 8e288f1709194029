"""The JSON control API under ``/_sandbox/``, to inspect and steer the sandbox."""

from werkzeug.exceptions import BadRequest, HTTPException, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Response

from .faults import FaultConfig
from .pages import status_page
from .responses import json_response
from .webhooks import DeliveryPolicy


class ControlApi:
    """Endpoints for tests and developers; never faulted and never logged."""

    url_map = Map(
        [
            Rule("/_sandbox/systems", methods=["GET"], endpoint="systems"),
            Rule("/_sandbox/systems/<name>", methods=["GET"], endpoint="system"),
            Rule("/_sandbox/systems/<name>/page", methods=["GET"], endpoint="page"),
            Rule("/_sandbox/systems/<name>/actions", methods=["GET"], endpoint="actions"),
            Rule("/_sandbox/systems/<name>/actions/<action>", methods=["POST"], endpoint="act"),
            Rule("/_sandbox/requests", methods=["GET"], endpoint="requests"),
            Rule("/_sandbox/requests", methods=["DELETE"], endpoint="clear_requests"),
            Rule("/_sandbox/faults", methods=["GET"], endpoint="faults"),
            Rule("/_sandbox/faults", methods=["PUT"], endpoint="set_faults"),
            Rule("/_sandbox/webhooks", methods=["GET"], endpoint="webhooks"),
            Rule("/_sandbox/webhooks", methods=["PUT"], endpoint="set_webhooks"),
            Rule("/_sandbox/reset", methods=["POST"], endpoint="reset"),
        ]
    )

    def __init__(self, app):
        self.app = app

    def dispatch(self, request):
        """Answer a ``/_sandbox/`` request; invalid settings get a 400 with the reason."""
        adapter = self.url_map.bind_to_environ(request.environ)
        try:
            endpoint, values = adapter.match()
            return getattr(self, f"on_{endpoint}")(request, **values)
        except HTTPException as exc:
            return json_response({"error": exc.description}, exc.code or 500)
        except (TypeError, ValueError) as exc:
            return json_response({"error": str(exc)}, 400)

    def _system(self, name):
        if name not in self.app.systems:
            raise NotFound(f"No system named {name!r}")
        return self.app.systems[name]

    def _selected(self, request):
        """Return the system named by ``?system=``, or every system."""
        name = request.args.get("system")
        return [self._system(name)] if name else list(self.app.systems.values())

    def _settings(self, request, knobs_class) -> dict:
        """Parse a ``{system name: settings}`` body into knobs, checking all first."""
        data = request.get_json(silent=True)
        if not isinstance(data, dict):
            raise BadRequest("Expected a JSON object keyed by system name")
        return {self._system(name): knobs_class.from_dict(value) for name, value in data.items()}

    def on_systems(self, request):
        return json_response({"systems": [s.status() for s in self.app.systems.values()]})

    def on_system(self, request, name):
        return json_response(self._system(name).status())

    def on_page(self, request, name):
        return Response(status_page(self._system(name)), mimetype="text/html")

    def on_actions(self, request, name):
        return json_response({"actions": sorted(self._system(name).actions())})

    def on_act(self, request, name, action):
        actions = self._system(name).actions()
        if action not in actions:
            raise NotFound(f"{name} has no action {action!r}; it has {', '.join(sorted(actions)) or 'none'}")
        params = request.get_json(silent=True) if request.data else {}
        if not isinstance(params, dict):
            raise BadRequest("Expected a JSON object of parameters")
        return json_response({"result": actions[action](**params)})

    def on_requests(self, request):
        name = request.args.get("system")
        if name:
            self._system(name)
        entries = self.app.log.entries(name)
        limit = request.args.get("limit", type=int)
        if limit:
            entries = entries[-limit:]
        return json_response({"requests": [e.to_dict() for e in entries]})

    def on_clear_requests(self, request):
        self.app.log.clear()
        return json_response({"status": "cleared"})

    def on_faults(self, request):
        return json_response({s.name: s.faults.config.to_dict() for s in self._selected(request)})

    def on_set_faults(self, request):
        for system, config in self._settings(request, FaultConfig).items():
            system.faults.configure(config)
        return self.on_faults(request)

    def on_webhooks(self, request):
        return json_response(
            {
                s.name: {
                    "policy": s.webhooks.policy.to_dict(),
                    "pending": s.webhooks.pending,
                    "attempts": [a.to_dict() for a in s.webhooks.attempts],
                }
                for s in self._selected(request)
            }
        )

    def on_set_webhooks(self, request):
        for system, policy in self._settings(request, DeliveryPolicy).items():
            system.webhooks.configure(policy)
        return self.on_webhooks(request)

    def on_reset(self, request):
        """Reset one system (``?system=``) or all of them and the request log."""
        if request.args.get("system"):
            self._selected(request)[0].reset()
        else:
            self.app.reset()
        return json_response({"status": "reset"})
