"""Small IDX datasets written by tests, and a local HTTP server to download them from."""

from __future__ import annotations

import functools
import hashlib
import http.server
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from termnet.data import write_idx
from termnet.data.sources import STANDARD_FILES, Source


def write_tiny_mnist(folder: Path, train=12, test=5, seed=0, gz=True) -> dict[str, np.ndarray]:
    """Four IDX files of random 28x28 images, every digit present in train; returns the arrays."""
    rng = np.random.default_rng(seed)
    arrays = {
        "train_images": rng.integers(0, 256, (train, 28, 28), dtype=np.uint8),
        "train_labels": (np.arange(train) % 10).astype(np.uint8),
        "test_images": rng.integers(0, 256, (test, 28, 28), dtype=np.uint8),
        "test_labels": (np.arange(test) % 10).astype(np.uint8),
    }
    folder.mkdir(parents=True, exist_ok=True)
    for role, array in arrays.items():
        name = STANDARD_FILES[role] if gz else STANDARD_FILES[role].removesuffix(".gz")
        write_idx(folder / name, array)
    return arrays


def source_for(folder: Path, mirrors: tuple[str, ...], name="mnist") -> Source:
    """A Source whose checksums and sizes are those of the files in ``folder``."""
    hashes = {role: hashlib.sha256((folder / f).read_bytes()).hexdigest() for role, f in STANDARD_FILES.items()}
    sizes = {role: (folder / f).stat().st_size for role, f in STANDARD_FILES.items()}
    return Source(name, "Test digits", STANDARD_FILES, hashes, mirrors, "TERMNET_MNIST_MIRRORS",
                  tuple(str(d) for d in range(10)), sizes=sizes)


class _AnnouncingHandler(http.server.SimpleHTTPRequestHandler):
    """Serves a file's headers honestly; subclasses decide how (and whether) its body follows."""

    def announce(self) -> bytes | None:
        """The requested file's bytes after a 200 and its true Content-Length, or None after a 404."""
        path = Path(self.translate_path(self.path))
        if not path.is_file():
            self.send_error(404)
            return None
        data = path.read_bytes()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        return data


class _TruncatingHandler(_AnnouncingHandler):
    """Announces the whole file, sends half of it, then hangs up: an interrupted download."""

    def do_GET(self):
        data = self.announce()
        if data is None:
            return
        self.wfile.write(data[: len(data) // 2])
        self.wfile.flush()
        self.close_connection = True


class _DrippingHandler(_AnnouncingHandler):
    """Announces the file, then sends one byte every ``interval`` seconds: each read is quick, the whole never ends."""

    interval = 0.2

    def do_GET(self):
        data = self.announce()
        if data is None:
            return
        try:
            for position in range(len(data)):
                self.wfile.write(data[position:position + 1])
                self.wfile.flush()
                time.sleep(self.interval)
        except OSError:  # the client gave up: what the test wants
            pass


class _EndlessHandler(http.server.SimpleHTTPRequestHandler):
    """Sends the file, then zeros without end, with no Content-Length (or a false one): a runaway mirror."""

    announce: int | None = None

    def do_GET(self):
        path = Path(self.translate_path(self.path))
        if not path.is_file():
            self.send_error(404)
            return
        self.send_response(200)
        if self.announce is not None:
            self.send_header("Content-Length", str(self.announce))
        self.end_headers()
        block = bytes(64 * 1024)
        try:
            self.wfile.write(path.read_bytes())
            for _ in range(200_000):  # 13 GB: a bound only so a broken client cannot keep the thread forever
                self.wfile.write(block)
        except OSError:
            pass
        self.close_connection = True


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextmanager
def http_server(folder: Path, truncate: bool = False, drip: bool = False, endless: bool = False,
                announce: int | None = None):
    """Serve ``folder`` on 127.0.0.1 at a free port; yields the base URL.

    ``truncate``: half of each file, then hang up; ``drip``: one byte every 0.2 s; ``endless``: the file,
    then zeros without end (``announce``: the Content-Length to claim, none by default).
    """
    handler = _TruncatingHandler if truncate else _DrippingHandler if drip else _QuietHandler
    if endless:
        handler = type("Endless", (_EndlessHandler,), {"announce": announce})
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def closed_port_url() -> str:
    """A URL on 127.0.0.1 where nothing listens: a mirror that is down."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/"
