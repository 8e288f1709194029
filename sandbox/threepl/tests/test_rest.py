import re

import requests

ROYAL_MAIL_NUMBER = re.compile(r"^[A-Z]{2}\d{9}GB$")


def level(api, sku, warehouse_id=1):
    (line,) = api.get("/Product/StockLevels", params={"WarehouseId": warehouse_id, "SKU": sku}).json()
    return line


def test_wrong_or_missing_api_key_is_refused(base_url, api):
    url = f"{base_url}/threepl/api/Order/1"
    assert requests.get(url, timeout=5).status_code == 401
    refused = requests.get(url, headers={"ms-apikey": "guess"}, timeout=5)
    assert refused.status_code == 401
    assert refused.json() == {"Message": "Authorization has been denied for this request."}
    assert api.get("/Order/1").status_code == 200


def test_create_get_and_search_order(api):
    created = api.create_order("SO-5001", [("MUG-BLU", 2), ("TEE-M-BLK", 1)], ExternalOrderReference="#5001")
    assert created["Success"] is True
    order = api.get(f"/Order/{created['OrderId']}").json()
    assert order["ID"] == created["OrderId"]
    assert order["OrderStatus"] == "NEW"
    assert order["ExternalOrderReference"] == "#5001"
    assert [(i["SKU"], i["Quantity"]) for i in order["OrderItems"]] == [("MUG-BLU", 2), ("TEE-M-BLK", 1)]
    found = api.get("/Order/Search", params={"OrderNumber": "SO-5001"}).json()
    assert [o["ID"] for o in found] == [created["OrderId"]]
    assert api.get("/Order/Search", params={"OrderNumber": "SO-404"}).json() == []
    assert api.get("/Order/9999").status_code == 404


def test_duplicate_order_number_is_refused_with_the_existing_id(api):
    first = api.create_order("SO-5002", [("MUG-RED", 1)])
    again = api.create_order("SO-5002", [("MUG-RED", 1)])
    assert again["Success"] is False
    assert again["OrderId"] == first["OrderId"]
    assert "already exists" in again["Message"]


def test_unknown_sku_and_bad_bodies_are_refused(api):
    unknown = api.create_order("SO-5003", [("MUG-PINK", 1)])
    assert unknown == {"Success": False, "Message": "Item 1: product with SKU 'MUG-PINK' not found"}
    assert api.create_order("SO-5004", [("MUG-RED", 0)])["Success"] is False
    assert api.create_order("SO-5005", [("MUG-RED", 1)], Warehouse="LEEDS")["Success"] is False
    assert api.put("/Order", data="not json").status_code == 400
    assert api.post("/Order", json={}).status_code == 405


def test_order_moves_through_the_warehouse_with_the_clock(api, threepl):
    order_id = api.create_order("SO-5006", [("MUG-GRN", 3)])["OrderId"]
    before = level(api, "MUG-GRN")
    statuses = []
    for _ in range(4):
        threepl.advance(hours=1)
        statuses.append(api.get(f"/Order/{order_id}").json()["OrderStatus"])
    assert statuses == ["AWAITINGPICKING", "AWAITINGPICKING", "PICKED", "DESPATCHED"]
    order = api.get(f"/Order/{order_id}").json()
    assert order["CourierName"] == "Royal Mail"
    assert ROYAL_MAIL_NUMBER.match(order["TrackingNumber"])
    assert order["TrackingURL"].endswith(order["TrackingNumber"])
    assert order["DespatchDate"]
    after = level(api, "MUG-GRN")
    assert after["Level"] == before["Level"] - 3
    assert after["Allocated"] == before["Allocated"]


def test_stock_is_allocated_then_shipped(api, threepl):
    before = level(api, "TOTE-BLK")
    order_id = api.create_order("SO-5007", [("TOTE-BLK", 2)], CourierService="DPD Next Day")["OrderId"]
    threepl.advance(hours=1)
    allocated = level(api, "TOTE-BLK")
    assert (allocated["Allocated"], allocated["Available"]) == (before["Allocated"] + 2, before["Available"] - 2)
    threepl.advance(hours=3)
    order = api.get(f"/Order/{order_id}").json()
    assert order["CourierName"] == "DPD"
    assert re.match(r"^\d{14}$", order["TrackingNumber"])
    assert "track.dpd.co.uk" in order["TrackingURL"]


