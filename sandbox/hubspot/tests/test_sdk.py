"""Contract tests: HubSpot's official Python SDK, pointed at the sandbox, works unchanged."""

import pytest
from urllib3.util.retry import Retry

hubspot_sdk = pytest.importorskip("hubspot")

from hubspot.crm.companies import Filter, FilterGroup, PublicObjectSearchRequest  # noqa: E402
from hubspot.crm.contacts import (  # noqa: E402
    ApiException,
    BatchInputSimplePublicObjectBatchInputForCreate,
    SimplePublicObjectInput,
    SimplePublicObjectInputForCreate,
)


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


def test_batch_create_partial_failure_is_returned_not_raised(client):
    batch = BatchInputSimplePublicObjectBatchInputForCreate(
        inputs=[
            SimplePublicObjectInputForCreate(properties={"email": "batch.one@example.org"}),
            SimplePublicObjectInputForCreate(
                properties={"email": "batch.two@example.org", "favourite_tea": "Earl Grey"}
            ),
        ]
    )
    answer = client.crm.contacts.batch_api.create(batch_input_simple_public_object_batch_input_for_create=batch)
    # A 207 is a success for the SDK: the errors come back in the answer, typed "...WithErrors".
    assert type(answer).__name__ == "BatchResponseSimplePublicObjectWithErrors"
    assert [c.properties["email"] for c in answer.results] == ["batch.one@example.org"]
    assert answer.num_errors == 1
    assert answer.errors[0].category == "VALIDATION_ERROR"
    assert "favourite_tea" in answer.errors[0].message


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
    assert refused.value.headers["Retry-After"]
    assert '"policyName": "TEN_SECONDLY_ROLLING"' in refused.value.body


def test_wrong_token_surfaces_as_401(host):
    client = hubspot_sdk.HubSpot(access_token="pat-na1-not-this-one", host=host)
    with pytest.raises(ApiException) as refused:
        client.crm.contacts.basic_api.get_page()
    assert refused.value.status == 401
