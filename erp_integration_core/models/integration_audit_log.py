import json
import logging

from psycopg2 import errors as pg_errors

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..lib import audit_chain

_logger = logging.getLogger(__name__)

# Columns a row is inserted with; the seal columns are filled once, later.
INSERT_COLUMNS = ("event", "company_id", "backend_id", "exchange_id", "res_model", "res_id", "user_id", "details")
SEAL_BATCH = 5000
VERIFY_BATCH = 20000


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
    event = fields.Char(readonly=True, required=True, index=True)
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

    _chain_seq_unique = models.Constraint("UNIQUE(chain_seq)", "Two audit rows cannot hold one place in the chain.")

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

    @api.model_create_multi
    def create(self, vals_list):
        raise UserError(_("Audit entries are written by the integration suite only."))

    def write(self, vals):
        raise UserError(_("Audit entries cannot be changed."))

    def unlink(self):
        raise UserError(_("Audit entries cannot be deleted."))

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
    def action_verify_chain(self):
        # The chain spans every company: an auditor restricted to one company
        # still needs the whole chain checked, and only ids are reported.
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
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {"title": _("Audit chain"), "message": message, "type": kind, "sticky": bool(result["broken"])},
        }
