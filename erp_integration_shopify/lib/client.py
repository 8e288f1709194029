"""Shopify Admin GraphQL client: pacing, throttling, retries and token renewal.

Shopify limits GraphQL by query cost: a leaky bucket per app and store that
refills at ``restoreRate`` points per second. Every answer reports the bucket
in ``extensions.cost.throttleStatus``; the client remembers it and, before the
next call, waits just long enough for the bucket to hold the call's expected
cost, so it is rarely throttled. When it is throttled anyway (``THROTTLED`` in
a 200 answer, or HTTP 429) it waits for the bucket and tries again.

Tokens are either a static Admin API token or obtained with the
client-credentials grant; an expired grant token (401) is renewed once.
"""

import json
import logging
import threading
import time
from pathlib import Path

from odoo.addons.erp_integration_core.lib.errors import AuthError, TransientError, ValidationError
from odoo.addons.erp_integration_core.lib.http_client import HttpClient

_logger = logging.getLogger(__name__)

DOCUMENTS = Path(__file__).resolve().parent.parent / "graphql"
DEFAULT_COST = 50
MAX_THROTTLE_WAITS = 5
BULK_RUNNING = ("CREATED", "RUNNING")
BULK_MAX_POLL_SECONDS = 10


def load_document(name):
    """A GraphQL document kept as a file beside the code that uses it."""
    return (DOCUMENTS / f"{name}.graphql").read_text()


def _same_query(one, other):
    """Whether two GraphQL documents are the same once comments and layout are set aside."""

    def squashed(text):
        return " ".join(" ".join(line.split("#", 1)[0] for line in (text or "").splitlines()).split())

    return squashed(one) == squashed(other)


class Bucket:
    """What the client knows of Shopify's cost bucket, shared by its threads."""

    def __init__(self):
        self.available = None
        self.maximum = None
        self.restore_rate = None
        self.seen_at = None
        self.lock = threading.Lock()

    def update(self, throttle_status):
        with self.lock:
            self.available = float(throttle_status["currentlyAvailable"])
            self.maximum = float(throttle_status["maximumAvailable"])
            self.restore_rate = float(throttle_status["restoreRate"])
            self.seen_at = time.monotonic()

    def wait_for(self, cost):
        """Seconds to wait until ``cost`` points are available (0 when unknown)."""
        with self.lock:
            if self.available is None or not self.restore_rate:
                return 0.0
            now_available = min(self.maximum, self.available + (time.monotonic() - self.seen_at) * self.restore_rate)
            missing = min(cost, self.maximum) - now_available
            return max(0.0, missing / self.restore_rate)


