"""Reading a HubSpot portal in bulk: the initial load, and the catch-up on what webhooks missed.

**Initial load.** Companies, then contacts (with their companies), are listed a
hundred per request; each page is one inbound exchange, imported by its own
job from the page itself, so 12,000 records cost 120 requests. A run lists
ten pages, which its commit hands to the workers, and starts the next run,
keeping its place in the flow's cursor (``companies:<after>``): a crash or a
restart resumes from the last page queued, and a page queued twice is one
exchange (its key is its place). Runs go before the pages waiting in the
queue, so while there is more to list one worker lists and the other
imports. Contacts are listed once every page of companies is in, so a
contact's company is always found bound rather than imported twice at once.
The backend shows the progress: the portal's records Odoo has bound, of the
total.

**Catch-up.** Companies, contacts and deals modified since the last run are
found through search, oldest first. Search pages stop at 10,000 results, so
when a window is exhausted the next starts at the last modification time
seen. Each object version is queued once (its key holds the modification
time) and only when Odoo has not already seen that version.
"""

import json
import math
import time
from datetime import UTC

from odoo import fields

from odoo.addons.erp_integration_core.lib.events import Event
from odoo.addons.erp_integration_core.work import Component

from .lib.client import BATCH_SIZE
from .lib.records import COMPANY_PROPERTIES, CONTACT_PROPERTIES, SINGULAR, timestamp

LOAD_KINDS = ("companies", "contacts")
# A run's pages are committed together, and only then imported: ten are about a second of listing.
LOAD_PAGES_PER_RUN = 10
# Ahead of the pages in the queue, which have queue_job's default priority (10).
LOAD_PRIORITY = 5
# How soon contacts look again whether every company page is in.
COMPANIES_POLL = 1
LOAD_PROPERTIES = {"companies": COMPANY_PROPERTIES, "contacts": CONTACT_PROPERTIES}
LOAD_ASSOCIATIONS = {"companies": (), "contacts": ("companies",)}
DONE = "done"

BOUND_AS = {"companies": "res.partner", "contacts": "res.partner", "deals": "sale.order"}
SEARCH_PAGE = 200
SEARCH_CAP = 10_000
# HubSpot's search allows five requests a second per portal.
SEARCH_INTERVAL = 0.2


def last_modified(kind):
    """Contacts kept HubSpot's original property name; the other objects use the ``hs_`` one."""
    return "lastmodifieddate" if kind == "contacts" else "hs_lastmodifieddate"


def epoch_ms(moment):
    """A naive UTC ``datetime`` as the epoch milliseconds HubSpot's search compares dates with."""
    return str(round(moment.replace(tzinfo=UTC).timestamp() * 1000))


def trigger_load(flow, delay=0):
    """The load's next run in ``delay`` seconds, before the pages waiting in the queue.

    As ``flow._trigger``: one pending run, however often it is asked for.
    """
    if flow.enabled:
        flow.with_delay(
            channel=flow.backend_id._job_channel(),
            eta=delay,
            priority=LOAD_PRIORITY,
            identity_key=f"integration-flow-{flow.id}-trigger",
            description=f"{flow.backend_id.name}: {flow.name}",
        )._run()


class InitialLoad(Component):
    page_size = BATCH_SIZE
    pages_per_run = LOAD_PAGES_PER_RUN

    def run(self, flow):
        """List the next pages from the cursor; return the new cursor, and start the next run if any is left."""
        kind, _sep, after = (flow.cursor or f"{LOAD_KINDS[0]}:").partition(":")
        if kind == DONE:
            return flow.cursor
        totals = dict((flow.last_result or {}).get("totals") or {})
        if kind != LOAD_KINDS[0] and not after and self._waiting(LOAD_KINDS[0]):
            # Contacts go under their companies: they start once every company page is in.
            trigger_load(flow, COMPANIES_POLL)
            return flow.cursor
        delay = 0
        for _page in range(self.pages_per_run):
            delay = self.client.window.wait()
            if delay:
                # The portal's window is used up: what is listed so far is committed, the rest follows.
                break
            if kind not in totals:
                totals[kind] = self.client.search(kind, {"limit": 1, "properties": ["hs_object_id"]}).get("total", 0)
            page = self.client.list_page(
                kind, LOAD_PROPERTIES[kind], after or None, self.page_size, LOAD_ASSOCIATIONS[kind]
            )
            records = page.get("results") or []
            if records:
                self.backend._receive(
                    f"{kind}.load",
                    records,
                    f"load:{kind}:{after or 'first'}",
                    external_type=kind,
                    external_id=f"page after {after or 'start'}",
                )
            after = ((page.get("paging") or {}).get("next") or {}).get("after")
            if not after:
                following = LOAD_KINDS.index(kind) + 1
                # The next kind starts in a run of its own, which waits for this one's pages.
                kind = LOAD_KINDS[following] if following < len(LOAD_KINDS) else DONE
                break
        cursor = f"{kind}:{after or ''}"
        flow.last_result = {"totals": totals, "cursor": cursor}
        if kind != DONE:
            # The next pages in a job of their own: what this one queued is committed first.
            trigger_load(flow, math.ceil(delay))
        return cursor

    def _waiting(self, kind):
        return self.env["integration.exchange"].search_count(
            [
                ("backend_id", "=", self.backend.id),
                ("flow", "=", f"{kind}.load"),
                ("state", "in", ("queued", "processing")),
            ],
            limit=1,
        )


