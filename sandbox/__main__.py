"""Command line entry point.

``python -m sandbox`` serves every registered system (``--https-port`` adds an
HTTPS listener); ``python -m sandbox inspect <system>`` and ``python -m sandbox
act <system> <action> [key=value ...]`` talk to a running sandbox through its
control API.
"""

import argparse
import contextlib
import json
import os
import signal
import sys

from .core import serve
from .systems import build_app


def parse_args(argv=None):
    """Read the options, falling back to SANDBOX_HOST, SANDBOX_PORT and SANDBOX_SEED."""
    env = os.environ
    parser = argparse.ArgumentParser(
        prog="python -m sandbox",
        description="Serve local stand-ins for the remote systems the addons talk to.",
    )
    parser.add_argument("--host", default=env.get("SANDBOX_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(env.get("SANDBOX_PORT", "8079")))
    parser.add_argument(
        "--seed",
        type=int,
        default=int(env["SANDBOX_SEED"]) if env.get("SANDBOX_SEED") else None,
        help="make generated data and injected faults reproducible",
    )
    parser.add_argument(
        "--https-port",
        type=int,
        default=int(env["SANDBOX_HTTPS_PORT"]) if env.get("SANDBOX_HTTPS_PORT") else None,
        help="also serve over HTTPS on this port (0: any free port), with Shopify's shop paths (/admin/...) "
        "at the root as on {shop}.myshopify.com; needs trustme",
    )
    parser.add_argument(
        "--tls-dir",
        default=env.get("SANDBOX_TLS_DIR"),
        help="where the HTTPS certificate authority (ca.pem) and server certificate are written "
        "(default: tls/ in the sandbox cache directory)",
    )
    return parser.parse_args(argv)


def interrupt(signum, frame):
    """Stop the server loop, whether or not the parent left SIGINT ignored."""
    raise KeyboardInterrupt


def announce(url: str, https=None) -> None:
    print(f"Sandbox serving on {url}", flush=True)
    if https:
        print(f"Sandbox serving HTTPS on {https.url} with certificate authority {https.ca_pem}", flush=True)


def https_listener(app, args):
    """Serve ``app`` over HTTPS from a background thread, the shop's paths also at the root."""
    from .shopify.schema import cache_dir
    from .shopify.tls import make_certificates, running_https_server, shop_domain

    certificates = make_certificates(args.tls_dir or cache_dir() / "tls")
    return running_https_server(shop_domain(app), args.host, args.https_port, certificates)


def control(argv) -> int:
    """``inspect`` and ``act``: the control API from the shell."""
    import requests

    parser = argparse.ArgumentParser(prog="python -m sandbox", description="Steer a running sandbox.")
    parser.add_argument("command", choices=["inspect", "act"])
    parser.add_argument("system")
    parser.add_argument("action", nargs="?")
    parser.add_argument("params", nargs="*", help="key=value, the value parsed as JSON when it can be")
    parser.add_argument("--url", default=os.environ.get("SANDBOX_URL", "http://127.0.0.1:8079"))
    args = parser.parse_args(argv)
    base = f"{args.url}/_sandbox/systems/{args.system}"
    if args.command == "inspect":
        response = requests.get(base, timeout=10)
    elif not args.action:
        response = requests.get(f"{base}/actions", timeout=10)
    else:
        params = {}
        for pair in args.params:
            key, _, value = pair.partition("=")
            try:
                params[key] = json.loads(value)
            except ValueError:
                params[key] = value
        response = requests.post(f"{base}/actions/{args.action}", json=params, timeout=30)
    print(json.dumps(response.json(), indent=2))
    return 0 if response.ok else 1


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in ("inspect", "act"):
        return control(argv)
    args = parse_args(argv)
    app = build_app(seed=args.seed)
    signal.signal(signal.SIGINT, interrupt)
    signal.signal(signal.SIGTERM, interrupt)
    try:
        with contextlib.ExitStack() as stack:
            https = stack.enter_context(https_listener(app, args)) if args.https_port is not None else None
            serve(app, args.host, args.port, on_ready=lambda url: announce(url, https))
    except KeyboardInterrupt:
        pass
    finally:
        app.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
