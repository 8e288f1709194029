"""Contract tests: HubSpot's official Python SDK, pointed at the sandbox, works unchanged."""

import pytest
from urllib3.util.retry import Retry

hubspot_sdk = pytest.importorskip("hubspot")

from hubspot.crm.associations.v4 import BatchInputPublicFetchAssociationsBatchRequest  # noqa: E402
from hubspot.crm.companies import Filter, FilterGroup, PublicObjectSearchRequest  # noqa: E402
from hubspot.crm.contacts import (  # noqa: E402
    ApiException,
    BatchInputSimplePublicObjectBatchInputForCreate,
    BatchReadInputSimplePublicObjectId,
    SimplePublicObjectBatchInputForCreate,
    SimplePublicObjectInput,
    SimplePublicObjectInputForCreate,
)
from hubspot.utils.signature import Signature  # noqa: E402
from hubspot.webhooks import SettingsChangeRequest, SubscriptionCreateRequest, ThrottlingSettings  # noqa: E402


@pytest.fixture
def client(host, hubspot):
    """The SDK client: every discovered API copies ``host`` into its ``Configuration``."""
    return hubspot_sdk.HubSpot(access_token=hubspot.access_token, host=host)


def test_contact_lifecycle(client):
    contacts = client.crm.contacts.basic_api
    created = contacts.create(
        simple_public_object_input_for_create=SimplePublicObjectInputForCreate(
            properties={"email": "sdk@example.org", "firstname": "Sid"}
        )
    )
    assert created.properties["email"] == "sdk@example.org" and created.created_at.year >= 2025
    fetched = contacts.get_by_id(created.id, properties=["firstname", "lastname"])
    assert fetched.properties == {"firstname": "Sid", "lastname": None}
    contacts.update(created.id, simple_public_object_input=SimplePublicObjectInput(properties={"lastname": "Kaye"}))
    assert contacts.get_by_id(created.id, properties=["lastname"]).properties["lastname"] == "Kaye"
    contacts.archive(created.id)
    with pytest.raises(ApiException) as missing:
        contacts.get_by_id(created.id)
    assert missing.value.status == 404

    page = client.crm.contacts.basic_api.get_page(limit=10, properties=["email"])
    assert len(page.results) == 10 and page.paging.next.after
    assert len(client.crm.contacts.get_all()) == 16


def test_company_search_with_filter_groups(client):
    request = PublicObjectSearchRequest(
        filter_groups=[
            FilterGroup(filters=[Filter(property_name="city", operator="EQ", value="Leeds")]),
            FilterGroup(filters=[Filter(property_name="name", operator="CONTAINS_TOKEN", value="cheese")]),
        ],
        properties=["name", "vat_number"],
        sorts=[{"propertyName": "name", "direction": "ASCENDING"}],
        limit=10,
    )
    result = client.crm.companies.search_api.do_search(public_object_search_request=request)
    assert result.total == 2
    assert [c.properties["name"] for c in result.results] == ["Cotswold Cheese Cellar", "Pennine Outdoor Supplies"]
    assert all(c.properties["vat_number"].startswith("GB") for c in result.results)


def batch_of_two(trace=False) -> BatchInputSimplePublicObjectBatchInputForCreate:
    properties = [{"email": "batch.one@example.org"}, {"email": "batch.two@example.org", "favourite_tea": "Earl Grey"}]
    return BatchInputSimplePublicObjectBatchInputForCreate(
        inputs=[
            SimplePublicObjectBatchInputForCreate(properties=p, object_write_trace_id=f"t{n}" if trace else None)
            for n, p in enumerate(properties)
        ]
    )


def test_batch_create_without_trace_ids_fails_whole(client):
    with pytest.raises(ApiException) as refused:
        client.crm.contacts.batch_api.create(batch_input_simple_public_object_batch_input_for_create=batch_of_two())
    assert refused.value.status == 400 and "favourite_tea" in refused.value.body


def test_traced_batch_create_partial_failure_is_returned_not_raised(client):
    answer = client.crm.contacts.batch_api.create(
        batch_input_simple_public_object_batch_input_for_create=batch_of_two(trace=True)
    )
    # A 207 is a success for the SDK: the errors come back in the answer, typed "...WithErrors".
    assert type(answer).__name__ == "BatchResponseSimplePublicObjectWithErrors"
    assert [c.properties["email"] for c in answer.results] == ["batch.one@example.org"]
    assert answer.num_errors == 1
    assert answer.errors[0].category == "VALIDATION_ERROR"
    assert answer.errors[0].context["objectWriteTraceId"] == ["t1"]
    assert "favourite_tea" in answer.errors[0].message


