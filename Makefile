# The two commands of the suite are `make run` and `make test`; the rest are
# what they are built from. Everything runs on this machine's python3.

SHELL := /bin/bash
PYTHON ?= python3

.PHONY: help run test lint format bench bench-intake bench-audit bench-shopify bench-hubspot bench-3pl bench-mtd soak pot screenshots

help:
	@echo "make run     demo database + sandbox + Odoo with the job runner (Ctrl-C stops all)"
	@echo "make test    throwaway database with every addon, then every test"
	@echo "make lint    ruff check and format check"
	@echo "make bench   webhook intake and audit log benchmarks"
	@echo "make bench-shopify  Shopify order import (burst, 4/s, backlog) and stock push against the OCA connector (~25 min)"
	@echo "make bench-hubspot  HubSpot initial load of 12,000 records at the standard limit, 200 won deals (~15 min)"
	@echo "make bench-3pl  1,000 warehouse shipments out and despatched back, a 10,000-SKU stock reconciliation"
	@echo "make soak    reliability suite: duplicate storm, crash, security, two servers (SOAK_SCALE=0.1 for a quick run)"
	@echo "make bench-mtd  a quarter's VAT return over 10,000 integration-created invoices, a box drilled down"
	@echo "make screenshots  the README's screenshots, taken afresh from a throwaway demo (needs Chromium)"

run:
	@scripts/run

test:
	@scripts/test

lint:
	$(PYTHON) -m pip install --quiet --disable-pip-version-check "ruff>=0.6"
	$(PYTHON) -m ruff check .
	$(PYTHON) -m ruff format --check .

format:
	$(PYTHON) -m ruff format .
	$(PYTHON) -m ruff check --fix .

bench: bench-intake bench-audit

bench-intake:
	@scripts/bench intake

bench-audit:
	@scripts/bench audit

bench-shopify:
	@scripts/bench shopify

bench-hubspot:
	@scripts/bench hubspot

bench-3pl:
	@scripts/bench 3pl

bench-mtd:
	@scripts/bench mtd

soak:
	@scripts/soak

pot:
	@scripts/export-pot

screenshots:
	@scripts/screenshots
