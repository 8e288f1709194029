import json
import logging
from datetime import timedelta

from psycopg2 import errors as pg_errors

from odoo import SUPERUSER_ID, _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.fields import Domain
from odoo.tools.translate import LazyTranslate

from ..lib import audit_chain, payload

_logger = logging.getLogger(__name__)

# Columns a row is inserted with; the seal columns are filled once, later.
INSERT_COLUMNS = ("event", "company_id", "backend_id", "exchange_id", "res_model", "res_id", "user_id", "details")
SEAL_BATCH = 5000
VERIFY_BATCH = 20000
MANAGER = "erp_integration_core.group_integration_manager"
# Rows left unsealed longer than this mean the sealing cron is not running.
SEALING_LATE = timedelta(minutes=5)

_lt = LazyTranslate(__name__)

# Every event code the suite logs, in words. A new code gets its line here
# (tests/test_audit_events.py runs the suite and checks that the codes it logs are these).
EVENT_LABELS = {
    "exchange.received": _lt("Payload received"),
    "exchange.created": _lt("Exchange created"),
    "exchange.queued": _lt("Queued for processing"),
    "exchange.done": _lt("Processed"),
    "exchange.needs_attention": _lt("Stopped: needs attention"),
    "exchange.failed": _lt("Failed"),
    "exchange.ignored": _lt("Set aside (ignored)"),
    "exchange.requeued": _lt("Queued again: its job was missing"),
    "exchange.retry": _lt("Retry requested"),
    "exchange.replayed": _lt("Replayed as a new exchange"),
    "exchange.ignore": _lt("Ignore requested"),
    "exchange.redacted": _lt("Personal data erased from the payload"),
    "record.created": _lt("Odoo record created"),
    "record.updated": _lt("Odoo record changed"),
    "move.posted": _lt("Journal entry posted by the integration"),
    "flow.run": _lt("Flow run completed"),
    "backend.created": _lt("Backend created"),
    "backend.changed": _lt("Backend settings changed"),
    "backend.deleted": _lt("Backend deleted"),
    "field_mapping.created": _lt("Field mapping created"),
    "field_mapping.changed": _lt("Field mapping changed"),
    "field_mapping.deleted": _lt("Field mapping deleted"),
    "value_mapping.created": _lt("Value mapping created"),
    "value_mapping.changed": _lt("Value mapping changed"),
    "value_mapping.deleted": _lt("Value mapping deleted"),
    "audit.verified": _lt("Audit chain verified"),
    "audit.exported": _lt("Audit trail exported"),
    "vat.return.submitted": _lt("VAT return submitted to HMRC"),
    "suppression.lifted": _lt("Erased person taken off the suppression list"),
}
# The first part of a code no label names yet, in words.
EVENT_FAMILIES = {
    "exchange": _lt("Exchange"),
    "record": _lt("Odoo record"),
    "move": _lt("Journal entry"),
    "flow": _lt("Flow"),
    "backend": _lt("Backend"),
    "field_mapping": _lt("Field mapping"),
    "value_mapping": _lt("Value mapping"),
    "audit": _lt("Audit trail"),
    "vat": _lt("VAT"),
    "suppression": _lt("Suppression list"),
}
# What the keys of ``details`` say, in words, in the order a summary gives them.
DETAIL_LABELS = {
    "flow": _lt("flow"),
    "previous": _lt("from"),
    "state": _lt("state"),
    "attempt": _lt("attempt"),
    "category": _lt("error category"),
    "reason": _lt("reason"),
    "child": _lt("new exchange"),
    "edited": _lt("payload edited"),
    "fields": _lt("fields"),
    "cursor": _lt("cursor"),
    "delivery": _lt("delivery"),
    "sha256": _lt("payload SHA-256"),
    "original_sha256": _lt("original payload SHA-256"),
    "redacted_sha256": _lt("payload SHA-256 now"),
    "body_sha256": _lt("sent body SHA-256"),
    "digest": _lt("entry digest"),
    "inalterable_hash": _lt("Odoo inalterable hash"),
    "period": _lt("period"),
    "form_bundle": _lt("form bundle"),
    "receipt": _lt("receipt"),
    "reason_sha256": _lt("reason SHA-256"),
    "checked": _lt("entries checked"),
    "broken": _lt("broken at"),
    "date_from": _lt("from"),
    "date_to": _lt("to"),
    "backend": _lt("backend"),
    "rows": _lt("rows"),
    "first": _lt("first position"),
    "last": _lt("last position"),
    "head_seq": _lt("chain head position"),
    "head_hash": _lt("chain head hash"),
    "verified": _lt("verified"),
    "entries": _lt("entries"),
}
# Keys shown elsewhere: who acted is the Actor column.
HIDDEN_DETAILS = ("user",)
REQUEUE_REASONS = {"no live job": _lt("no job was left to process it")}
AUTOMATIC = _lt("Integration (automatic)")


