"""Training speed inside the dashboard against headless training, and how fast a tab switch is drawn meanwhile.

    python benchmarks/dashboard.py [--data-dir DIR] [--samples 6400] [--epochs 2] [--repeats 3]
                                   [--presses 30] [--presets mlp cnn]

The dashboard runs headless under Textual's pilot (its event loop, messages, live plot and
progress redraws all running) and trains in its worker thread; headless is Network.fit alone.
Both validate on the test set each epoch, as the dashboard does. Compared, median of alternating runs:

- wall: the engine's own per-epoch training time (validation excluded);
- CPU: the process's CPU seconds over the same epochs (training thread plus UI thread). On a machine
  shared with other work, wall times swing with the load; CPU seconds much less, and what the UI costs
  training shows up there as the UI thread's own seconds.

Tab switch: while the preset trains, a tab key is posted (as the terminal's input thread posts it) every
0.15-0.35 s, cycling through the tabs; the time is from the key to the first frame rendered with that tab
shown (the compositor's update, which a real terminal would then write). Printed: median and 90th percentile.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from textual import events  # noqa: E402
from textual.widgets import TabbedContent  # noqa: E402

from benchmarks import common  # noqa: E402
from benchmarks.common import mnist_dir  # noqa: E402
from termnet.app import make_app  # noqa: E402
from termnet.app.screens import dashboard as dashboard_module  # noqa: E402
from termnet.data import Dataset, load_dataset  # noqa: E402
from termnet.engine import Callback, processes  # noqa: E402
from termnet.spec import load_spec  # noqa: E402

TAB_KEYS = {"c": "confusion", "g": "digits", "i": "inside", "r": "runs", "v": "draw", "b": "build", "t": "train"}


def cpu_seconds() -> float:
    """This process's CPU seconds and those of the helper processes that train a share of each batch."""
    return time.process_time() + sum(filter(None, map(common.cpu_seconds, processes.helper_pids())))


class EpochClock(Callback):
    """CPU seconds of each epoch's batches (from the epoch's start to its last batch: no validation)."""

    def __init__(self):
        self.cpu: list[float] = []

    def on_epoch_begin(self, epoch, logs):
        self.started = cpu_seconds()

    def on_batch_end(self, batch, logs):
        if batch == logs["batches"] - 1:
            self.cpu.append(cpu_seconds() - self.started)


def headless(data: Dataset, preset: str, epochs: int) -> tuple[float, float]:
    net = load_spec(preset).build(data.image_shape, epochs=epochs)
    clock = EpochClock()
    net.fit(data.x_train, data.y_train, validation_data=(data.x_test, data.y_test), callbacks=[clock])
    return sum(net.history["seconds"]), sum(clock.cpu)


class ClockedBridge(dashboard_module.MessageBridge):
    """The dashboard's own bridge, also reading the CPU clock around each epoch's batches."""

    clock: EpochClock

    def on_epoch_begin(self, epoch, logs):
        super().on_epoch_begin(epoch, logs)
        ClockedBridge.clock.on_epoch_begin(epoch, logs)

    def on_batch_end(self, batch, logs):
        ClockedBridge.clock.on_batch_end(batch, logs)  # before the bridge posts: the same span as headless
        super().on_batch_end(batch, logs)


