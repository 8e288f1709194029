"""Pure-Python building blocks of the integration core.

Nothing in this package imports Odoo: signatures, payload handling, the
mapping engine, the audit chain and the HTTP client are tested with plain
pytest and reused by the channel addons.
"""