class IntegrationAuditLog(models.Model):
    """Append-only, hash-chained record of everything the suite did.

    Rows are inserted unsealed by whichever transaction acts, without any
    lock, so logging never serialises the webhook intake or the jobs. A single
    sealer (cron, or the Verify button) then chains committed rows in the
    order it finds them: ``chain_seq``, ``prev_hash`` and ``hash``. The chain
    head is one row in ``integration_audit_chain``; two sealers racing on it
    get a serialization failure instead of forking the chain.

    The ORM refuses write and unlink for everyone, and a database trigger
    refuses DELETE, TRUNCATE and any UPDATE other than sealing an unsealed row.
    """

    _name = "integration.audit.log"
    _description = "Integration Audit Log"
    _order = "id desc"
    _rec_name = "event"

    logged_at = fields.Datetime(readonly=True, index=True)
    event = fields.Char(string="Event code", readonly=True, required=True, index=True)
    company_id = fields.Many2one("res.company", readonly=True, ondelete="restrict", index=True)
    backend_id = fields.Many2one("integration.backend", readonly=True, ondelete="restrict", index="btree_not_null")
    exchange_id = fields.Many2one("integration.exchange", readonly=True, ondelete="restrict", index="btree_not_null")
    res_model = fields.Char(string="Model", readonly=True)
    res_id = fields.Many2oneReference(string="Record ID", model_field="res_model", readonly=True)
    user_id = fields.Many2one("res.users", readonly=True, ondelete="restrict")
    details = fields.Text(readonly=True, help="Canonical JSON: references, field names and hashes, never values.")
    chain_seq = fields.Integer(readonly=True, index="btree_not_null", copy=False)
    prev_hash = fields.Char(readonly=True, copy=False)
    hash = fields.Char(readonly=True, copy=False)

    # Read as words, never stored: the rows themselves cannot change.
    event_label = fields.Char(
        string="Event", compute="_compute_readable", search="_search_event_label", compute_sudo=False
    )
    summary = fields.Char(compute="_compute_readable", help="The details in words: references, field names and hashes.")
    res_model_name = fields.Char(string="Document type", compute="_compute_record_ref", search="_search_res_model_name")
    record_ref = fields.Char(string="Document", compute="_compute_record_ref")
    actor_id = fields.Many2one(
        "res.users",
        string="Person",
        compute="_compute_actor",
        help="The person behind the entry, when there is one: who pressed Retry, Replay or Ignore, or changed "
        "the configuration.",
    )
    actor_name = fields.Char(string="By", compute="_compute_actor")
    reason = fields.Char(
        compute="_compute_reason",
        help="Why an exchange was ignored or replayed, where it is recorded: an ignore's reason is kept on the "
        "exchange and checked against the SHA-256 the chain sealed.",
    )
    is_sealed = fields.Boolean(string="Sealed", compute="_compute_is_sealed", search="_search_is_sealed")

    _chain_seq_unique = models.Constraint("UNIQUE(chain_seq)", "Two audit rows cannot hold one place in the chain.")
    # The rows waiting for the sealer: found without reading the sealed ones.
    _unsealed_index = models.Index("(id) WHERE hash IS NULL")

    def init(self):
        cr = self.env.cr
        cr.execute(
            """
            ALTER TABLE integration_audit_log ALTER COLUMN logged_at SET DEFAULT (now() at time zone 'UTC');
            CREATE TABLE IF NOT EXISTS integration_audit_chain (
                id integer PRIMARY KEY CHECK (id = 1),
                last_seq integer NOT NULL,
                last_hash varchar NOT NULL
            );
            INSERT INTO integration_audit_chain VALUES (1, 0, %s) ON CONFLICT DO NOTHING;
            CREATE OR REPLACE FUNCTION integration_audit_log_guard() RETURNS trigger AS $$
            BEGIN
                IF TG_OP = 'UPDATE' AND OLD.hash IS NULL AND NEW.hash IS NOT NULL
                   AND (NEW.id, NEW.logged_at, NEW.event, NEW.company_id, NEW.backend_id, NEW.exchange_id,
                        NEW.res_model, NEW.res_id, NEW.user_id, NEW.details, NEW.create_date, NEW.create_uid)
                       IS NOT DISTINCT FROM
                       (OLD.id, OLD.logged_at, OLD.event, OLD.company_id, OLD.backend_id, OLD.exchange_id,
                        OLD.res_model, OLD.res_id, OLD.user_id, OLD.details, OLD.create_date, OLD.create_uid)
                THEN
                    RETURN NEW;
                END IF;
                RAISE EXCEPTION 'integration_audit_log is append-only (%% refused)', TG_OP
                    USING ERRCODE = 'insufficient_privilege';
            END;
            $$ LANGUAGE plpgsql;
            DROP TRIGGER IF EXISTS integration_audit_log_guard ON integration_audit_log;
            CREATE TRIGGER integration_audit_log_guard
                BEFORE UPDATE OR DELETE ON integration_audit_log
                FOR EACH ROW EXECUTE FUNCTION integration_audit_log_guard();
            DROP TRIGGER IF EXISTS integration_audit_log_guard_truncate ON integration_audit_log;
            CREATE TRIGGER integration_audit_log_guard_truncate
                BEFORE TRUNCATE ON integration_audit_log
                FOR EACH STATEMENT EXECUTE FUNCTION integration_audit_log_guard();
            """,
            [audit_chain.GENESIS],
        )

    # The ORM door is shut for everyone, superuser included.

    # Access rights are checked first, so a reader is told he has none (AccessError);
    # whoever has them (the superuser) is refused all the same.

    @api.model_create_multi
    def create(self, vals_list):
        self.check_access("create")
        raise UserError(_("Audit entries are written by the integration suite only."))

    def write(self, vals):
        self.check_access("write")
        raise UserError(_("Audit entries cannot be changed."))

    def unlink(self):
        self.check_access("unlink")
        raise UserError(_("Audit entries cannot be deleted."))

    # Reading: the rows in words ---------------------------------------------

    @api.model
    def _event_labels(self):
        """``{event code: lazy label}``; an addon logging codes of its own adds their labels here."""
        return EVENT_LABELS

    @api.model
    def _event_label(self, event):
        """The event in words; a code without a label still reads, by its parts."""
        label = self._event_labels().get(event)
        if label is not None:
            return self.env._(label)
        family, _dot, rest = (event or "").partition(".")
        name = EVENT_FAMILIES.get(family)
        name = self.env._(name) if name is not None else family.replace("_", " ").strip().capitalize()
        words = rest.replace(".", " ").replace("_", " ").strip()
        return f"{name}: {words}" if words else name or _("Unnamed event")

    def _details(self):
        self.ensure_one()
        try:
            details = json.loads(self.details or "{}")
        except ValueError:
            return {}
        return details if isinstance(details, dict) else {}

    def _field_label(self, model_name, path):
        """``order_line.product_uom_qty`` of ``sale.order`` as "Order Lines › Quantity"; unknown names as they are."""
        words = []
        model = self.env.get(model_name)
        for name in str(path).split("."):
            field = model._fields.get(name) if model is not None else None
            if field is None:
                words.append(name)
                model = None
                continue
            words.append(field._description_string(self.env))
            model = self.env[field.comodel_name] if field.relational else None
        return " › ".join(words)

    def _detail_value(self, key, value):
        """One value of ``details`` in words. Values are references, field names, states and hashes only."""
        if value is None or value == "":
            return None
        if key == "fields":
            names = value if isinstance(value, list) else [value]
            return ", ".join(self._field_label(self.res_model, name) for name in names) or _("none")
        if key in ("previous", "state", "category"):
            # The exchange's own selections, translated.
            field = self.env["integration.exchange"]._fields["error_category" if key == "category" else "state"]
            return dict(field._description_selection(self.env)).get(value, value)
        if key == "reason" and value in REQUEUE_REASONS:
            return self.env._(REQUEUE_REASONS[value])
        if isinstance(value, bool):
            return _("yes") if value else _("no")
        if key == "broken" and isinstance(value, dict):
            return _("entry %(id)s (%(reason)s)", id=value.get("id") or "-", reason=value.get("reason") or "")
        if key.endswith(("sha256", "hash", "digest")) and isinstance(value, str) and len(value) > 16:
            return f"{value[:12]}…"
        if isinstance(value, dict | list):
            return json.dumps(value, sort_keys=True, default=str)
        return str(value)

    def _summarize(self):
        """The details in words, in a stable order; keys this table does not know are given as they are."""
        details = self._details()
        parts = []
        known = [key for key in DETAIL_LABELS if key in details]
        others = sorted(key for key in details if key not in DETAIL_LABELS and key not in HIDDEN_DETAILS)
        for key in (*known, *others):
            value = self._detail_value(key, details[key])
            if value is None:
                continue
            label = DETAIL_LABELS.get(key)
            label = self.env._(label) if label is not None else key.replace("_", " ")
            parts.append(f"{label}: {value}")
        return "; ".join(parts)

    @api.depends("event", "chain_seq")
    def _compute_display_name(self):
        for row in self:
            label = row._event_label(row.event)
            row.display_name = f"{label} (#{row.chain_seq})" if row.chain_seq else label

    @api.depends("event", "details", "res_model")
    def _compute_readable(self):
        for row in self:
            row.event_label = row._event_label(row.event)
            row.summary = row._summarize()

    def _search_event_label(self, operator, value):
        if operator not in ("ilike", "in"):
            return NotImplemented
        if operator == "in":
            wanted = {str(text) for text in value if text}
            codes = [code for code in self._event_labels() if self._event_label(code) in wanted]
            return Domain("event", "in", [*codes, *wanted])
        word = str(value or "").casefold()
        codes = [code for code in self._event_labels() if word in self._event_label(code).casefold() or word in code]
        # A code without a label is found by its own words too: "some thing" finds exchange.some_thing.
        return Domain.OR([Domain("event", "in", codes), Domain("event", "ilike", word.replace(" ", "_"))])

    @api.model
    def _document_refs(self, pairs):
        """``{(model, id): (document type, "Sales Order S00012")}``: the name read live where the user may
        read the record, "#id" otherwise (the row itself holds only the reference)."""
        by_model = {}
        for model_name, res_id in pairs:
            by_model.setdefault(model_name, set()).add(res_id)
        IrModel = self.env["ir.model"].sudo()
        refs = {}
        for model_name, ids in by_model.items():
            names = {}
            if model_name in self.env:
                description = IrModel._get(model_name).name or model_name
                try:
                    records = self.env[model_name].browse(ids).exists()._filtered_access("read")
                    names = {record.id: record.display_name for record in records}
                except AccessError:
                    names = {}
            else:
                description = model_name
            for res_id in ids:
                refs[model_name, res_id] = (description, f"{description} {names.get(res_id) or f'#{res_id}'}")
        return refs

    @api.depends("res_model", "res_id")
    def _compute_record_ref(self):
        refs = self._document_refs({(row.res_model, row.res_id) for row in self if row.res_model})
        for row in self:
            row.res_model_name, row.record_ref = refs.get((row.res_model, row.res_id), (False, False))

    def _search_res_model_name(self, operator, value):
        if operator not in ("ilike", "in"):
            return NotImplemented
        words = [value] if operator == "ilike" else [word for word in value if word]
        if not words:
            return Domain.FALSE
        found = (
            self.env["ir.model"]
            .sudo()
            .search(Domain.OR([Domain("model", "ilike", word) | Domain("name", "ilike", word) for word in words]))
        )
        return Domain("res_model", "in", found.mapped("model"))

    def _person(self):
        """The user behind the row: who pressed the button the details name, else who was logged in, unless
        that was the integration itself (the superuser the webhook intake, the jobs and the crons run as)."""
        self.ensure_one()
        user_id = self._details().get("user")
        if isinstance(user_id, int) and user_id != SUPERUSER_ID:
            return self.env["res.users"].browse(user_id)
        if self.user_id and self.user_id.id != SUPERUSER_ID and not self.user_id._is_public():
            return self.user_id
        return self.env["res.users"]

    @api.depends("user_id", "details")
    def _compute_actor(self):
        automatic = self.env._(AUTOMATIC)
        for row in self:
            person = row._person().exists()
            row.actor_id = person
            row.actor_name = person.sudo().name if person else automatic

    @api.depends("event", "details", "exchange_id")
    def _compute_reason(self):
        for row in self:
            row.reason = row._reason() or False

    def _reason(self):
        """Why, where it is recorded: on the exchange (an ignore's) or on its replay (a replay's), checked by hash."""
        details = self._details()
        exchange = self.exchange_id
        if self.event in ("exchange.ignore", "exchange.ignored") and exchange.ignore_reason:
            text = exchange.ignore_reason
            sealed = details.get("reason_sha256")
            if sealed and payload.sha256_hex(text) != sealed:
                return _("%(reason)s (differs from the reason sealed in the chain)", reason=text)
            return text
        if self.event == "exchange.replayed":
            child = exchange.browse(details.get("child")).exists() if details.get("child") else exchange.browse()
            text = child.replay_reason if child else None
            if text:
                sealed = details.get("reason_sha256")
                if sealed and payload.sha256_hex(text) != sealed:
                    return _("%(reason)s (differs from the reason sealed in the chain)", reason=text)
                return text
            if details.get("reason_sha256"):
                return _("Given, and kept as its SHA-256 only")
            return _("None given")
        if self.event == "exchange.requeued" and details.get("reason"):
            return self._detail_value("reason", details["reason"])
        if self.event == "audit.verified" and details.get("broken"):
            return self._detail_value("broken", details["broken"])
        return None

    @api.depends("hash")
    def _compute_is_sealed(self):
        for row in self:
            row.is_sealed = bool(row.hash)

    def _search_is_sealed(self, operator, value):
        if operator != "in":
            return NotImplemented
        value = {bool(v) for v in value}
        if value == {True, False}:
            return []
        return [("hash", "!=", False)] if True in value else [("hash", "=", False)]

    # Opening what a row names -------------------------------------------------

    def action_open_record(self):
        self.ensure_one()
        if not self.res_model or self.res_model not in self.env:
            raise UserError(_("This entry names no document."))
        record = self.env[self.res_model].browse(self.res_id)
        if not record.exists():
            raise UserError(_("%(document)s no longer exists.", document=self.record_ref))
        return {
            "type": "ir.actions.act_window",
            "res_model": self.res_model,
            "res_id": self.res_id,
            "view_mode": "form",
            "views": [(False, "form")],
        }

    def action_open_exchange(self):
        self.ensure_one()
        if not self.exchange_id:
            raise UserError(_("This entry names no exchange."))
        return self.exchange_id._action_open()

    def action_trace_record(self):
        """The trace of the document this entry names: its exchanges, payloads and audit entries on one page."""
        self.ensure_one()
        if not self.res_model:
            return self.env["integration.trace"]._open_for_exchanges(self.exchange_id)
        return self.env["integration.trace"]._open_for(self.env[self.res_model].browse(self.res_id))

    # Sealing lag -------------------------------------------------------------

    @api.model
    def get_sealing_status(self):
        """How far the sealer is behind: counts and ages only, over every company (no row is read)."""
        cr = self.env.cr
        cr.execute(
            "SELECT count(*), min(logged_at), (now() at time zone 'UTC') FROM integration_audit_log WHERE hash IS NULL"
        )
        count, oldest, now = cr.fetchone()
        cr.execute("SELECT last_seq, last_hash FROM integration_audit_chain WHERE id = 1")
        head_seq, head_hash = cr.fetchone()
        age = (now - oldest) if oldest else timedelta(0)
        return {
            "unsealed": count,
            "oldest_at": fields.Datetime.to_string(oldest) if oldest else False,
            "oldest_age_seconds": int(age.total_seconds()),
            "oldest_age": self._age_in_words(age) if oldest else "",
            "late": bool(oldest) and age > SEALING_LATE,
            "head_seq": head_seq,
            "head_hash": head_hash,
            "can_seal": self.env.user.has_group(MANAGER),
        }

    @api.model
    def _age_in_words(self, age):
        seconds = int(age.total_seconds())
        if seconds < 60:
            return _("%(count)s s", count=seconds)
        if seconds < 3600:
            return _("%(count)s min", count=seconds // 60)
        if seconds < 2 * 86400:
            return _("%(hours)s h %(minutes)s min", hours=seconds // 3600, minutes=seconds % 3600 // 60)
        return _("%(count)s days", count=seconds // 86400)

    @api.model
    def action_seal_now(self):
        """Managers: seal now rather than at the cron's next minute."""
        if not self.env.user.has_group(MANAGER):
            raise AccessError(_("Only integration managers can seal the audit trail by hand."))
        sealed = self.sudo()._seal()
        status = self.get_sealing_status()
        if sealed:
            message = _(
                "%(count)s entries sealed; the chain is at position %(seq)s.", count=sealed, seq=status["head_seq"]
            )
        elif status["unsealed"]:
            message = _("Another transaction is sealing the audit trail; try again in a moment.")
        else:
            message = _("Every entry was already sealed.")
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": _("Audit chain"),
                "message": message,
                "type": "success" if sealed or not status["unsealed"] else "warning",
            },
        }

    # Appending --------------------------------------------------------------

    @api.model
    def _log(self, event, record=None, backend=None, exchange=None, company=None, details=None):
        """Append one entry. ``details`` must hold references and hashes, never values."""
        company = company or (backend.company_id if backend else None) or (exchange.company_id if exchange else None)
        self._log_many(
            [
                {
                    "event": event,
                    "company_id": company.id if company else self.env.company.id,
                    "backend_id": backend.id if backend else None,
                    "exchange_id": exchange.id if exchange else None,
                    "res_model": record._name if record else None,
                    "res_id": record.id if record else None,
                    "details": details,
                }
            ]
        )

    @api.model
    def _log_many(self, entries):
        # Raw SQL: entries are immutable, so none of the ORM's machinery is
        # needed, and logging sits on the webhook intake's hot path.
        rows = []
        for entry in entries:
            row = dict.fromkeys(INSERT_COLUMNS)
            row.update(entry, user_id=self.env.uid)
            row["details"] = json.dumps(row["details"] or {}, sort_keys=True, separators=(",", ":"), default=str)
            rows.append(tuple(row[column] for column in INSERT_COLUMNS))
        if not rows:
            return
        placeholders = ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s, %s, now() at time zone 'UTC')"] * len(rows))
        self.env.cr.execute(
            f"INSERT INTO integration_audit_log ({', '.join(INSERT_COLUMNS)}, create_uid, create_date) "
            f"VALUES {placeholders}",
            [value for row in rows for value in (*row, self.env.uid)],
        )

    # Sealing and verifying --------------------------------------------------

    def _select_rows(self, where, params, limit):
        self.env.cr.execute(
            f"""
            SELECT chain_seq, id, to_char(logged_at, 'YYYY-MM-DD HH24:MI:SS.US') AS logged_at, event,
                   company_id, backend_id, exchange_id, res_model, res_id, user_id, details, prev_hash, hash
              FROM integration_audit_log WHERE {where} LIMIT %s
            """,
            [*params, limit],
        )
        return self.env.cr.dictfetchall()

    @api.model
    def _seal(self):
        """Chain every committed, unsealed row; return how many were sealed."""
        cr = self.env.cr
        try:
            with cr.savepoint(flush=False):
                cr.execute("SELECT last_seq, last_hash FROM integration_audit_chain WHERE id = 1 FOR UPDATE NOWAIT")
                last_seq, last_hash = cr.fetchone()
        except (pg_errors.LockNotAvailable, pg_errors.SerializationFailure):
            _logger.info("Another transaction is sealing the audit log")
            return 0
        sealed = 0
        while True:
            rows = self._select_rows("hash IS NULL ORDER BY id", [], SEAL_BATCH)
            if not rows:
                break
            updates = []
            for row in rows:
                last_seq += 1
                row["chain_seq"] = last_seq
                row["prev_hash"] = last_hash
                last_hash = audit_chain.link_hash(last_hash, row)
                updates.append((row["id"], last_seq, row["prev_hash"], last_hash))
            cr.execute(
                """
                UPDATE integration_audit_log l SET chain_seq = v.seq, prev_hash = v.prev, hash = v.hash
                  FROM (SELECT * FROM unnest(%s::int[], %s::int[], %s::varchar[], %s::varchar[])) v(id, seq, prev, hash)
                 WHERE l.id = v.id
                """,
                [list(column) for column in zip(*updates, strict=True)],
            )
            sealed += len(rows)
        if sealed:
            cr.execute(
                "UPDATE integration_audit_chain SET last_seq = %s, last_hash = %s WHERE id = 1", [last_seq, last_hash]
            )
            # Rows this transaction already read show their seal from now on.
            self.invalidate_model(["chain_seq", "prev_hash", "hash", "is_sealed"])
        return sealed

    @api.model
    def _cron_seal(self):
        self._seal()

    @api.model
    def _verify_chain(self):
        """Walk the sealed chain; return ``{"checked": n, "broken": None | {...}}``."""
        checked, prev_hash, after = 0, audit_chain.GENESIS, 0
        while True:
            rows = self._select_rows("chain_seq > %s ORDER BY chain_seq", [after], VERIFY_BATCH)
            if not rows:
                break
            if rows[0]["chain_seq"] != after + 1:
                return {"checked": checked, "broken": {"id": rows[0]["id"], "reason": f"row {after + 1} is missing"}}
            count, broken = audit_chain.verify(rows, prev_hash)
            checked += count
            if broken:
                return {"checked": checked, "broken": broken}
            prev_hash, after = rows[-1]["hash"], rows[-1]["chain_seq"]
        self.env.cr.execute("SELECT last_seq, last_hash FROM integration_audit_chain WHERE id = 1")
        head_seq, head_hash = self.env.cr.fetchone()
        if (head_seq, head_hash) != (after, prev_hash):
            return {"checked": checked, "broken": {"id": None, "reason": "the end of the chain was removed"}}
        return {"checked": checked, "broken": None}

    @api.model
    def _verify_and_log(self):
        """Seal, verify the chain from its start and log that it was verified; returns ``(result, message, kind)``.

        The chain spans every company: an auditor restricted to one company
        still needs the whole chain checked, and only ids are reported.
        """
        Audit = self.sudo()
        Audit._seal()
        result = Audit._verify_chain()
        if result["broken"]:
            broken = result["broken"]
            message = _(
                "The chain is broken at entry %(id)s: %(reason)s. %(checked)s entries before it are intact.",
                id=broken["id"] or "-",
                reason=broken["reason"],
                checked=result["checked"],
            )
            kind = "danger"
        else:
            message = _("All %(checked)s entries are intact.", checked=result["checked"])
            kind = "success"
        self.env["integration.audit.log"]._log(
            "audit.verified", details={"checked": result["checked"], "broken": result["broken"]}
        )
        return result, message, kind

    @api.model
    def action_verify_chain(self):
        result, message, kind = self._verify_and_log()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {"title": _("Audit chain"), "message": message, "type": kind, "sticky": bool(result["broken"])},
        }
