"""How soon the Draw tab's prediction follows a stroke, for a preset's network on 28x28 images.

    python benchmarks/draw.py [--preset cnn] [--strokes 60] [--data-dir DIR]

The dashboard runs under Textual's pilot with a network on screen (the preset trained for one epoch on
a few hundred images: its weights do not change the cost). With the pen down, each stroke is one arrow
key; the time is from the key being posted to the prediction's text being replaced (the canvas changed,
the drawing boxed and centred the MNIST way, the network run, the ten bars built). Printed: the median
and the 90th percentile in milliseconds, and where the time goes (preprocessing, the forward pass).
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

from benchmarks.common import mnist_dir  # noqa: E402
from termnet.app import make_app  # noqa: E402
from termnet.data import Dataset, load_dataset  # noqa: E402


def small_28x28(folder) -> Dataset:
    if folder:
        data = load_dataset("mnist", data_dir=folder)
        return Dataset("mnist", data.x_train[:600], data.y_train[:600], data.x_test[:200], data.y_test[:200],
                       data.class_names, "600 MNIST images")
    rng = np.random.default_rng(0)
    images = (rng.random((800, 1, 28, 28)) > 0.8).astype(np.float32)
    labels = rng.integers(0, 10, 800)
    return Dataset("mnist", images[:600], labels[:600], images[600:], labels[600:], [str(d) for d in range(10)],
                   "random 28x28 images")


async def measure(data: Dataset, preset: str, strokes: int) -> list[float]:
    app = make_app(dataset=data, preset=preset)
    times = []
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        app.dashboard.query_one("#form").set_values({"epochs": 1})
        await pilot.press("s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("v", "space")
        await pilot.pause()
        result = app.dashboard.query_one("#draw-result")
        moves = ["up", "right", "down", "left"]
        for stroke in range(strokes):
            before = result.content
            started = time.perf_counter()
            app.simulate_key(moves[(stroke // 5) % 4])
            while result.content is before:
                await asyncio.sleep(0)
            times.append(time.perf_counter() - started)
            await pilot.pause()
    return times


def parts(data: Dataset, preset: str, repeats: int = 50) -> tuple[float, float]:
    """Median milliseconds of the preprocessing and of one forward pass, outside the app."""
    from termnet.preprocess import mnist_style, resized
    from termnet.spec import load_spec

    network = load_spec(preset).build(data.image_shape).build()
    canvas = np.zeros((28, 28), np.float32)
    canvas[6:22, 12:15] = 1.0
    prep, forward = [], []
    for _ in range(repeats):
        started = time.perf_counter()
        image = resized(mnist_style(canvas), (28, 28))
        prep.append(time.perf_counter() - started)
        started = time.perf_counter()
        network.predict(image[None, None])
        forward.append(time.perf_counter() - started)
    return statistics.median(prep) * 1e3, statistics.median(forward) * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--preset", default="cnn")
    parser.add_argument("--strokes", type=int, default=60)
    parser.add_argument("--data-dir")
    args = parser.parse_args()
    data = small_28x28(mnist_dir(args.data_dir))
    times = sorted(asyncio.run(measure(data, args.preset, args.strokes)))
    median, p90 = statistics.median(times) * 1e3, times[int(0.9 * (len(times) - 1))] * 1e3
    prep, forward = parts(data, args.preset)
    print(f"{args.preset} on {data.description}: stroke to prediction {median:.1f} ms median, {p90:.1f} ms "
          f"at the 90th percentile over {len(times)} strokes (goal: within 10 ms)")
    print(f"  of which outside the app: preprocessing {prep:.2f} ms, forward pass {forward:.2f} ms")


if __name__ == "__main__":
    main()
