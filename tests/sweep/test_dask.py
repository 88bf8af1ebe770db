"""termnet sweep on Dask: a real LocalCluster of two worker processes; the same results as the local sweep, the
data scattered once, and no trial lost (nor reported twice) when a worker dies in the middle."""

import contextlib
import json
import os

import pytest

from termnet.data import load_dataset
from termnet.spec import load_spec
from termnet.sweep import grid, make_jobs, pack_data, run_dask, run_local, setting_axis

distributed = pytest.importorskip("distributed")

FIGURES = ("val_accuracy", "val_loss", "test_accuracy", "test_loss", "epochs", "values", "seed", "status")


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, host="127.0.0.1", processes=True,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        yield cluster, client


def jobs_and_data(rates="0.003,0.01,0.03,0.1", seeds=(0, 1), epochs=1, train_size=300):
    spec = load_spec("mlp")
    axes = [setting_axis("learning_rate", rates)]
    jobs = make_jobs(spec, grid(axes, list(seeds)), axes, {"epochs": epochs, "train_size": train_size})
    return jobs, pack_data(load_dataset("digits"))


def figures(results) -> dict:
    return {r["trial"]: [r[k] for k in FIGURES] for r in results}


def test_dask_gives_the_same_results_as_the_local_sweep(cluster):
    _, client = cluster
    jobs, packed = jobs_and_data()
    on_dask = list(run_dask(jobs, packed, client))
    assert sorted(r["trial"] for r in on_dask) == list(range(len(jobs)))
    assert all(r["status"] == "ok" for r in on_dask), on_dask
    assert figures(on_dask) == figures(run_local(jobs, packed, workers=1))
    assert len({r["worker"] for r in on_dask}) == 2, "both workers run trials"


def test_the_data_is_scattered_once_as_uint8_not_sent_with_each_trial(cluster, monkeypatch):
    _, client = cluster
    jobs, packed = jobs_and_data(rates="0.01,0.1", seeds=(0,))
    scattered = []
    scatter = client.scatter
    monkeypatch.setattr(client, "scatter", lambda data, **kw: scattered.append(data) or scatter(data, **kw))
    submitted = []
    submit = client.submit
    monkeypatch.setattr(client, "submit", lambda fn, *a, **kw: submitted.append(a) or submit(fn, *a, **kw))
    list(run_dask(jobs, packed, client))
    assert len(scattered) == 1 and scattered[0]["x_train"].dtype.name == "uint8"
    assert len(submitted) == 2
    for args in submitted:  # each trial gets the scattered arrays' futures, never the arrays themselves
        assert {type(value).__name__ for value in args[1].values()} == {"Future"}


def test_a_worker_killed_in_the_middle_loses_no_trial(cluster):
    _, client = cluster
    jobs, packed = jobs_and_data(rates="0.003,0.006,0.01,0.02,0.03,0.06", seeds=(0, 1), epochs=4, train_size=1000)
    results, killed = [], None
    for result in run_dask(jobs, packed, client):
        results.append(result)
        if killed is None:
            busy = [worker for worker, keys in client.processing().items() if keys]
            killed = busy[0]
            with contextlib.suppress(Exception):  # the worker dies under the call
                client.run(os._exit, 1, workers=[killed], wait=False)
    assert killed is not None
    assert sorted(r["trial"] for r in results) == list(range(len(jobs))), "every trial reported exactly once"
    assert all(r["status"] == "ok" for r in results), [r for r in results if r["status"] != "ok"]
    assert figures(results) == figures(run_local(jobs, packed, workers=1)), "a rerun trial gives the same figures"


def test_the_command_line_sends_the_trials_to_the_scheduler(cluster):
    from ..cli.test_cli import termnet

    local_cluster, _ = cluster
    args = ("sweep", "--data", "digits", "--epochs", 1, "--train-size", 300, "--learning-rate", "0.01,0.1", "--json")
    remote = termnet(*args, "--scheduler", local_cluster.scheduler_address)
    local = termnet(*args, "--workers", 1)
    parse = lambda result: figures(json.loads(line) for line in result.stdout.strip().splitlines()[:-1])  # noqa: E731
    assert parse(remote) == parse(local) and len(parse(remote)) == 2


def test_an_address_with_no_scheduler_is_one_line():
    from ..cli.test_cli import termnet

    result = termnet("sweep", "--data", "digits", "--scheduler", "tcp://127.0.0.1:9", check_ok=False)
    assert result.returncode == 2 and "--scheduler tcp://127.0.0.1:9: cannot connect" in result.stderr
