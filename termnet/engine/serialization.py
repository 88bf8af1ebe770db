"""Model files: architecture, weights, optimizer state, history and hyperparameters in one zip.

The zip holds ``termnet.json`` (format version, layers, hyperparameters, history,
training state, metadata), ``weights.npz`` and ``optimizer.npz``. The training state
(the shuffling generator's state and the schedule's position, plain JSON) and the
optimizer's arrays are what lets a loaded network continue training exactly where
the saved one stopped. Arrays are read with
``allow_pickle=False`` and the JSON with ``json``, so opening a file never runs
code. Saving writes a temporary file beside the target and renames it, so a crash
never leaves half a model.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
import zlib
from pathlib import Path

import numpy as np

from ..atomic import atomic_write
from .network import Network
from .optimizers import OPTIMIZERS
from .registry import LAYER_TYPES, layer_from_config, layer_type

FORMAT = "termnet-model"
FORMAT_VERSION = 1
MAX_MEMBER_BYTES = 2 * 1024**3  # a zip bomb guard: no model of ours comes near this


class ModelFileError(ValueError):
    """A model file that cannot be loaded; the message names the file and the reason."""


def _npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def save_model(network: Network, path: str | os.PathLike, metadata: dict | None = None) -> Path:
    """Write ``network`` (built) to ``path`` atomically; ``metadata`` is any JSON-friendly dict."""
    path = Path(path)
    if not network.layers or not all(layer.built for layer in network.layers):
        raise ValueError("Only a built network can be saved: call build() or fit() first")
    for layer in network.layers:
        if LAYER_TYPES.get(layer_type(layer)) is not type(layer):
            raise ValueError(f"{type(layer).__name__} is not a registered layer type, so a saved model could not be "
                             f"loaded again: call register_layer({type(layer).__name__}) first")
    optimizer = network.optimizer
    document = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "input_shape": list(network.input_shape),
        "layers": [{"type": layer_type(layer), "config": layer.config()} for layer in network.layers],
        "loss": network.loss.name if network.loss else None,
        "hyperparameters": {
            "learning_rate": network.learning_rate, "epochs": network.epochs, "batch_size": network.batch_size,
            "schedule": network.schedule, "init": network.init, "seed": network.seed,
            "dtype": network.dtype.name, "shuffle": network.shuffle,
        },
        "optimizer": {**optimizer.config(), "learning_rate": optimizer.learning_rate,
                      "iterations": optimizer.iterations},
        "history": network.history,
        "epochs_trained": network.epochs_trained,
        "training_state": network.training_state(),
        "metadata": metadata or {},
    }
    weights = {f"layer{i}_{j}": w for i, layer in enumerate(network.layers) for j, w in enumerate(layer.params())}
    state = {f"{key}_{i}": a for key, arrays in optimizer.state().items() for i, a in enumerate(arrays)}
    buffer = io.BytesIO()  # models are small: build the zip in memory, then write it in one go
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("termnet.json", json.dumps(document, indent=1))
        archive.writestr("weights.npz", _npz_bytes(weights))
        archive.writestr("optimizer.npz", _npz_bytes(state))
    return atomic_write(path, buffer.getvalue())


def _read_member(archive: zipfile.ZipFile, name: str, path: Path) -> bytes:
    try:
        info = archive.getinfo(name)
    except KeyError:
        raise ModelFileError(f"{path}: not a termnet model (no {name} inside)") from None
    if info.file_size > MAX_MEMBER_BYTES:
        raise ModelFileError(f"{path}: {name} claims {info.file_size:,} bytes, more than any model")
    return archive.read(name)


def _load_arrays(data: bytes, name: str, path: Path) -> dict[str, np.ndarray]:
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            return {key: npz[key] for key in npz.files}
    except ValueError as error:
        if "pickle" in str(error):
            raise ModelFileError(f"{path}: {name} holds Python objects (pickle), which termnet never loads") from None
        raise ModelFileError(f"{path}: {name} is corrupt ({error})") from None
    except Exception as error:  # noqa: BLE001 - zipfile/np.load raise many kinds for damaged data
        raise ModelFileError(f"{path}: {name} is corrupt ({type(error).__name__}: {error})") from None


def load_model(path: str | os.PathLike) -> tuple[Network, dict]:
    """The network saved in ``path`` and its metadata; ModelFileError says what is wrong."""
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"{path}: no such model file")
    try:
        with zipfile.ZipFile(path) as archive:
            raw = _read_member(archive, "termnet.json", path)
            weights = _load_arrays(_read_member(archive, "weights.npz", path), "weights.npz", path)
            state = _load_arrays(_read_member(archive, "optimizer.npz", path), "optimizer.npz", path)
    except zipfile.BadZipFile:
        raise ModelFileError(f"{path}: not a termnet model (not a zip archive, or truncated)") from None
    except (zipfile.LargeZipFile, EOFError, OSError, zlib.error) as error:
        raise ModelFileError(f"{path}: the archive is damaged ({error})") from None
    try:
        document = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ModelFileError(f"{path}: termnet.json is not valid JSON ({error})") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ModelFileError(f"{path}: not a termnet model (format {document.get('format')!r})"
                             if isinstance(document, dict) else f"{path}: not a termnet model")
    version = document.get("version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise ModelFileError(f"{path}: written in model format {version!r} by a newer termnet; "
                             f"this one reads up to format {FORMAT_VERSION}. Upgrade termnet to open it")
    try:
        network = _rebuild(document, weights, state)
    except (KeyError, TypeError, ValueError) as error:
        raise ModelFileError(f"{path}: {error}") from None
    return network, document.get("metadata", {})


def _rebuild(document: dict, weights: dict, state: dict) -> Network:
    hyper = document["hyperparameters"]
    opt = dict(document["optimizer"])
    name, iterations = opt.pop("name"), opt.pop("iterations", 0)
    if name not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {name!r}")
    # the optimizer owns the learning rate; older files keep it among the hyperparameters only
    learning_rate = opt.pop("learning_rate", hyper["learning_rate"])
    optimizer = OPTIMIZERS[name](learning_rate, **opt)
    network = Network(epochs=hyper["epochs"], batch_size=hyper["batch_size"], optimizer=optimizer,
                      schedule=hyper.get("schedule"), init=hyper.get("init", "auto"), seed=hyper.get("seed"),
                      dtype=hyper.get("dtype", "float32"), shuffle=hyper.get("shuffle", True))
    network.input_shape = tuple(document["input_shape"])
    for entry in document["layers"]:
        network.add(layer_from_config(entry["type"], entry["config"]))
    if document.get("loss"):
        network.use(document["loss"])
    # a layer that would hold parameters must find them in the file: sizes are never taken from the
    # JSON alone (the counts come from shape arithmetic, nothing is allocated to find them)
    for row, layer in zip(network.shapes(), network.layers):
        i = row.index
        count = len([k for k in weights if k.startswith(f"layer{i}_")])
        if count:
            layer.set_weights([weights[f"layer{i}_{j}"] for j in range(count)])
        elif row.error is None and row.params:
            raise ValueError(f"layer {i} {layer!r} has no weights in the file")
    network.build()
    params = network.params()
    if sum(1 for _ in weights) != len(params):
        raise ValueError(f"the weights hold {len(weights)} arrays but the architecture has {len(params)}")
    arrays: dict[str, list] = {}
    for key in sorted(state, key=lambda k: (k.rsplit("_", 1)[0], int(k.rsplit("_", 1)[1]))):
        arrays.setdefault(key.rsplit("_", 1)[0], []).append(state[key])
    for key, values in arrays.items():
        for value, param in zip(values, params):
            if value.shape != param.shape:
                raise ValueError(f"optimizer state {key} has shape {value.shape}, the weights {param.shape}")
    optimizer.load_state(arrays, iterations)
    network.history = {k: list(v) for k, v in document.get("history", {}).items()}
    network.epochs_trained = int(document.get("epochs_trained", 0))
    if "training_state" in document:  # files written before it start a fresh shuffle from the seed
        network.load_training_state(document["training_state"])
    return network
