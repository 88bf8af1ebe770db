"""A sweep's trials in parallel processes against one after another: the wall-clock ratio.

    python benchmarks/sweep.py [--trials 8] [--workers 2] [--repeats 3] [--epochs 2]

8 small trials (the mlp preset on the digits, 8 learning rates) run once in this process one after
another (one BLAS thread, as each worker has) and once in ``--workers`` processes (``termnet sweep``'s
runner, pool start-up included). Ideal: 1/workers. The two alternate ``--repeats`` times and the medians
are printed; on a machine shared with other work the ratio is noisy, so say how loaded it was.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from termnet.data import load_dataset  # noqa: E402
from termnet.spec import load_spec  # noqa: E402
from termnet.sweep import grid, make_jobs, pack_data, run_local, setting_axis  # noqa: E402


def timed(jobs, packed, workers: int) -> float:
    started = time.perf_counter()
    results = list(run_local(jobs, packed, workers))
    assert len(results) == len(jobs) and all(r["status"] == "ok" for r in results), results
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=2)
    args = parser.parse_args()
    spec = load_spec("mlp")
    axes = [setting_axis("learning_rate", f"1e-3:1e-1:{args.trials}log")]
    jobs = make_jobs(spec, grid(axes, [0]), axes, {"epochs": args.epochs, "schedule": "constant"})
    packed = pack_data(load_dataset("digits"))
    serial, parallel = [], []
    for _ in range(args.repeats):
        serial.append(timed(jobs, packed, 1))
        parallel.append(timed(jobs, packed, args.workers))
    s, p = statistics.median(serial), statistics.median(parallel)
    print(f"{len(jobs)} trials, {args.epochs} epoch(s) each, mlp on the digits; {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"one after another: median {s:.2f}s of {[round(x, 2) for x in serial]}")
    print(f"{args.workers} processes:      median {p:.2f}s of {[round(x, 2) for x in parallel]}")
    print(f"ratio parallel/serial: {p / s:.2f} (ideal {1 / args.workers:.2f})")


if __name__ == "__main__":
    main()
