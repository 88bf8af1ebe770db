"""Model files: architecture, weights, optimizer state, history and hyperparameters in one zip.

The zip holds ``termnet.json`` (format version, layers, hyperparameters, history,
training state, metadata), ``weights.npz`` and ``optimizer.npz``, and, for networks whose layers keep
arrays beside their weights (``Layer.state()``: BatchNorm's running statistics), ``state.npz``. The training state
(the shuffling generator's state and the schedule's position, plain JSON) and the
optimizer's arrays are what lets a loaded network continue training exactly where
the saved one stopped. Saving writes a temporary file beside the target and renames
it (see ``atomic.py``), so a crash never leaves half a model.

Loading treats the file as hostile. Opening it never runs code: arrays are read from
their ``.npy`` headers with ``allow_pickle`` never involved, and the JSON with ``json``.
It never takes more memory than the model it describes: every size is checked against
what the file declares *before* anything is inflated or allocated. ``termnet.json`` has
a fixed cap; the arrays' caps come from the architecture (shape arithmetic, no arrays
made), checked in turn against each zip directory and each ``.npy`` header. Every
failure is a one-line ModelFileError naming the file, what is wrong and what to do.
"""

from __future__ import annotations

import ast
import inspect
import io
import json
import math
import os
import re
import stat
import struct
import zipfile
from pathlib import Path

import numpy as np

from ..atomic import atomic_write
from .network import Network
from .optimizers import OPTIMIZERS
from .registry import LAYER_TYPES, layer_from_config, layer_type

FORMAT = "termnet-model"
FORMAT_VERSION = 1
MAX_MEMBER_BYTES = 2 * 1024**3  # a ceiling for any member, whatever the architecture says
# termnet.json holds the layers (a few hundred bytes each), the history (about 125 bytes per epoch) and small
# metadata: a 1,000-epoch run writes about 130 KB. 8 MiB leaves room for 60,000 epochs, and keeps a file of
# inflated spaces from costing more than that.
MAX_JSON_BYTES = 8 * 1024**2
# NumPy writes .npy headers of 128 bytes for our arrays, and refuses to parse more than 10,000 itself.
MAX_NPY_HEADER = 10_000
# Per array, beside its numbers: a .npy header and a zip entry (local header, directory record, names).
ARRAY_OVERHEAD = MAX_NPY_HEADER + 1024
# Adding a layer traces every layer before it, so a file listing a million layers would take hours; termnet's
# networks have a few dozen.
MAX_LAYERS = 1000
# Numbers beyond the layers' parameter counts that the arrays may hold in all: a small array of the wrong shape
# is read, so that its layer can name the shape it expects; a large one is refused from its header.
SHAPE_SLACK = 2**20
# Adam, the optimizer with the most state, keeps two arrays per parameter.
MAX_OPTIMIZER_SLOTS = 2
MAX_MESSAGE = 400  # a hostile name or value quoted in a message is cut, so the message stays one short line
_NPY_MAGIC = b"\x93NUMPY"
_FLOAT_DESCRS = {"<f4", ">f4", "<f8", ">f8"}
_KNOWN_METHODS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflate"}
# what termnet itself reads back from the metadata, and the type each must have
_METADATA_TYPES = {"dataset": str, "spec": str, "train_size": int, "class_names": list, "image_shape": list,
                   "data_dir": str}


class ModelFileError(ValueError):
    """A model file that cannot be loaded; the message names the file and the reason."""


def _error(path: Path, text: str) -> ModelFileError:
    """A ModelFileError on one line: control characters shown escaped, long quotes cut."""
    text = " ".join(f"{_show(path)}: {text}".split())
    if len(text) > MAX_MESSAGE:
        text = text[:MAX_MESSAGE] + "..."
    return ModelFileError(text)


def _show(path: Path) -> str:
    text = str(path)
    return text if text.isprintable() else repr(text)


