"""A quarter's VAT return over 10,000 integration-created invoices (``make bench-mtd``).

A database with the suite and the demo company (UK chart, VAT); 10,000 posted
customer invoices of one quarter at 20 %, 5 % and 0 %, each linked to the
Shopify order exchange it came from. Measured inside Odoo: the return computed
(nine boxes and every journal item behind them, with its payload reference),
and box 1 opened with its first page of journal items and their payloads.

    python3 -m tests.bench.mtd --odoo-bin "python3 /opt/odoo19/odoo-bin" --addons-path ...
"""

import argparse
import tempfile
from pathlib import Path

from .shopify import Odoo, log

DB = "erp_integration_bench_mtd"
SUITE = "erp_integration_core,erp_integration_sale_stock,erp_integration_shopify,erp_integration_mtd"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--odoo-bin", required=True)
    parser.add_argument("--addons-path", required=True)
    parser.add_argument("--db-flag", action="append", default=[])
    parser.add_argument("--invoices", type=int, default=10_000)
    options = parser.parse_args()
    odoo = Odoo(options.odoo_bin, options.addons_path, options.db_flag, Path(tempfile.mkdtemp(prefix="bench-mtd-")))
    odoo.create(DB, f"{SUITE},erp_integration_demo")
    try:
        made = odoo.shell(DB, "invoices", "mtd_odoo", count=options.invoices)
        log(f"Invoices: {made}")
        figures = odoo.shell(DB, "measure", "mtd_odoo")
        log(f"Return: {figures}")
    finally:
        odoo.drop(DB)
    print()
    print("| measure | figure |")
    print("|---|---:|")
    print(f"| posted invoices in the quarter, each from an exchange | {made['invoices']:,} |")
    print(f"| journal items behind the boxes | {figures['lines']:,} |")
    print(f"| return computed (nine boxes and their journal items) | {figures['compute_s']:.2f} s (bound 5 s) |")
    print(
        f"| box 1 opened: first page of its {figures['box1_lines']:,} items | {figures['drill_s']:.3f} s (bound 1 s) |"
    )
    print(f"| of which with their payload's reference | {figures['with_payload']} of 80 |")


if __name__ == "__main__":
    main()
