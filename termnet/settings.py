"""The training settings, each declared once: the spec checks, the dashboard's form and ``termnet train`` read them.

A setting says its name, default, kind, bounds (or choices, read from the engine's registries),
the short label the form shows and a one-line help for the command line. ``problem`` checks a
value (a spec's, an override's); ``parse`` reads one typed as text (the form's field, the
command line's option), so a value is refused for the same reason wherever it is given.
No Textual here: the command line and the spec checks import this without the app.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

from .engine.augment import LEVELS as AUGMENTATION_LEVELS
from .engine.augment import Augmentation
from .engine.callbacks import EarlyStopping
from .engine.initializers import INITIALIZERS
from .engine.losses import ALIASES as LOSS_ALIASES
from .engine.losses import LOSSES
from .engine.optimizers import OPTIMIZERS
from .engine.schedules import SCHEDULES

KINDS = ("number", "whole", "share", "choice")


@dataclass(frozen=True)
class Setting:
    """One training setting.

    ``number``: a finite real above ``minimum``; ``whole``: an integer, ``minimum`` or more; ``share``: a
    real from ``minimum`` to ``maximum``; ``choice``: one of ``choices`` (any case, or one of ``aliases``).
    ``optional``: None is a value too (no seed; the constant schedule) in a spec, never typed.
    """

    name: str
    default: object
    kind: str
    label: str
    help: str
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    aliases: tuple[tuple[str, str], ...] = ()
    optional: bool = False

    @property
    def option(self) -> str:
        """The command line's option: ``--learning-rate``."""
        return "--" + self.name.replace("_", "-")

    @property
    def rule(self) -> str:
        """What a good value is, as the end of "must be ...": ``a whole number, 1 or more``."""
        if self.kind == "choice":
            return f"one of {', '.join(self.choices)}"
        return f"a whole number, {self.bounds}" if self.kind == "whole" else f"a number {self.bounds}"

    @property
    def bounds(self) -> str:
        """The range a number must be in: ``> 0``, ``1 or more``, ``from 0 to 0.9``."""
        if self.kind == "number":
            return f"> {self.minimum:g}"
        if self.kind == "whole":
            return f"{self.minimum:g} or more"
        return f"from {self.minimum:g} to {self.maximum:g}"

    def problem(self, value) -> str | None:
        """Why ``value`` does not suit this setting, or None."""
        if value is None and self.optional:
            return None
        if self.kind == "choice":
            return None if self.canonical(value) in self.choices else f"must be {self.rule}"
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            return f"must be {self.rule}"
        if self.kind == "whole" and not isinstance(value, numbers.Integral) or not math.isfinite(value):
            return f"must be {self.rule}"
        if self.kind == "whole":
            fits = value >= self.minimum
        elif self.kind == "number":
            fits = value > self.minimum
        else:
            fits = self.minimum <= value <= self.maximum
        return None if fits else f"must be {self.bounds}"  # a number, out of range: "must be > 0"

    def canonical(self, value):
        """A choice as the registry names it ("Adam" is adam, "crossentropy" cross_entropy); others as given."""
        if self.kind != "choice" or not isinstance(value, str):
            return value
        key = value.strip().lower()
        return dict(self.aliases).get(key, key)

    def parse(self, text: str):
        """The value that ``text`` (a form field's, an option's) stands for; a ValueError says why there is none."""
        text = text.strip()
        if self.kind == "whole":
            problem = whole_text_problem(text, self.minimum)
            if problem:
                raise ValueError(problem)
            return int(text)
        if self.kind == "choice":
            value = self.canonical(text)
        else:
            try:
                value = float(text)
            except ValueError:
                raise ValueError(f"must be {self.rule}") from None
        problem = self.problem(value)
        if problem:
            raise ValueError(problem)
        return value


def whole_text_problem(text: str, minimum: float | None = None) -> str | None:
    """Why ``text`` is not a whole number in digits (``1e9`` and ``2.5`` are refused, not read as 10**9 or 2),
    at least ``minimum``; or None."""
    text = text.strip()
    digits = text[1:] if text[:1] in "+-" else text
    if not digits.isdigit() or not digits.isascii():
        return "must be a whole number" + ("" if minimum is None else f", {minimum:g} or more")
    if minimum is not None and int(text) < minimum:
        return f"must be {minimum:g} or more"
    return None


