"""Snapshots of each screen, compared with the SVGs in __snapshots__ (update: pytest --snapshot-update).

Deterministic: seeded training on fixed data, fixed terminal sizes, no cursor blink, notifications
cleared. The Train tab shows wall-clock timings, so it is covered by the pilot tests instead.
"""

import pytest

from termnet.app import make_app
from termnet.spec import load_spec

from .pilot import train

#: Every tab at the size the README promises and at a roomy one.
SIZES = pytest.mark.parametrize("size", [(120, 40), (80, 24)], ids=["120x40", "80x24"])


async def trained(pilot):
    await train(pilot)
    pilot.app.clear_notifications()  # their texts hold timings
    await pilot.pause()


@SIZES
def test_build_tab(snap_compare, digits, size):
    """A learner opens termnet: the MLP preset's layers, shapes, parameters and its training settings, and
    the line saying what to press first."""
    assert snap_compare(make_app(dataset=digits, preset="mlp"), terminal_size=size)


def test_misfitting_stack(snap_compare, digits):
    """A stack of the user's that is too deep for 8x8 digits (the cnn preset unfitted): the row says why."""

    async def run_before(pilot):
        await pilot.pause()
        pilot.app.dashboard.query_one("#layers").set_stack(load_spec("cnn").layers)
        pilot.app.clear_notifications()
        await pilot.pause()

    assert snap_compare(make_app(dataset=digits, preset="mlp"), run_before=run_before, terminal_size=(120, 40))


def test_too_small_a_window(snap_compare, digits):
    """At 60x18 the tabs cannot show their essentials: termnet asks for a larger window."""
    assert snap_compare(make_app(dataset=digits, preset="mlp"), terminal_size=(60, 18))


@SIZES
def test_add_layer_form(snap_compare, digits, size):
    """Pressing a opens the layer form."""
    assert snap_compare(make_app(dataset=digits, preset="mlp"), press=["a"], terminal_size=size)


@SIZES
def test_help(snap_compare, digits, size):
    """? lists every key."""
    assert snap_compare(make_app(dataset=digits, preset="mlp"), press=["question_mark"], terminal_size=size)


@SIZES
def test_confusion_after_training(snap_compare, digits, size):
    """After training: the test-set confusion matrix and per-class precision and recall."""

    async def run_before(pilot):
        await trained(pilot)
        await pilot.press("c")

    assert snap_compare(make_app(dataset=digits, preset="mlp"), run_before=run_before, terminal_size=size)


@SIZES
def test_digit_mistakes_after_training(snap_compare, digits, size):
    """After training: the misclassified test digits, the first one's probabilities beside them."""

    async def run_before(pilot):
        await trained(pilot)
        await pilot.press("g", "m")

    assert snap_compare(make_app(dataset=digits, preset="mlp"), run_before=run_before, terminal_size=size)


@SIZES
def test_inside_view_with_gradient_check(snap_compare, digits, size):
    """After training: the gradient check of the stack, then activations and what each unit looks for."""

    async def run_before(pilot):
        await trained(pilot)
        await pilot.press("k")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(make_app(dataset=digits, preset="mlp"), run_before=run_before, terminal_size=size)


@SIZES
def test_runs_view(snap_compare, digits, size):
    """Two runs side by side: their settings, accuracy and loss curves."""

    async def run_before(pilot):
        await trained(pilot)
        await pilot.press("1")
        pilot.app.dashboard.query_one("#form").set_values({"epochs": 3})
        await trained(pilot)
        await pilot.press("r")
        await pilot.pause()

    assert snap_compare(make_app(dataset=digits, preset="mlp"), run_before=run_before, terminal_size=size)


@SIZES
def test_draw_view(snap_compare, digits, size):
    """A stroke drawn by keys, what the network sees, and its probabilities."""

    async def run_before(pilot):
        await trained(pilot)
        await pilot.press("v", "space", "up", "up", "up", "right", "right")
        await pilot.pause()

    assert snap_compare(make_app(dataset=digits, preset="mlp"), run_before=run_before, terminal_size=size)


def test_sweep_form(snap_compare, digits):
    """w on the Runs tab opens the sweep form: what to vary, its values, the seeds (80x24)."""
    assert snap_compare(make_app(dataset=digits, preset="mlp"), press=["r", "w"], terminal_size=(80, 24))


@SIZES
def test_layer_map(snap_compare, digits, size):
    """After training, M maps the last hidden layer: the 120 test digits by PCA (t shows it again once t-SNE has
    replaced it: t-SNE amplifies the last bits of rounding, which differ between BLAS kernels, see
    test_portability), each as its digit in its class's colour; two arrow presses choose a point, whose image and
    prediction show beside the map."""

    async def run_before(pilot):
        await trained(pilot)
        await pilot.press("M")
        await pilot.app.workers.wait_for_complete()  # the PCA, then the t-SNE that replaces it
        await pilot.press("t", "right", "down")
        await pilot.pause()

    assert snap_compare(make_app(dataset=digits, preset="mlp"), run_before=run_before, terminal_size=size)


def test_playground_plane(snap_compare):
    """The Train tab's picture of 2-D data: the decision boundary over the spirals and every hidden neuron
    (alone in an app: the Train tab around it shows wall-clock timings)."""
    from textual.app import App

    from termnet.app.panes.plane import PlaneView
    from termnet.app.plane_probe import plane_snapshot
    from termnet.data import PlanarOptions, load_dataset

    data = load_dataset("spirals", planar=PlanarOptions(samples=300))
    # float64: 150 epochs would carry float32's kernel-dependent last bits into the colours (test_portability)
    network = load_spec("playground").build(data.image_shape, dtype="float64", epochs=150)
    network.fit(data.x_train, data.y_train)

    class PlaneApp(App):
        def compose(self):
            yield PlaneView()

        def on_mount(self):
            view = self.query_one(PlaneView)
            view.set_data(data)
            self.call_after_refresh(lambda: view.show(plane_snapshot(network, data.plane, view.resolution,
                                                                           (data.y_train, data.y_test)), network))

    assert snap_compare(PlaneApp(), terminal_size=(80, 24))
