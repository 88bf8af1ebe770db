"""The Playground: the spirals preset's accuracy, and training speed with the live decision boundary.

    python benchmarks/playground.py [--samples 2000] [--epochs 400] [--repeats 5] [--speed-only]

Accuracy: the playground preset as shipped (400 epochs) on the default spirals (600 points, half for
testing) for three data seeds. Speed: the same network trained headless (Network.fit alone) and in the
dashboard under Textual's pilot, where the training thread also computes the plane (the boundary and
every hidden neuron) three times a second and the Train tab redraws it; the engine's per-epoch training
time. Each round runs headless, the dashboard and the dashboard without the plane one after another (in turn
first); the ratios printed are the median of each round's own ratio (a slow spell of the machine slows a round
as a whole), and the ratio of each one's fastest run (noise only ever adds time). Also the process's CPU
seconds over the same epochs (training thread plus UI thread, as benchmarks/dashboard.py reads them), and
the UI thread's own CPU seconds while the epochs ran, against their time: what the dashboard takes from
training (the GIL), a figure the machine's other load barely moves. Also the cost of one picture of the plane.
The default is the preset as shipped: 400 epochs, about four seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import threading
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


def ui_thread_cpu() -> float:
    """CPU seconds of the thread running the app (the main thread: the pilot runs the app in its event loop)."""
    return time.clock_gettime(time.pthread_getcpuclockid(threading.main_thread().ident))


class UIClockedBridge(ClockedBridge):
    """The dashboard's bridge, also reading the UI thread's CPU clock as the run's first and last batch end."""

    ui: list[float]

    def on_train_begin(self, logs):
        UIClockedBridge.ui = [ui_thread_cpu()]
        super().on_train_begin(logs)

    def on_train_end(self, logs):
        UIClockedBridge.ui.append(ui_thread_cpu())
        super().on_train_end(logs)


async def in_dashboard(data, epochs: int, plane: bool = True) -> tuple[float, float, float, int]:
    """Wall and CPU seconds of the epochs' batches, the UI thread's CPU seconds meanwhile, and the pictures
    drawn. ``plane=False``: the same run without the pictures of the plane (the dashboard's own cost)."""
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
        ui = UIClockedBridge.ui[-1] - UIClockedBridge.ui[0]
        return sum(app.network.history["seconds"]), sum(ClockedBridge.clock.cpu), ui, len(pictures)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--epochs", type=int, default=load_spec("playground").training["epochs"],
                        help="epochs of each timed run (default: the preset's)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--speed-only", action="store_true", help="skip the accuracy runs (400 epochs each)")
    args = parser.parse_args(argv)
    for name in ("samples", "epochs", "repeats"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be 1 or more. Received: {getattr(args, name)}")
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
    dashboard_module.MessageBridge = UIClockedBridge  # the dashboard's bridge, also reading the CPU clocks
    kinds = ("headless", "dashboard", "no plane")
    times = {kind: [] for kind in kinds}
    pictures, ui_share = [], []
    asyncio.run(in_dashboard(data, 1))  # a first dashboard pays for imports and caches: not measured
    for repeat in range(args.repeats):
        for kind in kinds[repeat % 3:] + kinds[:repeat % 3]:  # each goes first in turn
            if kind == "headless":
                times[kind].append(headless(data, args.epochs))
                continue
            wall, cpu, ui, shown = asyncio.run(in_dashboard(data, args.epochs, kind == "dashboard"))
            times[kind].append((wall, cpu))
            if kind == "dashboard":
                pictures.append(shown)
                ui_share.append(ui / wall)
    print(f"{len(data.x_train):,} points, {args.epochs} epochs, {args.repeats} rounds, "
          f"{statistics.median(pictures)} pictures drawn per run:")
    for clock, which in (("wall", 0), ("cpu", 1)):
        h, d, n = ([run[which] for run in times[kind]] for kind in kinds)
        paired = statistics.median(a / b for a, b in zip(h, d))
        paired_bare = statistics.median(a / b for a, b in zip(h, n))
        print(f"  {clock:>4}: headless {statistics.median(h):.2f}s, dashboard {statistics.median(d):.2f}s: "
              f"{paired:.0%} of headless (median of the rounds' ratios), {min(h) / min(d):.0%} (fastest runs); "
              f"without the plane {paired_bare:.0%}, {min(h) / min(n):.0%}")
    print(f"  the UI thread's CPU while the epochs ran: {statistics.median(ui_share):.1%} of their time (median; "
          f"{min(ui_share):.1%}-{max(ui_share):.1%})")


if __name__ == "__main__":
    main()