class ShopifyClient:
    """Run GraphQL documents against one shop.

    ``base_url`` is ``https://{shop}.myshopify.com`` (or the sandbox's address);
    give ``access_token`` for a static token, or ``client_id`` and
    ``client_secret`` for the client-credentials grant.
    """

    def __init__(
        self,
        base_url,
        api_version,
        access_token=None,
        client_id=None,
        client_secret=None,
        timeout=20,
        sleep=time.sleep,
        http=None,
    ):
        if not access_token and not (client_id and client_secret):
            raise AuthError("The Shopify backend needs an Admin API token, or a client id and secret.")
        self.base_url = base_url.rstrip("/")
        self.api_version = api_version
        self.client_id = client_id
        self.client_secret = client_secret
        self.static_token = access_token
        self.token = access_token
        self.sleep = sleep
        self.bucket = Bucket()
        self.http = http or HttpClient(self.base_url, timeout=timeout, retries=2)
        self.last_cost = None

    @property
    def endpoint(self):
        return f"{self.base_url}/admin/api/{self.api_version}/graphql.json"

    def renew_token(self):
        """Client-credentials grant: a fresh token for about a day."""
        answer = self.http.post_json(
            f"{self.base_url}/admin/oauth/access_token",
            {"client_id": self.client_id, "client_secret": self.client_secret, "grant_type": "client_credentials"},
        )
        self.token = answer["access_token"]
        return answer

    def execute(self, document, variables=None, expected_cost=DEFAULT_COST, resend=True):
        """Run ``document`` and return its ``data``; raise on errors and user errors.

        ``document`` is GraphQL text or the name of a file in ``graphql/``.
        ``resend=False`` for a mutation Shopify would apply twice (see
        ``HttpClient.request``): a lost answer is raised, not sent again.
        """
        if "{" not in document:
            document = load_document(document)
        if not self.token:
            self.renew_token()
        renewed = False
        for _attempt in range(MAX_THROTTLE_WAITS + 1):
            wait = self.bucket.wait_for(expected_cost)
            if wait:
                self.sleep(wait)
            try:
                response = self.http.request(
                    "POST",
                    self.endpoint,
                    json={"query": document, "variables": variables or {}},
                    headers={"X-Shopify-Access-Token": self.token},
                    resend=resend,
                )
            except AuthError:
                if renewed or self.static_token:
                    raise
                self.renew_token()
                renewed = True
                continue
            except TransientError as err:
                # A short Retry-After is waited out here; anything longer is
                # the queue's business, so the worker is not held; and so is a
                # call not to be sent again here.
                if not resend or err.retry_after is None or err.retry_after > 10:
                    raise
                self.sleep(err.retry_after)
                continue
            try:
                body = response.json()
            except ValueError as err:
                # A cut-off answer or a proxy's error page: the call may well
                # succeed next time, and nothing was read from it.
                raise TransientError(
                    f"Shopify answered HTTP {response.status_code} with something that is not JSON: "
                    f"{response.text[:200]!r}"
                ) from err
            cost = (body.get("extensions") or {}).get("cost")
            if cost:
                self.last_cost = cost
                self.bucket.update(cost["throttleStatus"])
            errors = body.get("errors")
            if errors and any((e.get("extensions") or {}).get("code") == "THROTTLED" for e in errors):
                requested = cost["requestedQueryCost"] if cost else expected_cost
                expected_cost = requested
                continue
            if errors:
                raise ValidationError("Shopify refused the query: " + "; ".join(e.get("message", "?") for e in errors))
            return body["data"]
        raise TransientError("Shopify kept throttling the query", retry_after=30)

    def run_bulk_query(self, document, timeout=120):
        """Run ``document`` as a bulk operation and yield the rows of its JSONL result.

        Shopify runs one bulk query per app and shop at a time. If the one
        running is this same query (started by an earlier attempt that ran out
        of time), it is waited for rather than started again; if it is another
        one, a transient error brings the job back later. The operation is
        polled with a growing interval for up to ``timeout`` seconds, after
        which the job is retried and picks the operation up where it is.
        """
        if "{" not in document:
            document = load_document(document)
        operation = self.execute("current_bulk_operation", expected_cost=1)["currentBulkOperation"]
        if not (operation and operation["status"] in BULK_RUNNING and _same_query(operation.get("query"), document)):
            operation = self._start_bulk_query(document)
        deadline = time.monotonic() + timeout
        interval = 0.25
        while operation["status"] in BULK_RUNNING:
            if time.monotonic() > deadline:
                raise TransientError(
                    f"Shopify bulk operation {operation['id']} still running after {timeout} s", retry_after=60
                )
            self.sleep(interval)
            interval = min(interval * 2, BULK_MAX_POLL_SECONDS)
            operation = self.execute("bulk_operation", {"id": operation["id"]}, expected_cost=1)["bulkOperation"]
        if operation["status"] != "COMPLETED":
            raise ValidationError(
                f"Shopify bulk operation {operation['id']} ended {operation['status']} "
                f"({operation.get('errorCode') or 'no error code'})"
            )
        if not operation.get("url"):
            return
        # The result lives in storage under a signed address: no token is sent with it.
        response = self.http.request("GET", operation["url"], stream=True)
        for line in response.iter_lines():
            if line:
                yield json.loads(line)

    def _start_bulk_query(self, document):
        started = self.execute("bulk_operation_run_query", {"query": document}, expected_cost=10)
        started = started["bulkOperationRunQuery"]
        errors = started.get("userErrors") or []
        if any(error.get("code") == "OPERATION_IN_PROGRESS" for error in errors):
            raise TransientError("Another bulk query is running in the shop", retry_after=60)
        if errors:
            raise ValidationError(f"Shopify refused the bulk query: {self.user_errors(started)}")
        return started["bulkOperation"]

    @staticmethod
    def user_errors(payload):
        """The ``userErrors`` of a mutation payload, as one readable message (or None)."""
        errors = payload.get("userErrors") or []
        if not errors:
            return None
        return "; ".join(
            f"{'.'.join(str(p) for p in (e.get('field') or []))}: {e.get('message')}"
            + (f" ({e['code']})" if e.get("code") else "")
            for e in errors
        )
