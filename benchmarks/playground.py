"""The Playground: the spirals preset's accuracy, and training speed with the live decision boundary.

    python benchmarks/playground.py [--samples 2000] [--epochs 20] [--repeats 3]

Accuracy: the playground preset as shipped (400 epochs) on the default spirals (600 points, half for
testing) for three data seeds. Speed: the same network trained headless (Network.fit alone) and in the
dashboard under Textual's pilot, where the training thread also computes the plane (the boundary and
every hidden neuron) four times a second and the Train tab redraws it; the engine's per-epoch training
time, median of alternating runs. Also the cost of one picture of the plane.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from termnet.app import make_app  # noqa: E402
from termnet.app.plane_probe import plane_snapshot  # noqa: E402
from termnet.data import PlanarOptions, load_dataset  # noqa: E402
from termnet.spec import load_spec  # noqa: E402


def accuracy(seed: int) -> float:
    data = load_dataset("spirals", planar=PlanarOptions(seed=seed))
    network = load_spec("playground").build(data.image_shape)
    network.fit(data.x_train, data.y_train)
    return float(np.mean(network.predict(data.x_test).argmax(1) == data.y_test))


def headless(data, epochs: int) -> float:
    network = load_spec("playground").build(data.image_shape, epochs=epochs)
    network.fit(data.x_train, data.y_train)
    return sum(network.history["seconds"])


async def in_dashboard(data, epochs: int, plane: bool = True) -> tuple[float, int]:
    """``plane=False``: the same run without the pictures of the plane (the dashboard's own cost)."""
    app = make_app(dataset=data, preset="playground")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        if not plane:
            app.dashboard.plane_probe = lambda data: None
        app.dashboard.query_one("#form").set_values({"epochs": epochs})
        pictures = []
        boundary = app.dashboard.query_one("#boundary")
        original = boundary.show
        boundary.show = lambda snapshot: (pictures.append(1), original(snapshot))
        await pilot.press("s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        return sum(app.network.history["seconds"]), len(pictures)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    scores = [accuracy(seed) for seed in (0, 1, 2)]
    print(f"spirals, playground preset as shipped: test accuracy {', '.join(f'{s:.1%}' for s in scores)} "
          f"(data seeds 0, 1, 2)")
    data = load_dataset("spirals", planar=PlanarOptions(samples=args.samples, test_ratio=0.5))
    network = load_spec("playground").build(data.image_shape).build()
    started = time.perf_counter()
    for _ in range(20):
        plane_snapshot(network, data.plane, (40, 40))
    print(f"one picture of the plane (40x40 pixels and 48 neurons of 8x8): "
          f"{(time.perf_counter() - started) / 20 * 1000:.2f} ms")
    times = {"headless": [], "dashboard": [], "no plane": []}
    pictures = []
    asyncio.run(in_dashboard(data, 1))  # a first dashboard pays for imports and caches: not measured
    for repeat in range(args.repeats):
        times["headless"].append(headless(data, args.epochs))
        for plane in (True, False) if repeat % 2 else (False, True):  # each goes first half the time
            seconds, shown = asyncio.run(in_dashboard(data, args.epochs, plane))
            times["dashboard" if plane else "no plane"].append(seconds)
            if plane:
                pictures.append(shown)
    h, d, n = (statistics.median(times[key]) for key in ("headless", "dashboard", "no plane"))
    print(f"{len(data.x_train):,} points, {args.epochs} epochs, median of {args.repeats} alternating runs: "
          f"headless {h:.2f}s; dashboard {d:.2f}s with {statistics.median(pictures)} pictures drawn "
          f"({h / d:.0%} of headless); dashboard without the plane {n:.2f}s ({h / n:.0%}): the pictures "
          f"keep {n / d:.0%} of the dashboard's own speed")


if __name__ == "__main__":
    main()
