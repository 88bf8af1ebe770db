"""How long loading MNIST from the cache takes: checksums verified, IDX parsed, scaled to float32.

    python benchmarks/data.py [--data-dir DIR] [--repeats 5]

The cache is built in a temporary folder from the real MNIST files at hand; the training
images are tiled to the full 60,000 so the files have their published size. The checksums
termnet verifies are those of these files, so the whole cached path runs as for a user.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import mnist_dir  # noqa: E402
from termnet.data import datasets, load_dataset, read_idx, write_idx  # noqa: E402
from termnet.data.sources import MNIST, ROLES  # noqa: E402


def build_cache(folder: Path, cache: Path) -> dict[str, str]:
    target = cache / "mnist"
    target.mkdir(parents=True)
    hashes = {}
    for role in ROLES:
        array = read_idx(folder / MNIST.files[role])
        if role.startswith("train"):
            array = np.resize(array, (60000,) + array.shape[1:])  # tiled to the full training set
        write_idx(target / MNIST.files[role], array)
        hashes[role] = hashlib.sha256((target / MNIST.files[role]).read_bytes()).hexdigest()
    return hashes


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    folder = mnist_dir(args.data_dir)
    if folder is None:
        print("Real MNIST not found (give --data-dir or set TERMNET_MNIST_DIR): nothing to measure.")
        return
    with tempfile.TemporaryDirectory() as cache:
        os.environ["TERMNET_CACHE_DIR"] = cache
        hashes = build_cache(folder, Path(cache))
        datasets.SOURCES["mnist"] = replace(MNIST, hashes=hashes)
        sizes = sum(p.stat().st_size for p in (Path(cache) / "mnist").iterdir())
        times = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            data = load_dataset("mnist", download=False)
            times.append(time.perf_counter() - start)
        assert "from the cache" in data.description
        print(f"Cached MNIST, {len(data.x_train):,} + {len(data.x_test):,} images, {sizes / 1e6:.1f} MB of gzip: "
              f"load_dataset('mnist') median {statistics.median(times):.2f} s over {args.repeats} runs "
              f"(min {min(times):.2f}, max {max(times):.2f}), checksums included")


if __name__ == "__main__":
    main()
