"""Helpers for driving the dashboard with Textual's pilot."""

from __future__ import annotations

import asyncio

from rich.console import Console

SIZE = (120, 40)


async def train(pilot) -> None:
    """Press s and wait until the training worker has finished and its messages are handled."""
    await pilot.pause()
    await pilot.press("s")
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def rendered_text(renderable) -> str:
    """A rich renderable as plain text, 120 columns wide."""
    console = Console(width=120, record=True, color_system=None)
    console.print(renderable)
    return console.export_text()


def notifications(app) -> str:
    return "\n".join(n.message for n in app._notifications)


def make_the_run_long(app, epochs: int = 1000) -> None:
    """Set the form's epochs far beyond what a test waits for before it stops the run with x.

    Ended epochs reach the screen together at most once a second, and a fast machine trains the
    article's 35 short epochs in under one: a test that acts "while training" needs a run that lasts.
    """
    app.dashboard.query_one("#form").set_values({"epochs": epochs})


async def start_training(pilot) -> None:
    """Press s and return once the training worker runs (it is still running: keys arrive during it)."""
    await pilot.pause()
    await key(pilot.app, "s")
    dashboard = pilot.app.dashboard
    await wait_until(lambda: dashboard.training and not dashboard.launching)  # launched: its worker runs


async def wait_until(condition, seconds: float = 30.0) -> None:
    """Poll while training runs: pilot.pause() would wait for an idle app, which comes only at the end."""
    for _ in range(int(seconds / 0.01)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("timed out")


async def key(app, name: str) -> None:
    """A key press delivered without waiting for the app to be idle (it is not, while training)."""
    app.simulate_key(name)
    await asyncio.sleep(0.05)
