"""The map of what a layer learned (M): PCA of the layer's real activations at once, t-SNE replacing it when its
worker ends, and a chosen point's image and prediction beside the map."""

import asyncio
import threading

import numpy as np
import pytest
from sklearn.decomposition import PCA

import termnet.app.screens.layer_map as map_screen
from termnet.app import make_app
from termnet.app.screens.layer_map import LayerMapScreen
from termnet.app.widgets.layer_map import LayerMap
from termnet.engine import layer_outputs

from .pilot import SIZE, notifications, rendered_text, train, wait_until


@pytest.fixture
def tsne_gate(monkeypatch):
    """t-SNE waits until the test opens the gate, so the PCA can be read first; what it returned is kept."""
    gate, results, real = threading.Event(), [], map_screen.tsne_2d

    def gated(activations):
        gate.wait(60)
        results.append(real(activations))
        return results[-1]

    monkeypatch.setattr(map_screen, "tsne_2d", gated)
    return gate, results


async def release(app, gate) -> None:
    """Let t-SNE end before the app does: the app's exit waits for its thread workers."""
    gate.set()
    await app.workers.wait_for_complete()


async def open_map(pilot, trained=True) -> tuple[LayerMapScreen, LayerMap]:
    if trained:
        await train(pilot)
    await pilot.press("M")
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, LayerMapScreen)
    await wait_until(lambda: "PCA" in screen.maps)  # the worker's first result
    await pilot.pause()
    return screen, screen.query_one(LayerMap)


def expected_cells(points: np.ndarray, width: int, height: int) -> np.ndarray:
    """Each point's own cell, computed here from the definition: each axis stretched over the cells, y up."""
    low, high = points.min(axis=0), points.max(axis=0)
    columns = np.rint((points[:, 0] - low[0]) / (high[0] - low[0]) * (width - 1))
    rows = (height - 1) - np.rint((points[:, 1] - low[1]) / (high[1] - low[1]) * (height - 1))
    return np.stack([columns, rows], axis=1).astype(int)


async def test_the_points_are_the_pca_of_the_layers_activations_each_drawn_as_its_digit(digits, tsne_gate):
    app = make_app(dataset=digits, preset="mlp")
    async with app.run_test(size=SIZE) as pilot:
        screen, layer_map = await open_map(pilot)
        assert screen.layer_index == 4  # the mlp's last hidden layer: the relu after FC(128 -> 64)
        # the activations straight from the engine, reduced here
        activations = layer_outputs(app.network, digits.x_test)[4].reshape(len(digits.x_test), -1)
        expected = PCA(n_components=2, svd_solver="full").fit_transform(activations.astype(np.float64))
        np.testing.assert_allclose(layer_map.points, expected, rtol=1e-6, atol=1e-6)
        # ... and against an independent SVD, up to each component's sign
        centred = activations - activations.mean(axis=0)
        u, s, _ = np.linalg.svd(centred.astype(np.float64), full_matrices=False)
        np.testing.assert_allclose(np.abs(layer_map.points), np.abs(u[:, :2] * s[:2]), rtol=1e-4, atol=1e-4)

        width, height = layer_map.content_size
        wanted, cells = expected_cells(expected, width, height), layer_map.cells
        drawn = np.flatnonzero(cells[:, 0] >= 0)
        assert len(drawn) >= 0.8 * len(expected)  # 120 points on a roomy map: few hidden
        assert np.array_equal(cells[0], wanted[0])  # the first point placed has its own cell
        assert np.abs(cells[drawn] - wanted[drawn]).max() <= 1  # the others at most one cell away
        assert len({tuple(cell) for cell in cells[drawn]}) == len(drawn)  # one point a cell
        lines = rendered_text(layer_map.render()).splitlines()
        for index in drawn:
            column, row = cells[index]
            assert lines[row][column] == str(digits.y_test[index])
        assert "t-SNE on its way" in str(screen.query_one("#map-title").content)
        await release(app, tsne_gate[0])


async def test_t_sne_replaces_the_pca_when_its_worker_ends_and_t_switches_back(digits, tsne_gate):
    gate, results = tsne_gate
    app = make_app(dataset=digits, preset="mlp")
    async with app.run_test(size=SIZE) as pilot:
        screen, layer_map = await open_map(pilot)
        pca = layer_map.points.copy()
        await pilot.press("t")  # not ready yet: says so, and the PCA stays
        assert "still on its way" in notifications(app) and np.array_equal(layer_map.points, pca)
        gate.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert np.array_equal(layer_map.points, results[0]) and screen.method == "t-SNE"
        assert not np.allclose(results[0], pca)
        title = str(screen.query_one("#map-title").content)
        assert "t-SNE of 120 images" in title and "t shows the PCA" in title
        await pilot.press("t")
        assert np.array_equal(layer_map.points, pca) and screen.method == "PCA"
        await pilot.press("t")
        assert np.array_equal(layer_map.points, results[0])