def test_batch_read_of_archived_contacts(client, hubspot):
    contact_id = hubspot.store.records("contacts")[0]["id"]
    client.crm.contacts.basic_api.archive(contact_id)
    request = BatchReadInputSimplePublicObjectId(inputs=[{"id": contact_id}], properties=["email"])
    answer = client.crm.contacts.batch_api.read(batch_read_input_simple_public_object_id=request, archived=True)
    assert [c.id for c in answer.results] == [contact_id] and answer.results[0].archived


def test_associations_v4(client, hubspot):
    deal_id = hubspot.store.records("deals")[0]["id"]
    contact_id = hubspot.store.records("contacts")[-1]["id"]
    associations = client.crm.associations.v4.basic_api
    created = associations.create_default("deals", deal_id, "contacts", contact_id)
    assert created.status == "COMPLETE"
    assert created.results[0].association_spec.association_type_id == 3
    page = associations.get_page("deals", deal_id, "contacts")
    assert int(contact_id) in [int(r.to_object_id) for r in page.results]
    assert page.results[0].association_types[0].category == "HUBSPOT_DEFINED"
    associations.archive("deals", deal_id, "contacts", contact_id)
    page = associations.get_page("deals", deal_id, "contacts")
    assert int(contact_id) not in [int(r.to_object_id) for r in page.results]

    lonely = client.crm.contacts.basic_api.create(
        simple_public_object_input_for_create=SimplePublicObjectInputForCreate(properties={"email": "solo@example.org"})
    )
    request = BatchInputPublicFetchAssociationsBatchRequest(inputs=[{"id": deal_id}, {"id": lonely.id}])
    read = client.crm.associations.v4.batch_api.get_page("deals", "companies", request)
    assert [r._from.id for r in read.results] == [deal_id]
    assert read.errors == [] or read.errors[0].category == "OBJECT_NOT_FOUND"
    labels = client.crm.associations.v4.schema.definitions_api.get_all("contacts", "companies").results
    assert {(label.type_id, label.label) for label in labels} >= {(279, None), (1, "Primary")}


def test_pipelines_and_properties(client):
    [pipeline] = client.crm.pipelines.pipelines_api.get_all(object_type="deals").results
    stages = {s.id: s.metadata for s in pipeline.stages}
    assert stages["closedwon"]["isClosed"] == "true"
    deal_kind = client.crm.properties.core_api.get_by_name("deals", "deal_kind")
    assert [o.value for o in deal_kind.options] == ["goods", "services"]


def test_rate_limit_surfaces_as_api_exception(host, hubspot):
    # By default urllib3 under the SDK waits out Retry-After and tries again; turn that off to see the 429.
    client = hubspot_sdk.HubSpot(
        access_token=hubspot.access_token, host=host, retry=Retry(total=0, respect_retry_after_header=False)
    )
    hubspot.set_limits(ten_secondly=1)
    client.crm.contacts.basic_api.get_page(limit=1)
    with pytest.raises(ApiException) as refused:
        client.crm.contacts.basic_api.get_page(limit=1)
    assert refused.value.status == 429
    assert "Retry-After" not in refused.value.headers
    assert refused.value.headers["X-HubSpot-RateLimit-Remaining"] == "0"
    assert '"policyName": "TEN_SECONDLY_ROLLING"' in refused.value.body


def test_webhooks_api_with_the_developer_key(host, hubspot, receiver):
    client = hubspot_sdk.HubSpot(api_key=hubspot.developer_api_key, host=host)  # sent as ?hapikey=
    settings = SettingsChangeRequest(target_url=receiver.url, throttling=ThrottlingSettings(max_concurrent_requests=10))
    assert client.webhooks.settings_api.configure(hubspot.app_id, settings).target_url == receiver.url
    created = client.webhooks.subscriptions_api.create(
        hubspot.app_id, SubscriptionCreateRequest(event_type="company.creation", active=True)
    )
    assert [s.id for s in client.webhooks.subscriptions_api.get_all(hubspot.app_id).results] == [created.id]

    hubspot.store.create("companies", {"name": "Signed Ltd"})
    assert hubspot.flush_webhooks()
    [request] = receiver.received
    headers, body = request.headers, request.body.decode()
    assert Signature.is_valid(headers["X-Hubspot-Signature"], hubspot.client_secret, body, signature_version="v1")
    assert Signature.is_valid(
        headers["X-Hubspot-Signature-V3"],
        hubspot.client_secret,
        body,
        http_uri=receiver.url,
        signature_version="v3",
        timestamp=headers["X-Hubspot-Request-Timestamp"],
    )


def test_wrong_token_surfaces_as_401(host):
    client = hubspot_sdk.HubSpot(access_token="pat-na1-not-this-one", host=host)
    with pytest.raises(ApiException) as refused:
        client.crm.contacts.basic_api.get_page()
    assert refused.value.status == 401
