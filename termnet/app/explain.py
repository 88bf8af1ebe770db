"""What F1 says about the thing focused: what it is and what to try, in a few sentences, all kept here.

Layer texts are keyed by the layer type's name in the engine's registry, setting texts by the setting's
name in termnet/settings.py, tab texts by the tab's id: a test fails when a registered layer type, a
setting or a tab has none.
"""

from __future__ import annotations

from textual.widget import Widget

LAYERS = {
    "FC": "A fully connected layer: every output is a weighted sum of every input plus a bias, so it holds "
          "inputs x outputs weights. More outputs learn more patterns but take longer and can memorise the "
          "training images. Try 64 to 256 for digits; the last FC has one output per class.",
    "Activation": "A function applied to every value: without it, layers of FC would add up to a single one. "
                  "Try relu in hidden layers (fast, rarely saturates), tanh as in the article, and softmax last "
                  "so the outputs are probabilities.",
    "Convolution": "Small filters slid over the image, each making a map of where its pattern appears; the "
                   "same few weights serve every position. Try 8 to 32 filters of 3x3, followed by relu and "
                   "2x2 max pooling.",
    "Pooling": "Keeps the largest (or mean) value of each window: maps shrink, and a feature found a pixel "
               "away still counts. Nothing is learned. Try 2x2 after a convolution; on 8x8 digits it can "
               "shrink the maps too far.",
    "Dropout": "While training, sets a random share (the rate) of its inputs to zero and scales the rest up, so "
               "no unit can count on any other; at test time it passes everything through. Try 0.25 after a "
               "convolution block and 0.5 before the last FC when the validation loss rises.",
    "BatchNorm": "Rescales each feature (each channel, after a convolution) to mean 0 and variance 1 over the "
                 "batch, then by a learnt gamma and beta; at test time it uses running averages instead. Deep "
                 "stacks train faster and tolerate larger learning rates: put it between a layer and its relu.",
    "Flatten": "Lays the maps out in one row so that an FC layer can take them; the numbers stay the same. "
               "Put it between the last convolution or pooling and the first FC.",
}

SETTINGS = {
    "learning_rate": "How far each step moves the weights against the gradient. Too small: the loss crawls; "
                     "too large: it jumps about or becomes NaN. Try 0.1 with sgd, 0.001 to 0.004 with adam.",
    "epochs": "How many times training goes through every training image. More epochs lower the training "
              "loss; stop when the validation loss stops falling.",
    "batch_size": "Images averaged into each gradient step. 1 is the article's way (noisy, slow per epoch); "
                  "32 is smoother and much faster per image. A larger batch often wants a larger learning rate.",
    "optimizer": "How a gradient becomes a step: sgd takes it as it is, momentum keeps a running velocity, "
                 "adam scales each weight's step by its recent gradients. Try adam when sgd is slow.",
    "weight_decay": "Pulls every weight a little towards zero at each step (L2), so the network prefers small "
                    "weights and memorises less. 0 turns it off; try 1e-4 to 5e-4 when the validation loss rises "
                    "while the training loss falls.",
    "loss": "What training makes small. With a softmax output, cross_entropy hands back a much larger error "
            "than mse when the network is wrong, so it learns faster (the Lesson tab shows both).",
    "schedule": "How the learning rate changes during the run: constant keeps it, cosine lowers it smoothly, "
                "one-cycle warms up then cools down. Try one-cycle for a few epochs of adam.",
    "train_size": "Trains on the first N training images only (0: all of them). A small N makes trying "
                  "things fast; the test accuracy needs more images.",
    "validation_split": "The share of the training images held out each epoch to measure the network on "
                        "images it never trained on. If the validation loss rises while the training loss "
                        "falls, the network is memorising.",
    "patience": "Early stopping: after this many epochs without a lower validation loss, training stops and "
                "the best epoch's weights come back. 0 turns it off; it needs a validation share above 0. "
                "Try 3 with many epochs, and let it decide when to stop.",
    "seed": "Fixes the random start: the weights, the shuffling and the validation split. The same seed gives "
            "the same run; change it to see how much results vary by chance.",
    "augment": "Moves, turns, zooms (and, when strong, blurs and thickens) every training image a little at "
               "random, each epoch afresh, so the network sees more kinds of handwriting than the data holds. "
               "Try light for a convolutional network over many epochs; A previews it, u measures robustness.",
    "init": "How the weights start. auto picks He before relu and Xavier otherwise, which keeps the signal "
            "from fading or exploding through many layers; uniform (±0.5) is the article's.",
}

TABS = {
    "build": "The stack of layers from input to output, with each layer's output shape and weights, and the "
             "training settings beside. a adds a layer, e edits, d deletes; s trains.",
    "train": "The loss falling while the network learns, a row per epoch, and each layer's gradient health. "
             "A flat loss: try a larger learning rate; NaN: a smaller one.",
    "confusion": "For every true digit (rows), how often the network said each digit (columns). The bright "
                 "cells off the diagonal are the pairs it mixes up.",
    "digits": "The test images with the network's guess. m shows only its mistakes: often they are hard for "
              "people too.",
    "inside": "One image through the trained network: each layer's activations, the filters and what each "
              "unit looks for. k checks the gradients, o times each layer.",
    "runs": "Every run of this session side by side: settings, accuracy and loss curve. Change one setting at "
            "a time to see what it does.",
    "draw": "Draw a digit and watch the network's probabilities change as you draw.",
    "lesson": "One sample forward through every layer and its error back, step by step, with the formulas and "
              "the numbers. Enter takes the step for real; watch the sample's loss fall.",
}

WIDGETS = {  # by widget id, for what a tab holds that needs its own words
    "plot": "The loss per batch and per epoch. It should fall quickly, then slowly. A validation curve that "
            "turns up while the training curve keeps falling means the network is memorising.",
    "epochs": "One row per epoch: the training loss and accuracy, and the same on held-out images.",
    "health": "Each layer's gradient size: near zero, that layer barely learns (try relu or a larger learning "
              "rate); huge, training may blow up (try a smaller one).",
    "grid": "The test digits with the network's guess; arrows choose one, m shows the mistakes.",
    "canvas": "Draw here with the arrows and space, or the mouse; backspace clears.",
    "runs-table": "A row per run; compare the accuracy of runs that differ in one setting.",
}

GENERAL = "termnet builds, trains and looks inside neural networks. ? lists every key; F1 explains what is focused."


def explanation(widget: Widget | None) -> tuple[str, str]:
    """A title and a few sentences for ``widget`` (the focused one), from the nearest thing with words: a layer
    row, a setting's field, a chart or table, then the tab holding it."""
    node = widget
    while node is not None:
        stack, index = getattr(node, "stack", None), getattr(node, "index", None)
        if node.id == "layers" and stack and index is not None and 0 <= index < len(stack):
            kind = stack[index].get("type", "?")
            return f"{kind} layer", LAYERS.get(kind, f"A {kind} layer, registered outside termnet.")
        name = (node.id or "").removeprefix("field-")
        if (node.id or "").startswith("field-") and name in SETTINGS:
            return name.replace("_", " ").capitalize(), SETTINGS[name]
        if node.id in WIDGETS:
            return node.id.replace("-", " ").capitalize(), WIDGETS[node.id]
        if node.id in TABS and type(node).__name__ == "TabPane":
            return f"The {node.id.capitalize()} tab", TABS[node.id]
        node = node.parent
    return "termnet", GENERAL
