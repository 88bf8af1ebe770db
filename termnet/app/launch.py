"""Starting the dashboard from the command line, in a terminal or served to a browser."""

from __future__ import annotations

import shlex
import sys


def run_app(args) -> int:
    from pathlib import Path

    if args.data_dir and not Path(args.data_dir).is_dir():
        raise ValueError(f"Data directory {args.data_dir} does not exist")
    from ..cli.planar_options import planar_options
    from .app import make_app

    make_app(data_name=args.data, data_dir=args.data_dir, planar=planar_options(args, args.data)).run()
    return 0


def serve_app(args) -> int:
    try:
        from textual_serve.server import Server
    except ImportError:
        raise ValueError("termnet serve needs textual-serve: pip install textual-serve") from None
    import errno
    import socket

    # Bind host:port as the server will (address reuse on, as asyncio's servers set it on Unix) and close it at
    # once: a busy port is refused in one line before "Serving ..." rather than by a traceback after it.
    try:
        family, kind, proto, _, address = socket.getaddrinfo(args.host, args.port, type=socket.SOCK_STREAM)[0]
        with socket.socket(family, kind, proto) as probe:
            if sys.platform != "win32":
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(address)
    except (OSError, UnicodeError) as error:  # socket.gaierror (an unknown host) is an OSError
        if getattr(error, "errno", None) == errno.EADDRINUSE:
            raise ValueError(f"port {args.port} on {args.host} is in use: choose another with --port") from None
        raise ValueError(f"cannot serve on {args.host} port {args.port}: {getattr(error, 'strerror', None) or error}"
                         f" (check --host and --port)") from None
    command = [sys.executable, "-m", "termnet"]
    if args.data:
        command += ["--data", args.data]
    if args.data_dir:
        command += ["--data-dir", args.data_dir]
    from ..data import PLANAR_OPTIONS

    for name, option, _, _ in PLANAR_OPTIONS:  # the 2-D data options, as given
        value = getattr(args, name, None)
        if value is not None:
            command += [option, ",".join(value) or "none" if name == "features" else str(value)]
    print(f"Serving the termnet dashboard on http://{args.host}:{args.port} (Ctrl+C stops)")
    Server(shlex.join(command), host=args.host, port=args.port, title="termnet").serve()
    return 0

