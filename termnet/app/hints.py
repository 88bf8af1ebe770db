"""One line per tab saying what it shows, and the first screen's "what to do first": written once, read by
the help screen, the command palette and the tabs themselves."""

from __future__ import annotations

#: What each tab shows, keyed by the tab's id (DashboardScreen.TAB_LABELS).
TAB_HINTS = {  # each fits the one line under the tabs at 80 columns (HINT_WIDTH)
    "build": "Layers from input to output, their shapes and parameters; the settings beside",
    "train": "The loss falling as it learns, a row per epoch, each layer's gradient health",
    "confusion": "Rows: the true digit; columns: what the network said; the diagonal is right",
    "digits": "Each test digit with the network's guess; arrows choose one, m shows mistakes",
    "inside": "One digit through the network, layer by layer: activations, weights, filters",
    "runs": "Every run of this session: settings, test accuracy, loss curve; w sweeps",
    "draw": "Draw with the arrows and space (or the mouse): the network guesses as you draw",
    "lesson": "One sample forward, its error back: ← → step, space plays, enter learns",
}
#: The hint line's width at 80 columns (one cell of padding each side).
HINT_WIDTH = 78

# the datasets as a sentence names them; any other name is written as it is
DATA_IN_A_SENTENCE = {"digits": "the 8x8 digits", "mnist": "MNIST", "fashion-mnist": "Fashion-MNIST",
                      "idx": "your IDX data"}


def first_steps(preset: str | None, data: str | None) -> str:
    """The first screen's one line: what to press first.

    Args:
        preset: the stack on screen as people call it (a preset key's description such as "MLP", or a spec's
            name); None or "" when the stack is empty.
        data: the dataset's name (``digits``, ``mnist``, ...); None while it loads.
    """
    on = DATA_IN_A_SENTENCE.get(data, data) if data else "the data"
    if not preset:
        return f"1-4 load a preset or a adds a layer, then s trains on {on} · ? keys"
    return f"Press s to train the {preset} on {on} · 1-4 presets · ? keys"