def test_short_order_waits_on_backorder_until_goods_arrive(api, threepl):
    order_id = api.create_order("SO-5008", [("PRINT-A3-MAP", 2)])["OrderId"]
    threepl.advance(hours=1)
    assert api.get(f"/Order/{order_id}").json()["OrderStatus"] == "ONBACKORDER"
    asn = api.put("/ASN", json={"Reference": "PO-7", "Warehouse": 1, "Items": [{"SKU": "PRINT-A3-MAP", "Quantity": 5}]})
    threepl.book_in(asn.json()[0]["ASNId"], {"PRINT-A3-MAP": 5})
    threepl.advance(hours=4)
    assert api.get(f"/Order/{order_id}").json()["OrderStatus"] == "DESPATCHED"


def test_part_despatch_ships_what_there_is_and_backorders_the_rest(api, threepl):
    threepl.configure(part_despatch=True)
    order_id = api.create_order("SO-5009", [("MUG-BLU", 1), ("CANDLE-FIG", 2)])["OrderId"]
    threepl.advance(hours=4)
    order = api.get(f"/Order/{order_id}").json()
    assert order["OrderStatus"] == "ONBACKORDER"
    assert order["TrackingNumber"]
    assert [d["Items"] for d in order["Despatches"]] == [[{"SKU": "MUG-BLU", "Quantity": 1}]]
    assert {i["SKU"]: i["QuantityDespatched"] for i in order["OrderItems"]} == {"MUG-BLU": 1, "CANDLE-FIG": 0}


def test_despatch_action_can_ship_some_lines(api, threepl):
    order_id = api.create_order("SO-5010", [("MUG-BLU", 2), ("MUG-RED", 1)])["OrderId"]
    partial = threepl.despatch(order_id, {"MUG-BLU": 1})
    assert partial["OrderStatus"] == "ONBACKORDER"
    assert partial["Despatches"][0]["Items"] == [{"SKU": "MUG-BLU", "Quantity": 1}]
    threepl.advance(hours=4)
    order = api.get(f"/Order/{order_id}").json()
    assert order["OrderStatus"] == "DESPATCHED"
    assert len(order["Despatches"]) == 2
    assert order["TrackingNumber"] == order["Despatches"][1]["TrackingNumber"]


def test_cancel_releases_stock_but_not_after_despatch(api, threepl):
    before = level(api, "CAP-NVY")
    order_id = api.create_order("SO-5011", [("CAP-NVY", 2)])["OrderId"]
    threepl.advance(hours=1)
    cancelled = api.put(f"/Order/{order_id}/Cancel").json()
    assert cancelled["Success"] is True
    assert api.get(f"/Order/{order_id}").json()["OrderStatus"] == "CANCELLED"
    assert level(api, "CAP-NVY") == before
    shipped = api.create_order("SO-5012", [("CAP-NVY", 1)])["OrderId"]
    threepl.despatch(shipped)
    refused = api.put(f"/Order/{shipped}/Cancel").json()
    assert refused["Success"] is False
    assert "DESPATCHED" in refused["Message"]
    assert api.put("/Order/9999/Cancel").status_code == 404


def test_invalid_uk_postcode_raises_a_query(api, threepl):
    order_id = api.create_order("SO-5013", [("MUG-BLU", 1)], PostCode="NOT A CODE")["OrderId"]
    threepl.advance(hours=6)
    order = api.get(f"/Order/{order_id}").json()
    assert order["OrderStatus"] == "QUERYRAISED"
    assert "postcode" in order["QueryReason"]


def test_asn_is_booked_in_with_the_quantities_received(api, threepl):
    threepl.configure(receipt_variance_rate=1.0)
    before = level(api, "HOOD-M-GRY", 2)["Level"]
    answer = api.put(
        "/ASN",
        json={
            "Reference": "PO-3001",
            "Warehouse": "SOUTH",
            "EstimatedDelivery": threepl.clock.now.replace(hour=12).isoformat(),
            "Items": [{"SKU": "HOOD-M-GRY", "Quantity": 20}],
        },
    ).json()[0]
    assert answer["Success"] is True
    assert api.get(f"/ASN/{answer['ASNId']}").json()["Status"] == "AWAITINGDELIVERY"
    threepl.advance(hours=6)
    asn = api.get(f"/ASN/{answer['ASNId']}").json()
    assert asn["Status"] == "BOOKEDIN"
    received = asn["Items"][0]["QuantityReceived"]
    assert received != 20
    assert level(api, "HOOD-M-GRY", 2)["Level"] == before + received


