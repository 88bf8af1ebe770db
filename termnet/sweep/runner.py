"""Running a sweep's trials: in local worker processes (every core by default) or on a Dask cluster.

Both yield each trial's result as it finishes, whatever order they finish in, and each trial exactly once.
Local workers start with one BLAS thread (the environment is set before they import NumPy) and get the data
once, as they start; on Dask the data is scattered once to every worker, as uint8 (trial.pack_data), and a
trial whose worker dies is run again elsewhere (the scheduler's doing; ``retries`` covers other losses).
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager

from ..engine.processes import ONE_THREAD
from .space import SweepError, Trial
from .trial import run_trial

CLUSTER_HINT = "pip install 'termnet[cluster]'"


def make_jobs(spec, trials: list[Trial], axes, overrides: dict, save: bool = False,
              metadata: dict | None = None) -> list[dict]:
    """One job per trial: the spec, the settings (``overrides`` under the trial's values) and layer values.

    Refuses at once (SweepError) a sweep any of whose trials has no validation data to be compared on.
    """
    by_label = {axis.label: axis for axis in axes}
    jobs = []
    for trial in trials:
        settings, layer_values = dict(overrides), {}
        for label, value in trial.values.items():
            axis = by_label[label]
            if axis.layer:
                layer_values[axis.layer] = value
            else:
                settings[axis.name] = value
        split = spec.hyperparameters(**settings)["validation_split"]
        if not split:
            raise SweepError("a sweep compares its trials on validation data: set --validation-split above 0 "
                             "(or validation_split in the spec)")
        jobs.append({"trial": trial.number, "values": trial.values, "seed": trial.seed, "spec": spec,
                     "settings": settings, "layer_values": layer_values, "save": save, "metadata": metadata})
    return jobs


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


@contextmanager
def _one_thread_environment():
    """The BLAS thread variables set to 1 for the worker processes started meanwhile, then put back."""
    saved = {name: os.environ.get(name) for name in ONE_THREAD}
    os.environ.update(ONE_THREAD)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


_WORKER_DATA: dict = {}


def _start_worker(packed: dict) -> None:
    _WORKER_DATA["packed"] = packed


def _local_trial(job: dict) -> dict:
    return run_trial(job, _WORKER_DATA["packed"])


def run_local(jobs: list[dict], packed: dict, workers: int | None = None) -> Iterator[dict]:
    """Each job's result as it finishes, from ``workers`` processes (default: every core); with 1 worker, in
    this process, one after another (no pool to start: what the benchmark compares against)."""
    workers = min(workers or default_workers(), len(jobs)) or 1
    if workers == 1:
        with _blas_limited():
            for job in jobs:
                yield run_trial(job, packed)
        return
    context = _worker_context()
    with _one_thread_environment(), _real_stderr(), ProcessPoolExecutor(
            workers, mp_context=context, initializer=_start_worker, initargs=(packed,)) as pool:
        futures = {pool.submit(_local_trial, job): job for job in jobs}
        try:
            for future in as_completed(futures):
                job = futures[future]
                try:
                    result = future.result()
                except Exception as error:  # noqa: BLE001 - a worker that died: this trial failed, the rest go on
                    result = lost_trial(job, error)
                yield result
        finally:  # closed early (Ctrl+C, the dashboard quitting): the trials not started never start
            for future in futures:
                future.cancel()


def _worker_context():
    """Fresh interpreters, so that the one-thread environment applies to their NumPy: forked from a server that
    imported termnet once (a worker starts in a fraction of spawn's second), else spawned."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["termnet.sweep.trial", "termnet.engine", "termnet.spec"])
        return context
    return multiprocessing.get_context("spawn")


@contextmanager
def _real_stderr():
    """sys.stderr with a file descriptor while the pool starts its helper processes (multiprocessing hands them
    ``sys.stderr.fileno()``): inside the dashboard, Textual's stand-in has none and the start fails."""
    saved = sys.stderr
    try:
        usable = saved is not None and saved.fileno() >= 0
    except (AttributeError, OSError, ValueError):
        usable = False
    if not usable:
        sys.stderr = sys.__stderr__ if sys.__stderr__ is not None else open(os.devnull, "w")  # noqa: SIM115
    try:
        yield
    finally:
        sys.stderr = saved


@contextmanager
def _blas_limited():
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        yield


def lost_trial(job: dict, error: BaseException) -> dict:
    return {"trial": job["trial"], "values": job["values"], "seed": job["seed"], "status": "failed",
            "reason": " ".join(f"{type(error).__name__}: {error}".split())[:500]}


def connect(address: str):
    """A ``distributed.Client`` for the scheduler at ``address``; a SweepError saying what to install without
    Dask, or what went wrong connecting."""
    try:
        from distributed import Client
    except ImportError:
        raise SweepError(f"--scheduler needs Dask: {CLUSTER_HINT}") from None
    try:
        return Client(address, timeout="10s")
    except (OSError, TimeoutError, ValueError) as error:
        raise SweepError(f"--scheduler {address}: cannot connect ({' '.join(str(error).split())[:200]}); "
                         f"is a scheduler running there (dask scheduler)?") from None


def run_dask(jobs: list[dict], packed: dict, client, retries: int = 2) -> Iterator[dict]:
    """Each job's result as it finishes on the cluster behind ``client``; the data scattered once."""
    from distributed import as_completed as dask_completed

    data = client.scatter(packed, broadcast=True)  # a dict of futures, one per array, named by content
    futures = {client.submit(run_trial, job, data, pure=False, retries=retries,
                             key=f"termnet-trial-{job['trial']}-{os.getpid()}-{id(jobs)}"): job for job in jobs}
    for future in dask_completed(list(futures)):
        job = futures[future]
        try:
            yield future.result()
        except Exception as error:  # noqa: BLE001 - lost beyond the retries: reported, the sweep goes on
            yield lost_trial(job, error)
        finally:
            future.release()
