"""Make screenshots/*.svg from the real app, driven by keys like a user.

    python scripts/screenshots.py [--data-dir ../shared/data/mnist] [--only views sweep] [--size 80x24]

Uses MNIST from --data-dir (or $TERMNET_MNIST_DIR, or ../shared/data/mnist) when
present, else the bundled 8x8 digits. Seeded, fixed size, so reruns look alike.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.common import mnist_dir  # noqa: E402
from termnet.app import make_app  # noqa: E402
from termnet.data import load_dataset  # noqa: E402

#: Each screenshot at a roomy size, and at the 80x24 the README promises (named ``*-80x24.svg``).
SIZES = {(120, 40): "", (80, 24): "-80x24"}


async def wait_for(pilot, condition, timeout=1800.0):
    """Wait until ``condition()``, up to ``timeout`` seconds of wall time (training MNIST on a busy machine
    takes minutes)."""
    give_up = time.monotonic() + timeout
    while time.monotonic() < give_up:
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
        await wait_for(pilot, lambda: len(app.dashboard.query_one("RunsView").runs) >= 2)
        await pilot.pause(0.5)
        app.clear_notifications()
        await pilot.press("r")
        await pilot.pause(0.5)
        save("runs")
        await pilot.press("question_mark")
        await pilot.pause(0.3)
        save("help")


async def step_to(pilot, view, wanted: str, before: int = 0) -> None:
    """Press right until the Lesson shows the first step whose title holds ``wanted`` (or ``before`` steps
    earlier)."""
    target = next(i for i, step in enumerate(view.lesson.steps) if wanted in step.title) - before
    await pilot.press("home", *["right"] * target)
    await pilot.pause(0.3)


async def shoot_lesson(app, pilot, save) -> None:
    """The trained network followed through the Lesson: an FC layer's forward, the loss compared, a
    convolution's gradients (the step before its update)."""
    await pilot.press("l")
    view = app.dashboard.query_one("LessonView")
    await wait_for(pilot, lambda: view.lesson is not None)
    view.focus()
    await step_to(pilot, view, "forward: FC")
    save("lesson-forward")
    await step_to(pilot, view, "Why the loss")
    save("lesson-loss")
    await step_to(pilot, view, "update: Convolution", before=1)
    save("lesson-backward")


async def shoot_robustness(app, pilot, save) -> None:
    await pilot.press("u")
    await wait_for(pilot, lambda: getattr(app.screen, "curves", None) is not None, timeout=600)
    await pilot.pause(0.5)
    save("robustness")
    await pilot.press("escape")
    await pilot.pause(0.3)


async def shoot_augment(app, pilot, save) -> None:
    await pilot.press("A")
    await pilot.pause(0.5)
    save("augment")
    await pilot.press("escape")
    await pilot.pause(0.3)


async def shoot_views(data, out: Path, preset_key: str, size: tuple[int, int], suffix: str) -> None:
    """The Lesson, robustness and the augmentation preview, on the same preset trained briefly (its first
    5,000 images, two epochs: the tour's full run takes many minutes, and these views need only a network
    that has learned something)."""
    app = make_app(dataset=data)

    def save(name: str) -> None:
        app.save_screenshot(str(out / f"{name}{suffix}.svg"))

    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        await pilot.press(preset_key)
        await pilot.pause(0.3)
        for name, value in (("epochs", "2"), ("train_size", "5000"), ("augment", "light")):
            app.dashboard.query_one(f"#field-{name}").value = value
        await pilot.press("s")
        await wait_for(pilot, lambda: app.evaluation is not None)
        await pilot.pause(0.5)
        app.clear_notifications()
        await shoot_lesson(app, pilot, save)
        await shoot_robustness(app, pilot, save)
        await shoot_augment(app, pilot, save)


async def shoot_sweep(data, out: Path, preset_key: str) -> None:
    """A small sweep of the learning rate from the Runs tab (few images, two epochs: the trials run in
    processes), shot once the trials end, at each size."""
    app = make_app(dataset=data)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press(preset_key)
        await pilot.pause(0.3)
        for name, value in (("epochs", "2"), ("train_size", "2000")):
            app.dashboard.query_one(f"#field-{name}").value = value
        await pilot.press("r", "w")
        await pilot.pause(0.5)
        app.screen.query_one("#sweep-values").value = "1e-3:1:4log"
        app.screen.query_one("#sweep-values").focus()
        await pilot.press("enter")
        view = app.dashboard.query_one("RunsView")
        await wait_for(pilot, lambda: len(view.sweep_results) >= 4
                       and not any(w.group == "sweep" and w.is_running for w in view.workers), timeout=900)
        await app.workers.wait_for_complete()
        await pilot.pause(1.0)
        app.clear_notifications()
        await pilot.press("r")
        for size, suffix in SIZES.items():
            await pilot.resize_terminal(*size)
            await pilot.pause(0.8)
            app.clear_notifications()
            await pilot.pause(0.2)
            app.save_screenshot(str(out / f"sweep{suffix}.svg"))


async def shoot_playground(out: Path, size: tuple[int, int], suffix: str) -> None:
    """Two spirals, trained with the playground preset the app picks for 2-D points: the Train tab's
    decision boundary and the picture of every neuron."""
    app = make_app(dataset=load_dataset("spirals"))
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        await pilot.press("s")
        await wait_for(pilot, lambda: app.evaluation is not None, timeout=900)
        await pilot.press("t")
        await pilot.pause(1.0)
        app.clear_notifications()
        await pilot.pause(0.3)
        app.save_screenshot(str(out / f"playground{suffix}.svg"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir")
    parser.add_argument("--only", nargs="+", choices=("tour", "views", "sweep", "playground"),
                        help="make only these groups of screenshots (default: all)")
    parser.add_argument("--size", choices=[f"{w}x{h}" for w, h in SIZES],
                        help="the tour, the views and the playground at this size only (default: both)")
    args = parser.parse_args()
    groups = args.only or ("tour", "views", "sweep", "playground")
    sizes = {size: suffix for size, suffix in SIZES.items() if args.size in (None, f"{size[0]}x{size[1]}")}
    folder = mnist_dir(args.data_dir)
    data = load_dataset("mnist", data_dir=folder) if folder else load_dataset("digits")
    out = ROOT / "screenshots"
    out.mkdir(exist_ok=True)
    for size, suffix in sizes.items():
        if "tour" in groups:
            asyncio.run(shoot(data, out, "4" if folder else "3", size, suffix))
        if "views" in groups:
            asyncio.run(shoot_views(data, out, "4" if folder else "3", size, suffix))
        if "playground" in groups:
            asyncio.run(shoot_playground(out, size, suffix))
    if "sweep" in groups:
        asyncio.run(shoot_sweep(data, out, "3"))
    print(f"screenshots of the app on {data.name} written to {out}")


if __name__ == "__main__":
    main()