async def in_dashboard(data: Dataset, preset: str, epochs: int) -> tuple[float, float]:
    app = make_app(dataset=data, preset=preset)
    ClockedBridge.clock = EpochClock()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        app.dashboard.query_one("#form").set_values({"epochs": epochs})
        await pilot.press("s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        return sum(app.network.history["seconds"]), sum(ClockedBridge.clock.cpu)


async def tab_switches(data: Dataset, preset: str, presses: int, training: bool = True,
                       seed: int = 0) -> list[tuple[str, float, float]]:
    """(tab, milliseconds from its key to the first frame drawn with it shown, the UI thread's CPU milliseconds
    over that span) for ``presses`` keys while training (``training=False``: with the app idle).

    The CPU milliseconds are the UI's own work, whatever the machine's load; the rest of the wait is the GIL
    (training holds it) and, on a busy machine, other processes."""
    app = make_app(dataset=data, preset=preset)
    rng = random.Random(seed)
    cpu_clock = time.pthread_getcpuclockid(threading.get_ident())  # the UI thread's: the app runs in this one
    waiting: dict = {}  # the tab awaited, when its key was posted, and an event set by its first frame
    async with app.run_test(size=(120, 40)) as pilot:
        display = app._display  # every frame the compositor renders passes here (a real terminal then writes it)
        tabs = app.dashboard.query_one(TabbedContent)

        def timed_display(screen, renderable):
            display(screen, renderable)
            if renderable is not None and waiting and tabs.active == waiting["tab"] and "ms" not in waiting:
                waiting["ms"] = (time.perf_counter() - waiting["wall"]) * 1000
                waiting["cpu_ms"] = (time.clock_gettime(cpu_clock) - waiting["cpu"]) * 1000
                waiting["drawn"].set()

        app._display = timed_display
        await pilot.pause()
        app.dashboard.query_one("#form").set_values({"epochs": 50})
        if training:
            await pilot.press("s")
            while not app.dashboard.query_one("#progress-text").content.startswith("epoch"):
                await asyncio.sleep(0.01)  # the first progress line: training is under way
        keys, times = list(TAB_KEYS), []
        for press in range(presses):
            key = keys[press % len(keys)]
            waiting.clear()
            waiting.update(tab=TAB_KEYS[key], drawn=asyncio.Event(), wall=time.perf_counter(),
                           cpu=time.clock_gettime(cpu_clock))
            app._driver.send_message(events.Key(key, key))  # as the input thread does, no waiting
            await waiting["drawn"].wait()
            times.append((waiting["tab"], waiting["ms"], waiting["cpu_ms"]))
            await asyncio.sleep(rng.uniform(0.15, 0.35))
        waiting.clear()
        if training:
            app.dashboard.action_stop()
        await app.workers.wait_for_complete()
        await pilot.pause()
    return times


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir")
    parser.add_argument("--samples", type=int, default=6400)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--presses", type=int, default=30, help="tab keys pressed while training (0: skip)")
    parser.add_argument("--presets", nargs="+", default=["mlp", "cnn"])
    parser.add_argument("--verbose", action="store_true", help="print every run")
    args = parser.parse_args(argv)
    dashboard_module.MessageBridge = ClockedBridge
    folder = mnist_dir(args.data_dir)
    full = load_dataset("mnist", data_dir=folder) if folder else load_dataset("digits")
    data = Dataset(full.name, full.x_train[:args.samples], full.y_train[:args.samples], full.x_test[:2000],
                   full.y_test[:2000], full.class_names, full.description)
    print(f"{data.description}: {len(data.x_train):,} training images, {args.epochs} epochs, "
          f"median of {args.repeats} alternating runs\n")
    print(f"{'preset':<8}{'headless s':>12}{'dashboard s':>13}{'speed (wall)':>14}"
          f"{'headless cpu':>14}{'dashboard cpu':>15}{'speed (cpu)':>13}")
    for preset in args.presets:
        runs = {"headless": [], "dashboard": []}
        for _ in range(args.repeats):
            runs["headless"].append(headless(data, preset, args.epochs))
            runs["dashboard"].append(asyncio.run(in_dashboard(data, preset, args.epochs)))
        h, d = (statistics.median(wall for wall, _ in runs[side]) for side in ("headless", "dashboard"))
        hc, dc = (statistics.median(cpu for _, cpu in runs[side]) for side in ("headless", "dashboard"))
        if args.verbose:
            for side in ("headless", "dashboard"):
                print(f"  {side} (wall, cpu): {[(round(w, 2), round(c, 2)) for w, c in runs[side]]}")
        print(f"{preset:<8}{h:>12.2f}{d:>13.2f}{h / d:>13.0%} {hc:>13.2f}{dc:>15.2f}{hc / dc:>12.0%}")
    if args.presses:
        print(f"\nTab switch ({args.presses} keys): ms from key to the first frame showing the tab, and the UI "
              f"thread's CPU ms in that span (its own work: the rest is waiting for the GIL or the machine)")
        print(f"{'':<8}{'median':>8}{'p90':>8}{'cpu median':>12}{'cpu p90':>9}   slowest")
        for preset, training in [(preset, True) for preset in args.presets] + [(args.presets[0], False)]:
            times = asyncio.run(tab_switches(data, preset, args.presses, training))
            ms, cpu = [t for _, t, _ in times], [c for _, _, c in times]
            slowest = max(times, key=lambda row: row[1])
            print(f"{preset if training else 'idle':<8}{statistics.median(ms):>8.0f}{percentile(ms, 0.9):>8.0f}"
                  f"{statistics.median(cpu):>12.0f}{percentile(cpu, 0.9):>9.0f}   {slowest[1]:.0f} ({slowest[0]})")
            if args.verbose:
                print("  " + ", ".join(f"{tab} {t:.0f}/{c:.0f}" for tab, t, c in times))

if __name__ == "__main__":
    main()
