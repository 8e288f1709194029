"""HubSpot's CRM API as a sandbox system: objects, search, batches, associations, pipelines and properties."""

from functools import cached_property

from werkzeug.routing import Rule
from werkzeug.wrappers import Response

from ..core import DeliveryPolicy, System, json_response
from .associations import AssociationStore
from .errors import ApiError, error_body, rate_limit_response
from .limits import RateLimiter
from .objects import ObjectStore, iso
from .schema import (
    DEFAULT_PROPERTIES,
    OBJECT_TYPE_IDS,
    PROPERTIES,
    SINGULAR,
    association_type,
    deal_pipeline,
    default_association,
    object_type,
)
from .search import integer, search
from .seed import populate as seed_account
from .webhooks import SUBSCRIPTION_TYPES, EventBatcher

MAX_BATCH_INPUTS = 100
MAX_ASSOCIATION_INPUTS = 1000
BATCH_OPERATIONS = ("read", "create", "update", "upsert", "archive")
AUTH_MISSING = (
    "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more "
    "details at https://developers.hubspot.com/docs/methods/auth/oauth-overview"
)
AUTH_INVALID = "The access token provided is invalid or has been revoked."
OBJECTS = "/crm/v3/objects/<object_type>"
ASSOCIATIONS = "/crm/v4/objects/<from_type>/<from_id>/associations"
BATCH_ASSOCIATIONS = "/crm/v4/associations/<from_type>/<to_type>/batch"


