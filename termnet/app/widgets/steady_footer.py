"""SteadyFooter: Textual's Footer, drawn in the first frame and rebuilt only when the keys it shows change.

Textual's Footer recomposes (removes and mounts a widget per key, then styles each) on every change of
focus, which every tab switch makes, and draws no key until the screen's bindings are first announced,
a frame after the rest. Measured at 120x40: the rebuild was a large part of a tab switch's work on the UI
thread, and while training runs that thread waits for the GIL at each step of it.
"""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer


def shown_keys(screen: Screen) -> list[tuple]:
    """What the footer would draw for ``screen`` now: each shown binding with its state and tooltip."""
    return [(binding.key, binding.key_display, binding.description, binding.action, binding.group, enabled, tooltip)
            for _, binding, enabled, tooltip in screen.active_bindings.values() if binding.show]


class SteadyFooter(Footer):
    """A Footer that skips the rebuild when the shown keys are the ones already on it."""

    _drawn: list[tuple] | None = None  # the keys of the last compose

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._bindings_ready = True  # Footer's own flag: compose the keys with the screen, not a frame later

    def compose(self):
        self._drawn = shown_keys(self.screen)
        yield from super().compose()

    def bindings_changed(self, screen: Screen) -> None:
        if self._drawn is not None and screen is self.screen and shown_keys(screen) == self._drawn:
            return
        super().bindings_changed(screen)
