"""HTTPS for clients that insist on it, such as Shopify's own Python library.

``trustme`` makes a throw-away certificate authority and a server certificate for
``127.0.0.1`` and ``localhost`` at start-up; clients verify against the CA file
(``requests.get(url, verify=ca_pem)``, or ``SSL_CERT_FILE=ca_pem`` for ``urllib``).
Nothing here runs unless asked, so plain ``python -m sandbox`` stays fast::

    from sandbox import build_app
    from sandbox.shopify.tls import running_https_server

    app = build_app()
    with running_https_server(app, port=8443) as (url, ca_pem):
        ...  # https://127.0.0.1:8443/shopify/admin/api/2026-01/graphql.json

``python -m sandbox --https-port 8443`` serves the same app over HTTPS beside the plain
HTTP port, with the shop's paths also at the root (``shop_domain``), and writes the CA
file to ``--tls-dir``.
"""

import contextlib
import ssl
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from werkzeug.serving import make_server

from ..core.server import POLL_INTERVAL, QuietRequestHandler

HOSTS = ("127.0.0.1", "localhost")
# What a shop's own domain answers: ``https://{shop}.myshopify.com/admin/api/...`` and bulk results.
SHOP_PATHS = ("/admin/", "/bulk/")


@dataclass
class Certificates:
    """PEM files of a local CA and of a server certificate it signed."""

    ca_pem: Path
    cert_pem: Path
    key_pem: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert_pem, self.key_pem)
        return context


def make_certificates(directory: Path | str, hosts=HOSTS) -> Certificates:
    """Write a fresh CA and a server certificate for ``hosts`` into ``directory``."""
    import trustme

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    authority = trustme.CA(organization_name="ERP integration sandbox")
    server = authority.issue_cert(*hosts)
    certificates = Certificates(directory / "ca.pem", directory / "server.pem", directory / "server.key")
    authority.cert_pem.write_to_path(str(certificates.ca_pem))
    server.cert_chain_pems[0].write_to_path(str(certificates.cert_pem))
    server.private_key_pem.write_to_path(str(certificates.key_pem))
    return certificates


class HttpsServer(NamedTuple):
    url: str
    ca_pem: Path


@contextlib.contextmanager
def running_https_server(app, host: str = "127.0.0.1", port: int = 0, certificates: Certificates | None = None):
    """Serve ``app`` over HTTPS from a background thread; yield its URL and the CA file to trust.

    Without ``certificates``, a new CA is made in a temporary directory removed on exit.
    """
    with contextlib.ExitStack() as stack:
        if certificates is None:
            certificates = make_certificates(stack.enter_context(tempfile.TemporaryDirectory()))
        server = make_server(
            host,
            port,
            app,
            threaded=True,
            request_handler=QuietRequestHandler,
            ssl_context=certificates.server_context(),
        )
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": POLL_INTERVAL}, daemon=True)
        thread.start()
        try:
            yield HttpsServer(f"https://{host}:{server.server_port}", certificates.ca_pem)
        finally:
            server.shutdown()
            thread.join()


def shop_domain(app, prefix: str = "/shopify"):
    """``app`` with the shop's paths also answered at the root, as on ``{shop}.myshopify.com``.

    For clients that take a shop host (``127.0.0.1:8443``) rather than a URL and build
    ``https://{host}/admin/api/...`` themselves: ``/admin/...`` is served as ``/shopify/admin/...``.
    Everything else, ``/shopify/...`` and the control API included, is left as it is.
    """

    def wsgi(environ, start_response):
        path = environ.get("PATH_INFO") or "/"
        if path.startswith(SHOP_PATHS):
            environ = dict(environ, PATH_INFO=prefix + path)
        return app(environ, start_response)

    return wsgi
