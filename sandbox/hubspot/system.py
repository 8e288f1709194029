"""HubSpot's CRM API as a sandbox system: objects, search, batches, associations, webhooks, pipelines, properties."""

from functools import cached_property

from werkzeug.routing import Rule
from werkzeug.wrappers import Response

from ..core import DeliveryPolicy, System, json_response
from .association_api import AssociationApi, association_rules
from .associations import AssociationStore
from .errors import ApiError, error_body, rate_limit_response
from .limits import HubSpotFaults, RateLimiter
from .objects import ObjectStore, iso
from .params import batch_answer, batch_inputs, integer, is_true, json_body, kind_of, names
from .properties import PropertyRegistry
from .property_api import PropertyApi, property_rules
from .schema import DEFAULT_PROPERTIES, PROPERTIES, SINGULAR, deal_pipeline
from .search import search
from .seed import populate as seed_account
from .webhook_api import SUBSCRIPTIONS, WebhookApi, new_subscription, webhook_rules
from .webhooks import SUBSCRIPTION_TYPES, EventBatcher, object_events

MAX_BATCH_INPUTS = 100
BATCH_OPERATIONS = ("read", "create", "update", "upsert", "archive")
AUTH_MISSING = (
    "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more "
    "details at https://developers.hubspot.com/docs/methods/auth/oauth-overview"
)
AUTH_INVALID = "The access token provided is invalid or has been revoked."
OBJECTS = "/crm/v3/objects/<object_type>"
KINDS = tuple(PROPERTIES)
ANNOUNCED = ("contacts", "companies", "deals")


