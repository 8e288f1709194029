"""Command line entry point: ``python -m sandbox`` serves every registered system."""

import argparse
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


def main(argv=None) -> int:
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
