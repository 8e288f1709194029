"""Pure-Python Shopify code: the GraphQL client and payload parsers (no Odoo import)."""
