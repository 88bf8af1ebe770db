"""Field: one constructor argument of a layer, described once as data.

A layer class lists its arguments in ``fields``, in its constructor's order. From
that one list come the layer's ``config()`` (what model files and specs store),
its default ``repr``, the code ``export-code`` writes, the dashboard's add-layer
form, and the checks a spec's keys get. Adding an argument to a layer means adding
a ``Field``; nothing outside the layer's own file needs to know.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

#: The kinds of value a field holds. ``int`` and ``float`` are numbers (with an
#: optional ``minimum``), ``choice`` one of ``choices``, ``shape`` a tuple of ints.
KINDS = ("int", "float", "choice", "shape")


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


#: The ``default`` of a field the constructor cannot do without.
REQUIRED: Any = _Required()


@dataclass(frozen=True)
class Field:
    """One constructor argument: its name, kind and default, and how to show it.

    Args:
        name: the constructor's keyword, also the key in ``config()`` and in specs.
        kind: one of ``KINDS``.
        default: the constructor's default, or ``REQUIRED``.
        choices: the allowed values of a ``choice`` field.
        help: one line for people (the form's tooltip).
        minimum: the smallest value a number may take (the form checks it as it is typed).
        optional: ``None`` is a valid value (it then means "work it out", as the help says).
        initial: what the add-layer form starts with, when that is not ``default``.
        infer: for a field a spec may leave out: its value from the previous layer's output
            shape (an FC's ``input_size`` is ``math.prod`` of it). Such fields are not in the form.
        when: ``(other_field, values)``: the field matters, is stored and shown only while
            ``other_field`` holds one of ``values`` (leaky_relu's slope).
        explicit: written out in code and descriptions even at its default (a convolution's
            kernel size says more than it costs).
    """

    name: str
    kind: str
    default: Any = REQUIRED
    choices: tuple = ()
    help: str = ""
    minimum: float | None = None
    optional: bool = False
    initial: Any = REQUIRED
    infer: Callable[[tuple[int, ...]], Any] | None = None
    when: tuple[str, tuple] | None = None
    explicit: bool = False

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"Field {self.name!r}: kind must be one of {', '.join(KINDS)}. Received: {self.kind!r}")
        if self.kind == "choice" and not self.choices:
            raise ValueError(f"Field {self.name!r}: a choice field needs its choices")

    @property
    def required(self) -> bool:
        return self.default is REQUIRED

    @property
    def label(self) -> str:
        """The name people read: the same word as the config key (``kernel_size`` -> ``Kernel size``)."""
        return self.name.replace("_", " ").capitalize()

    @property
    def in_form(self) -> bool:
        """Shown in the add-layer form: everything but what is taken from the layer before."""
        return self.infer is None and self.kind != "shape"

    @property
    def start(self) -> Any:
        """The form's starting value."""
        if self.initial is not REQUIRED:
            return self.initial
        return None if self.required else self.default

    def applies(self, config: dict) -> bool:
        """Whether this field matters for a layer configured as ``config``."""
        return self.when is None or config.get(self.when[0]) in self.when[1]

    def coerce(self, value: Any) -> Any:
        """A value read from TOML or JSON, brought to what the constructor takes (lists to shapes)."""
        if value is None:
            return None
        if self.kind == "shape" and isinstance(value, list):
            return tuple(value)
        if self.kind == "float" and isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        return value

    def stored(self, value: Any) -> Any:
        """A value as ``config()`` stores it: JSON- and TOML-friendly (shapes as lists)."""
        return list(value) if isinstance(value, tuple) else value

    def code(self, value: Any) -> str:
        """The value as Python source."""
        if self.kind == "shape" and value is not None:
            return repr(tuple(value))
        return repr(value)

    def check(self, value: Any) -> str | None:
        """Why ``value`` does not suit this field, or None. Constructors check again, in their own words."""
        if value is None:
            return None if self.optional or not self.required else f"{self.name} needs a value"
        if self.kind in ("int", "float"):
            numeric = numbers.Integral if self.kind == "int" else numbers.Real
            if isinstance(value, bool) or not isinstance(value, numeric) or not math.isfinite(value):
                what = "a whole number" if self.kind == "int" else "a number"
                return f"{self.name} must be {what}. Received: {value!r}"
            if self.minimum is not None and value < self.minimum:
                return f"{self.name} must be {self.minimum:g} or more. Received: {value!r}"
        return None