class HubSpotSystem(AssociationApi, PropertyApi, WebhookApi, System):
    """A HubSpot portal reached with a private app token, as the addons reach the real one.

    Every request needs ``Authorization: Bearer <access_token>`` (the webhooks API
    also takes the developer key as ``?hapikey=``, as HubSpot's SDK sends it) and
    counts against the app's rate limits (``limits``), whose state every answer
    reports in the ``X-HubSpot-RateLimit-*`` headers; a 429 carries ``Retry-After``
    only once ``set_limits(retry_after=True)`` promises one. Changes to contacts,
    companies, deals and their associations become webhook events for the
    subscriptions made through the webhooks API or the ``subscribe`` action, batched
    by ``events`` and delivered by ``webhooks``: ``INTEGRATION`` changes when made
    through the API, ``CRM_UI`` ones when made by the actions, which stand for a user.
    The property definitions are ``registry``'s: the built-in ones and the custom
    properties this portal's integrations made through the properties API.
    """

    name = "hubspot"
    title = "HubSpot (CRM)"
    access_token = "pat-sandbox-demo-token"
    developer_api_key = "sandbox-developer-api-key"
    portal_id = 62515
    app_id = 1160452
    user_id = 7700311
    client_secret = "sandbox-client-secret"
    # What the demo private app is granted: every CRM object the suite reads and writes.
    scopes = (
        "crm.objects.companies.read",
        "crm.objects.companies.write",
        "crm.objects.contacts.read",
        "crm.objects.contacts.write",
        "crm.objects.deals.read",
        "crm.objects.deals.write",
        "crm.objects.line_items.read",
        "crm.objects.products.read",
        "crm.schemas.deals.write",
        "crm.schemas.companies.write",
    )
    ten_secondly_limit = 100
    daily_limit = 250_000
    search_secondly_limit = 5
    retry_after = False
    webhook_window = 0.2
    webhook_attempts = 10

    def __init__(self, seed: int | None = None):
        self.limits = RateLimiter(self.ten_secondly_limit, self.daily_limit, self.search_secondly_limit)
        self.events = EventBatcher(self._deliver, self.webhook_window, self.portal_id)
        self.sends_retry_after = self.retry_after
        self.granted = self.scopes
        super().__init__(seed)
        self.faults = HubSpotFaults(seed, self._finish)
        self.webhooks.default_policy = DeliveryPolicy(max_attempts=self.webhook_attempts)
        self.webhooks.configure(self.webhooks.default_policy)

    @cached_property
    def registry(self) -> PropertyRegistry:
        return PropertyRegistry(self.state)

    @cached_property
    def store(self) -> ObjectStore:
        return ObjectStore(self.state, self.registry, self._announce)

    @cached_property
    def associations(self) -> AssociationStore:
        return AssociationStore(self.state, self._announce_association)

    def routes(self):
        return [
            Rule(OBJECTS, methods=["GET"], endpoint="list_objects"),
            Rule(OBJECTS, methods=["POST"], endpoint="create_object"),
            Rule(f"{OBJECTS}/search", methods=["POST"], endpoint="search_objects"),
            Rule(f"{OBJECTS}/merge", methods=["POST"], endpoint="merge_objects"),
            Rule("/crm/v3/objects/contacts/gdpr-delete", methods=["POST"], endpoint="gdpr_delete"),
            Rule(f"{OBJECTS}/batch/<operation>", methods=["POST"], endpoint="batch"),
            Rule(f"{OBJECTS}/<object_id>", methods=["GET"], endpoint="get_object"),
            Rule(f"{OBJECTS}/<object_id>", methods=["PATCH"], endpoint="update_object"),
            Rule(f"{OBJECTS}/<object_id>", methods=["DELETE"], endpoint="archive_object"),
            *association_rules(),
            *webhook_rules(),
            Rule("/crm/v3/pipelines/<object_type>", methods=["GET"], endpoint="pipelines"),
            Rule("/crm/v3/pipelines/<object_type>/<pipeline_id>", methods=["GET"], endpoint="pipeline"),
            Rule("/crm/v3/pipelines/<object_type>/<pipeline_id>/stages", methods=["GET"], endpoint="stages"),
            Rule("/account-info/v3/details", methods=["GET"], endpoint="account_details"),
            Rule("/oauth/v2/private-apps/get/access-token-info", methods=["POST"], endpoint="token_info"),
            *property_rules(),
        ]

    def populate(self):
        seed_account(self.store, self.associations, self.state.random)

    def reset(self):
        self.granted = self.scopes
        self.events.reset()
        self.limits.configure(self.ten_secondly_limit, self.daily_limit, self.search_secondly_limit)
        self.sends_retry_after = self.retry_after
        super().reset()

    def close(self):
        self.events.close()
        super().close()

    def dispatch(self, request):
        """Check the credentials and the rate limits before routing."""
        if not self._authenticated(request):
            supplied = request.headers.get("Authorization", "")
            return self.error_response(401, AUTH_INVALID if supplied else AUTH_MISSING)
        refused = self.limits.acquire(search=request.path.endswith("/search"))
        return rate_limit_response(*refused) if refused else super().dispatch(request)

    def _authenticated(self, request) -> bool:
        if request.headers.get("Authorization", "") == f"Bearer {self.access_token}":
            return True
        return request.path.startswith("/webhooks/") and request.args.get("hapikey") == self.developer_api_key

    def _finish(self, response):
        """Every answer but a 401 reports the limits; a 429 keeps ``Retry-After`` only if promised."""
        if response.status_code != 401:
            response.headers.update(self.limits.headers())
        if response.status_code == 429 and not self.sends_retry_after:
            response.headers.pop("Retry-After", None)
        return response

    def error_response(self, status, message):
        """HubSpot's error body; a 429 (injected faults included) is its rolling-window one."""
        if status == 429:
            return rate_limit_response("TEN_SECONDLY_ROLLING", 1)
        return json_response(error_body(status, message), status)

    def on_list_objects(self, request, object_type):
        kind = kind_of(object_type)
        limit = integer(request.args.get("limit"), 10, "limit")
        if not 1 <= limit <= 100:
            raise ApiError(400, f"limit must be between 1 and 100, not {limit}")
        records = self.store.records(kind, is_true(request.args.get("archived")))
        after = request.args.get("after")
        if after:
            start = integer(after, 0, "after")
            records = [r for r in records if int(r["id"]) >= start]
        wanted, linked = names(request, "properties"), names(request, "associations")
        answer = {"results": [self._answer(kind, r, wanted, linked) for r in records[:limit]]}
        if len(records) > limit:
            cursor = records[limit]["id"]
            answer["paging"] = {"next": {"after": cursor, "link": f"{request.base_url}?after={cursor}"}}
        return json_response(answer)

    def on_get_object(self, request, object_type, object_id):
        kind = kind_of(object_type)
        archived = is_true(request.args.get("archived"))
        record = self.store.get(kind, object_id, request.args.get("idProperty"), archived)
        if record is None:
            raise ApiError(404, "resource not found")
        return json_response(self._answer(kind, record, names(request, "properties"), names(request, "associations")))

    def on_create_object(self, request, object_type):
        kind = kind_of(object_type)
        return json_response(self._create(kind, json_body(request)), 201)

    def on_update_object(self, request, object_type, object_id):
        kind = kind_of(object_type)
        properties = json_body(request).get("properties", {})
        record = self.store.update(kind, object_id, properties, id_property=request.args.get("idProperty"))
        return json_response(self.store.public(kind, record, [*DEFAULT_PROPERTIES[kind], *properties]))

    def on_archive_object(self, request, object_type, object_id):
        self.store.archive(kind_of(object_type), object_id)
        return Response(status=204)

    def on_merge_objects(self, request, object_type):
        """``POST .../merge`` with ``{primaryObjectId, objectIdToMerge}``: the merged object as it now is."""
        kind, body = kind_of(object_type), json_body(request)
        record = self._merge(kind, body.get("primaryObjectId"), body.get("objectIdToMerge"), "INTEGRATION")
        return json_response(self.store.public(kind, record))

    def on_gdpr_delete(self, request):
        """``POST /crm/v3/objects/contacts/gdpr-delete`` with ``{objectId, idProperty}``: gone for good."""
        body = json_body(request)
        self._privacy_delete(body.get("objectId"), body.get("idProperty"), "INTEGRATION")
        return Response(status=204)

    def on_search_objects(self, request, object_type):
        kind = kind_of(object_type)
        body = json_body(request)
        total, found, after = search(self.registry, kind, self.store.records(kind), body)
        wanted = body.get("properties") if isinstance(body.get("properties"), list) else None
        answer = {"total": total, "results": [self.store.public(kind, r, wanted) for r in found]}
        if after:
            answer["paging"] = {"next": {"after": after}}
        return json_response(answer)

    def on_batch(self, request, object_type, operation):
        """``POST .../batch/<operation>``: at most 100 inputs; failed inputs make a 207 with ``errors``.

        A batch create is all or nothing unless every input carries an
        ``objectWriteTraceId``, as on HubSpot. ``archived`` comes as a query parameter
        (the SDK sends it so) or in the body of a batch read.
        """
        kind = kind_of(object_type)
        if operation not in BATCH_OPERATIONS:
            raise ApiError(404, f"Unknown batch operation {operation!r}")
        body = json_body(request)
        inputs = batch_inputs(body, MAX_BATCH_INPUTS)
        if operation in ("update", "upsert"):
            ids = [str(item.get("id")) for item in inputs]
            duplicates = sorted({i for i in ids if ids.count(i) > 1})
            if duplicates:
                raise ApiError(400, f"Duplicate IDs found in batch input: {duplicates}. IDs must be unique")
        if operation == "read":
            body = {**body, "archived": is_true(request.args.get("archived")) or bool(body.get("archived"))}
        started = iso()
        if operation == "create" and not all(item.get("objectWriteTraceId") for item in inputs):
            results, errors = self._create_all(kind, inputs), []
        else:
            results, errors = self._each(operation, kind, body, inputs)
        if operation == "read":
            errors = _merge_not_found(kind, errors)
        if operation == "archive":
            return Response(status=204)
        return batch_answer(started, results, errors, 201 if operation == "create" else 200)

    def _each(self, operation, kind, body, inputs) -> tuple[list, list]:
        """Run ``operation`` on each input on its own; an error names the input's ``objectWriteTraceId``."""
        results, errors = [], []
        for item in inputs:
            trace = item.get("objectWriteTraceId")
            try:
                result = getattr(self, f"_batch_{operation}")(kind, body, item)
            except ApiError as error:
                errors.append(error.batch_error(**({"objectWriteTraceId": [trace]} if trace else {})))
            else:
                if result:
                    results.append({**result, "objectWriteTraceId": trace} if trace else result)
        return results, errors

    def _create_all(self, kind, inputs) -> list[dict]:
        """Check every input, then create them all: the first invalid one fails the batch with its own error."""
        with self.state.lock:
            claimed = set()
            for item in inputs:
                values = self.store.validate(kind, item.get("properties", {}))
                self.store.check_unique(kind, values)
                for name, value in values.items():
                    if value is not None and self.registry.get(kind, name).unique:
                        key = (name, value.lower() if name == "email" else value)
                        if key in claimed:
                            raise ApiError(400, f"Duplicate {name} {value!r} in batch input. Values must be unique")
                        claimed.add(key)
                for link in item.get("associations") or []:
                    self._association_input(kind, link)
            return [self._create(kind, item) for item in inputs]

    def _batch_read(self, kind, body, item):
        object_id = str(item.get("id"))
        record = self.store.get(kind, object_id, body.get("idProperty"), body["archived"])
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
        wanted = [*DEFAULT_PROPERTIES[kind], *properties, id_property]
        return {**self.store.public(kind, record, wanted), "new": existing is None}

    def _batch_archive(self, kind, body, item):
        self.store.archive(kind, item.get("id"))

    def _create(self, kind, data, source="INTEGRATION") -> dict:
        """Create one object with its ``associations`` (v3 input shape), checked before anything is stored."""
        links = [self._association_input(kind, link) for link in data.get("associations") or []]
        record = self.store.create(kind, data.get("properties", {}), source)
        for to_type, to_id, types in links:
            self.associations.add(kind, record["id"], to_type, to_id, types, source)
        return self.store.public(kind, record, [*DEFAULT_PROPERTIES[kind], *record["properties"]])

    def _association_input(self, kind, link):
        """Resolve ``{"to": {"id"}, "types": [{"associationTypeId"}]}``; the target type follows from the type ids."""
        try:
            to_id = str(link["to"]["id"])
            types = [self.associations.type(kind, int(t["associationTypeId"])) for t in link["types"]]
        except (KeyError, TypeError, ValueError):
            raise ApiError(400, "Each association needs to.id and types with an associationTypeId") from None
        if not types or None in types or len({t.to_type for t in types}) != 1:
            raise ApiError(400, f"Invalid association type for {kind}: {link.get('types')}")
        if self.store.get(types[0].to_type, to_id) is None:
            raise ApiError(400, f"One or more associations are invalid: {types[0].to_type} {to_id} does not exist")
        return types[0].to_type, to_id, types

    def _answer(self, kind, record, wanted, linked) -> dict:
        """An object's answer, with the v3 ``associations`` asked for by ``?associations=``."""
        answer = self.store.public(kind, record, wanted)
        sections = {}
        for alias in linked:
            to_type = kind_of(alias)
            results = [
                {"id": to_id, "type": self.associations.type(kind, type_id).name}
                for to_id, type_ids in self._targets(kind, record["id"], to_type).items()
                for type_id in type_ids
            ]
            if results:
                sections[to_type] = {"results": results}
        if sections:
            answer["associations"] = sections
        return answer

    def _merge(self, kind, primary_id, merged_id, source) -> dict:
        """Merge two objects; the primary also takes over the merged one's associations."""
        record = self.store.merge(kind, primary_id, merged_id, source)
        self.associations.move(KINDS, kind, str(merged_id), str(primary_id))
        return record

    def _privacy_delete(self, object_id, id_property, source) -> None:
        """Delete a contact for good, and with it every association it had."""
        contact_id = self.store.privacy_delete("contacts", object_id, id_property, source)
        for to_type in KINDS:
            for to_id in list(self.associations.targets("contacts", contact_id, to_type)):
                self.associations.remove("contacts", contact_id, to_type, to_id, source=None)

    def on_account_details(self, request):
        """The portal the token belongs to, as ``GET /account-info/v3/details`` describes it."""
        return json_response(
            {
                "portalId": self.portal_id,
                "accountType": "STANDARD",
                "timeZone": "Europe/London",
                "companyCurrency": "GBP",
                "additionalCurrencies": ["EUR", "USD"],
                "utcOffset": "+00:00",
                "utcOffsetMilliseconds": 0,
                "uiDomain": "app-eu1.hubspot.com",
                "dataHostingLocation": "eu1",
            }
        )

    def on_token_info(self, request):
        """A private app token's portal, app and granted scopes (``tokenKey`` in the body)."""
        if json_body(request).get("tokenKey") != self.access_token:
            raise ApiError(404, "The access token was not found")
        return json_response(
            {"userId": self.user_id, "hubId": self.portal_id, "appId": self.app_id, "scopes": list(self.granted)}
        )

    def on_pipelines(self, request, object_type):
        _pipeline_kind(object_type)
        return json_response({"results": [deal_pipeline()]})

    def on_pipeline(self, request, object_type, pipeline_id):
        return json_response(_find_pipeline(object_type, pipeline_id))

    def on_stages(self, request, object_type, pipeline_id):
        return json_response({"results": _find_pipeline(object_type, pipeline_id)["stages"]})

    def _announce(self, kind, change, object_id, changes, source):
        if kind in ANNOUNCED:
            self._publish(f"{SINGULAR[kind]}.{change}", object_events(change, object_id, changes), source)

    def _announce_association(self, from_type, from_id, to_type, to_id, types, removed, source):
        """An association added or removed is an event for each object's type, from its own side."""
        sides = ((from_type, from_id, to_type, to_id), (to_type, to_id, from_type, from_id))
        for start, start_id, end, end_id in sides:
            if start not in ANNOUNCED:
                continue
            events = [
                {
                    "associationType": f"{SINGULAR[start]}_TO_{SINGULAR[end]}".upper(),
                    "fromObjectId": int(start_id),
                    "toObjectId": int(end_id),
                    "associationRemoved": removed,
                    "isPrimaryAssociation": association.primary,
                }
                for association in types
            ]
            self._publish(f"{SINGULAR[start]}.associationChange", events, source)

    def _publish(self, event_type, events, source):
        targets = [(s, t) for s in self.state.records(SUBSCRIPTIONS) if (t := self.delivery_target(s))]
        source_id = f"userId:{self.user_id}" if source == "CRM_UI" else str(self.app_id)
        self.events.publish(targets, event_type, events, source, source_id)

    def _deliver(self, url, body, headers, refresh):
        self.webhooks.deliver(url, body, headers, refresh=refresh)

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
            "delete": self.delete,
            "restore": self.restore,
            "merge": self.merge,
            "privacy_delete": self.privacy_delete,
            "subscribe": self.subscribe,
            "set_limits": self.set_limits,
            "set_scopes": self.set_scopes,
            "flush_webhooks": self.flush_action,
        }

    def flush_action(self, timeout: float = 10.0) -> dict:
        """Deliver every event now (batch window or not) and answer once nothing is left to deliver."""
        return {"flushed": self.flush_webhooks(float(timeout))}

    def set_scopes(self, scopes: list) -> dict:
        """Grant the private app these scopes instead (until the next reset), as an admin editing the app would."""
        if not isinstance(scopes, list) or not all(isinstance(scope, str) for scope in scopes):
            raise ValueError("scopes must be a list of scope names")
        self.granted = tuple(scopes)
        return {"scopes": list(self.granted)}

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
        data = {"properties": {k: v for k, v in values.items() if v is not None}}
        if company_id is not None:
            types = [{"associationTypeId": 279}, {"associationTypeId": 1}]
            data["associations"] = [{"to": {"id": str(company_id)}, "types": types}]
        return self._create("contacts", data, source="CRM_UI")

    def update_company(self, company_id, properties: dict) -> dict:
        record = self.store.update("companies", company_id, properties, source="CRM_UI")
        return self.store.public("companies", record, [*DEFAULT_PROPERTIES["companies"], *properties])

    def delete(self, object_type: str, object_id) -> dict:
        """Someone deletes a record in HubSpot: it is archived, and restorable."""
        kind = kind_of(object_type)
        self.store.require(kind, object_id)
        self.store.archive(kind, object_id, source="CRM_UI")
        return {"archived": str(object_id)}

    def restore(self, object_type: str, object_id) -> dict:
        """Someone restores a deleted record from HubSpot's recycle bin."""
        kind = kind_of(object_type)
        return self.store.public(kind, self.store.restore(kind, object_id))

    def merge(self, object_type: str, primary_id, merged_id) -> dict:
        """Someone merges two records in HubSpot; ``primary_id`` survives and keeps its values."""
        kind = kind_of(object_type)
        return self.store.public(kind, self._merge(kind, primary_id, merged_id, "CRM_UI"))

    def privacy_delete(self, contact_id) -> dict:
        """Someone deletes a contact for privacy (GDPR) reasons: it is gone for good."""
        self._privacy_delete(contact_id, None, "CRM_UI")
        return {"deleted": str(contact_id)}

    def subscribe(self, target_url: str, client_secret=None, types=None, app_id=None, property_name=None) -> list:
        """Subscribe an app's target URL to event types (all of them by default).

        The simple alternative to the webhooks API: each subscription brings its own
        target. ``client_secret`` signs the deliveries (the system's own by default);
        ``property_name`` narrows ``*.propertyChange`` subscriptions to one property.
        """
        if not isinstance(target_url, str) or not target_url.startswith(("http://", "https://")):
            raise ValueError("target_url must be an http(s) URL")
        types = list(types or SUBSCRIPTION_TYPES)
        unknown = sorted(set(types) - set(SUBSCRIPTION_TYPES))
        if unknown:
            raise ValueError(f"unknown subscription type(s) {', '.join(unknown)}; use {', '.join(SUBSCRIPTION_TYPES)}")
        target = {"targetUrl": target_url, "clientSecret": client_secret or self.client_secret}
        return [
            self.state.insert(SUBSCRIPTIONS, new_subscription(int(app_id or self.app_id), t, property_name, **target))
            for t in types
        ]

    def set_limits(self, ten_secondly=None, daily=None, search_secondly=None, retry_after=None) -> dict:
        """Change the rate limits (until the next reset) and start counting afresh.

        ``retry_after`` true makes every 429 carry ``Retry-After``, which HubSpot does not promise.
        """
        if retry_after is not None:
            if not isinstance(retry_after, bool):
                raise ValueError(f"retry_after must be true or false, not {retry_after!r}")
            self.sends_retry_after = retry_after
        return {**self.limits.configure(ten_secondly, daily, search_secondly), "retry_after": self.sends_retry_after}

    def status_tables(self):
        """The newest records; companies and deals also show the custom properties made through the API."""

        def rows(kind, columns, custom=False):
            if custom:
                columns = [*columns, *(p.name for p in self.registry.created(kind))]
            records = self.store.records(kind)
            return [{"id": r["id"], **{n: r["properties"].get(n, "") for n in columns}} for r in records]

        events = list(self.events.recent)[-20:]
        deal_columns = ("dealname", "dealstage", "amount", "deal_kind", "purchase_order_number")
        return {
            "Companies": rows("companies", ("name", "domain", "vat_number", "payment_terms"), custom=True)[-20:],
            "Contacts": rows("contacts", ("email", "firstname", "lastname"))[-20:],
            "Deals": rows("deals", deal_columns, custom=True)[-20:],
            "Webhook subscriptions": [
                {k: v for k, v in s.items() if k != "clientSecret"} for s in self.state.records(SUBSCRIPTIONS)
            ],
            "Recent webhook events": events,
        }


def _pipeline_kind(alias: str) -> str:
    kind = kind_of(alias)
    if kind != "deals":
        raise ApiError(400, f"Pipelines are not supported for {kind}")
    return kind


def _find_pipeline(alias: str, pipeline_id: str) -> dict:
    _pipeline_kind(alias)
    pipeline = deal_pipeline()
    if pipeline_id != pipeline["id"]:
        raise ApiError(404, f"Unable to find pipeline {pipeline_id}")
    return pipeline


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