# -- saving -----------------------------------------------------------------------------------------------
def _npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def _check_saveable(network: Network, metadata) -> None:
    """Refuse, before writing anything, what could not be loaded again."""
    if not network.layers or not all(layer.built for layer in network.layers):
        raise ValueError("Only a built network can be saved: call build() or fit() first")
    for layer in network.layers:
        if LAYER_TYPES.get(layer_type(layer)) is not type(layer):
            raise ValueError(f"{type(layer).__name__} is not a registered layer type, so a saved model could not be "
                             f"loaded again: call register_layer({type(layer).__name__}) first")
    if len(network.layers) > MAX_LAYERS:
        raise ValueError(f"Not saved: a model file holds at most {MAX_LAYERS} layers. Received: {len(network.layers)}")
    if metadata is not None:
        problem = _metadata_problem(metadata)
        if problem:
            raise ValueError(f"Not saved: {problem}")
    for index, layer in enumerate(network.layers):
        problem = _non_finite(layer.params() + layer.state())
        if problem:
            raise ValueError(f"Not saved: the weights of layer {index} {layer!r} hold {problem} (training diverged); "
                             f"a model file must hold finite weights to be loaded again")


def save_model(network: Network, path: str | os.PathLike, metadata: dict | None = None) -> Path:
    """Write ``network`` (built) to ``path`` atomically; ``metadata`` is any JSON-friendly dict.

    ``path`` is written through a symlink to its target; a folder, a device or a missing folder is refused
    (see ``atomic_write``)."""
    _check_saveable(network, metadata)
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
    try:
        text = json.dumps(document, indent=1)
    except (TypeError, ValueError) as error:  # metadata holding a set, an object, a cycle
        raise ValueError(f"Not saved: the metadata must be plain JSON values ({error})") from None
    weights = {f"layer{i}_{j}": w for i, layer in enumerate(network.layers) for j, w in enumerate(layer.params())}
    state = {f"{key}_{i}": a for key, arrays in optimizer.state().items() for i, a in enumerate(arrays)}
    # arrays layers keep beside their weights (BatchNorm's running statistics, Dropout's mask generator)
    layer_states = {f"layer{i}_{j}": a for i, layer in enumerate(network.layers) for j, a in enumerate(layer.state())}
    buffer = io.BytesIO()  # models are small: build the zip in memory, then write it in one go
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("termnet.json", text)
        archive.writestr("weights.npz", _npz_bytes(weights))
        archive.writestr("optimizer.npz", _npz_bytes(state))
        if layer_states:  # the files of networks without such layers stay as before
            archive.writestr("state.npz", _npz_bytes(layer_states))
    return atomic_write(path, buffer.getvalue())


# -- loading: the file and its members ----------------------------------------------------------------------
def load_model(path: str | os.PathLike) -> tuple[Network, dict]:
    """The network saved in ``path`` and its metadata; ModelFileError says what is wrong."""
    if os.fspath(path) == "":
        raise ModelFileError("no model file given: name a .termnet file")
    path = Path(path)
    with _open_regular(path) as stream:
        archive = _open_zip(stream, path)
        with archive:
            document = _read_document(archive, path)
            network, rows = _skeleton(document, path)
            weights = _read_weights(archive, path, network, rows)
            _set_weights(network, rows, weights, path)
            _set_states(network, rows, _read_states(archive, path, network, rows), path)
            state = _read_state(archive, path, network)
    _restore(network, document, state, path)
    return network, document.get("metadata", {})


def _open_regular(path: Path):
    """``path`` opened for reading, if it is a regular file: a fifo would block and a device never ends."""
    try:
        before = os.stat(path)  # before opening: opening some devices has effects (a tape rewinds)
    except FileNotFoundError:
        raise ModelFileError(f"{_show(path)}: no such model file") from None
    except (OSError, ValueError) as error:  # ValueError: a NUL in the name
        raise _error(path, f"cannot read it ({getattr(error, 'strerror', None) or error})") from None
    _check_regular(path, before.st_mode)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError as error:
        raise _error(path, f"cannot read it ({error.strerror or error})") from None
    try:
        _check_regular(path, os.fstat(fd).st_mode)  # what was opened, in case the name changed since
    except ModelFileError:
        os.close(fd)
        raise
    return os.fdopen(fd, "rb")


