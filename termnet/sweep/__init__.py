"""Sweeps: many full training runs over a grid or random draws of settings, in parallel processes or on Dask.

``space`` reads what varies, ``trial`` runs one training run in a worker, ``runner`` runs them all and yields
each result as it finishes, ``report`` shows them (``termnet sweep`` is the command line's face of it).
"""

from .runner import connect, make_jobs, run_dask, run_local
from .space import Axis, SweepError, Trial, grid, layer_axis, parse_seeds, random_trials, setting_axis
from .trial import pack_data, run_trial

__all__ = ["Axis", "SweepError", "Trial", "connect", "grid", "layer_axis", "make_jobs", "pack_data",
           "parse_seeds", "random_trials", "run_dask", "run_local", "run_trial", "setting_axis"]
