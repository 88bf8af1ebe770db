"""Starting the dashboard from the command line, in a terminal or served to a browser."""

from __future__ import annotations

import shlex
import sys


def run_app(args) -> int:
    from pathlib import Path

    if args.data_dir and not Path(args.data_dir).is_dir():
        raise ValueError(f"Data directory {args.data_dir} does not exist")
    from .app import make_app

    make_app(data_name=args.data, data_dir=args.data_dir).run()
    return 0


def serve_app(args) -> int:
    try:
        from textual_serve.server import Server
    except ImportError:
        raise ValueError("termnet serve needs textual-serve: pip install textual-serve") from None
    command = [sys.executable, "-m", "termnet"]
    if args.data:
        command += ["--data", args.data]
    if args.data_dir:
        command += ["--data-dir", args.data_dir]
    print(f"Serving the termnet dashboard on http://{args.host}:{args.port} (Ctrl+C stops)")
    Server(shlex.join(command), host=args.host, port=args.port, title="termnet").serve()
    return 0