async def test_choosing_a_point_by_arrows_or_tab_shows_its_image_and_prediction(digits, tsne_gate):
    app = make_app(dataset=digits, preset="mlp")
    async with app.run_test(size=SIZE) as pilot:
        screen, layer_map = await open_map(pilot)
        cells = layer_map.cells
        for key, moved in (("right", lambda old, new: new[0] > old[0]), ("left", lambda old, new: new[0] < old[0]),
                           ("down", lambda old, new: new[1] > old[1]), ("up", lambda old, new: new[1] < old[1])):
            before = layer_map.cursor
            await pilot.press(key)
            after = layer_map.cursor
            along = 0 if key in ("left", "right") else 1
            sign = 1 if key in ("right", "down") else -1
            if any(sign * (cells[i, along] - cells[before, along]) > 0 for i in np.flatnonzero(cells[:, 0] >= 0)):
                assert moved(cells[before], cells[after]), key
            else:
                assert after == before, key  # nothing that way: the cursor stays
        in_reading_order = sorted(np.flatnonzero(cells[:, 0] >= 0), key=lambda i: (cells[i, 1], cells[i, 0]))
        await pilot.press("tab")
        first = layer_map.cursor
        await pilot.press("tab")
        second = layer_map.cursor
        assert in_reading_order.index(second) == (in_reading_order.index(first) + 1) % len(in_reading_order)
        await pilot.pause()
        probabilities = app.network.predict(digits.x_test[second:second + 1])[0]
        side = rendered_text(screen.query_one("#map-point").content)
        assert f"test image {second}" in side
        assert f"true {digits.y_test[second]}" in side
        assert f"said {int(probabilities.argmax())} {probabilities.max():.0%}" in side
        await pilot.press("shift+tab")
        assert layer_map.cursor == first
        last = in_reading_order[-1]
        column, row = cells[last]
        assert layer_map.cursor != last
        await pilot.click(LayerMap, offset=(int(column) + 1, int(row) + 1))  # + 1: the border
        assert layer_map.cursor == last
        await release(app, tsne_gate[0])


async def test_brackets_choose_another_layer_and_escape_goes_back(digits, tsne_gate):
    app = make_app(dataset=digits, preset="mlp")
    async with app.run_test(size=SIZE) as pilot:
        screen, layer_map = await open_map(pilot)
        await pilot.press("right_square_bracket")
        await wait_until(lambda: "PCA" in screen.maps)
        await pilot.pause()
        assert screen.layer_index == 5  # FC(64 -> 10)
        logits = layer_outputs(app.network, digits.x_test)[5]
        expected = PCA(n_components=2, svd_solver="full").fit_transform(logits.astype(np.float64))
        np.testing.assert_allclose(layer_map.points, expected, rtol=1e-6, atol=1e-6)
        await pilot.press("right_square_bracket", "right_square_bracket")
        assert screen.layer_index == 6 and "No layer after this one" in notifications(app)
        await pilot.press("escape")
        assert app.screen is app.dashboard
        await release(app, tsne_gate[0])


async def test_quitting_with_a_t_sne_under_way_does_not_wait_for_it(digits, tsne_gate):
    """scikit-learn's t-SNE cannot be stopped: the app must not wait for it to end (the gate holds it 60 s)."""
    gate, results = tsne_gate
    app = make_app(dataset=digits, preset="mlp")
    async with app.run_test(size=SIZE) as pilot:
        screen, _ = await open_map(pilot)
        await pilot.press("escape")
        assert app.screen is app.dashboard and "t-SNE" not in screen.maps
    # as asyncio.run does when `termnet` quits: wait for the worker threads (a t-SNE waited for would end first)
    await asyncio.get_running_loop().shutdown_default_executor()
    assert not gate.is_set() and results == []  # the app's threads ended with the t-SNE still held at the gate
    gate.set()


async def test_before_training_the_map_shows_the_random_features_and_says_so(digits, tsne_gate):
    app = make_app(dataset=digits, preset="mlp")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen, layer_map = await open_map(pilot, trained=False)
        assert app.network is None and len(layer_map.points) == len(digits.x_test)
        title = str(screen.query_one("#map-title").content)
        assert "Untrained: random features" in title
        assert all(len(line) <= 78 for line in title.splitlines())  # the title's two lines fit at 80 columns
        assert np.count_nonzero(layer_map.cells[:, 0] >= 0) > 0.8 * len(digits.x_test)
        await release(app, tsne_gate[0])