def _check_regular(path: Path, mode: int) -> None:
    if stat.S_ISDIR(mode):
        raise _error(path, "is a folder, not a model file: name a .termnet file")
    if not stat.S_ISREG(mode):
        raise _error(path, "is not a regular file (a device, pipe or socket), so it is no model file")


def _open_zip(stream, path: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(stream)
    except zipfile.BadZipFile:
        raise _error(path, "not a termnet model (not a zip archive, or truncated)") from None
    except Exception as error:  # noqa: BLE001 - a damaged directory raises many kinds inside zipfile and struct
        raise _error(path, f"not a termnet model (a damaged zip archive: {type(error).__name__}: {error})") from None


def _checked_member(archive: zipfile.ZipFile, name: str, path: Path, limit: int, whose: str,
                    where: str = "") -> zipfile.ZipInfo:
    """``name``'s entry, if termnet could have written it and its declared size is within ``limit``."""
    label = f"{where}{name}"
    try:
        info = archive.getinfo(name)
    except KeyError:
        raise _error(path, f"not a termnet model (no {label} inside)") from None
    if info.flag_bits & 0x1:
        raise _error(path, f"{label} is encrypted; termnet never encrypts a model, so the file is not one of its own")
    if info.compress_type not in _KNOWN_METHODS:
        raise _error(path, f"{label} uses compression method {info.compress_type}; termnet writes only stored or "
                           f"deflated members, so the file was not written by termnet")
    limit = min(limit, MAX_MEMBER_BYTES)
    if info.file_size > limit:
        raise _error(path, f"{label} claims {info.file_size:,} bytes, more than any model {whose} "
                           f"(at most {limit:,}): the file is damaged or crafted")
    return info


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, path: Path, where: str = "") -> bytes:
    """The member's bytes, never more than its checked declared size (zipfile stops there)."""
    try:
        with archive.open(info) as member:
            data = member.read(info.file_size + 1)
    except Exception as error:  # noqa: BLE001 - zlib, zipfile (CRC, bad headers), EOFError and OSError all occur
        raise _error(path, f"{where}{info.filename} is damaged ({type(error).__name__}: {error}); "
                           f"the file is corrupt, save the model again") from None
    if len(data) != info.file_size:
        raise _error(path, f"{where}{info.filename} is truncated; the file is corrupt, save the model again")
    return data


def _read_document(archive: zipfile.ZipFile, path: Path) -> dict:
    info = _checked_member(archive, "termnet.json", path, MAX_JSON_BYTES, "describes")
    raw = _read_member(archive, info, path)
    try:
        document = json.loads(raw)
    except RecursionError:
        raise _error(path, "termnet.json is nested too deeply to be a termnet model") from None
    except (UnicodeDecodeError, ValueError) as error:  # ValueError: a JSON error, or an integer of 5,000 digits
        raise _error(path, f"termnet.json is not valid JSON ({error})") from None
    try:
        _check_document(document)
    except ValueError as error:
        raise _error(path, str(error)) from None
    return document


# -- loading: termnet.json ------------------------------------------------------------------------------------
def _whole(value, minimum: int = 0, maximum: int = 2**63) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and minimum <= value <= maximum


