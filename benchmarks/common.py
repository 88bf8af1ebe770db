"""Shared helpers for the benchmarks: finding MNIST, and timing by median of runs."""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
DEFAULT_MNIST = REPO.parent / "shared" / "data" / "mnist"


def mnist_dir(option: str | None = None) -> Path | None:
    """The MNIST folder from an option, $TERMNET_MNIST_DIR or ../shared/data/mnist, if it exists."""
    for candidate in (option, os.environ.get("TERMNET_MNIST_DIR"), DEFAULT_MNIST):
        if candidate and (Path(candidate) / "t10k-images-idx3-ubyte.gz").is_file():
            return Path(candidate)
    return None


def load_mnist_or_synthetic(option: str | None = None, samples: int = 60000):
    """(x_train, y_train, x_test, y_test, description): real MNIST when present, else random images."""
    folder = mnist_dir(option)
    if folder:
        from termnet.data import load_dataset

        data = load_dataset("mnist", data_dir=folder)
        return data.x_train, data.y_train, data.x_test, data.y_test, f"MNIST from {folder}"
    rng = np.random.default_rng(0)
    x = rng.random((samples, 1, 28, 28), dtype=np.float32)
    y = rng.integers(0, 10, samples)
    return x, y, x[:10000], y[:10000], "random 28x28 images (real MNIST not found)"


def peak_resident_mib(field: str = "VmHWM", pid: int | str = "self") -> float:
    """A process's peak resident memory in MiB (``field="VmRSS"``: the current one, on Linux); this one's
    unless ``pid`` names another (a helper process).

    Linux's ``getrusage`` carries a parent's peak into a child across fork and exec, so a fresh
    subprocess started by a big benchmark would report the parent's; the kernel's VmHWM is the
    peak of this process's own memory. Elsewhere, ``getrusage`` (this process only).
    """
    status = Path(f"/proc/{pid}/status")
    if status.is_file():
        for line in status.read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    import resource

    unit = 1 if sys.platform == "darwin" else 1024  # bytes on macOS, KiB elsewhere
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * unit / 2**20


def cpu_seconds(pid: int, thread: int | None = None) -> float | None:
    """The CPU time process ``pid`` (or only its thread ``thread``) has used so far, from Linux's /proc; None
    elsewhere or once it has ended. On a machine shared with other work, wall-clock figures grow with the
    load; this one much less."""
    path = f"/proc/{pid}/stat" if thread is None else f"/proc/{pid}/task/{thread}/stat"
    try:
        fields = Path(path).read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime and stime, in clock ticks


def seconds(fn, *args) -> float:
    """Wall-clock seconds of one call."""
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


def median_seconds(fn, *args, repeats: int = 5) -> float:
    return statistics.median(seconds(fn, *args) for _ in range(repeats))
