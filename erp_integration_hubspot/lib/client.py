"""HubSpot's CRM API, paced by the limits HubSpot announces on every answer.

HubSpot counts requests in a rolling ten-second window (100 on the standard
tier) and says on each answer how many are left
(``X-HubSpot-RateLimit-Remaining``, ``-Interval-Milliseconds``). It does not
promise a ``Retry-After`` on a 429, so the client waits for the window itself:
before a request when the last answer left nothing, and after a 429 for one
window. A wait longer than the core client allows inline becomes a
``TransientError`` whose ``retry_after`` postpones the job instead.
"""

import threading
import time
from collections import deque

from odoo.addons.erp_integration_core.lib.errors import TransientError
from odoo.addons.erp_integration_core.lib.http_client import HttpClient

DEFAULT_WINDOW = 10.0
BATCH_SIZE = 100


class RateWindow:
    """The requests this process sent in HubSpot's rolling window, and what HubSpot says is left."""

    def __init__(self):
        self.lock = threading.Lock()
        self.sent = deque()
        self.remaining = None
        self.window = DEFAULT_WINDOW

    def wait(self, now=None):
        """Seconds to wait before the next request may go: 0 unless the window is used up."""
        now = time.monotonic() if now is None else now
        with self.lock:
            while self.sent and now - self.sent[0] >= self.window:
                self.sent.popleft()
            if self.remaining is None or self.remaining > 0 or not self.sent:
                return 0.0
            return max(0.0, self.window - (now - self.sent[0]))

    def record(self, response, now=None):
        now = time.monotonic() if now is None else now
        headers = response.headers
        with self.lock:
            self.sent.append(now)
            interval = headers.get("X-HubSpot-RateLimit-Interval-Milliseconds", "")
            if interval.isdigit() and int(interval):
                self.window = int(interval) / 1000
            remaining = headers.get("X-HubSpot-RateLimit-Remaining", "")
            self.remaining = int(remaining) if remaining.lstrip("-").isdigit() else None
            if response.status_code == 429:
                self.remaining = 0


class HubSpotClient(HttpClient):
    """``requests`` to HubSpot with a private-app token, paced by ``RateWindow``."""

    def __init__(self, base_url, token, window=None, **kwargs):
        super().__init__(base_url, headers={"Authorization": f"Bearer {token}"}, **kwargs)
        self.token = token
        self.window = window or RateWindow()

    def request(self, method, path, **kwargs):
        wait = self.window.wait()
        if wait > self.max_inline_wait:
            # Held back before sending: HubSpot was not asked, so the exchange keeps its attempts.
            raise TransientError("HubSpot's rate limit is used up for this window", retry_after=wait, attempted=False)
        if wait:
            time.sleep(wait)
        return super().request(method, path, **kwargs)

    def _on_response(self, response):
        self.window.record(response)

    def _retry_after(self, response):
        """A 429 without ``Retry-After`` waits for the rest of HubSpot's window."""
        told = super()._retry_after(response)
        if told is None and response.status_code == 429:
            return self.window.wait() or self.window.window
        return told

    # CRM ------------------------------------------------------------------

    def get_object(self, kind, object_id, properties=(), associations=()):
        """One CRM object with ``properties`` and the ids of its ``associations``; None if it is gone."""
        params = {"properties": ",".join(properties)}
        if associations:
            params["associations"] = ",".join(associations)
        response = self.request("GET", f"crm/v3/objects/{kind}/{object_id}", params=params, allowed=(404,))
        return None if response.status_code == 404 else response.json()

    def batch_read(self, kind, ids, properties=()):
        """The objects of ``ids`` (at most 100 per call), in one request per hundred."""
        found = []
        ids = list(dict.fromkeys(str(i) for i in ids))
        for start in range(0, len(ids), BATCH_SIZE):
            body = {"inputs": [{"id": i} for i in ids[start : start + BATCH_SIZE]], "properties": list(properties)}
            answer = self.request("POST", f"crm/v3/objects/{kind}/batch/read", json=body, allowed=(207,)).json()
            found += answer.get("results") or []
        return found

    def batch_update(self, kind, inputs):
        """Write ``inputs`` (``{"id", "properties"}``, at most 100) in one call; the answer, with any ``errors``."""
        if len(inputs) > BATCH_SIZE:
            raise ValueError(f"HubSpot takes at most {BATCH_SIZE} inputs per batch, not {len(inputs)}")
        return self.request(
            "POST", f"crm/v3/objects/{kind}/batch/update", json={"inputs": inputs}, allowed=(207,)
        ).json()

    def search(self, kind, body):
        """One page of ``POST crm/v3/objects/{kind}/search``: ``{"total", "results", "paging"}``."""
        return self.post_json(f"crm/v3/objects/{kind}/search", body)

    def list_page(self, kind, properties=(), after=None, limit=BATCH_SIZE, associations=()):
        """One page of every ``kind`` object, oldest first; the ``after`` of the next page is in ``paging``."""
        params = {"limit": limit, "properties": ",".join(properties)}
        if after:
            params["after"] = after
        if associations:
            params["associations"] = ",".join(associations)
        return self.get_json(f"crm/v3/objects/{kind}", params=params)

    def properties_of(self, kind):
        """The names of the properties ``kind`` objects have (HubSpot's and custom ones)."""
        return {prop["name"] for prop in self.get_json(f"crm/v3/properties/{kind}").get("results") or ()}

    def create_properties(self, kind, definitions):
        """Create property definitions in one batch; the answer lists what was made and any ``errors``."""
        return self.request(
            "POST", f"crm/v3/properties/{kind}/batch/create", json={"inputs": definitions}, allowed=(207,)
        ).json()

    def account(self):
        return self.get_json("account-info/v3/details")

    def token_info(self):
        """The private app's portal, app id and granted scopes."""
        return self.post_json("oauth/v2/private-apps/get/access-token-info", {"tokenKey": self.token})