class CatchUp(Component):
    page_size = SEARCH_PAGE
    cap = SEARCH_CAP

    def run(self, flow):
        """Queue every object modified since the cursor that Odoo has not seen yet; return the new cursor."""
        cursor = json.loads(flow.cursor) if flow.cursor else {}
        # The first run catches up from when the flow was set up: what came
        # before is the initial load's.
        start = epoch_ms(flow.create_date)
        queued = {}
        # A window starts at the last time the previous one saw: its first objects are seen twice.
        self.keys = set()
        for kind, singular in SINGULAR.items():
            since = cursor.get(kind) or start
            since, count = self._catch_up(kind, singular, since)
            cursor[kind] = since
            queued[kind] = count
        flow.last_result = {"queued": queued, "at": fields.Datetime.now().isoformat()}
        return json.dumps(cursor, sort_keys=True)

    def _catch_up(self, kind, singular, since):
        """Queue ``kind`` objects modified since ``since`` (epoch ms); return the newest time seen and the count."""
        modified = last_modified(kind)
        newest, after, queued = since, None, 0
        while True:
            body = {
                "filterGroups": [{"filters": [{"propertyName": modified, "operator": "GTE", "value": since}]}],
                "sorts": [{"propertyName": modified, "direction": "ASCENDING"}],
                "properties": [modified],
                "limit": self.page_size,
            }
            if after:
                body["after"] = after
            page = self.client.search(kind, body)
            time.sleep(SEARCH_INTERVAL)
            results = page.get("results") or []
            queued += self._queue(kind, singular, results)
            for record in results:
                newest = max(newest, epoch_ms(timestamp(record["properties"][modified], modified)), key=int)
            after = ((page.get("paging") or {}).get("next") or {}).get("after")
            if not after:
                return newest, queued
            if int(after) + self.page_size > self.cap:
                # Search stops at 10,000 results: start a new window at the newest time seen.
                if newest == since:
                    # 10,000 changes in one millisecond: move past it rather than loop.
                    newest = str(int(newest) + 1)
                since, after = newest, None

    def _queue(self, kind, singular, results):
        """One event per object version Odoo has not seen, keyed by its modification time."""
        modified = last_modified(kind)
        ids = [str(record["id"]) for record in results]
        Binding = self.env["integration.binding"]
        bindings = Binding.search(Binding._domain(self.backend, BOUND_AS[kind], ids, singular))
        seen = {binding.external_id: binding.external_updated_at for binding in bindings}
        events = []
        for record in results:
            at = timestamp(record["properties"].get(modified), f"{singular} {record['id']}: {modified}")
            key = f"reconcile:{singular}:{record['id']}:{record['properties'].get(modified)}"
            if key in self.keys or (seen.get(str(record["id"])) and at and seen[str(record["id"])] >= at):
                continue
            self.keys.add(key)
            events.append(
                Event.of(
                    f"{singular}.reconcile",
                    key,
                    {"objectId": int(record["id"]), "modified": record["properties"].get(modified)},
                    external_type=singular,
                    external_id=str(record["id"]),
                )
            )
        for start in range(0, len(events), BATCH_SIZE):
            self.backend._receive_events(events[start : start + BATCH_SIZE])
        return len(events)
