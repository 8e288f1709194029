"""End to end against the HubSpot sandbox in its own process: webhooks over HTTP, the CRM read back, real jobs."""

from decimal import Decimal

import requests

from odoo import fields
from odoo.tests import tagged

from ..crm import checked_vat
from ..lib.records import DEAL_PROPERTIES
from .common import HubSpotSandboxCase


@tagged("post_install", "-at_install")
class TestHubSpotSandbox(HubSpotSandboxCase):
    def test_connection_names_the_portal_and_any_missing_scope(self):
        message = self.backend.action_test_connection()["params"]["message"]
        self.assertIn("HubSpot portal 62515 (currency GBP", message)
        self.assertIn("every scope it needs is granted", message)
        self.act("set_scopes", scopes=["crm.objects.contacts.read", "crm.objects.companies.read"])
        message = self.backend.action_test_connection()["params"]["message"]
        self.assertIn("scopes missing: crm.objects.companies.write", message)
        for scope in ("crm.objects.deals.read", "crm.objects.line_items.read", "crm.schemas.deals.write"):
            self.assertIn(scope, message)
        self.assertIn("nothing can be imported without them", message)

    def test_a_won_deal_becomes_a_confirmed_sale_order_with_its_customer_and_terms(self):
        self.subscribe("deal.propertyChange")
        deal = next(d for d in self.deals("presentationscheduled"))
        sale = self.win(deal["id"])
        self.assertTrue(sale, self.exchanges().mapped("message"))
        self.assertEqual(sale.state, "sale")
        record = self.client.get_object("deals", deal["id"], DEAL_PROPERTIES, associations=("companies", "line_items"))
        props = record["properties"]
        self.assertEqual(Decimal(f"{sale.amount_untaxed:.2f}"), Decimal(props["amount"]).quantize(Decimal("0.01")))
        self.assertEqual(sale.client_order_ref or None, props.get("purchase_order_number"))
        self.assertEqual(sale.currency_id.name, "GBP")
        self.assertTrue(all(line.tax_ids == self.vat for line in sale.order_line), "every line carries its VAT")
        company = self.client.get_object("companies", record["associations"]["companies"]["results"][0]["id"])
        customer = sale.partner_id
        self.assertTrue(customer.is_company)
        self.assertEqual(customer.name, company["properties"]["name"])
        self.assertTrue(customer.vat.startswith("GB"))
        self.assertTrue(sale.payment_term_id, "the deal's payment terms, through their value mapping")
        self.assertEqual(sale.partner_shipping_id.parent_id, customer, "the deal's contact, under its company")
        # The dealstage and closedate events, and a repeat of either, make one order.
        self.assertEqual(set(self.exchanges().mapped("state")), {"done"})
        self.assertEqual(self.env["sale.order"].search_count([("origin", "like", f"HubSpot deal {deal['id']}:")]), 1)

    def test_a_won_deal_for_services_makes_a_project_with_tasks_dated_from_the_deal(self):
        self.subscribe("deal.propertyChange", property_name="dealstage")
        deal = self.deals("decisionmakerboughtin")[0]
        self.client.request(
            "PATCH", f"crm/v3/objects/deals/{deal['id']}", json={"properties": {"delivery_date": "2027-03-31"}}
        )
        sale = self.win(deal["id"])
        self.assertTrue(sale, self.exchanges().mapped("message"))
        [exchange] = self.exchanges()
        [project] = self.env["project.project"].browse(exchange.result["projects"])
        self.assertEqual(project.sale_line_id.order_id, sale)
        self.assertEqual(len(project.task_ids), len(sale.order_line), "a task per service line")
        closed = self.client.get_object("deals", deal["id"], ("closedate",))["properties"]["closedate"]
        self.assertEqual((str(project.date_start), str(project.date)), (closed[:10], "2027-03-31"))
        self.assertEqual(set(project.task_ids.mapped("date_deadline")), {fields.Datetime.to_datetime("2027-03-31")})
        linked = exchange.link_ids.filtered(lambda link: link.res_model == "project.project")
        self.assertEqual(linked.mapped("res_id"), [project.id], "the project is traced to its deal")

    def test_a_lost_deal_is_ignored_with_the_reason(self):
        self.subscribe("deal.propertyChange", property_name="dealstage")
        deal = self.deals("presentationscheduled")[0]
        with self.allow_requests(all_requests=True):
            self.act("close_deal", deal_id=deal["id"], won=False)
            [exchange] = self.wait_for_exchanges(1)
        self.run_jobs()
        self.assertEqual(exchange.state, "ignored")
        self.assertIn("was lost (stage 'closedlost'): nothing to do in Odoo", exchange.ignore_reason)

    def test_a_deal_reopened_after_it_was_won_waits_for_a_person_naming_its_order(self):
        self.subscribe("deal.propertyChange", property_name="dealstage")
        deal = self.deals("presentationscheduled")[0]
        sale = self.win(deal["id"])
        with self.allow_requests(all_requests=True):
            self.act("move_deal", deal_id=deal["id"], stage="contractsent")
            self.wait_for_exchanges(2)
        self.run_jobs()
        reopened = self.exchanges().sorted("id")[-1]
        self.assertEqual((reopened.state, reopened.error_category), ("needs_attention", "business"))
        self.assertIn("is now in stage 'contractsent'", reopened.message)
        self.assertIn(sale.name, reopened.message)
        self.assertEqual(sale.state, "sale", "the order is left for the person to amend or cancel")

    def test_an_unknown_sku_waits_with_the_sku_then_retry_imports_the_deal(self):
        self.subscribe("deal.propertyChange", property_name="dealstage")
        deal = self.deals("presentationscheduled")[0]
        record = self.client.get_object("deals", deal["id"], associations=("line_items",))
        line_ids = [item["id"] for item in record["associations"]["line_items"]["results"]]
        sku = self.client.batch_read("line_items", line_ids[:1], ("hs_sku",))[0]["properties"]["hs_sku"]
        product = self.products.filtered(lambda p: p.default_code == sku)
        product.default_code = f"{sku}-OLD"
        self.assertFalse(self.win(deal["id"]))
        [exchange] = self.exchanges()
        self.assertEqual((exchange.state, exchange.error_category), ("needs_attention", "mapping"))
        self.assertIn(sku, exchange.message)
        self.assertIn("Internal Reference", exchange.message)
        product.default_code = sku
        exchange.action_retry()
        self.run_jobs()
        self.assertEqual(exchange.state, "done")
        self.assertTrue(self.env["integration.binding"]._find(self.backend, "sale.order", deal["id"], "deal"))

    def test_a_company_whose_vat_number_fails_its_check_digits_waits_naming_the_company(self):
        self.subscribe("company.propertyChange", property_name="vat_number")
        companies = self.client.get_json(
            "crm/v3/objects/companies", params={"limit": 100, "properties": "name,vat_number"}
        )
        invalid = [c for c in companies["results"] if not _valid(c["properties"]["vat_number"])]
        self.assertEqual(len(invalid), 2, "the seed has two such companies")
        with self.allow_requests(all_requests=True):
            self.act(
                "update_company",
                company_id=invalid[0]["id"],
                properties={"vat_number": invalid[0]["properties"]["vat_number"].lower()},
            )
            [exchange] = self.wait_for_exchanges(1)
        self.run_jobs()
        self.assertEqual((exchange.state, exchange.error_category), ("needs_attention", "validation"))
        self.assertIn(invalid[0]["properties"]["name"], exchange.message)
        self.assertIn("not valid", exchange.message)
        self.assertFalse(self.env["res.partner"].search_count([("name", "=", invalid[0]["properties"]["name"])]))

    def test_the_same_person_with_a_differently_cased_email_is_one_partner(self):
        # HubSpot refuses a second contact with the same e-mail in any case now, but portals hold older ones.
        self.subscribe("contact.propertyChange", property_name="jobtitle")
        contacts = self.client.get_json("crm/v3/objects/contacts", params={"limit": 100})["results"]
        janes = [c for c in contacts if c["properties"]["lastname"] == "Doe"]
        self.assertEqual(len({c["properties"]["email"] for c in janes}), 2, "the seed's two cases of one address")
        with self.allow_requests(all_requests=True):
            for jane in janes:
                self.client.request(
                    "PATCH", f"crm/v3/objects/contacts/{jane['id']}", json={"properties": {"jobtitle": "Buyer"}}
                )
            self.wait_for_exchanges(2)
        self.run_jobs()
        self.assertEqual(set(self.exchanges().mapped("state")), {"done"}, self.exchanges().mapped("message"))
        people = self.env["res.partner"].search([("email_normalized", "=", "jane.doe@example.com")])
        self.assertEqual(len(people), 1)
        self.assertEqual(people.function, "Buyer")
        binding = self.env["integration.binding"].search(
            [("res_model", "=", "res.partner"), ("res_id", "=", people.id)]
        )
        self.assertIn(binding.external_id, [jane["id"] for jane in janes], "bound to one; the other matches it")

    def test_events_about_one_contact_stored_before_it_is_read_share_that_read(self):
        self.subscribe("contact.propertyChange")
        contact = self.client.get_json("crm/v3/objects/contacts", params={"limit": 1})["results"][0]
        path = f"crm/v3/objects/contacts/{contact['id']}"
        changes = {"jobtitle": "Head buyer", "phone": "+44 161 496 0000", "address": "1 Mill Lane"}
        with self.allow_requests(all_requests=True):
            self.client.request("PATCH", path, json={"properties": changes})
            self.wait_for_exchanges(len(changes))
        self.clear_requests()
        self.run_jobs()
        self.assertEqual(set(self.exchanges().mapped("state")), {"done"}, self.exchanges().mapped("message"))
        self.assertEqual(self.reads_of(path), 1, "three events stored before the read: one read")
        person = self.env["integration.binding"]._find(self.backend, "res.partner", contact["id"], "contact")
        self.assertEqual((person.function, person.street), ("Head buyer", "1 Mill Lane"))
        # A change made after that read is an event stored after it: read again, never taken from the first.
        with self.allow_requests(all_requests=True):
            self.client.request("PATCH", path, json={"properties": {"jobtitle": "Buyer"}})
            self.wait_for_exchanges(len(changes) + 1)
        self.run_jobs()
        self.assertEqual(self.reads_of(path), 2)
        self.assertEqual(person.function, "Buyer")

    def reads_of(self, path):
        log = requests.get(f"{self.sandbox_url}/_sandbox/requests?system=hubspot", timeout=5).json()["requests"]
        return sum(1 for entry in log if entry["method"] == "GET" and entry["path"] == f"/hubspot/{path}")

    def clear_requests(self):
        requests.delete(f"{self.sandbox_url}/_sandbox/requests?system=hubspot", timeout=5).raise_for_status()

    def test_a_contact_without_a_company_is_a_person_on_their_own(self):
        self.subscribe("contact.creation")
        with self.allow_requests(all_requests=True):
            self.act("create_contact", email="Mira.Okafor@Example.co.uk", firstname="Mira", lastname="Okafor")
            self.wait_for_exchanges(1)
        self.run_jobs()
        person = self.env["res.partner"].search([("email_normalized", "=", "mira.okafor@example.co.uk")])
        self.assertEqual((person.name, person.parent_id, person.is_company), ("Mira Okafor", person.browse(), False))

    def test_a_contact_of_a_company_is_a_person_under_that_company(self):
        self.subscribe("contact.creation")
        company = self.client.get_json("crm/v3/objects/companies", params={"limit": 1})["results"][0]
        with self.allow_requests(all_requests=True):
            self.act(
                "create_contact",
                email="tom.reid@example.co.uk",
                firstname="Tom",
                lastname="Reid",
                company_id=company["id"],
            )
            self.wait_for_exchanges(1)
        self.run_jobs()
        person = self.env["res.partner"].search([("email_normalized", "=", "tom.reid@example.co.uk")])
        self.assertEqual(person.parent_id.name, company["properties"]["name"])
        self.assertTrue(person.parent_id.is_company)

    def test_hubspot_failing_with_5xx_is_retried_later_then_the_deal_imports(self):
        self.subscribe("deal.propertyChange", property_name="dealstage")
        deal = self.deals("presentationscheduled")[0]
        with self.allow_requests(all_requests=True):
            self.act("close_deal", deal_id=deal["id"])
            [exchange] = self.wait_for_exchanges(1)
        faults = {"hubspot": {"error_rate": 1.0}}
        requests.put(f"{self.sandbox_url}/_sandbox/faults", json=faults, timeout=5).raise_for_status()
        self.run_jobs_once()
        self.assertEqual((exchange.state, exchange.error_category, exchange.attempts), ("queued", "transient", 1))
        self.assertTrue(exchange.next_retry_at, "retried by the queue, not in a loop inside the worker")
        requests.put(f"{self.sandbox_url}/_sandbox/faults", json={"hubspot": {}}, timeout=5).raise_for_status()
        self.run_jobs()
        self.assertEqual(exchange.state, "done")
        self.assertTrue(self.env["integration.binding"]._find(self.backend, "sale.order", deal["id"], "deal"))

    def test_a_merge_in_hubspot_moves_the_partner_s_binding_to_the_survivor(self):
        survivor = self.act("create_contact", email="lee.two@example.co.uk", firstname="Lee", lastname="Two")
        self.subscribe("contact.creation", "contact.merge")
        with self.allow_requests(all_requests=True):
            merged = self.act("create_contact", email="lee.one@example.co.uk", firstname="Lee", lastname="One")
            self.wait_for_exchanges(1)
            self.run_jobs()
            partner = self.env["integration.binding"]._find(self.backend, "res.partner", merged["id"], "contact")
            self.assertEqual(partner.name, "Lee One")
            self.act("merge", object_type="contacts", primary_id=survivor["id"], merged_id=merged["id"])
            self.wait_for_exchanges(2)
        self.run_jobs()
        self.assertEqual(set(self.exchanges().mapped("state")), {"done"}, self.exchanges().mapped("message"))
        self.assertEqual(
            self.env["integration.binding"]._find(self.backend, "res.partner", survivor["id"], "contact"), partner
        )
        self.assertFalse(self.env["integration.binding"]._find(self.backend, "res.partner", merged["id"], "contact"))
        self.assertEqual((partner.name, partner.email), ("Lee Two", "lee.two@example.co.uk"), "read again")

    def test_a_merge_of_two_partners_odoo_keeps_apart_waits_for_a_person(self):
        self.subscribe("contact.creation", "contact.merge")
        with self.allow_requests(all_requests=True):
            first = self.act("create_contact", email="kit.one@example.co.uk", firstname="Kit", lastname="One")
            second = self.act("create_contact", email="kit.two@example.co.uk", firstname="Kit", lastname="Two")
            self.wait_for_exchanges(2)
            self.run_jobs()
            self.act("merge", object_type="contacts", primary_id=first["id"], merged_id=second["id"])
            self.wait_for_exchanges(3)
        self.run_jobs()
        merge = self.exchanges().filtered(lambda exchange: exchange.flow == "contact.merge")
        self.assertEqual((merge.state, merge.error_category), ("needs_attention", "business"))
        self.assertIn("Kit One", merge.message)
        self.assertIn("Kit Two", merge.message)
        self.assertIn("Action > Merge", merge.message)

    def test_a_revoked_token_waits_naming_the_credentials(self):
        self.subscribe("deal.propertyChange", property_name="dealstage")
        self.backend.api_token = "pat-revoked"
        self.assertFalse(self.win(self.deals("presentationscheduled")[0]["id"]))
        [exchange] = self.exchanges()
        self.assertEqual(exchange.state, "needs_attention")
        self.assertIn("Check the backend's credentials", exchange.message)


def _valid(number):
    try:
        checked_vat(number, "test")
    except Exception:  # noqa: BLE001 - any refusal means not valid
        return False
    return True
