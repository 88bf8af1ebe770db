"""Snapshot of the robustness screen (u) after training: four curves and the gallery of misread digits."""

import pytest

from termnet.app import make_app

from .pilot import train

SIZES = pytest.mark.parametrize("size", [(120, 40), (80, 24)], ids=["120x40", "80x24"])


@SIZES
def test_robustness_screen(snap_compare, digits, size):
    """After training the MLP on the digits, u draws its accuracy under each damage and the digits it misreads
    rotated by 45°."""

    async def run_before(pilot):
        await train(pilot)
        pilot.app.clear_notifications()
        await pilot.press("u")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.wait_for_scheduled_animations()
        await pilot.pause()  # the scroll bar, once the curves are in, narrows the plots: one more layout

    assert snap_compare(make_app(dataset=digits, preset="mlp"), run_before=run_before, terminal_size=size)
