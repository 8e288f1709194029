"""The webhook delivery as connectors see it, independent of the web framework."""

from dataclasses import dataclass, field

from werkzeug.datastructures import Headers


@dataclass(frozen=True)
class WebhookRequest:
    """One delivery: what a signature may cover, plus the topic from the address.

    ``headers`` is case-insensitive, as HTTP headers are.
    """

    body: bytes
    headers: Headers = field(default_factory=Headers)
    method: str = "POST"
    url: str = ""
    topic: str | None = None

    @classmethod
    def build(cls, body, headers=None, **kwargs):
        if not isinstance(headers, Headers):
            headers = Headers(dict(headers or {}))
        return cls(body=body, headers=headers, **kwargs)
