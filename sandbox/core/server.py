"""Run the sandbox application on a threaded werkzeug server."""

import contextlib
import threading

from werkzeug.serving import WSGIRequestHandler, make_server

POLL_INTERVAL = 0.05


class QuietRequestHandler(WSGIRequestHandler):
    """Request handler that does not print a line per request; errors still show."""

    def log_request(self, *args, **kwargs):
        pass


def base_url(server) -> str:
    host = server.server_address[0]
    host = f"[{host}]" if ":" in host else host
    return f"http://{host}:{server.server_port}"


def serve(app, host: str = "127.0.0.1", port: int = 8079, on_ready=None) -> None:
    """Serve ``app`` until interrupted; ``on_ready(url)`` is called once listening."""
    server = make_server(host, port, app, threaded=True)
    if on_ready:
        on_ready(base_url(server))
    server.serve_forever(poll_interval=POLL_INTERVAL)


@contextlib.contextmanager
def running_server(app, host: str = "127.0.0.1", port: int = 0):
    """Serve ``app`` from a background thread and yield its base URL.

    With the default port 0 the system picks a free port. The server stops when the
    block exits; requests still being answered are abandoned.
    """
    server = make_server(host, port, app, threaded=True, request_handler=QuietRequestHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": POLL_INTERVAL}, daemon=True)
    thread.start()
    try:
        yield base_url(server)
    finally:
        server.shutdown()
        thread.join()
