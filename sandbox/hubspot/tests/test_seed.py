import random

import pytest
from stdnum.gb import vat

from sandbox import build_app
from sandbox.hubspot import HubSpotSystem
from sandbox.hubspot.seed import gb_vat_number


def properties(hubspot, kind):
    return [r["properties"] for r in hubspot.store.records(kind)]


def test_vat_numbers_pass_or_fail_their_check_digits(hubspot):
    numbers = [c["vat_number"] for c in properties(hubspot, "companies")]
    assert len(numbers) == 12
    assert [vat.is_valid(n) for n in numbers] == [True] * 10 + [False] * 2
    assert any(" " in n for n in numbers)


@pytest.mark.parametrize("seed", range(50))
def test_generated_vat_numbers(seed):
    rng = random.Random(seed)
    assert vat.is_valid(gb_vat_number(rng))
    assert not vat.is_valid(gb_vat_number(rng, valid=False))


def test_contacts_cover_duplicates_and_people_without_a_company(hubspot):
    contacts = hubspot.store.records("contacts")
    emails = [c["properties"]["email"] for c in contacts]
    assert "Jane.Doe@Example.com" in emails and "jane.doe@example.com" in emails
    loners = [c for c in contacts if not hubspot.associations.targets("contacts", c["id"], "companies")]
    assert len(loners) == 2


def test_deals_line_items_and_products(hubspot):
    deals = properties(hubspot, "deals")
    stages = {d["dealstage"] for d in deals}
    assert {"closedwon", "closedlost", "appointmentscheduled", "contractsent"} <= stages
    assert {d["deal_kind"] for d in deals} == {"goods", "services"}
    assert all(d["payment_terms"] for d in deals)
    assert any(d.get("purchase_order_number") for d in deals)
    skus = {p["sku"] for p in properties(hubspot, "products")}
    assert all(p["hs_sku"] == p["sku"] for p in properties(hubspot, "products"))
    for deal in hubspot.store.records("deals"):
        line_ids = hubspot.associations.targets("deals", deal["id"], "line_items")
        lines = [hubspot.store.get("line_items", i)["properties"] for i in line_ids]
        assert lines and all(line["hs_sku"] in skus and line["name"] and line["quantity"] for line in lines)
        assert sum(float(line["amount"]) for line in lines) == pytest.approx(float(deal["properties"]["amount"]))
        services = all(line["hs_sku"].startswith("SRV-") for line in lines)
        assert services == (deal["properties"]["deal_kind"] == "services")


def test_same_seed_same_data():
    def snapshot(seed):
        app = build_app(seed=seed, systems=[HubSpotSystem])
        hubspot = app.systems["hubspot"]
        data = {kind: hubspot.store.records(kind) for kind in ("companies", "contacts", "deals", "line_items")}
        app.close()
        return data

    assert snapshot(3) == snapshot(3)
    assert snapshot(3) != snapshot(4)
