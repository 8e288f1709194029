"""Command line entry point.

``python -m sandbox`` serves every registered system; ``python -m sandbox inspect
<system>`` and ``python -m sandbox act <system> <action> [key=value ...]`` talk
to a running sandbox through its control API.
"""

import argparse
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
    return parser.parse_args(argv)


def interrupt(signum, frame):
    """Stop the server loop, whether or not the parent left SIGINT ignored."""
    raise KeyboardInterrupt


def announce(url: str) -> None:
    print(f"Sandbox serving on {url}", flush=True)


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
        serve(app, args.host, args.port, on_ready=announce)
    except KeyboardInterrupt:
        pass
    finally:
        app.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
