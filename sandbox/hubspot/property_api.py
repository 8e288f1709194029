"""The properties v3 endpoints: the definitions of a type, and the custom properties an integration makes."""

from werkzeug.routing import Rule
from werkzeug.wrappers import Response

from ..core import json_response
from .errors import ApiError, own_categories
from .objects import iso
from .params import batch_answer, batch_inputs, is_true, json_body, kind_of

PROPERTIES = "/crm/v3/properties/<object_type>"


def property_rules() -> list[Rule]:
    return [
        Rule(PROPERTIES, methods=["GET"], endpoint="properties"),
        Rule(PROPERTIES, methods=["POST"], endpoint="create_property"),
        Rule(f"{PROPERTIES}/batch/create", methods=["POST"], endpoint="create_properties"),
        Rule(f"{PROPERTIES}/batch/read", methods=["POST"], endpoint="read_properties"),
        Rule(f"{PROPERTIES}/batch/archive", methods=["POST"], endpoint="archive_properties"),
        Rule(f"{PROPERTIES}/<name>", methods=["GET"], endpoint="property"),
        Rule(f"{PROPERTIES}/<name>", methods=["PATCH"], endpoint="update_property"),
        Rule(f"{PROPERTIES}/<name>", methods=["DELETE"], endpoint="archive_property"),
    ]


class PropertyApi:
    """The properties handlers of ``HubSpotSystem``, over its ``registry`` (a ``PropertyRegistry``).

    Definitions are listed built-in first, each with its place in the list as its
    ``displayOrder`` unless it was given one. ``archived=true`` lists the archived ones.
    """

    def on_properties(self, request, object_type):
        kind = kind_of(object_type)
        definitions = self.registry.definitions(kind, is_true(request.args.get("archived")))
        return json_response({"results": [p.to_json(kind, i) for i, p in enumerate(definitions.values())]})

    def on_property(self, request, object_type, name):
        kind = kind_of(object_type)
        return json_response(self._property_answer(kind, name, is_true(request.args.get("archived"))))

    @own_categories
    def on_create_property(self, request, object_type):
        """``PropertyCreate`` → 201 with the new definition; a name in use is a 409 ``OBJECT_ALREADY_EXISTS``."""
        kind = kind_of(object_type)
        created = self.registry.create(kind, json_body(request))
        return json_response(self._property_answer(kind, created.name), 201)

    def on_create_properties(self, request, object_type):
        """``batch/create``: the valid inputs are made; the others are the ``errors`` of a 207."""
        kind = kind_of(object_type)
        started = iso()
        results, errors = [], []
        for item in batch_inputs(json_body(request)):
            try:
                created = self.registry.create(kind, item)
            except ApiError as error:
                errors.append(error.batch_error())
            else:
                results.append(self._property_answer(kind, created.name))
        return batch_answer(started, results, errors, 201)

    def on_read_properties(self, request, object_type):
        """``batch/read`` ``{inputs: [{name}], archived}``: names not defined are the ``errors`` of a 207."""
        kind, body = kind_of(object_type), json_body(request)
        started = iso()
        results, errors = [], []
        for item in batch_inputs(body):
            try:
                results.append(self._property_answer(kind, str(item.get("name")), bool(body.get("archived"))))
            except ApiError as error:
                errors.append(error.batch_error())
        return batch_answer(started, results, errors, 200)

    @own_categories
    def on_archive_properties(self, request, object_type):
        """``batch/archive`` ``{inputs: [{name}]}``: all of them, or none if one cannot be archived."""
        kind = kind_of(object_type)
        names = [str(item.get("name")) for item in batch_inputs(json_body(request))]
        with self.state.lock:
            for name in names:
                self.registry.check_archivable(kind, name)
            for name in names:
                self.registry.archive(kind, name)
        return Response(status=204)

    @own_categories
    def on_update_property(self, request, object_type, name):
        """``PropertyUpdate`` of a custom property; a HubSpot-defined one has a read only definition (400)."""
        kind = kind_of(object_type)
        self.registry.update(kind, name, json_body(request))
        return json_response(self._property_answer(kind, name))

    @own_categories
    def on_archive_property(self, request, object_type, name):
        """Archive a custom property (HubSpot's delete); a HubSpot-defined one is a 400."""
        self.registry.archive(kind_of(object_type), name)
        return Response(status=204)

    def _property_answer(self, kind: str, name: str, archived: bool = False) -> dict:
        definition = self.registry.require(kind, name, archived)
        return definition.to_json(kind, list(self.registry.definitions(kind, archived)).index(name))
