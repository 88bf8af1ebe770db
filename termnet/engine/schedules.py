"""Learning-rate schedules: a factor of the base learning rate at each step.

A Network plans its schedule over the steps of the fit that starts it and keeps its
position across fits and model files; steps past the plan's end use the factor of
its last step (see ``Network``).
"""

from __future__ import annotations

import math

SCHEDULES = ("constant", "cosine", "one-cycle")


def _cosine(start: float, end: float, fraction: float) -> float:
    return end + (start - end) * 0.5 * (1 + math.cos(math.pi * fraction))


def learning_rate_factor(schedule: str | None, step: int, total_steps: int) -> float:
    """The factor for ``step`` (0-based) of ``total_steps``.

    ``cosine`` decays from 1 to 0 along half a cosine. ``one-cycle`` (Smith, as in
    PyTorch's OneCycleLR) warms up from 1/25 to 1 over the first 30% of the steps,
    then anneals to 1/25 of 1/10,000; the base learning rate is the peak.
    """
    if schedule in (None, "constant"):
        return 1.0
    fraction = step / max(total_steps - 1, 1)
    if schedule == "cosine":
        return _cosine(1.0, 0.0, fraction)
    if schedule == "one-cycle":
        warmup = 0.3
        if fraction < warmup:
            return _cosine(1.0 / 25, 1.0, fraction / warmup)
        return _cosine(1.0, 1.0 / 25 / 1e4, (fraction - warmup) / (1 - warmup))
    raise ValueError(f"Unknown schedule {schedule!r}; expected one of {', '.join(SCHEDULES)}")
