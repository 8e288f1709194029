"""Test fixtures: a small connector used only by the tests, and helpers.

``ToyConnector`` imports contacts into ``res.partner``. It exercises every
step of the core pipeline (field and value mappings, bindings, links, the
HTTP client against the sandbox) without any channel's business logic.
"""

import json
import os
from unittest.mock import patch

import requests

from odoo import fields
from odoo.tests import common, new_test_user

from odoo.addons.queue_job.job import Job

from sandbox.testing import sandbox_process

from ..connector import Connector
from ..lib import errors, payload, signatures
from ..lib.events import Event
from ..lib.http_client import HttpClient
from ..lib.webhook import WebhookRequest

SECRET = "s3cr3t-webhook-key-for-tests"
API_TOKEN = "tok-very-secret-api-token"


class SimulatedCrash(BaseException):
    """Stands for the process dying mid-job: nothing the pipeline may catch."""


class ToyConnector(Connector):
    channel = "toy"
    label = "Toy"
    crash_next = False
    events = {"partner.changed": ("contact.push",)}

    def describe_request(self, request, data):
        """A JSON array is a batch (as HubSpot sends): one event per element, keyed by its ``event``."""
        if not isinstance(data, list):
            return super().describe_request(request, data)
        return [
            Event.of(
                "contact",
                f"contact:{item.get('event') if isinstance(item, dict) else payload.sha256_hex(repr(item))}",
                item,
                external_type="contact",
                external_id=item.get("id") if isinstance(item, dict) else None,
            )
            for item in data
        ]

    def validate(self, exchange, data):
        if not isinstance(data, dict) or not data.get("id"):
            raise errors.ValidationError("A contact needs an 'id'.")

    def apply(self, exchange, data, values):
        if data.get("bug"):
            return data["no-such-key"]
        if data.get("conflict"):
            # Stands for another transaction binding the same object first.
            Binding = self.env["integration.binding"]
            for name in ("First", "Second"):
                Binding._bind(self.backend, self.env["res.partner"].create({"name": name}), data["id"])
        if data.get("held_back"):
            # Stands for a client keeping within a rate limit it counts itself: nothing is sent.
            raise errors.TransientError("The rate limit is used up", retry_after=5, attempted=False)
        if data.get("remote_check"):
            # Stands for a lookup in the external system during import.
            HttpClient(self.backend.api_url, retries=0, timeout=5).get_json("records")
        if data.get("gone"):
            # Stands for the external system answering that the object is no more.
            raise errors.Ignored("The contact was deleted in the toy system.")
        backend = self.backend
        partner = self.env["integration.binding"]._find(backend, "res.partner", data["id"])
        vals = {"name": values["name"], "email": values.get("email")}
        if values.get("country_id"):
            vals["country_id"] = values["country_id"].id
        if partner:
            partner.write(vals)
            exchange._link(partner, "updated", vals)
        else:
            partner = self.env["res.partner"].create(vals)
            exchange._link(partner, "created", vals)
        if data.get("later"):
            # Work a backlog batch may do once for all its exchanges.
            self.work(exchange).later(partner, data["later"])
        if ToyConnector.crash_next:
            ToyConnector.crash_next = False
            raise SimulatedCrash()
        self.env["integration.binding"]._bind(backend, partner, data["id"], values=vals)
        return {"partner": partner.id}

    def run_flow(self, flow):
        if flow.backend_id.api_url == "broken":
            raise errors.TransientError("remote down")
        if flow.backend_id.api_url == "refused":
            raise errors.BusinessError("The remote system refuses contacts without a country.")
        if flow.backend_id.api_url == "bug":
            return {}["cursor"]
        return fields.Datetime.to_string(fields.Datetime.now())

    def test_connection(self):
        return "Toy system answers"


def perform_job(env, record):
    """Run one stored job the way the runner does, minus the commit."""
    job = Job.load(env, record.uuid)
    job.set_started()
    job.store()
    job.perform()
    job.set_done()
    job.store()
    return job


def assert_taken_safely(case, backend, request):
    """Deliver ``request`` to ``backend`` and process what it stored; nothing is a bug or half-applied.

    For fuzz tests: the intake answers 200 or 400, never a server error, and
    each exchange ends in a state with a message, with no record linked unless
    it went through. Everything is rolled back, so each example starts alike.
    """
    row = case.env["integration.exchange"]._webhook_backend(backend.webhook_token)
    with case.env.cr.savepoint(flush=False) as savepoint:
        Exchange = case.env["integration.exchange"]
        status, _answer = Exchange._intake(row, request)
        case.assertIn(status, (200, 400), request.body)
        for exchange in Exchange.search([("backend_id", "=", backend.id), ("state", "=", "queued")]):
            exchange._process()
            case.assertNotEqual(exchange.error_category, "bug", f"{exchange.flow}: {exchange.message}")
            case.assertFalse(exchange.state != "done" and exchange.link_ids, "nothing half-applied")
        savepoint.rollback()
    case.env.invalidate_all()


def work_exception_in_browser(case, tour):
    """Run ``tour`` as an integration manager with no sales or stock rights of their own.

    Retry's job runs inside the request, as the runner would run it a moment
    later, and with the integration's rights: the operator needs none.
    """
    new_test_user(case.env, "olive_ops", name="Olive Ops", groups="erp_integration_core.group_integration_manager")
    with patch.dict(os.environ, {"QUEUE_JOB__NO_DELAY": "1"}):
        case.start_tour("/odoo", tour, login="olive_ops")


