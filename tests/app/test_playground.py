"""The Playground side of the dashboard: the decision boundary, live learning rate, single steps, 2-D data."""

import numpy as np
import pytest

from termnet.app import make_app
from termnet.app.widgets.boundary import DecisionBoundary
from termnet.app.widgets.neurons import NeuronPictures
from termnet.data import PlanarOptions, load_dataset
from termnet.display import ColourBlocks
from termnet.engine import Callback
from termnet.plane_grid import grid_points, heat_colours, signed_colours

from .pilot import SIZE, key, notifications, start_training, train, wait_until


@pytest.fixture(scope="module")
def spirals():
    return load_dataset("spirals", planar=PlanarOptions(samples=200))


def form(app, **fields):
    """Type values into the Build tab's settings form."""
    for name, value in fields.items():
        app.dashboard.query_one(f"#field-{name}").value = str(value)


async def test_the_heat_map_shows_the_networks_prediction_at_each_pixels_grid_point(spirals):
    app = make_app(dataset=spirals, preset="playground")
    async with app.run_test(size=SIZE) as pilot:
        form(app, epochs=3)
        await train(pilot)
        boundary = app.dashboard.query_one(DecisionBoundary)
        snapshot, network = boundary.snapshot, app.network
        assert snapshot is not None and boundary.heat is not None
        rows, columns = boundary.heat.shape[:2]
        predicted = network.predict(spirals.plane.inputs(snapshot.points)).reshape(rows, columns, -1)
        np.testing.assert_allclose(snapshot.probabilities, predicted, rtol=1e-5, atol=1e-6)
        expected = heat_colours(predicted)
        assert len(np.unique(predicted.argmax(-1))) == 2, "the picture should show both classes' regions"
        free = ~boundary.covered()
        assert free.sum() > rows * columns // 2
        np.testing.assert_array_equal(boundary.pixels[free], expected[free])  # the heat wherever no point is
        # what is drawn is those pixels, two per cell: upper = foreground, lower = background
        segments = ColourBlocks(boundary.pixels).lines()
        cell = segments[3][5]
        hexes = ColourBlocks(boundary.pixels).colours()
        assert cell.style.color.name == hexes[6][5] and cell.style.bgcolor.name == hexes[7][5]


async def test_the_boundary_is_redrawn_while_training_runs(spirals):
    app = make_app(dataset=spirals, preset="playground")
    async with app.run_test(size=SIZE) as pilot:
        form(app, epochs=5000)  # runs until x: 300 epochs can end before three pictures on a fast machine
        boundary = app.dashboard.query_one(DecisionBoundary)
        seen = []
        await start_training(pilot)
        await wait_until(lambda: boundary.snapshot is not None and seen.append(id(boundary.snapshot)) is None
                         and len(set(seen)) >= 3, seconds=20)
        assert app.dashboard.training, "pictures arrive during the run, not only at its end"
        await key(app, "x")
        await app.workers.wait_for_complete()


class StopAfter(Callback):
    """Stops fit after ``count`` batches, changing the learning rate to ``rate`` after ``change_after``."""

    def __init__(self, count, change_after=None, rate=None):
        self.count, self.change_after, self.rate, self.done = count, change_after, rate, 0

    def on_batch_end(self, batch, logs):
        self.done += 1
        if self.done == self.change_after:
            self.network.learning_rate = self.rate
        if self.done >= self.count:
            self.network.stop_training = True


async def paused_run(app, pilot):
    """Start the form's run and pause it; the number of batches trained when it holds."""
    await start_training(pilot)
    await key(app, "p")
    control = app.dashboard.control
    await wait_until(lambda: control.waiting_at is not None)
    return control.waiting_at


def headless(app, data, callback, **changes):
    """The same stack and settings (but ``changes``) trained without the dashboard, from the same seed."""
    spec, values, _ = app.dashboard.current_spec()
    values.update(changes)
    network = spec.build(data.image_shape, **values)
    network.fit(data.x_train, data.y_train, validation_split=values["validation_split"], callbacks=[callback])
    return network


async def test_a_single_step_changes_the_weights_exactly_as_one_batch_of_fit(spirals):
    app = make_app(dataset=spirals, preset="playground")
    async with app.run_test(size=SIZE) as pilot:
        form(app, epochs=300, schedule="constant")
        done = await paused_run(app, pilot)
        network, control = app.dashboard.shown_training, app.dashboard.control
        before = [w.copy() for layer in network.get_weights() for w in layer]
        await key(app, "n")
        await wait_until(lambda: control.waiting_at == done + 1)
        after = [w for layer in network.get_weights() for w in layer]
        assert any(not np.array_equal(a, b) for a, b in zip(before, after)), "the step trained nothing"
        reference = headless(app, spirals, StopAfter(done + 1))
        for mine, theirs in zip(after, [w for layer in reference.get_weights() for w in layer]):
            np.testing.assert_array_equal(mine, theirs)
        assert app.dashboard.training and control.paused, "after one step the run is paused again"
        await key(app, "x")
        await app.workers.wait_for_complete()


