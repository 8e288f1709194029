"""The initial load and the catch-up, and what HubSpot deletes: end to end against the sandbox."""

import json

from odoo.tests import tagged

from ..sync import CatchUp, InitialLoad
from .common import HubSpotSandboxCase


@tagged("post_install", "-at_install")
class TestHubSpotSync(HubSpotSandboxCase):
    def flow(self, code, mode="manual"):
        flow = self.backend.flow_ids.filtered(lambda flow: flow.code == code)
        return flow or self.env["integration.flow"].create(
            {"backend_id": self.backend.id, "code": code, "name": code, "mode": mode}
        )

    def portal_count(self, kind):
        return self.client.search(kind, {"limit": 1})["total"]

    def partner_bindings(self):
        return self.env["integration.binding"].search(
            [("backend_id", "=", self.backend.id), ("res_model", "=", "res.partner")]
        )

    # Initial load -----------------------------------------------------------

    def test_the_initial_load_imports_every_company_and_contact_in_pages_and_shows_its_progress(self):
        flow = self.flow("crm.load")
        self.assertEqual(self.backend.hubspot_load_progress, "Not started")
        self.backend.action_hubspot_load()
        self.run_jobs()
        companies, contacts = self.portal_count("companies"), self.portal_count("contacts")
        pages = self.exchanges().filtered(lambda exchange: exchange.flow.endswith(".load"))
        self.assertEqual(sorted(pages.mapped("flow")), ["companies.load", "contacts.load"], "a page of each")
        self.assertEqual(set(pages.mapped("state")), {"done"}, pages.mapped("message"))
        self.assertEqual(flow.cursor, "done:")
        # The seed's two companies with invalid VAT numbers, and their contacts, wait alone with their reason.
        alone = self.exchanges().filtered(lambda exchange: exchange.flow.endswith(".reconcile"))
        self.assertEqual(set(alone.mapped("state")), {"needs_attention"})
        self.assertEqual(len(alone.filtered(lambda exchange: exchange.flow == "company.reconcile")), 2)
        self.assertTrue(all("VAT number" in message for message in alone.mapped("message")), alone.mapped("message"))
        # The seed holds one person twice (e-mails cased differently): one partner, bound once.
        imported = companies + contacts - 1 - len(alone)
        self.assertEqual(len(self.partner_bindings()), imported)
        self.backend.invalidate_recordset(["hubspot_load_progress"])
        progress = self.backend.hubspot_load_progress
        self.assertIn(f"{imported} of {companies + contacts} companies", progress)
        people = self.env["res.partner"].browse(self.partner_bindings().mapped("res_id"))
        self.assertEqual(len(people.filtered("is_company")), companies - 2)
        self.assertTrue(people.filtered(lambda person: not person.is_company and person.parent_id), "under companies")

    def test_the_initial_load_resumes_from_its_cursor_and_never_queues_a_page_twice(self):
        flow = self.flow("crm.load")
        load = InitialLoad(self.backend._connector().work())
        load.page_size, load.pages_per_run = 5, 2
        cursors = []
        while not (flow.cursor or "").startswith("done"):
            cursor = load.run(flow)
            if cursor == flow.cursor:
                # Contacts wait for every company page to be imported.
                self.assertTrue(cursor.startswith("contacts:"), cursors)
                self.process_pages()
            flow.cursor = cursor
            cursors.append(cursor)
            self.assertLess(len(cursors), 40, "the load ends")
        self.assertTrue(cursors[0].startswith("companies:"), cursors)
        self.assertIn("contacts:", " ".join(cursors))
        expected = -(-self.portal_count("companies") // 5) + -(-self.portal_count("contacts") // 5)
        self.assertEqual(len(self.pages()), expected)
        # A run that stopped after queueing starts again from the cursor it had: the same pages, no new exchange.
        flow.cursor = cursors[0]
        load.run(flow)
        self.assertEqual(len(self.pages()), expected)
        self.process_pages()
        self.assertEqual(set(self.pages().mapped("state")), {"done"}, self.pages().mapped("message"))

    def pages(self):
        return self.exchanges().filtered(lambda exchange: exchange.flow.endswith(".load"))

    def process_pages(self):
        """Run the queued pages' jobs, not the load's own next runs (which list with the default page size)."""
        pending = self.env["queue.job"].search([("id", ">", self.job_watermark), ("state", "=", "pending")])
        pending.filtered(lambda job: job.model_name == "integration.flow").unlink()
        self.run_jobs()

    # Catch-up ---------------------------------------------------------------

    def test_the_catch_up_queues_what_webhooks_missed_once_across_search_windows(self):
        flow = self.flow("crm.reconcile", "scheduled")
        contacts = self.client.get_json("crm/v3/objects/contacts", params={"limit": 7})["results"]
        for contact in contacts:
            self.client.request(
                "PATCH", f"crm/v3/objects/contacts/{contact['id']}", json={"properties": {"jobtitle": "Head of buying"}}
            )
        catch_up = CatchUp(self.backend._connector().work())
        # Search stops after ``cap`` results: a cap of four makes the seven changes span two windows.
        catch_up.page_size, catch_up.cap = 2, 4
        flow.cursor = catch_up.run(flow)
        queued = self.exchanges()
        self.assertEqual(sorted(queued.mapped("external_id")), sorted(c["id"] for c in contacts))
        self.assertEqual(set(queued.mapped("flow")), {"contact.reconcile"})
        self.assertEqual(flow.last_result["queued"], {"companies": 0, "contacts": 7, "deals": 0})
        self.run_jobs()
        self.assertEqual(set(queued.mapped("state")), {"done"}, queued.mapped("message"))
        people = self.env["res.partner"].browse(self.partner_bindings().mapped("res_id"))
        self.assertEqual(set(people.filtered(lambda p: not p.is_company).mapped("function")), {"Head of buying"})
        # Nothing changed since: the next run queues nothing, and starts where the last stopped.
        cursor = json.loads(flow.cursor)
        flow.cursor = catch_up.run(flow)
        self.assertEqual(len(self.exchanges()), 7)
        self.assertGreaterEqual(int(json.loads(flow.cursor)["contacts"]), int(cursor["contacts"]))
        self.client.request(
            "PATCH", f"crm/v3/objects/contacts/{contacts[0]['id']}", json={"properties": {"jobtitle": "Director"}}
        )
        flow.cursor = catch_up.run(flow)
        self.assertEqual(len(self.exchanges()), 8, "the new version, once")

    def test_the_catch_up_skips_versions_webhooks_already_brought(self):
        self.subscribe("contact.creation")
        flow = self.flow("crm.reconcile", "scheduled")
        with self.allow_requests(all_requests=True):
            self.act("create_contact", email="ana.lowe@example.co.uk", firstname="Ana", lastname="Lowe")
            self.wait_for_exchanges(1)
        self.run_jobs()
        flow.cursor = CatchUp(self.backend._connector().work()).run(flow)
        self.assertEqual(len(self.exchanges()), 1, "the webhook brought that version already")

    # Deletions --------------------------------------------------------------

    def test_a_contact_deleted_in_hubspot_is_archived_and_restored_with_it(self):
        self.subscribe("contact.creation", "contact.deletion", "contact.restore")
        with self.allow_requests(all_requests=True):
            contact = self.act("create_contact", email="rob.hale@example.co.uk", firstname="Rob", lastname="Hale")
            self.wait_for_exchanges(1)
            self.run_jobs()
            partner = self.env["integration.binding"]._find(self.backend, "res.partner", contact["id"], "contact")
            self.act("delete", object_type="contacts", object_id=contact["id"])
            self.wait_for_exchanges(2)
            self.run_jobs()
            self.assertFalse(partner.active, self.exchanges().mapped("message"))
            self.act("restore", object_type="contacts", object_id=contact["id"])
            self.wait_for_exchanges(3)
        self.run_jobs()
        self.assertEqual(set(self.exchanges().mapped("state")), {"done"}, self.exchanges().mapped("message"))
        self.assertTrue(partner.active)

    def test_a_deletion_when_odoo_owns_customers_leaves_the_partner_with_the_reason(self):
        self.backend.owner_customers = "odoo"
        self.subscribe("contact.creation", "contact.deletion")
        with self.allow_requests(all_requests=True):
            contact = self.act("create_contact", email="eve.marsh@example.co.uk", firstname="Eve", lastname="Marsh")
            self.wait_for_exchanges(1)
            self.run_jobs()
            self.act("delete", object_type="contacts", object_id=contact["id"])
            self.wait_for_exchanges(2)
        self.run_jobs()
        deletion = self.exchanges().filtered(lambda exchange: exchange.flow == "contact.deletion")
        self.assertEqual(deletion.state, "ignored")
        self.assertIn("Odoo owns customers", deletion.ignore_reason)
        self.assertTrue(
            self.env["integration.binding"]._find(self.backend, "res.partner", contact["id"], "contact").active
        )

    def test_a_privacy_deletion_erases_the_person_and_redacts_every_payload_about_them(self):
        self.subscribe("contact.creation", "contact.propertyChange", "contact.privacyDeletion")
        with self.allow_requests(all_requests=True):
            contact = self.act("create_contact", email="ian.frost@example.co.uk", firstname="Ian", lastname="Frost")
            self.wait_for_exchanges(1)
            self.client.request(
                "PATCH",
                f"crm/v3/objects/contacts/{contact['id']}",
                json={"properties": {"phone": "+44 20 7946 0018"}},
            )
            self.wait_for_exchanges(2)
            self.run_jobs()
            partner = self.env["integration.binding"]._find(self.backend, "res.partner", contact["id"], "contact")
            self.assertEqual(partner.email, "ian.frost@example.co.uk")
            self.act("privacy_delete", contact_id=contact["id"])
            self.wait_for_exchanges(3)
        self.run_jobs()
        request = self.exchanges().filtered(lambda exchange: exchange.flow == "contact.privacyDeletion")
        self.assertEqual(request.state, "done", request.message)
        self.assertEqual(
            (partner.name, partner.email, partner.phone), (f"Redacted customer {partner.id}", False, False)
        )
        about = self.exchanges() - request
        self.assertTrue(about)
        self.assertEqual(set(about.mapped("payload")), {'{"redacted": true}'})
        self.assertNotIn("ian.frost", json.dumps(request.result))

    # Customers owned by Odoo ----------------------------------------------------

    def test_when_odoo_owns_customers_its_changes_reach_hubspot_and_do_not_come_back(self):
        self.backend.owner_customers = "odoo"
        self.flow("customers.push", "realtime")
        self.subscribe("contact.creation")
        with self.allow_requests(all_requests=True):
            contact = self.act("create_contact", email="zoe.park@example.co.uk", firstname="Zoe", lastname="Park")
            self.wait_for_exchanges(1)
        self.run_jobs()
        person = self.env["integration.binding"]._find(self.backend, "res.partner", contact["id"], "contact")
        person.write({"function": "Finance director", "phone": "+44 20 7946 0321"})
        self.run_jobs()
        push = self.exchanges().filtered(lambda exchange: exchange.flow == "customers.push")
        self.assertEqual((len(push), push.state, push.direction), (1, "done", "out"), push.message)
        record = self.client.get_object("contacts", contact["id"], ("jobtitle", "phone", "firstname", "city"))
        props = record["properties"]
        self.assertEqual((props["jobtitle"], props["phone"]), ("Finance director", "+44 20 7946 0321"))
        self.assertEqual(props["firstname"], "Zoe", "HubSpot's split of the name is left alone")
        self.assertFalse(props["city"], "nothing blanked or invented")
        # The same values again: nothing to send.
        person.write({"function": "Finance director"})
        self.run_jobs()
        self.assertEqual(
            len(self.exchanges().filtered(lambda e: e.flow == "customers.push" and e.result.get("sent"))), 1
        )

    def test_when_hubspot_owns_customers_odoo_s_changes_are_not_sent(self):
        self.flow("customers.push", "realtime")
        self.subscribe("contact.creation")
        with self.allow_requests(all_requests=True):
            contact = self.act("create_contact", email="max.hill@example.co.uk", firstname="Max", lastname="Hill")
            self.wait_for_exchanges(1)
        self.run_jobs()
        self.env["integration.binding"]._find(self.backend, "res.partner", contact["id"], "contact").function = "Buyer"
        self.run_jobs()
        self.assertFalse(self.exchanges().filtered(lambda exchange: exchange.flow == "customers.push"))
