"""Thousands of seeded random keys over every tab, while training and not: the dashboard never raises, never
exits and keeps its stack (or a stack the keys themselves built). Files the keys save land in a tmp folder."""

from __future__ import annotations

import asyncio
import contextlib
import random

import pytest
from textual.worker import WorkerCancelled

from termnet.app import make_app
from termnet.app.screens.confirm import ConfirmScreen
from termnet.app.widgets.layer_list import LayerList
from termnet.data import PlanarOptions, load_dataset

from ..app.conftest import digits  # noqa: F401 - the small dataset fixture
from ..app.pilot import SIZE
from ..data.helpers import closed_port_url

#: Every key the dashboard binds and then some; never the ones that legitimately end it (q, ctrl+q, ctrl+c).
#: Not w: a sweep from the Runs tab trains in other processes, which a test of keys should not start by chance.
KEYS = (list("abcdegiklmoprstuvx0123456789[]?SLWRDCynAEM") + [
        "f1", "left_square_bracket", "right_square_bracket", "enter", "escape", "tab", "shift+tab", "up", "down",
        "left", "right", "space", "backspace", "delete", "home", "end", "pageup", "pagedown", "shift+up",
        "shift+down", "ctrl+s", ".", "-", "e", "full_stop", "minus"])
BATCH = 25  # keys per press() call: the app settles between batches


@pytest.fixture
def key_count(request) -> int:
    return 20_000 if request.config.getoption("--fuzz-long") else 1_500  # about a minute on 2 cores


@pytest.mark.parametrize("seed, data, preset, share", [
    (0, "digits", "mlp", 1.0),
    # 2-D points: the Playground's pictures, and every image-only key refusing with a line instead of a view
    (1, "spirals", "playground", 0.5),
])
async def test_random_keys_never_break_the_dashboard(digits, tmp_path, monkeypatch, key_count, seed, data,  # noqa: F811
                                                     preset, share):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TERMNET_MNIST_MIRRORS", closed_port_url())  # D downloads: a mirror that is down, at once
    rng = random.Random(seed)
    key_count = int(key_count * share)
    dataset = digits if data == "digits" else load_dataset("spirals", planar=PlanarOptions(samples=200))
    app = make_app(dataset=dataset, preset=preset)
    trained_while = 0
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        for start in range(0, key_count, BATCH):
            keys = [rng.choice(KEYS) for _ in range(BATCH)]
            if rng.random() < 0.1:
                keys.append("s")  # start training often, so many keys arrive while it runs
            # simulate_key does not wait for an idle app, which never comes while training runs
            for name in keys:
                app.simulate_key(name)
                await asyncio.sleep(0.002)
            await asyncio.sleep(0.02)
            assert app.is_running, f"the app exited after keys {start}-{start + BATCH}: {keys}"
            trained_while += app.dashboard.training
            stack = app.dashboard.query_one(LayerList).stack
            assert isinstance(stack, list) and all(isinstance(layer, dict) and "type" in layer for layer in stack)
            if isinstance(app.screen, ConfirmScreen):
                await pilot.press("n")  # a quit or overwrite question: keep going
        for worker in app.workers:
            worker.cancel()
        with contextlib.suppress(WorkerCancelled):  # a run cancelled before it began has no result to wait for
            await app.workers.wait_for_complete()
        await pilot.pause()  # the last keys are handled while the dashboard is still there, not during shutdown
        for _ in range(5):  # close any dialog the keys left open, as a person would before quitting
            if app.screen is app.dashboard:
                break
            await pilot.press("escape")
        await pilot.pause()
        assert app.is_running and app.screen is app.dashboard
    assert app.return_code in (None, 0)
    assert not any(p.suffix == ".part" for p in tmp_path.rglob("*"))
    assert trained_while > 0  # some of the keys arrived while it trained