async def test_a_learning_rate_typed_mid_run_applies_from_the_next_batch_and_keeps_the_weights(spirals):
    app = make_app(dataset=spirals, preset="playground")
    async with app.run_test(size=SIZE) as pilot:
        form(app, epochs=300, schedule="constant", learning_rate=0.01)
        done = await paused_run(app, pilot)
        network, control = app.dashboard.shown_training, app.dashboard.control
        assert network.learning_rate == pytest.approx(0.01)
        form(app, learning_rate=0.2)
        await pilot.pause(0.05)
        assert network.optimizer.step_learning_rate == pytest.approx(0.01), "no batch has run since the change"
        await key(app, "n")
        await wait_until(lambda: control.waiting_at == done + 1)
        assert network.optimizer.step_learning_rate == pytest.approx(0.2), "the next batch steps at the new rate"
        assert app.dashboard.shown_training is network and network.learning_rate == pytest.approx(0.2)
        # the weights went on from where they were: the same as a run whose rate changed after `done` batches
        reference = headless(app, spirals, StopAfter(done + 1, change_after=done, rate=0.2),
                             learning_rate=0.01)
        for mine, theirs in zip(network.get_weights(), reference.get_weights()):
            for a, b in zip(mine, theirs):
                np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
        await key(app, "x")
        await app.workers.wait_for_complete()


async def test_step_is_refused_unless_paused(spirals):
    app = make_app(dataset=spirals, preset="playground")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert not app.dashboard.check_action("step", ())
        app.dashboard.action_step()
        await pilot.pause()
        assert "n trains one batch while paused" in notifications(app)


async def test_the_picture_tabs_say_they_are_for_images_on_2d_data(spirals):
    app = make_app(dataset=spirals, preset="playground")
    async with app.run_test(size=SIZE) as pilot:
        form(app, epochs=2)
        await train(pilot)
        for tab, selector in (("digits", "#probabilities"), ("inside", "#inside-title"), ("draw", "#draw-result")):
            await key(app, {"digits": "g", "inside": "i", "draw": "v"}[tab])
            if tab == "draw":
                await pilot.press("space", "right", "right", "space")
            await pilot.pause()
            text = str(app.dashboard.query_one(selector).content)
            assert "is for images" in text and "spirals is 2-D points" in text, (tab, text)


async def test_each_hidden_neuron_has_a_picture_and_the_chosen_ones_weights_are_listed(spirals):
    app = make_app(dataset=spirals, preset="playground")
    async with app.run_test(size=SIZE) as pilot:
        form(app, epochs=2)
        await train(pilot)
        neurons = app.dashboard.query_one(NeuronPictures)
        assert [len(maps) for _, maps in neurons.neurons] == [16, 16, 16]
        # the first hidden layer's neuron 1 over the small grid: relu(x @ W[:, 1] + b[1])
        index, maps = neurons.neurons[0]
        fc = app.network.layers[index - 1]
        side = maps.shape[-1]
        points = grid_points(spirals.plane.extent, side, side)
        expected = np.maximum(points @ fc.weights[:, 1] + fc.bias[1], 0).reshape(side, side)
        np.testing.assert_allclose(maps[1], expected, rtol=1e-5, atol=1e-6)
        # drawn as they are: the first picture line's cells are neuron 0's top two pixel rows, then a gap
        colours = signed_colours(maps[0])
        cells = list(next(strip for strip in neurons.strips if strip.text.startswith("▀")))[:side + 1]
        assert [(c.style.color.triplet, c.style.bgcolor.triplet) for c in cells[:side]] == [
            (tuple(colours[0, i]), tuple(colours[1, i])) for i in range(side)]
        assert cells[side].style.color.triplet == (0, 0, 0), "a column of background between pictures"
        neurons.focus()
        await pilot.press("right")
        names, weights, bias = neurons.incoming()
        assert neurons.chosen == (0, 1) and names == ["x1", "x2"]
        np.testing.assert_array_equal(weights, fc.weights[:, 1])
        shown = neurons.text()  # what is drawn, read from the lines on screen (wrapped to its width)
        words = f"x1 {fc.weights[0, 1]:+6.2f} x2 {fc.weights[1, 1]:+6.2f} bias {fc.bias[1]:+6.2f}".split()
        assert " ".join(words) in " ".join(shown.split()[shown.split().index("1:") + 1:])


async def test_a_setting_that_cannot_change_mid_run_says_it_applies_to_the_next_run(spirals):
    app = make_app(dataset=spirals, preset="playground")
    async with app.run_test(size=SIZE) as pilot:
        form(app, epochs=300)
        await paused_run(app, pilot)
        network = app.dashboard.shown_training
        form(app, batch_size=50)
        await wait_until(lambda: "Batch size applies to the next run" in notifications(app))
        assert network.batch_size == 10 and not app.dashboard.control.changes
        await key(app, "x")
        await app.workers.wait_for_complete()


@pytest.mark.parametrize("key_name, view", [("A", "augmentation preview"), ("u", "robustness view"),
                                            ("M", "layer map")])
async def test_the_image_only_views_say_so_on_2d_points_and_the_app_lives(spirals, key_name, view):
    app = make_app(dataset=spirals, preset="playground")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        form(app, epochs=2)
        await train(pilot)
        await pilot.press(key_name)
        await pilot.pause()
        assert app.is_running and app.screen is app.dashboard
        assert f"The {view} is for images" in notifications(app)


async def test_the_neurons_drawn_while_their_tab_is_hidden_show_when_it_is_shown_again(spirals):
    """Off screen the widget's width reads 0: pictures drawn then must not be cut to nothing."""
    app = make_app(dataset=spirals, preset="playground")
    async with app.run_test(size=SIZE) as pilot:
        form(app, epochs=2)
        await train(pilot)
        await pilot.press("b")
        await pilot.pause()
        app.dashboard.show_plane(app.network)  # what a run ending or L does while another tab is shown
        await pilot.press("t")
        await pilot.pause()
        neurons = app.dashboard.query_one(NeuronPictures)
        assert "hidden layer 1" in neurons.text() and "▀" in neurons.text(), neurons.text()[:200]
