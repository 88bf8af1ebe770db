"""Snapshots of the Lesson tab (update only these: pytest tests/app/test_lesson_snapshots.py --snapshot-update)."""

from termnet.app import make_app


def keys_then_quiet(*keys):
    async def run_before(pilot):
        await pilot.pause()
        await pilot.press(*keys)
        pilot.app.clear_notifications()  # the preset's toast would cover the step
        await pilot.pause()
    return run_before


def test_lesson_forward_step(snap_compare, digits):
    """The article's MLP at 80x24, a fully connected layer's forward step: the formula with shapes, the words,
    and every one of its 100 outputs."""
    assert snap_compare(make_app(dataset=digits, preset="article-mlp"),
                        run_before=keys_then_quiet("l", "right", "right"), terminal_size=(80, 24))


def test_lesson_backward_step(snap_compare, digits):
    """The article's CNN at 120x40, the convolution's gradients: the error maps arriving as pictures, the
    filters' gradients, the formulas of the cross-correlation and the full convolution back."""
    assert snap_compare(make_app(dataset=digits, preset="article-cnn"),
                        run_before=keys_then_quiet("l", "end", "left", "left", "left", "left"),
                        terminal_size=(120, 40))


def test_lesson_loss_comparison(snap_compare, digits):
    """softmax + MSE against softmax + cross-entropy on the same sample: the errors each hands back."""
    assert snap_compare(make_app(dataset=digits, preset="article-mlp"),
                        run_before=keys_then_quiet("l", *["right"] * 10), terminal_size=(80, 24))