class HubSpotSystem(System):
    """A HubSpot portal reached with a private app token, as the addons reach the real one.

    Every request needs ``Authorization: Bearer <access_token>`` and counts against
    the app's rate limits (``limits``), whose state every answer reports in the
    ``X-HubSpot-RateLimit-*`` headers. Changes to contacts, companies and deals,
    through the API or the actions, become webhook events for the subscriptions made
    with the ``subscribe`` action, batched by ``events`` and delivered by ``webhooks``.
    """

    name = "hubspot"
    title = "HubSpot (CRM)"
    access_token = "pat-sandbox-demo-token"
    portal_id = 62515
    app_id = 1160452
    client_secret = "sandbox-client-secret"
    ten_secondly_limit = 100
    daily_limit = 250_000
    search_secondly_limit = 5
    webhook_window = 0.2
    webhook_attempts = 10

    def __init__(self, seed: int | None = None):
        self.limits = RateLimiter(self.ten_secondly_limit, self.daily_limit, self.search_secondly_limit)
        self.events = EventBatcher(self._deliver, self.webhook_window, self.portal_id)
        super().__init__(seed)
        self.webhooks.default_policy = DeliveryPolicy(max_attempts=self.webhook_attempts)
        self.webhooks.configure(self.webhooks.default_policy)

    @cached_property
    def store(self) -> ObjectStore:
        return ObjectStore(self.state, self._announce)

    @cached_property
    def associations(self) -> AssociationStore:
        return AssociationStore(self.state)

    def routes(self):
        return [
            Rule(OBJECTS, methods=["GET"], endpoint="list_objects"),
            Rule(OBJECTS, methods=["POST"], endpoint="create_object"),
            Rule(f"{OBJECTS}/search", methods=["POST"], endpoint="search_objects"),
            Rule(f"{OBJECTS}/batch/<operation>", methods=["POST"], endpoint="batch"),
            Rule(f"{OBJECTS}/<object_id>", methods=["GET"], endpoint="get_object"),
            Rule(f"{OBJECTS}/<object_id>", methods=["PATCH"], endpoint="update_object"),
            Rule(f"{OBJECTS}/<object_id>", methods=["DELETE"], endpoint="archive_object"),
            Rule(f"{ASSOCIATIONS}/default/<to_type>/<to_id>", methods=["PUT"], endpoint="associate_default"),
            Rule(f"{ASSOCIATIONS}/<to_type>/<to_id>", methods=["PUT"], endpoint="associate"),
            Rule(f"{ASSOCIATIONS}/<to_type>/<to_id>", methods=["DELETE"], endpoint="dissociate"),
            Rule(f"{ASSOCIATIONS}/<to_type>", methods=["GET"], endpoint="list_associations"),
            Rule(f"{BATCH_ASSOCIATIONS}/read", methods=["POST"], endpoint="read_associations"),
            Rule("/crm/v3/pipelines/<object_type>", methods=["GET"], endpoint="pipelines"),
            Rule("/crm/v3/pipelines/<object_type>/<pipeline_id>", methods=["GET"], endpoint="pipeline"),
            Rule("/crm/v3/pipelines/<object_type>/<pipeline_id>/stages", methods=["GET"], endpoint="stages"),
            Rule("/crm/v3/properties/<object_type>", methods=["GET"], endpoint="properties"),
            Rule("/crm/v3/properties/<object_type>/<name>", methods=["GET"], endpoint="property"),
        ]

    def populate(self):
        seed_account(self.store, self.associations, self.state.random)

    def reset(self):
        self.events.reset()
        self.limits.configure(self.ten_secondly_limit, self.daily_limit, self.search_secondly_limit)
        super().reset()

    def close(self):
        self.events.close()
        super().close()

    def dispatch(self, request):
        """Check the token and the rate limits before routing; report the limits on every answer."""
        supplied = request.headers.get("Authorization", "")
        if supplied != f"Bearer {self.access_token}":
            return self.error_response(401, AUTH_INVALID if supplied else AUTH_MISSING)
        refused = self.limits.acquire(search=request.path.endswith("/search"))
        response = rate_limit_response(*refused) if refused else super().dispatch(request)
        response.headers.update(self.limits.headers())
        return response

    def error_response(self, status, message):
        """HubSpot's error body; a 429 (injected faults included) is its rolling-window one."""
        if status == 429:
            return rate_limit_response("TEN_SECONDLY_ROLLING", 1)
        return json_response(error_body(status, message), status)

    def on_list_objects(self, request, object_type):
        kind = _kind(object_type)
        limit = integer(request.args.get("limit"), 10, "limit")
        if not 1 <= limit <= 100:
            raise ApiError(400, f"limit must be between 1 and 100, not {limit}")
        records = self.store.records(kind, _true(request.args.get("archived")))
        after = request.args.get("after")
        if after:
            start = integer(after, 0, "after")
            records = [r for r in records if int(r["id"]) >= start]
        names, linked = _names(request, "properties"), _names(request, "associations")
        answer = {"results": [self._answer(kind, r, names, linked) for r in records[:limit]]}
        if len(records) > limit:
            cursor = records[limit]["id"]
            answer["paging"] = {"next": {"after": cursor, "link": f"{request.base_url}?after={cursor}"}}
        return json_response(answer)

    def on_get_object(self, request, object_type, object_id):
        kind = _kind(object_type)
        archived = _true(request.args.get("archived"))
        record = self.store.get(kind, object_id, request.args.get("idProperty"), archived)
        if record is None:
            raise ApiError(404, "resource not found")
        return json_response(self._answer(kind, record, _names(request, "properties"), _names(request, "associations")))

    def on_create_object(self, request, object_type):
        kind = _kind(object_type)
        return json_response(self._create(kind, _body(request)), 201)

    def on_update_object(self, request, object_type, object_id):
        kind = _kind(object_type)
        properties = _body(request).get("properties", {})
        record = self.store.update(kind, object_id, properties, id_property=request.args.get("idProperty"))
        return json_response(self.store.public(kind, record, [*DEFAULT_PROPERTIES[kind], *properties]))

    def on_archive_object(self, request, object_type, object_id):
        self.store.archive(_kind(object_type), object_id)
        return Response(status=204)

    def on_search_objects(self, request, object_type):
        kind = _kind(object_type)
        body = _body(request)
        total, page, after = search(kind, self.store.records(kind), body)
        names = body.get("properties") if isinstance(body.get("properties"), list) else None
        answer = {"total": total, "results": [self.store.public(kind, r, names) for r in page]}
        if after:
            answer["paging"] = {"next": {"after": after}}
        return json_response(answer)

    def on_batch(self, request, object_type, operation):
        """``POST .../batch/<operation>``: at most 100 inputs; failed inputs make a 207 with ``errors``."""
        kind = _kind(object_type)
        if operation not in BATCH_OPERATIONS:
            raise ApiError(404, f"Unknown batch operation {operation!r}")
        body = _body(request)
        inputs = _inputs(body, MAX_BATCH_INPUTS)
        if operation in ("update", "upsert"):
            ids = [str(item.get("id")) for item in inputs]
            duplicates = sorted({i for i in ids if ids.count(i) > 1})
            if duplicates:
                raise ApiError(400, f"Duplicate IDs found in batch input: {duplicates}. IDs must be unique")
        started = iso()
        results, errors = [], []
        for item in inputs:
            try:
                result = getattr(self, f"_batch_{operation}")(kind, body, item)
            except ApiError as error:
                errors.append(error.batch_error())
            else:
                if result:
                    results.append(result)
        if operation == "read":
            errors = _merge_not_found(kind, errors)
        if operation == "archive":
            return Response(status=204)
        answer = {"status": "COMPLETE", "results": results, "startedAt": started, "completedAt": iso()}
        if errors:
            answer.update(numErrors=len(errors), errors=errors)
        return json_response(answer, 207 if errors else (201 if operation == "create" else 200))

    def _batch_read(self, kind, body, item):
        object_id = str(item.get("id"))
        record = self.store.get(kind, object_id, body.get("idProperty"), bool(body.get("archived")))
        if record is None:
            raise ApiError(404, "not found", {"ids": [object_id]})
        return self.store.public(kind, record, body.get("properties") or None)

    def _batch_create(self, kind, body, item):
        return self._create(kind, item)

    def _batch_update(self, kind, body, item):
        properties = item.get("properties", {})
        record = self.store.update(kind, item.get("id"), properties, id_property=item.get("idProperty"))
        return self.store.public(kind, record, [*DEFAULT_PROPERTIES[kind], *properties])

    def _batch_upsert(self, kind, body, item):
        """Update the object whose ``idProperty`` (e.g. email, sku) has the value ``id``, or create it."""
        id_property, value = item.get("idProperty") or "hs_object_id", str(item.get("id"))
        properties = item.get("properties", {})
        if id_property != "hs_object_id":
            self.store.check_id_property(kind, id_property)
        existing = self.store.get(kind, value, id_property)
        if existing:
            record = self.store.update(kind, existing["id"], properties)
        elif id_property == "hs_object_id":
            raise ApiError(404, f"No {SINGULAR[kind]} with id {value} to update", {"ids": [value]})
        else:
            record = self.store.create(kind, {**properties, id_property: value})
        names = [*DEFAULT_PROPERTIES[kind], *properties, id_property]
        return {**self.store.public(kind, record, names), "new": existing is None}

    def _batch_archive(self, kind, body, item):
        self.store.archive(kind, item.get("id"))

    def _create(self, kind, data) -> dict:
        """Create one object with its ``associations`` (v3 input shape), checked before anything is stored."""
        links = [self._association_input(kind, link) for link in data.get("associations") or []]
        record = self.store.create(kind, data.get("properties", {}))
        for to_type, to_id, association in links:
            self.associations.add(kind, record["id"], to_type, to_id, [association])
        return self.store.public(kind, record, [*DEFAULT_PROPERTIES[kind], *record["properties"]])

    def _association_input(self, kind, link):
        """Resolve ``{"to": {"id"}, "types": [{"associationTypeId"}]}``; the target type follows from the type id."""
        try:
            to_id = str(link["to"]["id"])
            types = [association_type(kind, int(t["associationTypeId"])) for t in link["types"]]
        except (KeyError, TypeError, ValueError):
            raise ApiError(400, "Each association needs to.id and types with an associationTypeId") from None
        if not types or None in types or len({t.to_type for t in types}) != 1:
            raise ApiError(400, f"Invalid association type for {kind}: {link.get('types')}")
        if self.store.get(types[0].to_type, to_id) is None:
            raise ApiError(400, f"One or more associations are invalid: {types[0].to_type} {to_id} does not exist")
        return types[0].to_type, to_id, types[0]

    def _answer(self, kind, record, names, linked) -> dict:
        """An object's answer, with the v3 ``associations`` asked for by ``?associations=``."""
        answer = self.store.public(kind, record, names)
        sections = {}
        for alias in linked:
            to_type = _kind(alias)
            results = [
                {"id": to_id, "type": association_type(kind, type_id).name}
                for to_id, type_ids in self._targets(kind, record["id"], to_type).items()
                for type_id in type_ids
            ]
            if results:
                sections[to_type] = {"results": results}
        if sections:
            answer["associations"] = sections
        return answer

    def _targets(self, kind, object_id, to_type) -> dict[str, list[int]]:
        """Associated ids with their type ids, leaving out archived objects as HubSpot does."""
        targets = self.associations.targets(kind, object_id, to_type)
        return {to_id: types for to_id, types in targets.items() if self.store.get(to_type, to_id)}

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
        from_kind, to_kind = self._pair(from_type, from_id, to_type, to_id)
        specs = request.get_json(force=True, silent=True)
        if not isinstance(specs, list) or not specs:
            raise ApiError(400, "Expected a list of association types")
        types = []
        for spec in specs:
            type_id = spec.get("associationTypeId") if isinstance(spec, dict) else None
            association = association_type(from_kind, int(type_id)) if str(type_id).isdigit() else None
            if association is None or association.to_type != to_kind:
                raise ApiError(400, f"Invalid association type {spec!r} from {from_kind} to {to_kind}")
            types.append(association)
        self.associations.add(from_kind, from_id, to_kind, to_id, types)
        type_ids = self.associations.targets(from_kind, from_id, to_kind).get(to_id, [])
        answer = {
            "fromObjectTypeId": OBJECT_TYPE_IDS[from_kind],
            "fromObjectId": int(from_id),
            "toObjectTypeId": OBJECT_TYPE_IDS[to_kind],
            "toObjectId": int(to_id),
            "labels": [label for t in type_ids if (label := association_type(from_kind, t).label)],
        }
        return json_response(answer, 201)

    def on_dissociate(self, request, from_type, from_id, to_type, to_id):
        self.associations.remove(_kind(from_type), from_id, _kind(to_type), to_id)
        return Response(status=204)

    def on_list_associations(self, request, from_type, from_id, to_type):
        from_kind, to_kind = _kind(from_type), _kind(to_type)
        return json_response({"results": self._v4_targets(from_kind, from_id, to_kind)})

    def on_read_associations(self, request, from_type, to_type):
        """``POST /crm/v4/associations/<from>/<to>/batch/read``: objects without associations are left out."""
        from_kind, to_kind = _kind(from_type), _kind(to_type)
        started = iso()
        results = []
        for item in _inputs(_body(request), MAX_ASSOCIATION_INPUTS):
            object_id = str(item.get("id"))
            targets = self._v4_targets(from_kind, object_id, to_kind)
            if targets:
                results.append({"from": {"id": object_id}, "to": targets})
        return json_response({"status": "COMPLETE", "results": results, "startedAt": started, "completedAt": iso()})

    def _pair(self, from_type, from_id, to_type, to_id) -> tuple[str, str]:
        from_kind, to_kind = _kind(from_type), _kind(to_type)
        for kind, object_id in ((from_kind, from_id), (to_kind, to_id)):
            self.store.require(kind, object_id)
        return from_kind, to_kind

    def _v4_targets(self, from_kind, object_id, to_kind) -> list[dict]:
        return [
            {
                "toObjectId": int(to_id),
                "associationTypes": [
                    {"category": "HUBSPOT_DEFINED", "typeId": t, "label": association_type(from_kind, t).label}
                    for t in type_ids
                ],
            }
            for to_id, type_ids in self._targets(from_kind, object_id, to_kind).items()
        ]

    def on_pipelines(self, request, object_type):
        _pipeline_kind(object_type)
        return json_response({"results": [deal_pipeline()]})

    def on_pipeline(self, request, object_type, pipeline_id):
        return json_response(_find_pipeline(object_type, pipeline_id))

    def on_stages(self, request, object_type, pipeline_id):
        return json_response({"results": _find_pipeline(object_type, pipeline_id)["stages"]})

    def on_properties(self, request, object_type):
        kind = _kind(object_type)
        return json_response({"results": [p.to_json(kind, i) for i, p in enumerate(PROPERTIES[kind].values())]})

    def on_property(self, request, object_type, name):
        kind = _kind(object_type)
        if name not in PROPERTIES[kind]:
            raise ApiError(404, f"Unable to find property {name} for object type {kind}")
        return json_response(PROPERTIES[kind][name].to_json(kind, list(PROPERTIES[kind]).index(name)))

    def _announce(self, kind, change, object_id, changes, source):
        if kind in ("contacts", "companies", "deals"):
            subscriptions = self.state.records("subscriptions")
            self.events.publish(subscriptions, SINGULAR[kind], change, object_id, changes, source)

    def _deliver(self, url, body, headers):
        self.webhooks.deliver(url, body, headers)

    def flush_webhooks(self, timeout: float = 10.0) -> bool:
        """Send the events waiting for their batch window, then wait for every delivery to finish."""
        self.events.flush()
        return self.webhooks.flush(timeout)

    def actions(self):
        return {
            "close_deal": self.close_deal,
            "move_deal": self.move_deal,
            "create_contact": self.create_contact,
            "update_company": self.update_company,
            "subscribe": self.subscribe,
            "set_limits": self.set_limits,
        }

    def close_deal(self, deal_id, won: bool = True) -> dict:
        """A salesperson marks the deal won (or lost) in HubSpot: stage and close date change."""
        properties = {"dealstage": "closedwon" if won else "closedlost", "closedate": iso()}
        record = self.store.update("deals", deal_id, properties, source="CRM_UI")
        return self.store.public("deals", record, [*DEFAULT_PROPERTIES["deals"], "hs_is_closed_won"])

    def move_deal(self, deal_id, stage: str) -> dict:
        record = self.store.update("deals", deal_id, {"dealstage": stage}, source="CRM_UI")
        return self.store.public("deals", record)

    def create_contact(self, email: str, firstname=None, lastname=None, company_id=None, properties=None) -> dict:
        """Someone adds a contact in HubSpot, optionally at a company (made its primary one)."""
        values = {"email": email, "firstname": firstname, "lastname": lastname, **(properties or {})}
        if company_id is not None:
            self.store.require("companies", company_id)
        record = self.store.create("contacts", {k: v for k, v in values.items() if v is not None}, source="CRM_UI")
        if company_id is not None:
            types = [association_type("contacts", 279), association_type("contacts", 1)]
            self.associations.add("contacts", record["id"], "companies", str(company_id), types)
        return self.store.public("contacts", record, [*DEFAULT_PROPERTIES["contacts"], *record["properties"]])

    def update_company(self, company_id, properties: dict) -> dict:
        record = self.store.update("companies", company_id, properties, source="CRM_UI")
        return self.store.public("companies", record, [*DEFAULT_PROPERTIES["companies"], *properties])

    def subscribe(self, target_url: str, client_secret=None, types=None, app_id=None, property_name=None) -> list:
        """Subscribe an app's target URL to event types (all of them by default).

        ``client_secret`` signs the deliveries (the system's own by default);
        ``property_name`` narrows ``*.propertyChange`` subscriptions to one property.
        """
        if not isinstance(target_url, str) or not target_url.startswith(("http://", "https://")):
            raise ValueError("target_url must be an http(s) URL")
        types = list(types or SUBSCRIPTION_TYPES)
        unknown = sorted(set(types) - set(SUBSCRIPTION_TYPES))
        if unknown:
            raise ValueError(f"unknown subscription type(s) {', '.join(unknown)}; use {', '.join(SUBSCRIPTION_TYPES)}")
        created = []
        for event_type in types:
            subscription = {
                "appId": int(app_id or self.app_id),
                "eventType": event_type,
                "propertyName": property_name if event_type.endswith("propertyChange") else None,
                "active": True,
                "targetUrl": target_url,
                "clientSecret": client_secret or self.client_secret,
                "createdAt": iso(),
            }
            created.append(self.state.insert("subscriptions", subscription))
        return created

    def set_limits(self, ten_secondly=None, daily=None, search_secondly=None) -> dict:
        """Change the rate limits (until the next reset) and start counting afresh."""
        return self.limits.configure(ten_secondly, daily, search_secondly)

    def status_tables(self):
        def rows(kind, names):
            return [{"id": r["id"], **{n: r["properties"].get(n, "") for n in names}} for r in self.store.records(kind)]

        events = list(self.events.recent)[-20:]
        return {
            "Companies": rows("companies", ("name", "domain", "vat_number", "payment_terms"))[-20:],
            "Contacts": rows("contacts", ("email", "firstname", "lastname"))[-20:],
            "Deals": rows("deals", ("dealname", "dealstage", "amount", "deal_kind", "purchase_order_number"))[-20:],
            "Webhook subscriptions": [
                {k: v for k, v in s.items() if k != "clientSecret"} for s in self.state.records("subscriptions")
            ],
            "Recent webhook events": events,
        }