def _finite(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _quote(value) -> str:
    return f"{value!r:.60}"


def _check_document(document) -> None:
    """ValueError naming the first entry of termnet.json that termnet could not have written."""
    if not isinstance(document, dict):
        raise ValueError("not a termnet model (termnet.json is not a table)")
    if document.get("format") != FORMAT:
        raise ValueError(f"not a termnet model (format {_quote(document.get('format'))})")
    _check_version(document)
    _check_architecture(document)
    _check_training(document)
    problem = _metadata_problem(document.get("metadata", {}))
    if problem:
        raise ValueError(f"termnet.json: {problem}")


def _check_version(document: dict) -> None:
    if "version" not in document:
        raise ValueError("termnet.json has no format version: the file is damaged or was not written by termnet")
    version = document["version"]
    if not _whole(version, 1):
        raise ValueError(f"termnet.json: the format version must be a whole number from 1. Received: "
                         f"{_quote(version)}; the file is damaged or was not written by termnet")
    if version > FORMAT_VERSION:
        raise ValueError(f"written in model format {version!r} by a newer termnet; this one reads up to format "
                         f"{FORMAT_VERSION}. Upgrade termnet to open it")


def _check_architecture(document: dict) -> None:
    shape = document.get("input_shape")
    if not (isinstance(shape, list) and 1 <= len(shape) <= 8 and all(_whole(n, 1, 2**40) for n in shape)):
        raise ValueError(f"termnet.json: input_shape must be a list of positive whole numbers. Received: "
                         f"{_quote(shape)}")
    layers = document.get("layers")
    if not isinstance(layers, list) or not 1 <= len(layers) <= MAX_LAYERS:
        count = len(layers) if isinstance(layers, list) else _quote(layers)
        raise ValueError(f"termnet.json: layers must be a list of 1 to {MAX_LAYERS} layers. Received: {count}")
    for index, entry in enumerate(layers):
        if not (isinstance(entry, dict) and isinstance(entry.get("type"), str)
                and isinstance(entry.get("config"), dict)):
            raise ValueError(f"termnet.json: layer {index} must be a table with a type (text) and a config "
                             f"(a table). Received: {_quote(entry)}")
    loss = document.get("loss")
    if loss is not None and not isinstance(loss, str):
        raise ValueError(f"termnet.json: loss must be a name. Received: {_quote(loss)}")


def _check_training(document: dict) -> None:
    hyper, opt = document.get("hyperparameters"), document.get("optimizer")
    if not isinstance(hyper, dict) or not isinstance(opt, dict):
        raise ValueError("termnet.json: hyperparameters and optimizer must be tables")
    for key in ("epochs", "batch_size"):
        if not _whole(hyper.get(key), 1, 10**12):
            raise ValueError(f"termnet.json: {key} must be a positive whole number. Received: {_quote(hyper.get(key))}")
    checks = {"schedule": lambda v: v is None or isinstance(v, str), "init": lambda v: isinstance(v, str),
              "seed": lambda v: v is None or _whole(v), "dtype": lambda v: v in ("float32", "float64"),
              "shuffle": lambda v: isinstance(v, bool)}
    for key, ok in checks.items():
        if key in hyper and not ok(hyper[key]):
            raise ValueError(f"termnet.json: hyperparameter {key} cannot be {_quote(hyper[key])}")
    _check_optimizer(opt, hyper)
    history = document.get("history", {})
    if not (isinstance(history, dict) and all(isinstance(v, list) and all(_number(x) for x in v)
                                              for v in history.values())):
        raise ValueError("termnet.json: history must be a table of lists of numbers")
    if not _whole(document.get("epochs_trained", 0)):
        raise ValueError(f"termnet.json: epochs_trained must be a whole number >= 0. "
                         f"Received: {_quote(document.get('epochs_trained'))}")


def _number(value) -> bool:
    """A number in the history: NaN and infinity are honest records of a diverged epoch."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check_optimizer(opt: dict, hyper: dict) -> None:
    name = opt.get("name")
    if not isinstance(name, str) or name not in OPTIMIZERS:
        raise ValueError(f"termnet.json: unknown optimizer {_quote(name)}; expected one of {', '.join(OPTIMIZERS)}")
    rate = opt.get("learning_rate", hyper.get("learning_rate"))
    if not (_finite(rate) and rate > 0):
        raise ValueError(f"termnet.json: learning_rate must be a positive number. Received: {_quote(rate)}")
    if not _whole(opt.get("iterations", 0)):
        raise ValueError(f"termnet.json: optimizer iterations must be a whole number >= 0. "
                         f"Received: {_quote(opt.get('iterations'))}")
    takes = set(inspect.signature(OPTIMIZERS[name]).parameters) - {"learning_rate"}
    for key, value in opt.items():
        if key in ("name", "learning_rate", "iterations"):
            continue
        if key not in takes:
            raise ValueError(f"termnet.json: optimizer {name} takes no {_quote(key)} (it takes "
                             f"{', '.join(sorted(takes)) or 'only a learning rate'})")
        # momentum and both betas are shares of the past kept at each step: 1 or more never forgets
        ok = {"epsilon": lambda v: v > 0, "weight_decay": lambda v: v >= 0}.get(key, lambda v: 0 <= v < 1)
        if not (_finite(value) and ok(value)):
            raise ValueError(f"termnet.json: optimizer {name}'s {key} cannot be {_quote(value)}")


def _metadata_problem(metadata) -> str | None:
    """Why ``metadata`` could break a command that reads it back (``--resume``, ``evaluate``), or None."""
    if not isinstance(metadata, dict):
        return f"metadata must be a table. Received: {_quote(metadata)}"
    for key, kind in _METADATA_TYPES.items():
        value = metadata.get(key)
        if value is not None and (not isinstance(value, kind) or isinstance(value, bool)):
            return f"metadata {key} must be {kind.__name__}. Received: {_quote(value)}"
    return None


def _skeleton(document: dict, path: Path) -> tuple[Network, list]:
    """The network the JSON describes, without weights: nothing is allocated, the sizes are shape arithmetic."""
    hyper, opt = document["hyperparameters"], dict(document["optimizer"])
    name, _ = opt.pop("name"), opt.pop("iterations", 0)
    try:
        # the optimizer owns the learning rate; older files keep it among the hyperparameters only
        optimizer = OPTIMIZERS[name](opt.pop("learning_rate", hyper.get("learning_rate")), **opt)
        network = Network(epochs=hyper["epochs"], batch_size=hyper["batch_size"], optimizer=optimizer,
                          schedule=hyper.get("schedule"), init=hyper.get("init", "auto"), seed=hyper.get("seed"),
                          dtype=hyper.get("dtype", "float32"), shuffle=hyper.get("shuffle", True))
        network.input_shape = tuple(document["input_shape"])
        for entry in document["layers"]:
            network.add(layer_from_config(entry["type"], entry["config"]))
        if document.get("loss"):
            network.use(document["loss"])
        rows = network.shapes()
    except (TypeError, ValueError, KeyError) as error:
        raise _error(path, f"termnet.json: {error}") from None
    return network, rows


# -- loading: the arrays --------------------------------------------------------------------------------------
def _read_weights(archive: zipfile.ZipFile, path: Path, network: Network, rows: list) -> dict[str, np.ndarray]:
    """weights.npz's arrays, each at most as large as its layer's parameter count allows."""
    return _read_layer_arrays(archive, path, "weights.npz", {row.index: row.params for row in rows}, "weights")


def _state_limits(network: Network, rows: list) -> dict[int, int]:
    """Per layer, the numbers its ``state()`` holds (BatchNorm's running statistics), from shapes alone."""
    inputs = [network.input_shape] + [row.output_shape for row in rows[:-1]]
    return {row.index: layer.count_state(shape) for row, layer, shape in zip(rows, network.layers, inputs)}


def _read_states(archive: zipfile.ZipFile, path: Path, network: Network, rows: list) -> dict[str, np.ndarray]:
    """state.npz's arrays (written only for networks whose layers keep state), sized as for weights.npz."""
    limits = _state_limits(network, rows)
    if not any(limits.values()):
        return {}
    if "state.npz" not in archive.namelist():
        index = next(i for i, count in limits.items() if count)
        raise _error(path, f"layer {index} {network.layers[index]!r} keeps state beside its weights, but the file "
                           f"has no state.npz: the file is damaged; save the model again")
    return _read_layer_arrays(archive, path, "state.npz", limits, "state")


def _read_layer_arrays(archive: zipfile.ZipFile, path: Path, member: str, limits: dict[int, int],
                       what: str) -> dict[str, np.ndarray]:
    """``member``'s arrays (named layer<i>_<j>), each at most as large as ``limits[i]`` numbers allow."""
    itemsize = 8  # float64 is the widest dtype termnet saves
    cap = (sum(limits.values()) + SHAPE_SLACK) * itemsize + ARRAY_OVERHEAD * (len(limits) + 1)
    info = _checked_member(archive, member, path, cap, "with these layers could hold")
    inner = _open_npz(_read_member(archive, info, path), member, path)
    with inner:
        by_layer: dict[int, int] = {}
        slack = SHAPE_SLACK
        arrays = {}
        for key, index in _weight_keys(inner, len(limits), path, member):
            left = max(limits[index] - by_layer.get(index, 0), 0)
            room = f"layer {index} has {'parameters' if what == 'weights' else 'state'} ({limits[index]:,})"
            arrays[key] = _read_npy(inner, key, left + slack, room, member, path)
            slack -= max(arrays[key].size - left, 0)
            by_layer[index] = by_layer.get(index, 0) + arrays[key].size
            problem = _non_finite([arrays[key]])
            if problem:
                raise _error(path, f"the {what} of layer {index} hold {problem}: the model diverged before it was "
                                   f"saved; retrain it or load an earlier save")
    return arrays


_WEIGHT_KEY = re.compile(r"layer(\d{1,6})_(\d{1,3})\.npy")
_STATE_KEY = re.compile(r"([A-Za-z]\w{0,40})_(\d{1,9})\.npy")


def _weight_keys(inner: zipfile.ZipFile, layers: int, path: Path, member: str = "weights.npz") -> list[tuple[str, int]]:
    """Each array's key and layer, in order; every name must be one termnet writes, for a layer that exists."""
    keys = []
    for name in inner.namelist():
        match = _WEIGHT_KEY.fullmatch(name)
        if not match:
            raise _error(path, f"{member} holds {_quote(name)}, which termnet never writes (its arrays are "
                               f"named layer<i>_<j>.npy): the file is damaged or crafted")
        index = int(match[1])
        if index >= layers:
            raise _error(path, f"{member} holds {name} but the network has {layers} layers: the file is damaged")
        keys.append((name[:-4], index))
    return keys


def _open_npz(data: bytes, name: str, path: Path) -> zipfile.ZipFile:
    """The .npz (itself a zip) held in ``data``: its directory is read, none of its members."""
    if data[:1] == b"\x80" and data[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05"):  # a pickle's opening bytes
        raise _error(path, f"{name} holds Python objects (pickle), which termnet never loads")
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except Exception as error:  # noqa: BLE001 - as for the outer zip: many kinds for a damaged directory
        kind = "not a NumPy .npz archive" if isinstance(error, zipfile.BadZipFile) else f"damaged ({error})"
        raise _error(path, f"{name} is {kind}: the file is damaged or was not written by termnet") from None


def _read_npy(inner: zipfile.ZipFile, key: str, max_count: int, room: str, name: str, path: Path) -> np.ndarray:
    """One array, refused from its zip entry and .npy header alone when it is larger than ``max_count``."""
    where = f"{name}: "
    info = _checked_member(inner, f"{key}.npy", path, max_count * 8 + ARRAY_OVERHEAD, "layer could need", where)
    try:
        with inner.open(info) as member:
            dtype, shape, fortran, header = _npy_header(member, f"{where}{key}.npy", path)
            count = math.prod(shape)
            if count > max_count:
                raise _error(path, f"{where}{key} has shape {shape}: {count:,} numbers, more than {room}: the file "
                                   f"is damaged or crafted")
            size = count * dtype.itemsize
            if header + size != info.file_size:
                raise _error(path, f"{where}{key}.npy declares {size:,} bytes of numbers but holds "
                                   f"{info.file_size - header:,}: the file is damaged")
            data = member.read(size)
    except ModelFileError:
        raise
    except Exception as error:  # noqa: BLE001 - zlib, zipfile (CRC, bad headers), EOFError and OSError all occur
        raise _error(path, f"{where}{key}.npy is damaged ({type(error).__name__}: {error}); save the model "
                           f"again") from None
    if len(data) != size:
        raise _error(path, f"{where}{key}.npy is truncated; save the model again")
    array = np.frombuffer(data, dtype)
    array = array.reshape(shape[::-1]).T if fortran else array.reshape(shape)
    return array.astype(dtype.newbyteorder("="), copy=False)  # big-endian numbers become native ones


def _npy_header(member, label: str, path: Path) -> tuple[np.dtype, tuple, bool, int]:
    """dtype, shape, Fortran order and the header's length in bytes, read from at most MAX_NPY_HEADER bytes."""
    start = member.read(len(_NPY_MAGIC) + 2)
    if len(start) < 8 or start[:6] != _NPY_MAGIC or start[6] not in (1, 2, 3) or start[7] != 0:
        raise _error(path, f"{label} is not a NumPy .npy array: the file is damaged or was not written by termnet")
    length_format = "<H" if start[6] == 1 else "<I"
    raw_length = member.read(struct.calcsize(length_format))
    if len(raw_length) != struct.calcsize(length_format):
        raise _error(path, f"{label} is truncated; save the model again")
    (length,) = struct.unpack(length_format, raw_length)
    if length > MAX_NPY_HEADER:
        raise _error(path, f"{label} has a header of {length:,} bytes (NumPy writes about 128, and reads at most "
                           f"{MAX_NPY_HEADER:,}): the file is damaged or crafted")
    text = member.read(length).decode("utf-8" if start[6] == 3 else "latin1")
    try:
        header = ast.literal_eval(text)  # only literals: a header can never run code
    except Exception:  # noqa: BLE001 - SyntaxError, ValueError, MemoryError, RecursionError for hostile text
        header = None
    dtype, shape, fortran = _header_fields(header, label, path)
    return dtype, shape, fortran, 8 + len(raw_length) + length


def _header_fields(header, label: str, path: Path) -> tuple[np.dtype, tuple, bool]:
    if not isinstance(header, dict) or set(header) != {"descr", "fortran_order", "shape"}:
        raise _error(path, f"{label} has a damaged header: the file is damaged or was not written by termnet")
    descr, shape, fortran = header["descr"], header["shape"], header["fortran_order"]
    if descr in ("|O", "<O", ">O", "O") or (isinstance(descr, list) and "O" in repr(descr)):
        raise _error(path, f"{label.split(':')[0]} holds Python objects (pickle), which termnet never loads")
    if not isinstance(descr, str) or descr not in _FLOAT_DESCRS:
        raise _error(path, f"{label} holds numbers of type {_quote(descr)}; termnet saves only float32 and float64: "
                           f"the file was not written by termnet")
    if not (isinstance(shape, tuple) and len(shape) <= 8 and all(_whole(n) for n in shape)):
        raise _error(path, f"{label} has an impossible shape {_quote(shape)}: the file is damaged or crafted")
    if not isinstance(fortran, bool):
        raise _error(path, f"{label} has a damaged header (fortran_order {_quote(fortran)})")
    return np.dtype(descr), shape, fortran


def _non_finite(arrays) -> str | None:
    """'NaN' or 'infinite values' when an array holds them, else None."""
    for array in arrays:
        if array.size and not np.isfinite(array).all():
            return "NaN" if np.isnan(array).any() else "infinite values"
    return None


def _set_weights(network: Network, rows: list, weights: dict, path: Path) -> None:
    """Each layer's arrays from the file; sizes were checked as they were read, shapes are checked here."""
    for row, layer in zip(rows, network.layers):
        i = row.index
        count = sum(1 for key in weights if key.startswith(f"layer{i}_"))
        missing = [f"layer{i}_{j}" for j in range(count) if f"layer{i}_{j}" not in weights]
        if missing:
            raise _error(path, f"weights.npz lacks {missing[0]} for layer {i} {layer!r}: the file is damaged; "
                               f"save the model again")
        if not count and row.params:
            raise _error(path, f"layer {i} {layer!r} has no weights in the file (weights.npz has no layer{i}_0): "
                               f"the file is damaged; save the model again")
        if count:
            _set_layer_weights(layer, [weights[f"layer{i}_{j}"] for j in range(count)], path)
    try:
        network.build()
    except (TypeError, ValueError) as error:
        raise _error(path, str(error)) from None


def _set_states(network: Network, rows: list, states: dict, path: Path) -> None:
    """Each layer's state from state.npz, after ``build`` (which made a fresh one): every array it declares."""
    limits = _state_limits(network, rows)
    for row, layer in zip(rows, network.layers):
        i = row.index
        count = sum(1 for key in states if key.startswith(f"layer{i}_"))
        arrays = [states.get(f"layer{i}_{j}") for j in range(count)]
        if limits[i] and not count or any(a is None for a in arrays):
            raise _error(path, f"state.npz lacks the state of layer {i} {layer!r}: the file is damaged; "
                               f"save the model again")
        if count or limits[i]:
            try:
                layer.load_state(arrays)
            except (TypeError, ValueError) as error:
                raise _error(path, f"state.npz: {error}") from None


def _set_layer_weights(layer, arrays: list[np.ndarray], path: Path) -> None:
    try:
        layer.set_weights(arrays)
    except (TypeError, ValueError) as error:
        raise _error(path, f"weights.npz: {error}") from None


def _read_state(archive: zipfile.ZipFile, path: Path, network: Network) -> dict[str, list[np.ndarray]]:
    """optimizer.npz's arrays by name, one per parameter, each exactly its parameter's size."""
    params = network.params()
    cap = (sum(p.size for p in params) * 8 + ARRAY_OVERHEAD * len(params)) * MAX_OPTIMIZER_SLOTS + ARRAY_OVERHEAD
    info = _checked_member(archive, "optimizer.npz", path, cap, "optimizer with these layers could keep")
    inner = _open_npz(_read_member(archive, info, path), "optimizer.npz", path)
    arrays: dict[str, dict[int, np.ndarray]] = {}
    with inner:
        for name in inner.namelist():
            match = _STATE_KEY.fullmatch(name)
            if not match or int(match[2]) >= len(params):
                raise _error(path, f"optimizer.npz holds {_quote(name)}, which is no optimizer state for "
                                   f"{len(params)} weight arrays: the file is damaged or crafted")
            key, index = match[1], int(match[2])
            room = f"weight array {index} has ({params[index].size:,})"
            value = _read_npy(inner, name[:-4], params[index].size, room, "optimizer.npz", path)
            if value.shape != params[index].shape:
                raise _error(path, f"optimizer state {key}_{index} has shape {value.shape}, the weights "
                                   f"{params[index].shape}: the file is damaged")
            if _non_finite([value]):
                raise _error(path, f"optimizer state {key}_{index} holds {_non_finite([value])}: the model "
                                   f"diverged before it was saved; retrain it or load an earlier save")
            arrays.setdefault(key, {})[index] = value
    for key, values in arrays.items():
        if len(values) != len(params):
            raise _error(path, f"optimizer.npz has {len(values)} {key} arrays for {len(params)} weight arrays: "
                               f"the file is damaged; save the model again")
    return {key: [values[i] for i in range(len(params))] for key, values in arrays.items()}


def _restore(network: Network, document: dict, state: dict, path: Path) -> None:
    """The optimizer's state, the history and what lets training continue where it stopped."""
    try:
        network.optimizer.load_state(state, document["optimizer"].get("iterations", 0))
        network.history = {k: list(v) for k, v in document.get("history", {}).items()}
        network.epochs_trained = document.get("epochs_trained", 0)
        if "training_state" in document:  # files written before it start a fresh shuffle from the seed
            network.load_training_state(document["training_state"])
    except (TypeError, ValueError, KeyError) as error:
        raise _error(path, str(error)) from None
