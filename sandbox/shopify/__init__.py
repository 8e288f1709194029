"""A local stand-in for Shopify: the 2026-01 Admin GraphQL API validated against the real schema."""

from .system import ShopifySystem

__all__ = ["ShopifySystem"]
