"""Make screenshots/*.svg from the real app, driven by keys like a user.

    python scripts/screenshots.py [--data-dir ../shared/data/mnist]

Uses MNIST from --data-dir (or $TERMNET_MNIST_DIR, or ../shared/data/mnist) when
present, else the bundled 8x8 digits. Seeded, fixed size, so reruns look alike.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.common import mnist_dir  # noqa: E402
from termnet.app import make_app  # noqa: E402
from termnet.data import load_dataset  # noqa: E402

#: Each screenshot at a roomy size, and at the 80x24 the README promises (named ``*-80x24.svg``).
SIZES = {(120, 40): "", (80, 24): "-80x24"}


async def wait_for(pilot, condition, timeout=120.0):
    for _ in range(int(timeout / 0.05)):
        if condition():
            return
        await pilot.pause(0.05)
    raise TimeoutError("the app did not get there in time")


async def shoot(data, out: Path, preset_key: str, size: tuple[int, int], suffix: str) -> None:
    app = make_app(dataset=data)

    def save(name: str) -> None:
        app.save_screenshot(str(out / f"{name}{suffix}.svg"))

    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        await pilot.press(preset_key)
        await pilot.pause(0.3)
        save("build")
        epochs = app.dashboard.query_one("#epochs")
        await pilot.press("s")
        await wait_for(pilot, lambda: epochs.row_count >= 2)
        await pilot.press("p")  # pause mid-run for the picture
        await pilot.pause(0.6)
        app.dashboard.query_one("#plot").redraw()
        await pilot.pause(0.3)
        save("training")
        await pilot.press("p")
        await wait_for(pilot, lambda: app.evaluation is not None)
        await pilot.pause(0.5)
        await pilot.press("c")
        await pilot.pause(0.3)
        save("confusion")
        await pilot.press("g")
        await pilot.press("m")
        await pilot.pause(0.3)
        save("digits")
        await pilot.press("i", "k")
        await app.workers.wait_for_complete()
        await pilot.press("o")
        await app.workers.wait_for_complete()
        await pilot.pause(0.5)
        save("inside")
        app.dashboard.query_one("#inside-view").scroll_end(animate=False)
        await pilot.pause(0.3)
        save("inside-maps")
        await pilot.press("M")  # the map of the last hidden layer: its PCA, then the t-SNE that replaces it
        await app.workers.wait_for_complete()
        await pilot.press("right")
        await pilot.pause(0.3)
        save("layer-map")
        await pilot.press("escape")
        # a 7, by keys: across the top, then down and to the left
        await pilot.press("v", *["up"] * 6, *["left"] * 6, "space", *["right"] * 11)
        await pilot.press(*[k for _ in range(9) for k in ("down", "down", "left")], "space")
        await pilot.pause(0.3)
        save("draw")
        await pilot.press("1")  # the classic tutorial's network, for the comparison
        await pilot.press("s")
        await wait_for(pilot, lambda: len(app.dashboard.query_one("RunsView").runs) >= 2, timeout=300)
        await pilot.pause(0.5)
        app.clear_notifications()
        await pilot.press("r")
        await pilot.pause(0.5)
        save("runs")
        await pilot.press("question_mark")
        await pilot.pause(0.3)
        save("help")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir")
    args = parser.parse_args()
    folder = mnist_dir(args.data_dir)
    data = load_dataset("mnist", data_dir=folder) if folder else load_dataset("digits")
    out = ROOT / "screenshots"
    out.mkdir(exist_ok=True)
    for size, suffix in SIZES.items():
        asyncio.run(shoot(data, out, "4" if folder else "3", size, suffix))
    print(f"screenshots of the app on {data.name} written to {out}")


if __name__ == "__main__":
    main()
