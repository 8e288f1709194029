"""The associations v4 endpoints: single and batch links, paged listings and association labels."""

from werkzeug.routing import Rule
from werkzeug.wrappers import Response

from ..core import json_response
from .errors import ApiError
from .objects import iso
from .params import batch_answer, batch_inputs, integer, json_body, kind_of, page
from .schema import OBJECT_TYPE_IDS, SINGULAR, default_association

MAX_BATCH_INPUTS = 1000
MAX_PAGE = 500
OBJECT = "/crm/v4/objects/<from_type>/<from_id>/associations"
PAIR = "/crm/v4/associations/<from_type>/<to_type>"
# HubSpot's published spec names the labels endpoints /crm/associations/v4/...; its SDK calls /crm/v4/associations/...
LABELS = (f"{PAIR}/labels", "/crm/associations/v4/<from_type>/<to_type>/labels")


def association_rules() -> list[Rule]:
    rules = [
        Rule(f"{OBJECT}/default/<to_type>/<to_id>", methods=["PUT"], endpoint="associate_default"),
        Rule(f"{OBJECT}/<to_type>/<to_id>", methods=["PUT"], endpoint="associate"),
        Rule(f"{OBJECT}/<to_type>/<to_id>", methods=["DELETE"], endpoint="dissociate"),
        Rule(f"{OBJECT}/<to_type>", methods=["GET"], endpoint="list_associations"),
        Rule(f"{PAIR}/batch/read", methods=["POST"], endpoint="read_associations"),
        Rule(f"{PAIR}/batch/create", methods=["POST"], endpoint="create_associations"),
        Rule(f"{PAIR}/batch/archive", methods=["POST"], endpoint="archive_associations"),
        Rule(f"{PAIR}/batch/labels/archive", methods=["POST"], endpoint="archive_association_labels"),
    ]
    for path in LABELS:
        rules += [
            Rule(path, methods=["GET"], endpoint="association_labels"),
            Rule(path, methods=["POST"], endpoint="create_association_label"),
            Rule(path, methods=["PUT"], endpoint="update_association_label"),
            Rule(f"{path}/<int:type_id>", methods=["DELETE"], endpoint="delete_association_label"),
        ]
    return rules


