import random
from decimal import Decimal

import pytest
from stdnum import ean
from stdnum.gb import vat

from sandbox.core import State
from sandbox.shopify.money import side, total
from sandbox.shopify.money import vat as vat_on
from sandbox.shopify.seed import gb_vat_number, generate, gtin13
from sandbox.shopify.store import VAT_RATE, Store, order_totals, tax_lines

SIDES = ("shop", "presentment")


@pytest.fixture(scope="module")
def store():
    store = Store(State())
    generate(store, products=12, orders=60, seed=5)
    return store


def snapshot(seed):
    store = Store(State())
    generate(store, products=4, orders=20, seed=seed)
    return {name: store.state.records(name) for name in ("variants", "customers", "orders", "refunds")}


def test_same_seed_gives_the_same_shop():
    first = snapshot(3)
    assert first == snapshot(3)
    assert snapshot(4)["variants"] != first["variants"]


def test_check_digit_helpers_agree_with_stdnum():
    assert gtin13("501234567890") == "5012345678900"
    assert ean.is_valid(gtin13("500000000001"))
    assert all(vat.is_valid(gb_vat_number(random.Random(n))) for n in range(200))


def test_every_barcode_is_a_distinct_valid_gtin13(store):
    barcodes = [v["barcode"] for v in store.state.records("variants") if v["barcode"]]
    assert len(barcodes) == len(set(barcodes)) > 20
    assert all(len(code) == 13 and code.startswith("50") and ean.is_valid(code) for code in barcodes)


def test_b2b_customers_have_valid_gb_vat_numbers(store):
    b2b = [c for c in store.state.records("customers") if "b2b" in c["tags"]]
    assert len(b2b) == 2
    for customer in b2b:
        assert vat.is_valid(customer["vat_number"]) and customer["vat_number"].startswith("GB")
        assert customer["default_address"]["company"]


def test_the_awkward_cases_are_all_there(store):
    orders = store.state.records("orders")
    assert {o["presentment_currency"] for o in orders} == {"GBP", "EUR", "USD"}
    assert {o["taxes_included"] for o in orders} == {True, False}
    assert any(o["discount_codes"] for o in orders)
    assert any(a["type"] == "manual" for o in orders for a in o["discount_applications"])
    assert any(li["gift_card"] for o in orders for li in o["line_items"])
    assert any(t["gateway"] == "gift_card" for o in orders for t in o["transactions"])
    assert {"paid", "pending", "partially_refunded", "refunded"} <= {o["financial_status"] for o in orders}
    assert any(o["cancelled_at"] for o in orders)
    assert any(o["customer_id"] is None for o in orders)
    sarah = next(c for c in store.state.records("customers") if c["email"] == "sarah.jones@example.co.uk")
    assert any(o["email"] == "Sarah.Jones@Example.co.uk" and o["customer_id"] is None for o in orders)
    assert sarah["email"].lower() == "Sarah.Jones@Example.co.uk".lower()


def test_order_totals_add_up_to_the_penny_in_both_currencies(store):
    for order in store.state.records("orders"):
        refunds = store.find("refunds", order_id=order["id"])
        for which in SIDES:
            t = order_totals(order, refunds, which)
            lines = order["line_items"]
            gross = sum((side(li["price"], which) * li["quantity"] for li in lines), Decimal(0))
            discounts = total((a["amount"] for li in lines for a in li["discount_allocations"]), which)
            shipping = total((s["price"] for s in order["shipping_lines"]), which)
            tax = total((tl["price"] for tl in tax_lines(order)), which)
            assert t["total_line_items_price"] == gross
            assert t["subtotal_price"] == gross - discounts
            assert t["total_tax"] == tax
            expected = gross - discounts + shipping + (0 if order["taxes_included"] else tax)
            assert t["total_price"] == expected, order["name"]
            if order["financial_status"] in ("paid", "partially_refunded", "refunded"):
                assert t["total_received"] == t["total_price"], order["name"]
            if order["financial_status"] == "refunded":
                assert t["total_refunded"] == t["total_received"], order["name"]
            assert t["total_refunded"] <= t["total_received"]


def test_vat_is_twenty_percent_of_each_discounted_line(store):
    for order in store.state.records("orders"):
        export = (order["shipping_address"] or order["billing_address"])["country_code"] != "GB"
        for item in order["line_items"]:
            if not item["taxable"] or export:
                assert item["tax_lines"] == []
                continue
            for which in SIDES:
                net = side(item["price"], which) * item["quantity"]
                net -= total((a["amount"] for a in item["discount_allocations"]), which)
                assert side(item["tax_lines"][0]["price"], which) == vat_on(net, VAT_RATE, order["taxes_included"])


def test_discount_code_allocations_add_up_to_the_code_amount(store):
    for order in store.state.records("orders"):
        for code in order["discount_codes"]:
            index = next(i for i, a in enumerate(order["discount_applications"]) if a.get("code") == code["code"])
            allocated = total(
                (
                    a["amount"]
                    for li in order["line_items"]
                    for a in li["discount_allocations"]
                    if a["discount_application_index"] == index
                ),
                "presentment",
            )
            assert allocated == Decimal(code["amount"]) > 0


def test_refunds_never_exceed_what_was_bought(store):
    for refund in store.state.records("refunds"):
        order = store.get("orders", refund["order_id"])
        for line in refund["refund_line_items"]:
            item = next(li for li in order["line_items"] if li["id"] == line["line_item_id"])
            assert 0 < line["quantity"] <= item["quantity"]


def test_stock_is_committed_for_open_orders_and_never_negative(store):
    levels = store.state.records("inventory_levels")
    assert any(level["quantities"]["committed"] > 0 for level in levels)
    assert all(level["quantities"]["committed"] >= 0 for level in levels)
    assert all(store.quantity(level, "on_hand") >= store.quantity(level, "available") for level in levels)
