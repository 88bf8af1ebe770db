"""Sweeps: many full training runs over a grid or random draws of settings, in parallel processes or on Dask.

``space`` reads what varies, ``trial`` runs one training run in a worker, ``runner`` runs them all and yields
each result as it finishes, ``report`` shows them (``termnet sweep`` is the command line's face of it).
"""

import importlib

#: Where each public name lives. Loaded on first use: ``termnet --help`` and the dashboard's start build the
#: ``sweep`` command's options, which must not pay for multiprocessing and the trial code.
_HOMES = {"connect": "runner", "make_jobs": "runner", "run_dask": "runner", "run_local": "runner",
          "Axis": "space", "SweepError": "space", "Trial": "space", "grid": "space", "layer_axis": "space",
          "parse_seeds": "space", "random_trials": "space", "setting_axis": "space",
          "pack_data": "trial", "run_trial": "trial"}
__all__ = sorted(_HOMES)


def __getattr__(name: str):
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_HOMES[name]}", __name__), name)
