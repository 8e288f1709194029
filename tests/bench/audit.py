"""Audit log: appends per second inside a transaction, sealing and verifying a long chain.

Runs inside Odoo against the given database (a throwaway copy: it adds a
million audit rows). ``--rows`` sets the chain length to verify.

    python3 -m tests.bench.audit -d DATABASE --addons-path ... [--rows 1000000]
"""

import argparse
import time

import odoo
from odoo import SUPERUSER_ID, api
from odoo.modules.registry import Registry

APPENDS = 20000


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--addons-path", required=True)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("odoo_args", nargs="*")
    args = parser.parse_args()
    odoo.tools.config.parse_config(["-d", args.database, f"--addons-path={args.addons_path}", *args.odoo_args])
    registry = Registry(args.database)

    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        Audit = env["integration.audit.log"]
        backend = env["integration.backend"].search([], limit=1)
        began = time.perf_counter()
        for number in range(APPENDS):
            Audit._log("bench.append", backend=backend, details={"n": number})
        elapsed = time.perf_counter() - began
        print(f"append (one insert per entry, one transaction): {APPENDS / elapsed:,.0f} entries/s")
        cr.rollback()

    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        Audit = env["integration.audit.log"]
        Audit._seal()
        cr.execute("SELECT count(*) FROM integration_audit_log")
        existing = cr.fetchone()[0]
        missing = max(0, args.rows - existing)
        began = time.perf_counter()
        cr.execute(
            """
            INSERT INTO integration_audit_log (event, company_id, user_id, details, create_uid, create_date)
            SELECT 'bench.row', 1, 1, '{"n":' || n || '}', 1, now() at time zone 'UTC'
              FROM generate_series(1, %s) n
            """,
            [missing],
        )
        cr.commit()
        print(f"filled the log to {args.rows:,} rows by SQL in {time.perf_counter() - began:.1f}s")
        began = time.perf_counter()
        sealed = Audit._seal()
        cr.commit()
        elapsed = time.perf_counter() - began
        print(f"seal: {sealed:,} rows in {elapsed:.1f}s = {sealed / elapsed:,.0f} rows/s")
        began = time.perf_counter()
        result = Audit._verify_chain()
        elapsed = time.perf_counter() - began
        print(
            f"verify: {result['checked']:,} rows in {elapsed:.1f}s = {result['checked'] / elapsed:,.0f} rows/s "
            f"(target 20,000 rows/s), broken: {result['broken']}"
        )


if __name__ == "__main__":
    main()