class AssociationApi:
    """The v4 handlers of ``HubSpotSystem``, over its ``store`` (objects) and ``associations``."""

    def on_associate_default(self, request, from_type, from_id, to_type, to_id):
        from_kind, to_kind = self._pair(from_type, from_id, to_type, to_id)
        association = default_association(from_kind, to_kind)
        if association is None:
            raise ApiError(400, f"No default association type from {from_kind} to {to_kind}")
        started = iso()
        self.associations.add(from_kind, from_id, to_kind, to_id, [association])
        results = [
            _default_result(from_id, to_id, association.type_id),
            _default_result(to_id, from_id, association.inverse_id),
        ]
        return json_response({"status": "COMPLETE", "results": results, "startedAt": started, "completedAt": iso()})

    def on_associate(self, request, from_type, from_id, to_type, to_id):
        """``PUT`` with a list of ``{associationCategory, associationTypeId}``: labelled associations."""
        specs = request.get_json(force=True, silent=True)
        return json_response(self._link(kind_of(from_type), from_id, kind_of(to_type), to_id, specs), 201)

    def on_dissociate(self, request, from_type, from_id, to_type, to_id):
        self.associations.remove(kind_of(from_type), from_id, kind_of(to_type), to_id)
        return Response(status=204)

    def on_list_associations(self, request, from_type, from_id, to_type):
        """At most ``limit`` (500) associated objects, then ``paging.next.after`` for the rest."""
        limit = integer(request.args.get("limit"), MAX_PAGE, "limit")
        if not 1 <= limit <= MAX_PAGE:
            raise ApiError(400, f"limit must be between 1 and {MAX_PAGE}, not {limit}")
        targets = self._v4_targets(kind_of(from_type), from_id, kind_of(to_type))
        results, after = page(targets, request.args.get("after"), limit)
        return json_response({"results": results, **_paging(after)})

    def on_read_associations(self, request, from_type, to_type):
        """``batch/read``: an object without associations is an error of its own, so the answer is a 207."""
        from_kind, to_kind = kind_of(from_type), kind_of(to_type)
        started = iso()
        results, errors = [], []
        for item in batch_inputs(json_body(request), MAX_BATCH_INPUTS):
            object_id = str(item.get("id"))
            targets, after = page(self._v4_targets(from_kind, object_id, to_kind), item.get("after"), MAX_PAGE)
            if targets:
                results.append({"from": {"id": object_id}, "to": targets, **_paging(after)})
            else:
                errors.append(_no_associations(from_kind, object_id, to_kind))
        return batch_answer(started, results, errors, 200)

    def on_create_associations(self, request, from_type, to_type):
        """``batch/create``: ``[{from: {id}, to: {id}, types: [...]}]``; failed inputs make a 207."""
        from_kind, to_kind = kind_of(from_type), kind_of(to_type)
        started = iso()
        results, errors = [], []
        for item in batch_inputs(json_body(request), MAX_BATCH_INPUTS):
            try:
                results.append(self._link(from_kind, _id(item, "from"), to_kind, _id(item, "to"), item.get("types")))
            except ApiError as error:
                errors.append(error.batch_error())
        return batch_answer(started, results, errors, 201)

    def on_archive_associations(self, request, from_type, to_type):
        """``batch/archive``: ``[{from: {id}, to: [{id}, ...]}]``, every association between each pair."""
        from_kind, to_kind = kind_of(from_type), kind_of(to_type)
        for item in batch_inputs(json_body(request), MAX_BATCH_INPUTS):
            targets = item.get("to") if isinstance(item.get("to"), list) else []
            for target in targets:
                self.associations.remove(from_kind, _id(item, "from"), to_kind, _id({"to": target}, "to"))
        return Response(status=204)

    def on_archive_association_labels(self, request, from_type, to_type):
        """``batch/labels/archive``: remove some types; removing the unlabelled one removes them all."""
        from_kind, to_kind = kind_of(from_type), kind_of(to_type)
        for item in batch_inputs(json_body(request), MAX_BATCH_INPUTS):
            type_ids = [t.type_id for t in self._types(from_kind, to_kind, item.get("types"))]
            self.associations.remove(from_kind, _id(item, "from"), to_kind, _id(item, "to"), type_ids)
        return Response(status=204)

    def on_association_labels(self, request, from_type, to_type):
        types = self.associations.types(kind_of(from_type), kind_of(to_type))
        return json_response({"results": [t.spec() for t in types]})

    def on_create_association_label(self, request, from_type, to_type):
        """A ``USER_DEFINED`` label from ``{name, label, inverseLabel}``; the answer lists it and its inverse."""
        body = json_body(request)
        name, label = body.get("name"), body.get("label")
        if not isinstance(name, str) or not name or not isinstance(label, str) or not label:
            raise ApiError(400, "An association label needs a name and a label")
        created = self.associations.create_label(
            kind_of(from_type), kind_of(to_type), name, label, body.get("inverseLabel")
        )
        return json_response({"results": [t.spec() for t in created]})

    def on_update_association_label(self, request, from_type, to_type):
        body = json_body(request)
        type_id, label = body.get("associationTypeId"), body.get("label")
        if not isinstance(type_id, int) or not isinstance(label, str) or not label:
            raise ApiError(400, "Updating a label needs its associationTypeId and the new label")
        self.associations.update_label(kind_of(from_type), type_id, label, body.get("inverseLabel"))
        return Response(status=204)

    def on_delete_association_label(self, request, from_type, to_type, type_id):
        self.associations.delete_label(kind_of(from_type), type_id)
        return Response(status=204)

    def _link(self, from_kind, from_id, to_kind, to_id, specs) -> dict:
        """Associate two objects with the given types; HubSpot's ``LabelsBetweenObjectPair`` answer."""
        self._pair(from_kind, from_id, to_kind, to_id)
        self.associations.add(from_kind, from_id, to_kind, to_id, self._types(from_kind, to_kind, specs))
        type_ids = self.associations.targets(from_kind, from_id, to_kind).get(str(to_id), [])
        return {
            "fromObjectTypeId": OBJECT_TYPE_IDS[from_kind],
            "fromObjectId": int(from_id),
            "toObjectTypeId": OBJECT_TYPE_IDS[to_kind],
            "toObjectId": int(to_id),
            "labels": [label for t in type_ids if (label := self.associations.type(from_kind, t).label)],
        }

    def _types(self, from_kind, to_kind, specs) -> list:
        """Resolve ``[{associationCategory, associationTypeId}]`` to types from ``from_kind`` to ``to_kind``."""
        if not isinstance(specs, list) or not specs:
            raise ApiError(400, "Expected a list of association types")
        types = []
        for spec in specs:
            type_id = spec.get("associationTypeId") if isinstance(spec, dict) else None
            association = self.associations.type(from_kind, int(type_id)) if str(type_id).isdigit() else None
            category = spec.get("associationCategory") if isinstance(spec, dict) else None
            if association is None or association.to_type != to_kind or category not in (None, association.category):
                raise ApiError(400, f"Invalid association type {spec!r} from {from_kind} to {to_kind}")
            types.append(association)
        return types

    def _pair(self, from_type, from_id, to_type, to_id) -> tuple[str, str]:
        from_kind, to_kind = kind_of(from_type), kind_of(to_type)
        for kind, object_id in ((from_kind, from_id), (to_kind, to_id)):
            self.store.require(kind, object_id)
        return from_kind, to_kind

    def _targets(self, kind, object_id, to_type) -> dict[str, list[int]]:
        """Associated ids with their type ids, leaving out archived objects as HubSpot does."""
        targets = self.associations.targets(kind, object_id, to_type)
        return {to_id: types for to_id, types in targets.items() if self.store.get(to_type, to_id)}

    def _v4_targets(self, from_kind, object_id, to_kind) -> list[dict]:
        return [
            {"toObjectId": int(to_id), "associationTypes": [self.associations.type(from_kind, t).spec() for t in ids]}
            for to_id, ids in self._targets(from_kind, object_id, to_kind).items()
        ]


def _id(item: dict, end: str) -> str:
    """The id of a batch input's ``from`` or ``to``, or a 400."""
    target = item.get(end)
    if not isinstance(target, dict) or target.get("id") in (None, ""):
        raise ApiError(400, f"Each input needs {end}.id")
    return str(target["id"])


def _paging(after: str | None) -> dict:
    return {"paging": {"next": {"after": after}}} if after else {}


def _no_associations(from_kind: str, object_id: str, to_kind: str) -> dict:
    """HubSpot's batch error for an object with nothing associated of the type asked for."""
    message = f"No {SINGULAR[to_kind]} is associated with {SINGULAR[from_kind]} {object_id}."
    context = {
        "fromObjectId": [object_id],
        "fromObjectType": [SINGULAR[from_kind]],
        "toObjectType": [SINGULAR[to_kind]],
    }
    return ApiError(404, message, context, "crm.associations.NO_ASSOCIATIONS_FOUND").batch_error()


def _default_result(from_id: str, to_id: str, type_id: int) -> dict:
    return {
        "from": {"id": from_id},
        "to": {"id": to_id},
        "associationSpec": {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": type_id},
    }
