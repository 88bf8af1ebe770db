"""Seconds from the command to the dashboard's first screen, in a real pseudo-terminal.

    python benchmarks/startup.py [--repeats 5] [--size 80x24] [--imports] [--keep-cache]

Each run forks ``python -m termnet`` (no arguments) on a new pseudo-terminal of the given size with
TERM=xterm-256color, and reads what it writes, escape codes stripped, until two moments:

* first screen: the Layers panel and the footer's Quit are both on screen: the dashboard is drawn
  and answers keys; this is the figure that matters to someone who types ``termnet``;
* data loaded: the header reads "<name> · <N> train" (the digits: "digits · 1,347 train"): the worker
  thread has loaded the dataset and the preset is fitted to it.

Then it sends "q" (and kills the process if it has not ended within a few seconds). Printed: each
run, then the median of each. The cache is an empty folder unless --keep-cache, so that the data is
the bundled 8x8 digits (a cached MNIST would be chosen instead, and is slower to load).
--imports adds ``python -X importtime`` for the modules the command imports before the app starts:
the total, and the packages that take longest (their own time, summed).
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import os
import pty
import re
import select
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.common import cpu_seconds  # noqa: E402

#: Escape sequences: CSI (cursor moves, colours, modes), OSC (title, clipboard), and two-byte ones.
_ESCAPES = re.compile(rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")
#: The first screen: the Build tab's layer panel title and the footer's quit key, drawn in one frame.
FIRST_SCREEN = (b"Layers", b"Quit")
#: The data loaded: the header's status, "digits · 1,347 train · 450 test · ...".
DATA_LOADED = re.compile(r"\S+ · [\d,]+ train".encode())
#: A run that shows neither within this many seconds is reported as failed.
TIMEOUT = 30.0


def visible(stream: bytes) -> bytes:
    """The text a terminal would show, without the escape codes between its pieces."""
    return _ESCAPES.sub(b"", stream)


def spawn(size: tuple[int, int], env: dict[str, str]) -> tuple[int, int]:
    """Fork ``python -m termnet`` on a new pseudo-terminal of ``size`` (columns, rows): (pid, master fd)."""
    pid, master = pty.fork()
    if pid == 0:  # the child: set the window size on its own side before Textual asks for it, then become termnet
        try:
            columns, rows = size
            fcntl.ioctl(sys.stdout.fileno(), termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
            os.execve(sys.executable, [sys.executable, "-m", "termnet"], env)
        finally:
            os._exit(127)  # only reached if exec failed
    return pid, master


def close(pid: int, master: int) -> None:
    """Quit with "q" as a person would; kill the process if it is still there a few seconds later."""
    with contextlib.suppress(OSError):
        os.write(master, b"q")
    reading, deadline = True, time.monotonic() + 5
    while time.monotonic() < deadline:
        if os.waitpid(pid, os.WNOHANG)[0]:
            break
        # keep reading what it writes while it closes: a full pseudo-terminal would block its exit
        if reading and select.select([master], [], [], 0.05)[0]:
            try:
                reading = bool(os.read(master, 65536))
            except OSError:  # EIO: its side of the terminal is closed
                reading = False
        elif not reading:
            time.sleep(0.05)
    else:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    os.close(master)


def one_run(size: tuple[int, int], env: dict[str, str]) -> tuple[float | None, float | None, float | None]:
    """Seconds from the fork to the first screen and to the data loaded (None: not seen in TIMEOUT), and the
    CPU seconds termnet had used when the first screen was drawn."""
    start = time.perf_counter()
    pid, master = spawn(size, env)
    stream = b""
    first = loaded = cpu = None
    try:
        while (first is None or loaded is None) and time.perf_counter() - start < TIMEOUT:
            ready, _, _ = select.select([master], [], [], 0.05)
            if not ready:
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the child ended
                break
            if not chunk:
                break
            now = time.perf_counter() - start
            stream += chunk
            text = visible(stream)
            if first is None and all(marker in text for marker in FIRST_SCREEN):
                first, cpu = now, cpu_seconds(pid, thread=pid)  # the main thread: the first screen's work
            if DATA_LOADED.search(text):
                loaded = now
    finally:
        close(pid, master)
    return first, loaded, cpu


def import_times(env: dict[str, str], top: int) -> None:
    """``-X importtime`` of what the command imports before the app starts: total, and the slowest packages."""
    code = "import termnet.cli; from termnet.app.app import make_app"
    result = subprocess.run([sys.executable, "-X", "importtime", "-c", code], env=env, capture_output=True,
                            text=True, check=True)
    own: dict[str, int] = {}
    for line in result.stderr.splitlines():
        parts = line.split("|")
        if len(parts) != 3 or not parts[0].startswith("import time:") or not parts[0].split(":")[1].strip().isdigit():
            continue  # the header line
        package = parts[2].strip().split(".")[0]
        own[package] = own.get(package, 0) + int(parts[0].split(":")[1])
    total = sum(own.values())
    print(f"\npython -X importtime -c {code!r}: {total / 1e6:.2f} s in all (one run); slowest packages, "
          f"their own time summed:")
    for package, micros in sorted(own.items(), key=lambda item: -item[1])[:top]:
        print(f"  {package:<20}{micros / 1e6:>7.3f} s")
    heavy = ("sklearn", "scipy", "pooch", "requests", "plotext")
    print(f"  imported: {', '.join(name for name in heavy if name in own) or 'none'}; "
          f"not imported: {', '.join(name for name in heavy if name not in own) or 'none'} (of {', '.join(heavy)})")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--size", default="80x24", help="columns x rows (default: 80x24)")
    parser.add_argument("--imports", action="store_true", help="also show python -X importtime's slowest packages")
    parser.add_argument("--top", type=int, default=12, help="with --imports: how many packages (default: 12)")
    parser.add_argument("--keep-cache", action="store_true",
                        help="use the real termnet cache (a cached MNIST is then loaded instead of the digits)")
    args = parser.parse_args(argv)
    size = tuple(int(n) for n in args.size.lower().split("x"))
    env = dict(os.environ, TERM="xterm-256color", COLUMNS=str(size[0]), LINES=str(size[1]))
    env.pop("NO_COLOR", None)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))  # this checkout's termnet
    with tempfile.TemporaryDirectory() as cache:
        if not args.keep_cache:
            env["TERMNET_CACHE_DIR"] = cache
        print(f"python -m termnet at {size[0]}x{size[1]}, {args.repeats} runs, {os.cpu_count()} CPUs "
              f"(load average {os.getloadavg()[0]:.2f})")
        print(f"{'run':>4}{'first screen s':>16}{'data loaded s':>15}{'main thread CPU s':>19}")
        firsts, loads, cpus = [], [], []
        for run in range(1, args.repeats + 1):
            first, loaded, cpu = one_run(size, env)
            print(f"{run:>4}{_seconds(first):>16}{_seconds(loaded):>15}{_seconds(cpu):>19}")
            firsts += [first] if first is not None else []
            loads += [loaded] if loaded is not None else []
            cpus += [cpu] if cpu is not None else []
        print(f"\nmedian first screen (Layers panel and footer drawn): {_median(firsts)} s "
              f"(CPU time of termnet's main thread by then: {_median(cpus)} s)")
        print(f"median data loaded (header shows the dataset):       {_median(loads)} s")
        if args.imports:
            import_times(env, args.top)
    return 0 if len(firsts) == len(loads) == args.repeats else 1


def _median(values: list[float]) -> str:
    return _seconds(statistics.median(values) if values else None)


def _seconds(value: float | None) -> str:
    return "not seen" if value is None else f"{value:.3f}"


if __name__ == "__main__":
    sys.exit(main())