def perform_pending_jobs(env, after_id=0, rounds=10):
    """Run stored jobs newer than ``after_id``, ignoring their ETA, until none is left."""
    for _round in range(rounds):
        records = env["queue.job"].search([("state", "in", ("pending", "enqueued")), ("id", ">", after_id)], order="id")
        if not records:
            return
        for record in records:
            perform_job(env, record)
    raise AssertionError("jobs keep re-enqueuing themselves")


def make_toy_backend(env, **values):
    """A toy backend with field mappings for contacts and a value map for GB."""
    backend = env["integration.backend"].create(dict({"channel": "toy", "webhook_secret": SECRET}, **values))
    specs = [
        ("Name", "name", "name", "direct", {"required": True}),
        ("E-mail", "email", "email", "direct", {}),
        ("Country", "country", "country_id", "value_map", {"value_map": "country"}),
    ]
    env["integration.field.mapping"].create(
        [
            dict(
                extra,
                backend_id=backend.id,
                flow="contact",
                sequence=sequence,
                name=name,
                source=source,
                target=target,
                transform=transform,
            )
            for sequence, (name, source, target, transform, extra) in enumerate(specs)
        ]
    )
    env["integration.value.mapping"].create(
        {
            "backend_id": backend.id,
            "map_type": "country",
            "external_value": "GB",
            "odoo_record": f"res.country,{env.ref('base.uk').id}",
        }
    )
    return backend


class IntegrationCase(common.TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.backend = make_toy_backend(cls.env, name="Toy shop", max_payload_kb=4, api_token=API_TOKEN)
        cls.gb = cls.env.ref("base.uk")
        # Jobs already in the database (e.g. from demo data) are not this test's.
        cls.env.cr.execute("SELECT COALESCE(MAX(id), 0) FROM queue_job")
        cls.job_watermark = cls.env.cr.fetchone()[0]

    @staticmethod
    def contact(external_id="C1", **values):
        return dict({"id": external_id, "name": "Ada Lovelace", "email": "ada@example.com", "country": "GB"}, **values)

    @staticmethod
    def signed_headers(body, event_id="evt-1", topic="contact", secret=SECRET):
        return {
            "Content-Type": "application/json",
            "X-Integration-Signature": signatures.sign_base64(secret, body),
            "X-Integration-Event-Id": event_id,
            "X-Integration-Topic": topic,
        }

    def receive(self, data, event_id="evt-1", backend=None, body=None):
        """Deliver ``data`` (or the raw ``body``) as a signed webhook through the intake service."""
        backend = backend or self.backend
        body = body if body is not None else json.dumps(data).encode()
        row = self.env["integration.exchange"]._webhook_backend(backend.sudo().webhook_token)
        delivery = WebhookRequest.build(body, self.signed_headers(body, event_id))
        return self.env["integration.exchange"]._intake(row, delivery)

    def pending_jobs(self):
        return self.env["queue.job"].search(
            [("state", "in", ("pending", "enqueued")), ("id", ">", self.job_watermark)], order="id"
        )

    def perform_jobs(self):
        perform_pending_jobs(self.env, self.job_watermark)

    def perform_job(self, record):
        return perform_job(self.env, record)

    def exchanges(self, backend=None):
        # Across companies: tests look at exchanges of every backend they made.
        return (
            self.env["integration.exchange"]
            .sudo()
            .search([("backend_id", "=", (backend or self.backend).id)])
            .sudo(False)
        )

    def audit_rows(self, **domain):
        return self.env["integration.audit.log"].search([(key, "=", value) for key, value in domain.items()])


class SandboxCase(common.HttpCase):
    """A channel's end-to-end tests: the sandbox in its own process, one of its systems reset before each test.

    A subclass names ``sandbox_system`` (``hubspot``, ``threepl``…) and may set
    ``sandbox_seed`` and ``sandbox_env``; ``act`` runs one of the system's actions, ``run_jobs`` the
    jobs the test queued, and ``webhook_url`` is where a backend hears its system.
    """

    sandbox_system = None
    sandbox_seed = 1

    @classmethod
    def sandbox_env(cls):
        """Environment variables of the sandbox's process (a drop folder, say)."""
        return {}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.sandbox_url = cls.enterClassContext(sandbox_process(seed=cls.sandbox_seed, env=cls.sandbox_env()))
        cls.env.cr.execute("SELECT COALESCE(MAX(id), 0) FROM queue_job")
        cls.job_watermark = cls.env.cr.fetchone()[0]

    def setUp(self):
        super().setUp()
        requests.post(f"{self.sandbox_url}/_sandbox/reset?system={self.sandbox_system}", timeout=10).raise_for_status()

    def act(self, action, **params):
        response = requests.post(
            f"{self.sandbox_url}/_sandbox/systems/{self.sandbox_system}/actions/{action}", json=params, timeout=30
        )
        response.raise_for_status()
        return response.json()["result"]

    def run_jobs(self):
        perform_pending_jobs(self.env, self.job_watermark)

    def webhook_url(self, backend):
        """The backend's own address (its database named), on the test server rather than ``web.base.url``."""
        return self.base_url() + backend.sudo()._webhook_path()
