"""What augmenting the training batches costs: one epoch of the CNN preset with and without it.

    python benchmarks/augment.py [--data-dir DIR] [--samples 6400] [--repeats 5] [--threads N]

The epochs with each level (none, light, strong) alternate, each timed ``--repeats`` times from the same
starting weights; the table gives each level's median epoch time (wall clock and this process's CPU time)
and its ratio to no augmentation (the goal: light at most 1.15). The last columns time the augmentation
alone over the same batches, and give it as a share of the plain epoch: on a busy machine the epochs'
ratio is mostly noise, that share is not.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import load_mnist_or_synthetic  # noqa: E402
from termnet.engine import AUGMENTATION_LEVELS, Augmentation  # noqa: E402
from termnet.presets import fit_preset  # noqa: E402
from termnet.spec import load_spec  # noqa: E402


def cnn(image_shape, threads):
    spec, _ = fit_preset(load_spec("cnn"), image_shape)
    network = spec.build(image_shape, epochs=1)
    network.threads = threads
    return network


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir")
    parser.add_argument("--samples", type=int, default=6400)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=None, help="threads per batch (default: the engine's choice)")
    args = parser.parse_args(argv)
    x, y, _, _, source = load_mnist_or_synthetic(args.data_dir)
    x, y = x[:args.samples], y[:args.samples]
    image_shape = tuple(x.shape[1:])
    network = cnn(image_shape, args.threads)
    network.fit(x[:64], y[:64])  # builds, warms the caches
    start = [w.copy() for w in network.params()]
    epochs = {level: [] for level in AUGMENTATION_LEVELS}
    cpu = {level: [] for level in AUGMENTATION_LEVELS}  # process CPU time: what other processes' load disturbs least
    alone = {level: [] for level in AUGMENTATION_LEVELS}
    for _ in range(args.repeats):
        for level in AUGMENTATION_LEVELS:  # alternating, so the machine's load falls on each alike
            for param, value in zip(network.params(), start):
                param[...] = value
            augment = Augmentation.level(level, image_shape[-1], seed=0)
            began, began_cpu = time.perf_counter(), time.process_time()
            network.fit(x, y, epochs=1, augment=augment)
            epochs[level].append(time.perf_counter() - began)
            cpu[level].append(time.process_time() - began_cpu)
            if augment is not None:
                began = time.perf_counter()
                for batch in range(0, len(x), network.batch_size):
                    augment(x[batch:batch + network.batch_size])
                alone[level].append(time.perf_counter() - began)
    base, base_cpu = statistics.median(epochs["none"]), statistics.median(cpu["none"])
    fastest_cpu = min(cpu["none"])  # the least disturbed epoch: other processes only ever add to it
    print(f"CNN preset, one epoch of {len(x):,} images ({source}), batch {network.batch_size}, "
          f"median of {args.repeats} alternating runs (a shared machine: the ratios are the figure to read)")
    print(f"{'augment':<8} {'epoch s':>8} {'ratio':>6} {'CPU s':>7} {'CPU ratio':>9} {'min CPU ratio':>13} "
          f"{'augmentation alone s':>21} {'its share of an epoch':>22}")
    for level in AUGMENTATION_LEVELS:
        seconds, cpu_seconds = statistics.median(epochs[level]), statistics.median(cpu[level])
        only = statistics.median(alone[level]) if alone[level] else None
        shown = ("-", "-") if only is None else (f"{only:.3f}", f"{only / base:.1%}")
        print(f"{level:<8} {seconds:8.3f} {seconds / base:6.3f} {cpu_seconds:7.3f} {cpu_seconds / base_cpu:9.3f} "
              f"{min(cpu[level]) / fastest_cpu:13.3f} {shown[0]:>21} {shown[1]:>22}")


if __name__ == "__main__":
    main()