#: Every training setting, in the order the form shows them.
SETTINGS: dict[str, Setting] = {s.name: s for s in (
    Setting("learning_rate", 0.1, "number", "Learning rate", "step size of each update (the peak, with a schedule)",
            minimum=0),
    Setting("epochs", 10, "whole", "Epochs", "passes over the training images", minimum=1),
    Setting("batch_size", 32, "whole", "Batch size", "images per gradient step", minimum=1),
    Setting("optimizer", "sgd", "choice", "Optimizer", "how each gradient step moves the weights",
            choices=tuple(OPTIMIZERS)),
    # L2 on every parameter array, by every optimizer (engine/optimizers.py); at most 1, where a step would
    # already pull each weight all the way to 0 at a learning rate of 1
    Setting("weight_decay", 0.0, "share", "Weight decay", "L2 penalty: each step also pulls every weight toward 0 "
            "by this share of it times the learning rate (0: none; 5e-4 is usual)", minimum=0, maximum=1),
    Setting("loss", "mse", "choice", "Loss", "what training minimises", choices=tuple(LOSSES),
            aliases=tuple(LOSS_ALIASES.items())),
    Setting("schedule", "constant", "choice", "Schedule", "how the learning rate changes over the run",
            choices=tuple(SCHEDULES), optional=True),
    Setting("train_size", 0, "whole", "Samples 0=all", "train on the first N training images (0: all)", minimum=0),
    # the share of the training images held out to validate each epoch; the test set is kept for the end.
    # At most 0.9: a larger share leaves too few images to learn from (and the form, the spec and the
    # command line all refuse the same values).
    Setting("validation_split", 0.1, "share", "Validation", "share of the training images held out to validate "
            "each epoch (0: none)", minimum=0, maximum=0.9),
    # early stopping (engine.EarlyStopping on val_loss, best weights kept): it watches the held-out images, so
    # it needs validation_split above 0 (combination_problem says so wherever both are given)
    Setting("patience", 0, "whole", "Patience 0=off", "stop when the validation loss has not improved for N "
            "epochs, keeping the best epoch's weights (0: off; needs --validation-split above 0)", minimum=0),
    Setting("seed", 0, "whole", "Seed", "makes the weights, the shuffling and the validation split reproducible",
            minimum=0, optional=True),
    Setting("init", "auto", "choice", "Weight init", "how the weights start (auto: He before relu, Xavier "
            "otherwise)", choices=tuple(INITIALIZERS)),
    # the training images only, a new random change each batch; validation and test images stay as they are
    Setting("augment", "none", "choice", "Augment", "random rotations, shifts and zooms of each training batch "
            "(strong: also noise and thicker or thinner strokes)", choices=tuple(AUGMENTATION_LEVELS)),
)}

#: The settings a resumed run applies (``train --resume``); every other one must equal what the model file holds.
APPLIED_ON_RESUME = ("learning_rate", "epochs", "batch_size", "schedule", "patience", "weight_decay", "augment")

DEFAULTS = {name: setting.default for name, setting in SETTINGS.items()}


def problem(name: str, value) -> str | None:
    """Why ``value`` does not suit the training setting ``name``, or None (also for a name that is no setting)."""
    setting = SETTINGS.get(name)
    return setting.problem(value) if setting else None


def combination_problem(values: dict, named=lambda name: name) -> str | None:
    """Why settings that are each fine do not go together (early stopping without validation data), or None.
    ``named`` gives a setting's name as the caller shows it (the command line: ``SETTINGS[name].option``)."""
    if values.get("patience") and not values.get("validation_split"):
        return (f"{named('patience')} {values['patience']} needs validation data: set {named('validation_split')} "
                f"above 0 (or {named('patience')} 0 to turn early stopping off)")
    return None


@dataclass(frozen=True)
class FitExtras:
    """The settings ``fit`` takes rather than the network: early stopping (a callback) and augmentation."""

    stopper: EarlyStopping | None = None
    augment: Augmentation | None = None

    @property
    def callbacks(self) -> list:
        return [self.stopper] if self.stopper else []


def fit_extras(values: dict, sample_shape: tuple[int, ...], seed: int | None) -> FitExtras:
    """What ``patience`` and ``augment`` among ``values`` become for ``Network.fit`` on samples of ``sample_shape``
    (augmentation drawn from ``seed``). Every caller reads them here (train, the dashboard, sweeps, the estimator,
    the benchmarks), so a setting of a spec is never silently ignored by one of them."""
    patience = values.get("patience") or 0
    level = values.get("augment") or "none"
    return FitExtras(EarlyStopping(patience=patience) if patience else None,
                     Augmentation.level(level, sample_shape[-1], seed))