def _kind(alias: str) -> str:
    kind = object_type(alias)
    if kind is None:
        raise ApiError(400, f"Unable to infer object type from: {alias}")
    return kind


def _pipeline_kind(alias: str) -> str:
    kind = _kind(alias)
    if kind != "deals":
        raise ApiError(400, f"Pipelines are not supported for {kind}")
    return kind


def _find_pipeline(alias: str, pipeline_id: str) -> dict:
    _pipeline_kind(alias)
    pipeline = deal_pipeline()
    if pipeline_id != pipeline["id"]:
        raise ApiError(404, f"Unable to find pipeline {pipeline_id}")
    return pipeline


def _body(request) -> dict:
    data = request.get_json(force=True, silent=True)
    if not isinstance(data, dict):
        raise ApiError(400, "Invalid input JSON: the request body must be a JSON object")
    return data


def _inputs(body: dict, maximum: int) -> list[dict]:
    inputs = body.get("inputs")
    if not isinstance(inputs, list) or not all(isinstance(item, dict) for item in inputs):
        raise ApiError(400, "inputs must be a list of objects")
    if len(inputs) > maximum:
        raise ApiError(400, f"Too many inputs: {len(inputs)}. The maximum batch size is {maximum}.")
    return inputs


def _merge_not_found(kind: str, errors: list[dict]) -> list[dict]:
    """HubSpot reports every missing id of a batch read in one error."""
    missing = [i for e in errors if e["category"] == "OBJECT_NOT_FOUND" for i in e["context"].get("ids", [])]
    others = [e for e in errors if e["category"] != "OBJECT_NOT_FOUND"]
    if not missing:
        return others
    message = (
        f"Could not get some {SINGULAR[kind].upper()} objects, they may be deleted or not exist. "
        "Check that ids are valid."
    )
    return [*others, ApiError(404, message, {"ids": missing}).batch_error()]


def _default_result(from_id: str, to_id: str, type_id: int) -> dict:
    return {
        "from": {"id": from_id},
        "to": {"id": to_id},
        "associationSpec": {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": type_id},
    }


def _names(request, arg: str) -> list[str]:
    """A list parameter, given comma separated, repeated (as the SDK does) or both."""
    return [name for value in request.args.getlist(arg) for name in value.split(",") if name]


def _true(value) -> bool:
    return str(value).lower() == "true"
