"""The Playground: the spirals preset's accuracy, and training speed with the live decision boundary.

    python benchmarks/playground.py [--samples 2000] [--epochs 20] [--repeats 3] [--speed-only]

Accuracy: the playground preset as shipped (400 epochs) on the default spirals (600 points, half for
testing) for three data seeds. Speed: the same network trained headless (Network.fit alone) and in the
dashboard under Textual's pilot, where the training thread also computes the plane (the boundary and
every hidden neuron) three times a second and the Train tab redraws it; the engine's per-epoch training
time, median of alternating runs. Also the process's CPU seconds over the same epochs (training thread plus
UI thread, as benchmarks/dashboard.py reads them): on a machine shared with other work, wall times swing with
the load, CPU seconds much less. Also the cost of one picture of the plane.
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

from benchmarks.dashboard import ClockedBridge, EpochClock  # noqa: E402
from termnet.app import make_app  # noqa: E402
from termnet.app.plane_probe import plane_snapshot  # noqa: E402
from termnet.app.screens import dashboard as dashboard_module  # noqa: E402
from termnet.data import PlanarOptions, load_dataset  # noqa: E402
from termnet.spec import load_spec  # noqa: E402


def accuracy(seed: int) -> float:
    data = load_dataset("spirals", planar=PlanarOptions(seed=seed))
    network = load_spec("playground").build(data.image_shape)
    network.fit(data.x_train, data.y_train)
    return float(np.mean(network.predict(data.x_test).argmax(1) == data.y_test))


def headless(data, epochs: int) -> tuple[float, float]:
    """Wall and CPU seconds of the epochs' batches."""
    network = load_spec("playground").build(data.image_shape, epochs=epochs)
    clock = EpochClock()
    network.fit(data.x_train, data.y_train, callbacks=[clock])
    return sum(network.history["seconds"]), sum(clock.cpu)


async def in_dashboard(data, epochs: int, plane: bool = True) -> tuple[float, float, int]:
    """Wall and CPU seconds of the epochs' batches, and the pictures drawn. ``plane=False``: the same run
    without the pictures of the plane (the dashboard's own cost)."""
    app = make_app(dataset=data, preset="playground")
    ClockedBridge.clock = EpochClock()
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
        return sum(app.network.history["seconds"]), sum(ClockedBridge.clock.cpu), len(pictures)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--speed-only", action="store_true", help="skip the accuracy runs (400 epochs each)")
    args = parser.parse_args(argv)
    scores = [] if args.speed_only else [accuracy(seed) for seed in (0, 1, 2)]
    if scores:
            print(f"spirals, playground preset as shipped: test accuracy {', '.join(f'{s:.1%}' for s in scores)} "
              f"(data seeds 0, 1, 2)")
    data = load_dataset("spirals", planar=PlanarOptions(samples=args.samples, test_ratio=0.5))
    network = load_spec("playground").build(data.image_shape).build()
    started = time.perf_counter()
    for _ in range(20):
        plane_snapshot(network, data.plane, (40, 40), (data.y_train, data.y_test))
    print(f"one picture of the plane, made in the training thread (the forward pass over 40x40 pixels and 48 "
          f"neurons of 8x8, their colours, the points and the half-block lines): "
          f"{(time.perf_counter() - started) / 20 * 1000:.2f} ms")
    dashboard_module.MessageBridge = ClockedBridge  # the dashboard's bridge, also reading the CPU clock
    times = {"headless": [], "dashboard": [], "no plane": []}
    pictures = []
    asyncio.run(in_dashboard(data, 1))  # a first dashboard pays for imports and caches: not measured
    for repeat in range(args.repeats):
        times["headless"].append(headless(data, args.epochs))
        for plane in (True, False) if repeat % 2 else (False, True):  # each goes first half the time
            *seconds, shown = asyncio.run(in_dashboard(data, args.epochs, plane))
            times["dashboard" if plane else "no plane"].append(seconds)
            if plane:
                pictures.append(shown)
    print(f"{len(data.x_train):,} points, {args.epochs} epochs, median of {args.repeats} alternating runs, "
          f"{statistics.median(pictures)} pictures drawn per run:")
    for clock, which in (("wall", 0), ("cpu", 1)):
        h, d, n = (statistics.median(run[which] for run in times[key]) for key in ("headless", "dashboard",
                                                                                     "no plane"))
        print(f"  {clock:>4}: headless {h:.2f}s; dashboard {d:.2f}s ({h / d:.0%} of headless); dashboard "
              f"without the plane {n:.2f}s ({h / n:.0%}): the pictures keep {n / d:.0%} of the dashboard's speed")


if __name__ == "__main__":
    main()
