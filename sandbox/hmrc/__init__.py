"""A stand-in for HMRC's VAT (Making Tax Digital) API: OAuth 2.0, obligations, returns, fraud prevention headers."""

from .system import HmrcSystem

__all__ = ["HmrcSystem"]
