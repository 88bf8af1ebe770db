"""The Lesson as plain text: every value of a small array, a summary of a large one, and the whole course.

The command line prints ``course_text``; the dashboard's Lesson tab shows the same value lines and
summaries (and pictures where an array is too large for numbers). No user interface library here.
"""

from __future__ import annotations

import textwrap

import numpy as np

from .course import Course, Step
from .formulas import shape

#: Arrays of up to this many values are shown value by value; larger ones as a summary (and a picture).
FULL = 100
LARGEST = 3  # the largest entries a summary names


def squeezed(array: np.ndarray) -> np.ndarray:
    """The array without its batch axis of one: a sample's values as the layer sees them."""
    return array[0] if array.ndim > 1 and array.shape[0] == 1 else array


def number_format(array: np.ndarray) -> str:
    """One format for every value of an array, so that they line up: fixed while that keeps them readable."""
    peak = float(np.max(np.abs(array))) if array.size else 0.0
    return "{:+.4f}" if peak == 0 or 1e-3 <= peak < 1e4 else "{:+.2e}"


def value_lines(array: np.ndarray, width: int = 78) -> list[str]:
    """Every value, in rows: a matrix (or an image) as its rows, a vector wrapped; each line starts with the
    index of its first value, then ``│``."""
    values = squeezed(np.asarray(array, dtype=np.float64))
    fmt = number_format(values)
    cell = len(fmt.format(-1.0)) + 1
    if values.ndim >= 2 and 6 + cell * values.shape[-1] <= width:
        rows = values.reshape(-1, values.shape[-1])
        index = np.ndindex(values.shape[:-1])
        labels = [",".join(str(i) for i in next(index)) for _ in range(len(rows))]
        label_width = max(len(label) for label in labels)
        return [f"{label:>{label_width}}│" + " ".join(fmt.format(v) for v in row) for label, row in zip(labels, rows)]
    flat = values.reshape(-1)
    per_line = max(1, (width - 6) // cell)
    return [f"{start:>4}│" + " ".join(fmt.format(v) for v in flat[start:start + per_line])
            for start in range(0, len(flat), per_line)]


def summary_line(array: np.ndarray) -> str:
    """Shape, min, max, mean and the largest entries (by size) with their positions."""
    values = squeezed(np.asarray(array, dtype=np.float64))
    if values.size == 0:
        return f"shape {shape(values)}: empty"
    order = np.argsort(-np.abs(values.reshape(-1)), kind="stable")[:LARGEST]
    largest = ", ".join(f"[{','.join(str(i) for i in np.unravel_index(k, values.shape))}] {values.flat[k]:+.4g}"
                        for k in order)
    return (f"shape {shape(values)}: min {values.min():+.4g}  max {values.max():+.4g}  mean {values.mean():+.4g}"
            f"  largest: {largest}")


def array_text(name: str, array: np.ndarray, width: int = 78) -> list[str]:
    values = squeezed(np.asarray(array))
    if values.size <= FULL:
        return [f"{name} {shape(np.asarray(array))}:", *value_lines(array, width)]
    return textwrap.wrap(f"{name}: {summary_line(array)}", width, subsequent_indent="    ")


def step_text(step: Step, number: int, total: int, width: int = 78) -> str:
    lines = textwrap.wrap(f"Step {number}/{total} ({step.phase}): {step.title}", width, subsequent_indent="    ")
    for line in step.formula.splitlines():  # a formula breaks only where it would not fit
        lines += textwrap.wrap(line, width, subsequent_indent="    ", drop_whitespace=False) or [""]
    lines += textwrap.wrap(step.explanation, width)
    for name, array in step.arrays:
        lines += array_text(name, array, width)
    return "\n".join(lines)


def course_text(lesson: Course, width: int = 78) -> str:
    total = len(lesson.steps)
    return "\n\n".join(step_text(step, number, total, width) for number, step in enumerate(lesson.steps, 1))
