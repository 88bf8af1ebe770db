"""One line per tab saying what it shows, and the first screen's "what to do first": written once, read by
the help screen, the command palette and the tabs themselves."""

from __future__ import annotations

#: What each tab shows, keyed by the tab's id (DashboardScreen.TAB_LABELS).
TAB_HINTS = {
    "build": "The layers from input to output, each with its output shape and parameters; the settings beside them",
    "train": "The loss epoch by epoch (falling means learning), one row per epoch, and each layer's gradient health",
    "confusion": "Rows: the true digit; columns: what the network said; the diagonal is right",
    "digits": "Every test digit with the network's guess; the chosen one's ten probabilities beside the grid",
    "inside": "What the network does with one digit, layer by layer: activations, filters, feature maps, weights",
    "runs": "Every run of this session side by side: its settings, its test accuracy and its loss curve",
    "draw": "Draw a digit with the arrows and space (or the mouse): the network classifies it as you draw",
}

# the datasets as a sentence names them; any other name is written as it is
DATA_IN_A_SENTENCE = {"digits": "the 8x8 digits", "mnist": "MNIST", "fashion-mnist": "Fashion-MNIST",
                      "idx": "your IDX files"}


def first_steps(preset: str | None, data: str | None) -> str:
    """The first screen's one line: what to press first.

    Args:
        preset: the stack on screen as people call it (a preset key's description such as "MLP", or a spec's
            name); None or "" when the stack is empty.
        data: the dataset's name (``digits``, ``mnist``, ...); None while it loads.
    """
    on = DATA_IN_A_SENTENCE.get(data, data) if data else "the data"
    if not preset:
        return f"Press 1-4 to load a preset or a to add a layer, then s to train it on {on}; ? shows every key"
    return f"Press s to train the {preset} on {on}, 1-4 load presets, ? shows every key"
