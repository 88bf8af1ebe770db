"""One trial: a full training run in a worker process (local or on a Dask worker), reported as a plain dict.

Workers get the data once: packed as uint8 codes with the one scale that gives the float32 images back
exactly (1/255 for MNIST, 1/16 for the digits), a quarter of the bytes. Each trial trains on one BLAS
thread and one shard: the sweep's parallelism is its trials. Whatever goes wrong in a trial (a divergence,
a bad combination of values) becomes its result's ``status`` and ``reason``; the sweep goes on.
"""

from __future__ import annotations

import math
import os
import tempfile
import time

import numpy as np

#: Tried in order: the first that gives every float32 value back exactly packs the images as uint8.
SCALES = (1 / 255, 1 / 16, 1.0)


def pack_images(x: np.ndarray) -> tuple[np.ndarray, float | None]:
    """``x`` as uint8 codes and their scale (``codes * scale`` in float32 is ``x``), else ``x`` and None."""
    for scale in SCALES:
        codes = np.rint(x * (1 / scale))
        if codes.min(initial=0) >= 0 and codes.max(initial=0) <= 255:
            packed = codes.astype(np.uint8)
            if np.array_equal(unpack_images(packed, scale), x):
                return packed, scale
    return x, None


def unpack_images(packed: np.ndarray, scale: float | None) -> np.ndarray:
    if scale is None:
        return packed
    images = packed.astype(np.float32)
    images *= np.float32(scale)  # as the datasets compute it: float32 pixels times the float32 scale
    return images


def pack_data(data) -> dict:
    """What every worker needs of a Dataset, the images packed (sent once per worker, or scattered once)."""
    x_train, train_scale = pack_images(data.x_train)
    x_test, test_scale = pack_images(data.x_test)
    return {"x_train": x_train, "train_scale": train_scale, "y_train": data.y_train, "x_test": x_test,
            "test_scale": test_scale, "y_test": data.y_test}


_UNPACKED: dict = {}  # per worker process: the data unpacked once, whatever number of trials it runs


def _unpacked(packed: dict) -> tuple[np.ndarray, ...]:
    key = id(packed["x_train"])
    if key not in _UNPACKED:
        _UNPACKED.clear()
        _UNPACKED[key] = (unpack_images(packed["x_train"], packed["train_scale"]), packed["y_train"],
                          unpack_images(packed["x_test"], packed["test_scale"]), packed["y_test"])
    return _UNPACKED[key]


def build_trial_spec(spec, layer_values: dict):
    """``spec`` with the layer arguments of a trial set (``{(2, "output_size"): 64}``); arguments a layer can
    infer (an FC's input_size) are left to be inferred after the first changed layer, so that a changed
    width carries on to the layer after it."""
    from ..engine.registry import layer_class
    from ..spec import Spec

    layers = [dict(layer) for layer in spec.layers]
    for (index, argument), value in layer_values.items():
        layers[index][argument] = value
    if layer_values:
        first = min(index for index, _ in layer_values)
        for layer in layers[first + 1:]:
            for field in layer_class(layer["type"]).fields:
                if field.infer is not None:
                    layer.pop(field.name, None)
    return Spec(spec.name, layers, dict(spec.training), spec.description, spec.optional)


def run_trial(job: dict, packed: dict) -> dict:
    """Train one trial of ``job`` (see ``runner.make_jobs``) on ``packed`` data; its result, never an exception."""
    from threadpoolctl import threadpool_limits

    started = time.perf_counter()
    result = {"trial": job["trial"], "values": job["values"], "seed": job["seed"], "status": "ok",
              "worker": f"{os.uname().nodename}:{os.getpid()}"}
    try:
        with threadpool_limits(limits=1, user_api="blas"), np.errstate(over="ignore", invalid="ignore"):
            result.update(_train(job, *_unpacked(packed)))
    except Exception as error:  # noqa: BLE001 - a trial's failure is its result; the sweep goes on
        from ..engine import TrainingDiverged

        result["status"] = "diverged" if isinstance(error, TrainingDiverged) else "failed"
        result["reason"] = " ".join(f"{'' if isinstance(error, ValueError) else type(error).__name__ + ': '}"
                                    f"{error}".split())[:500]
    result["seconds"] = round(time.perf_counter() - started, 3)
    return result


def _train(job: dict, x_train, y_train, x_test, y_test) -> dict:
    from ..engine import TrainingDiverged, save_model
    from ..engine.registry import short_label
    from ..settings import combination_problem, fit_extras

    spec = build_trial_spec(job["spec"], job["layer_values"])
    settings = {**job["settings"], "seed": job["seed"]}
    params = spec.hyperparameters(**settings)
    if problem := combination_problem(params):
        raise ValueError(problem)
    size = params["train_size"] or len(x_train)
    x, y = x_train[:size], y_train[:size]
    network = spec.build(x.shape[1:], **settings)
    network.threads = 1  # one shard: the trials are the parallel work
    extras = fit_extras(params, x.shape[1:], network.seed)
    network.fit(x, y, validation_split=params["validation_split"], callbacks=extras.callbacks, augment=extras.augment)
    _, held_out = network.split_validation(len(x), params["validation_split"])
    validation = network.evaluate(x[held_out], y[held_out])
    if not all(math.isfinite(v) for v in validation.values()):
        raise TrainingDiverged(f"the validation loss is {validation['loss']}: the weights blew up; try a smaller "
                               f"learning rate")
    test = network.evaluate(x_test, y_test)
    figures = {"val_accuracy": validation.get("accuracy", float("nan")), "val_loss": validation["loss"],
               "test_accuracy": test.get("accuracy", float("nan")), "test_loss": test["loss"],
               "epochs": len(network.history.get("loss", [])), "history": network.history,
               "settings": {"learning_rate": network.learning_rate, "batch_size": network.batch_size,
                            "optimizer": network.optimizer.name, "loss": network.loss.name},
               "stack": "-".join(short_label(layer) for layer in network.layers)}
    if job.get("save"):  # the model file's bytes: the parent keeps the best trial's and writes them
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "trial.termnet")
            save_model(network, path, {**job["metadata"], "train_size": params["train_size"] or 0,
                                       "augment": params.get("augment") or "none"})  # this trial's own
            with open(path, "rb") as handle:
                figures["model_bytes"] = handle.read()
    return figures
