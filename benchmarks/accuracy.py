"""Test accuracy of the presets on real MNIST, against the engine issue's goals.

    python benchmarks/accuracy.py [--data-dir DIR] [--seeds 0 1 2] [--presets article-mlp mlp cnn cnn-plus] [--verbose]

Trains each preset with its own recipe on the MNIST training images found (the
22,699 in ../shared/data/mnist) and reports accuracy on the full test set.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import mnist_dir  # noqa: E402
from termnet.data import load_dataset  # noqa: E402
from termnet.engine import LambdaCallback  # noqa: E402
from termnet.settings import fit_extras  # noqa: E402
from termnet.spec import load_spec  # noqa: E402

GOALS = {"article-mlp": 0.85, "mlp": 0.970, "cnn": 0.985, "cnn-plus": 0.993, "article-cnn": None}


def _epoch_line(epoch: int, logs: dict) -> None:
    print(f"  epoch {epoch + 1}: loss {logs['loss']:.4f}, train accuracy {logs.get('accuracy', 0):.4f}, "
          f"{logs['seconds']:.1f}s", flush=True)


def run(preset: str, data, seed: int, verbose: bool = False, **overrides) -> tuple[float, float]:
    spec = load_spec(preset)
    params = spec.hyperparameters(seed=seed, **overrides)
    size = params["train_size"] or len(data.x_train)
    net = spec.build(data.image_shape, seed=seed, **overrides)
    start = time.perf_counter()
    extras = fit_extras(params, data.image_shape, net.seed)  # the preset's augmentation, as train's
    net.fit(data.x_train[:size], data.y_train[:size], augment=extras.augment,
            callbacks=[LambdaCallback(on_epoch_end=_epoch_line)] * verbose + extras.callbacks)
    seconds = time.perf_counter() - start
    return net.evaluate(data.x_test, data.y_test)["accuracy"], seconds


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--presets", nargs="+", default=["article-mlp", "mlp", "cnn"])
    parser.add_argument("--uniform", action="store_true", help="also run article-mlp with the tutorial's ±0.5 init")
    parser.add_argument("--verbose", action="store_true", help="print each epoch's loss and time as it ends")
    parser.add_argument("--epochs", type=int, help="train this many epochs instead of each preset's own (a quick look)")
    args = parser.parse_args(argv)
    folder = mnist_dir(args.data_dir)
    if folder is None:
        print("Real MNIST not found (give --data-dir or set TERMNET_MNIST_DIR): nothing to measure.")
        return
    data = load_dataset("mnist", data_dir=folder)
    print(f"{data.description}: {len(data.x_train):,} training, {len(data.x_test):,} test images\n")
    print(f"{'preset':<28}{'accuracy per seed':<30}{'median':>8}{'goal':>8}{'train s':>9}")
    epochs = {"epochs": args.epochs} if args.epochs else {}
    runs = [(p, epochs) for p in args.presets]
    runs += [("article-mlp", {"init": "uniform", **epochs})] if args.uniform else []
    for preset, overrides in runs:
        results = [run(preset, data, seed, args.verbose, **overrides) for seed in args.seeds]
        accuracies = [a for a, _ in results]
        goal = GOALS.get(preset) if not overrides else None
        label = preset + "".join(f" ({k}={v})" for k, v in overrides.items())
        print(f"{label:<28}{' '.join(f'{a:.4f}' for a in accuracies):<30}{statistics.median(accuracies):>8.4f}"
              f"{(f'{goal:.3f}' if goal else '-'):>8}{statistics.median(s for _, s in results):>9.1f}")


if __name__ == "__main__":
    main()
