"""Training speed inside the dashboard against headless training, same network and data.

    python benchmarks/dashboard.py [--data-dir DIR] [--samples 6400] [--epochs 2] [--repeats 3]

The dashboard runs headless under Textual's pilot (its event loop, messages, live plot and
progress redraws all running) and trains in its worker thread; headless is Network.fit alone.
Both validate on the test set each epoch, as the dashboard does. Compared: the engine's own
per-epoch training time (validation excluded), median of alternating runs.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import mnist_dir  # noqa: E402
from termnet.app import make_app  # noqa: E402
from termnet.data import Dataset, load_dataset  # noqa: E402
from termnet.spec import load_spec  # noqa: E402


def headless(data: Dataset, preset: str, epochs: int) -> float:
    net = load_spec(preset).build(data.image_shape, epochs=epochs)
    net.fit(data.x_train, data.y_train, validation_data=(data.x_test, data.y_test))
    return sum(net.history["seconds"])


async def in_dashboard(data: Dataset, preset: str, epochs: int) -> float:
    app = make_app(dataset=data, preset=preset)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        app.dashboard.query_one("#form").set_values({"epochs": epochs})
        await pilot.press("s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        return sum(app.network.history["seconds"])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir")
    parser.add_argument("--samples", type=int, default=6400)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--presets", nargs="+", default=["mlp", "cnn"])
    parser.add_argument("--verbose", action="store_true", help="print every run")
    args = parser.parse_args(argv)
    folder = mnist_dir(args.data_dir)
    full = load_dataset("mnist", data_dir=folder) if folder else load_dataset("digits")
    data = Dataset(full.name, full.x_train[:args.samples], full.y_train[:args.samples], full.x_test[:2000],
                   full.y_test[:2000], full.class_names, full.description)
    print(f"{data.description}: {len(data.x_train):,} training images, {args.epochs} epochs, "
          f"median of {args.repeats} alternating runs\n")
    print(f"{'preset':<8}{'headless s':>12}{'dashboard s':>13}{'dashboard speed':>17}")
    for preset in args.presets:
        times = {"headless": [], "dashboard": []}
        for _ in range(args.repeats):
            times["headless"].append(headless(data, preset, args.epochs))
            times["dashboard"].append(asyncio.run(in_dashboard(data, preset, args.epochs)))
        h, d = statistics.median(times["headless"]), statistics.median(times["dashboard"])
        if args.verbose:
            for side in ("headless", "dashboard"):
                print(f"  {side}: {[round(t, 2) for t in times[side]]}")
        print(f"{preset:<8}{h:>12.2f}{d:>13.2f}{h / d:>16.0%}")


if __name__ == "__main__":
    main()
