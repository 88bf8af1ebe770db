"""Snapshots of each screen, compared with the SVGs in __snapshots__ (update: pytest --snapshot-update).

Deterministic: seeded training on fixed data, fixed terminal sizes, no cursor blink, notifications
cleared. The Train tab shows wall-clock timings, so it is covered by the pilot tests instead.
"""

from termnet.app import make_app

from .pilot import train


async def trained(pilot):
    await train(pilot)
    pilot.app.clear_notifications()  # their texts hold timings
    await pilot.pause()


def test_build_tab(snap_compare, digits):
    """A learner opens termnet: the MLP preset's layers, shapes, parameters and its training settings."""
    assert snap_compare(make_app(dataset=digits, preset="mlp"), terminal_size=(120, 40))


def test_build_tab_at_80x24(snap_compare, digits):
    """The same in the smallest terminal termnet supports."""
    assert snap_compare(make_app(dataset=digits, preset="mlp"), terminal_size=(80, 24))


def test_misfitting_stack(snap_compare, digits):
    """The small CNN is too deep for 8x8 digits: the offending row says why."""
    assert snap_compare(make_app(dataset=digits, preset="cnn"), terminal_size=(120, 40))


def test_add_layer_form(snap_compare, digits):
    """Pressing a opens the layer form."""
    assert snap_compare(make_app(dataset=digits, preset="mlp"), press=["a"], terminal_size=(120, 40))


def test_help(snap_compare, digits):
    """? lists every key."""
    assert snap_compare(make_app(dataset=digits, preset="mlp"), press=["question_mark"], terminal_size=(120, 40))


def test_confusion_after_training(snap_compare, digits):
    """After training: the test-set confusion matrix and per-class precision and recall."""

    async def run_before(pilot):
        await trained(pilot)
        await pilot.press("c")

    assert snap_compare(make_app(dataset=digits, preset="mlp"), run_before=run_before, terminal_size=(120, 40))


def test_digit_mistakes_after_training(snap_compare, digits):
    """After training: the misclassified test digits, the first one's probabilities beside them."""

    async def run_before(pilot):
        await trained(pilot)
        await pilot.press("g", "m")

    assert snap_compare(make_app(dataset=digits, preset="mlp"), run_before=run_before, terminal_size=(120, 40))


def test_inside_view_with_gradient_check(snap_compare, digits):
    """After training: the gradient check of the stack, then activations and what each unit looks for."""

    async def run_before(pilot):
        await trained(pilot)
        await pilot.press("k")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(make_app(dataset=digits, preset="mlp"), run_before=run_before, terminal_size=(120, 40))


def test_runs_view(snap_compare, digits):
    """Two runs side by side: their settings, accuracy and loss curves."""

    async def run_before(pilot):
        await trained(pilot)
        await pilot.press("1")
        pilot.app.dashboard.query_one("#form").set_values({"epochs": 3})
        await trained(pilot)
        await pilot.press("r")
        await pilot.pause()

    assert snap_compare(make_app(dataset=digits, preset="mlp"), run_before=run_before, terminal_size=(120, 40))


def test_draw_view(snap_compare, digits):
    """A stroke drawn by keys, what the network sees, and its probabilities."""

    async def run_before(pilot):
        await trained(pilot)
        await pilot.press("v", "space", "up", "up", "up", "right", "right")
        await pilot.pause()

    assert snap_compare(make_app(dataset=digits, preset="mlp"), run_before=run_before, terminal_size=(120, 40))
