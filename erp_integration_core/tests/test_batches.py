import hashlib
import json

from ..lib.events import Delivery, Event
from .common import IntegrationCase


class TestBatchDeliveries(IntegrationCase):
    """A delivery of many events (HubSpot's arrays, a warehouse file): one exchange per event."""

    def batch(self, *events):
        return [self.contact(external_id, event=event, name=f"Contact {external_id}") for external_id, event in events]

    def test_each_event_of_a_delivery_is_an_exchange_and_the_body_is_kept_once(self):
        body = json.dumps(self.batch(("B1", "e1"), ("B2", "e2"), ("B1", "e3")), indent=1).encode()
        status, answer = self.receive(None, body=body)
        self.assertEqual((status, answer["status"], answer["duplicates"]), (200, "accepted", 0))
        exchanges = self.exchanges()
        self.assertEqual(len(exchanges), 3)
        self.assertEqual(sorted(answer["exchanges"]), sorted(exchanges.ids))
        self.assertEqual(len(self.pending_jobs()), 3, "one job per event")
        delivery = exchanges.delivery_id
        self.assertEqual(len(delivery), 1)
        self.assertEqual(delivery.body.encode(), body, "the signed body is kept verbatim")
        self.assertEqual(delivery.body_sha256, self.sha256(body))
        self.assertEqual((delivery.event_count, delivery.source), (3, "webhook"))
        self.assertEqual(delivery.exchange_ids, exchanges)
        by_key = {exchange.idempotency_key: exchange for exchange in exchanges}
        self.assertEqual(json.loads(by_key["contact:e2"].payload)["id"], "B2")
        self.assertEqual(by_key["contact:e1"].lock_key, by_key["contact:e3"].lock_key, "one object, one lock")
        self.assertNotEqual(by_key["contact:e1"].lock_key, by_key["contact:e2"].lock_key)
        self.assertEqual(by_key["contact:e2"].external_type, "contact")
        received = self.audit_rows(event="exchange.received", exchange_id=by_key["contact:e2"].id)
        self.assertEqual(json.loads(received.details)["delivery"], delivery.id)
        self.perform_jobs()
        self.assertEqual(set(exchanges.mapped("state")), {"done"})

    def test_a_partly_repeated_delivery_creates_only_the_new_events(self):
        self.receive(self.batch(("B1", "e1"), ("B2", "e2")))
        status, answer = self.receive(self.batch(("B2", "e2"), ("B3", "e3"), ("B3", "e3")))
        self.assertEqual((status, answer["status"], answer["duplicates"]), (200, "accepted", 2))
        self.assertEqual(len(answer["exchanges"]), 1)
        self.assertEqual(sorted(self.exchanges().mapped("idempotency_key")), ["contact:e1", "contact:e2", "contact:e3"])
        self.assertEqual(len(self.exchanges().delivery_id), 2, "each delivery that brought something is kept")

    def test_a_delivery_of_known_events_only_stores_nothing(self):
        self.receive(self.batch(("B1", "e1"), ("B2", "e2")))
        deliveries = self.env["integration.delivery"].search_count([("backend_id", "=", self.backend.id)])
        self.assertEqual(self.receive(self.batch(("B2", "e2"), ("B1", "e1"))), (200, {"status": "duplicate"}))
        self.assertEqual(len(self.exchanges()), 2)
        after = self.env["integration.delivery"].search_count([("backend_id", "=", self.backend.id)])
        self.assertEqual(after, deliveries)
        self.assertEqual(len(self.pending_jobs()), 2)

    def test_one_bad_event_waits_alone_while_the_others_are_applied(self):
        events = [*self.batch(("B1", "e1")), {"event": "e-bad", "name": "No id"}, *self.batch(("B2", "e2"))]
        self.receive(events)
        self.perform_jobs()
        states = {exchange.idempotency_key: exchange.state for exchange in self.exchanges()}
        self.assertEqual(states, {"contact:e1": "done", "contact:e-bad": "needs_attention", "contact:e2": "done"})
        bad = self.exchanges().filtered(lambda exchange: exchange.state == "needs_attention")
        self.assertEqual((bad.error_category, bad.message), ("validation", "A contact needs an 'id'."))
        self.assertEqual(self.env["res.partner"].search_count([("name", "in", ("Contact B1", "Contact B2"))]), 2)

    def test_an_empty_delivery_is_accepted_and_stores_nothing(self):
        self.assertEqual(self.receive([]), (200, {"status": "accepted", "exchanges": []}))
        self.assertFalse(self.exchanges())

    def test_a_single_event_body_is_its_own_evidence(self):
        self.receive(self.contact())
        exchange = self.exchanges()
        self.assertFalse(exchange.delivery_id, "no second copy of a body that is one event")
        self.assertEqual(exchange.headers["X-Integration-Event-Id"], "evt-1")

    def test_polled_records_are_stored_in_one_go_with_the_raw_page(self):
        page = json.dumps([self.contact("R1"), self.contact("R2")])
        events = [
            Event.of("contact", f"poll:{item['id']}", item, external_type="contact", external_id=item["id"])
            for item in json.loads(page)
        ]
        first = self.backend._receive_events(events, Delivery(page, source="poll", name="contacts page 1"))
        again = self.backend._receive_events(events, Delivery(page, source="poll", name="contacts page 1"))
        self.assertEqual(len(first), 2)
        self.assertEqual(again, first, "the same records polled again are the same exchanges")
        self.assertEqual(first.delivery_id.name, "contacts page 1")
        self.assertEqual(len(self.env["integration.delivery"].search([("backend_id", "=", self.backend.id)])), 1)

    @staticmethod
    def sha256(body):
        return hashlib.sha256(body).hexdigest()