def test_asn_booked_in_by_hand_and_refusals(api, threepl):
    answer = api.put("/ASN", json={"Reference": "PO-3002", "Items": [{"SKU": "PEN-BRASS", "Quantity": 10}]})
    asn = threepl.book_in(answer.json()[0]["ASNId"], {"PEN-BRASS": 7})
    assert asn["Items"] == [{"SKU": "PEN-BRASS", "Quantity": 10, "QuantityReceived": 7}]
    duplicate = api.put("/ASN", json={"Reference": "PO-3002", "Items": [{"SKU": "PEN-BRASS", "Quantity": 1}]})
    assert duplicate.json()[0] == {
        "Success": False,
        "ASNId": answer.json()[0]["ASNId"],
        "Message": "An ASN with reference PO-3002 already exists",
    }
    unknown = api.put("/ASN", json={"Reference": "PO-3003", "Items": [{"SKU": "NOPE", "Quantity": 1}]})
    assert unknown.json()[0] == {"Success": False, "Message": "Item 1: product with SKU 'NOPE' not found"}
    assert api.get("/ASN/999").status_code == 404


def test_a_product_put_is_known_to_orders_and_asns_and_a_second_put_names_it(api, threepl):
    created = api.put("/Product", json={"SKU": "LAMP-OAK", "Name": "Oak desk lamp", "EAN": "5060123400999"}).json()
    assert created == {"Success": True, "ID": "LAMP-OAK", "Message": "Product LAMP-OAK created"}
    again = api.put("/Product", json={"SKU": "LAMP-OAK", "Name": "Oak desk lamp"}).json()
    assert again == {"Success": False, "ID": "LAMP-OAK", "Message": "A product with SKU LAMP-OAK already exists"}
    assert api.put("/Product", json={"SKU": "", "Name": "x"}).json()["Success"] is False
    assert api.put("/Product", data="not json").status_code == 400
    answer = api.put("/ASN", json={"Reference": "PO-3101", "Items": [{"SKU": "LAMP-OAK", "Quantity": 4}]})
    threepl.book_in(answer.json()[0]["ASNId"], {"LAMP-OAK": 4})
    assert level(api, "LAMP-OAK")["Available"] == 4
    assert api.create_order("SO-5101", [("LAMP-OAK", 1)])["Success"] is True


def test_stock_levels_per_warehouse(api):
    main = api.get("/Product/StockLevels", params={"WarehouseId": 1}).json()
    everywhere = api.get("/Product/StockLevels").json()
    assert len(main) == 30
    assert len(everywhere) == 60
    assert set(main[0]) == {"SKU", "WarehouseId", "Level", "Allocated", "Available"}
    assert all(line["Available"] == line["Level"] - line["Allocated"] for line in everywhere)
    assert api.get("/Product/StockLevels", params={"WarehouseId": 9}).status_code == 404


def test_stock_count_finds_shrinkage(api, threepl):
    threepl.configure(shrinkage_rate=1.0)
    before = {(line["WarehouseId"], line["SKU"]): line["Level"] for line in api.get("/Product/StockLevels").json()}
    result = threepl.stock_count()
    after = {(line["WarehouseId"], line["SKU"]): line["Level"] for line in api.get("/Product/StockLevels").json()}
    losses = {(a["WarehouseId"], a["SKU"]): a["Quantity"] for a in result["adjustments"]}
    assert losses
    assert all(-3 <= quantity < 0 for quantity in losses.values())
    assert {key: after[key] - before[key] for key in before if after[key] != before[key]} == losses
    assert result["file"].startswith("out/stock/")


def test_injected_faults_answer_in_the_mintsoft_format(base_url, api):
    requests.put(f"{base_url}/_sandbox/faults", json={"threepl": {"error_rate": 1, "error_statuses": [503]}}, timeout=5)
    failed = api.get("/Order/1")
    assert failed.status_code == 503
    assert failed.json() == {"Message": "Service Unavailable"}


def test_cancel_is_refused_once_the_order_is_picked(api, threepl):
    order_id = api.create_order("SO-5014", [("MUG-WHT", 1)])["OrderId"]
    threepl.advance(hours=2.5)
    assert api.get(f"/Order/{order_id}").json()["OrderStatus"] == "PICKED"
    refused = api.put(f"/Order/{order_id}/Cancel").json()
    assert refused == {
        "Success": False,
        "OrderId": order_id,
        "Message": "Order SO-5014 is PICKED and cannot be cancelled",
    }
    threepl.advance(hours=1)
    assert api.get(f"/Order/{order_id}").json()["OrderStatus"] == "DESPATCHED"
