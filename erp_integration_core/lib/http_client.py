"""An HTTP client for connectors: timeouts, short retries, masked logging.

A call retries a few times in-process with exponential backoff and jitter on
timeouts, connection errors, 429 and 5xx, honouring ``Retry-After`` when it is
short. Anything longer is the queue's business: the client raises
``TransientError`` carrying ``retry_after`` so the job can be postponed
instead of holding a worker.
"""

import email.utils
import logging
import random
import time

import requests

from .errors import AuthError, TransientError, ValidationError
from .payload import safe_headers

_logger = logging.getLogger(__name__)

RETRY_STATUSES = {429, 500, 502, 503, 504}
NOT_RESENT = "; it may have gone through, so it is not sent again blindly"


def parse_retry_after(value):
    """Seconds to wait from a ``Retry-After`` header (delta seconds or HTTP date)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value)
        return max(0.0, parsed.timestamp() - time.time()) if parsed else None


class HttpClient:
    """A ``requests`` session with the retry and logging policy above.

    Channel clients subclass it or hold one; ``base_url`` and ``headers`` are
    fixed per backend, credentials included (they are masked in logs).
    """

    def __init__(
        self,
        base_url,
        headers=None,
        timeout=20,
        retries=2,
        backoff=0.5,
        max_inline_wait=5.0,
        session=None,
    ):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.max_inline_wait = max_inline_wait
        self.session = session or requests.Session()
        self.session.headers.update(headers or {})

    def _delay(self, attempt, retry_after):
        if retry_after is not None:
            return retry_after
        return self.backoff * (2**attempt) * (1 + random.random() / 2)

    def _on_response(self, response):
        """Every answer, retried ones included, before it is judged: a channel's pacing hook."""

    def _retry_after(self, response):
        """Seconds the remote asks to wait before the next attempt (``Retry-After``), or None."""
        return parse_retry_after(response.headers.get("Retry-After"))

    def request(self, method, path, allowed=(), resend=True, **kwargs):
        """Send a request; statuses in ``allowed`` (a 404, say) are returned instead of raised.

        ``resend=False`` is for a call that would act twice if sent twice (one
        that creates something, with no key for the remote to know it again):
        once it may have reached the remote (a read timeout, a dropped
        connection, a 5xx), it is not sent again here but raised, so that the
        retry first reads what the remote has. One refused before it was read
        (a 429, a connection that timed out being made) is sent again as usual;
        a refused connection is raised too, as the error does not always say
        whether the request had left.
        """
        url = path if path.startswith("http") else f"{self.base_url}/{path.lstrip('/')}"
        kwargs.setdefault("timeout", self.timeout)
        for attempt in range(self.retries + 1):
            retry_after = None
            try:
                response = self.session.request(method, url, **kwargs)
            except (requests.Timeout, requests.ConnectionError) as err:
                reason = f"{method} {url} failed: {err.__class__.__name__}"
                if not resend and not isinstance(err, requests.ConnectTimeout):
                    raise TransientError(f"{reason}{NOT_RESENT}") from err
            else:
                _logger.debug(
                    "%s %s -> %s (headers %s)",
                    method,
                    url,
                    response.status_code,
                    safe_headers(response.request.headers),
                )
                self._on_response(response)
                if response.status_code in allowed:
                    return response
                if response.status_code in (401, 403):
                    raise AuthError(
                        f"{method} {url} was refused with HTTP {response.status_code}. "
                        "Check the backend's credentials, then press Retry."
                    )
                if response.status_code not in RETRY_STATUSES:
                    if response.status_code >= 400:
                        raise ValidationError(
                            f"{method} {url} answered HTTP {response.status_code}: {response.text[:500]}"
                        )
                    return response
                retry_after = self._retry_after(response)
                reason = f"{method} {url} answered HTTP {response.status_code}"
                if not resend and response.status_code != 429:
                    raise TransientError(f"{reason}{NOT_RESENT}", retry_after=retry_after)
            delay = self._delay(attempt, retry_after)
            if attempt == self.retries or delay > self.max_inline_wait:
                raise TransientError(reason, retry_after=retry_after)
            _logger.info("%s; retrying in %.1fs", reason, delay)
            time.sleep(delay)
        raise AssertionError("unreachable")

    def get_json(self, path, **kwargs):
        return self.request("GET", path, **kwargs).json()

    def post_json(self, path, payload, **kwargs):
        return self.request("POST", path, json=payload, **kwargs).json()
