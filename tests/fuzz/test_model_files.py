"""Hostile model files: mutated zips, mutated termnet.json, generated .npy headers.

Whatever the file holds, ``load_model`` either returns a network or raises ModelFileError: one line that
starts with the file's name. It never raises anything else, never holds more than 64 MiB while it decides
(tracemalloc, which also sees NumPy's arrays) and never writes a file.
"""

import copy
import io
import json
import os
import struct
import tempfile
import tracemalloc
import zipfile
from functools import cache
from pathlib import Path

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from termnet.engine import FC, Activation, Convolution, Flatten, Network, Pooling
from termnet.engine.serialization import ModelFileError, load_model, save_model

PEAK_LIMIT = 64 * 1024**2


@cache
def model_members() -> dict[str, bytes]:
    """A small trained network's file, as its members: a convolution, FC layers and Adam's state."""
    rng = np.random.default_rng(0)
    x, y = rng.random((16, 1, 6, 6), dtype=np.float32), rng.integers(0, 3, 16)
    net = (Network(0.01, epochs=1, batch_size=8, optimizer="adam", seed=0)
           .add(Convolution((1, 6, 6), 3, 2)).add(Activation("relu")).add(Pooling(2))
           .add(Flatten()).add(FC(8, 3)).add(Activation("softmax")).use("cross_entropy")).fit(x, y)
    with tempfile.TemporaryDirectory() as folder:
        path = save_model(net, Path(folder) / "m.termnet", {"dataset": "digits"})
        with zipfile.ZipFile(path) as archive:
            return {name: archive.read(name) for name in archive.namelist()}


def zip_bytes(members: dict[str, bytes], method=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def files_under(folder: Path) -> dict[str, tuple]:
    return {str(p): (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.rglob("*")}


def load_hostile(data: bytes) -> str:
    """Load ``data`` as a model file; 'loaded' or the refusal's message, after checking the promises."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "hostile.termnet"
        path.write_bytes(data)
        before, cwd_before = files_under(Path(folder)), sorted(os.listdir())
        tracemalloc.start()
        try:
            load_model(path)
            outcome = "loaded"
        except ModelFileError as error:
            outcome = str(error)
            assert outcome.startswith(f"{path}: ") or outcome.startswith(f"{path!s}"), outcome
            assert "\n" not in outcome and len(outcome) < 500, outcome
        finally:
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
        assert peak < PEAK_LIMIT, f"loading held {peak / 1024**2:.0f} MiB: {outcome}"
        assert files_under(Path(folder)) == before and sorted(os.listdir()) == cwd_before, "loading wrote a file"
    return outcome


# -- mutated zips: bytes flipped, cut, inserted, overwritten ----------------------------------------------------------
mutation = st.tuples(st.sampled_from(["flip", "truncate", "insert", "overwrite", "delete"]),
                     st.floats(0, 1, exclude_max=True), st.binary(min_size=1, max_size=16))


def mutate(data: bytes, mutations) -> bytes:
    data = bytearray(data)
    for kind, where, chunk in mutations:
        at = int(where * len(data)) if data else 0
        if kind == "flip" and data:
            data[at] ^= chunk[0] or 0xFF
        elif kind == "truncate":
            del data[at:]
        elif kind == "insert":
            data[at:at] = chunk
        elif kind == "overwrite":
            data[at:at + len(chunk)] = chunk
        else:
            del data[at:at + len(chunk)]
    return bytes(data)


@given(stored=st.booleans(), mutations=st.lists(mutation, min_size=1, max_size=4))
def test_mutated_zip_bytes_are_loaded_or_refused(stored, mutations):
    # stored members put the JSON and the .npy headers in reach of the mutations; deflated ones test inflating
    base = zip_bytes(model_members(), zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED)
    load_hostile(mutate(base, mutations))


@given(inner=st.sampled_from(["weights.npz", "optimizer.npz"]), mutations=st.lists(mutation, min_size=1, max_size=4))
def test_mutated_npz_members_are_loaded_or_refused(inner, mutations):
    members = dict(model_members())
    members[inner] = mutate(members[inner], mutations)
    load_hostile(zip_bytes(members))


# -- mutated termnet.json -------------------------------------------------------------------------------------------
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12)
    | st.sampled_from([10**400, -(10**30), 2**63, 1e308, -1, 0, "", "float32", "adam", "FC", "NaN"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12)


def paths_in(value, prefix=()) -> list[tuple]:
    """Every place in a JSON document: dict keys and list indices, depth first."""
    places = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            places += paths_in(item, prefix + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value[:6]):  # the history's long lists add nothing new
            places += paths_in(item, prefix + (index,))
    return places


@cache
def document() -> dict:
    return json.loads(model_members()["termnet.json"])


@given(data=st.data(), edits=st.integers(1, 3))
def test_generated_values_in_every_field_of_termnet_json(data, edits):
    changed = copy.deepcopy(document())
    for _ in range(edits):
        place = data.draw(st.sampled_from(paths_in(changed) or [()]))
        if not place:
            break
        *parents, last = place
        holder = changed
        for key in parents:
            holder = holder[key]
        action = data.draw(st.sampled_from(["replace", "delete", "add"]))
        if action == "replace":
            holder[last] = data.draw(json_values)
        elif action == "delete":
            del holder[last]
        elif isinstance(holder, dict):
            holder[data.draw(st.text(max_size=8))] = data.draw(json_values)
    load_hostile(zip_bytes({**model_members(), "termnet.json": json.dumps(changed).encode()}))


@given(depth=st.integers(1, 200_000), opener=st.sampled_from(['[', '{"a":', '{"metadata":[']),
       whole=st.booleans())
def test_deep_nesting_in_termnet_json(depth, opener, whole):
    closer = {"[": "]", '{"a":': "}", '{"metadata":[': "]}"}[opener]
    text = opener * depth + ("0" + closer * depth if whole else "")
    load_hostile(zip_bytes({**model_members(), "termnet.json": text.encode()}))


@given(raw=st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_arbitrary_bytes_as_termnet_json(raw):
    load_hostile(zip_bytes({**model_members(), "termnet.json": raw}))


# -- generated .npy headers -------------------------------------------------------------------------------------------
descrs = st.sampled_from(["<f4", "<f8", ">f4", ">f8", "|O", "<i8", "<c16", "V8", "|b1", "<U4", "f4", "<f2",
                          [("a", "<f4")], 5, None, "", "<f4 ", "O"])
shapes = st.one_of(st.tuples(), st.lists(st.integers(-3, 2**70), max_size=10).map(tuple),
                   st.lists(st.integers(0, 4), max_size=4).map(tuple), st.integers(), st.text(max_size=5),
                   st.just((2,)), st.just((3, 8)), st.just((2, 1, 3, 3)))
headers = st.fixed_dictionaries({"descr": descrs, "fortran_order": st.one_of(st.booleans(), st.integers(), st.none()),
                                 "shape": shapes},
                                optional={"extra": st.integers()})


def npy_bytes(header, version: int, length_delta: int, body: bytes, as_text: str | None) -> bytes:
    text = (as_text if as_text is not None else repr(header)).encode("latin1", "replace") + b"\n"
    length = max(len(text) + length_delta, 0)
    field = struct.pack("<H", min(length, 0xFFFF)) if version == 1 else struct.pack("<I", min(length, 2**32 - 1))
    return b"\x93NUMPY" + bytes([version, 0]) + field + text + body


@given(header=headers, version=st.sampled_from([1, 2, 3, 0, 255]),
       length_delta=st.one_of(st.just(0), st.integers(-20, 20), st.integers(0, 2**32 - 1)),
       body_size=st.integers(0, 256), as_text=st.none() | st.text(max_size=60),
       member=st.sampled_from(["weights.npz/layer0_1.npy", "weights.npz/layer0_0.npy",
                               "weights.npz/layer4_0.npy", "optimizer.npz/m_0.npy", "optimizer.npz/v_3.npy"]),
       method=st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED]))
def test_generated_npy_headers(header, version, length_delta, body_size, as_text, member, method):
    outer, inner = member.split("/")
    with zipfile.ZipFile(io.BytesIO(model_members()[outer])) as npz:
        arrays = {name: npz.read(name) for name in npz.namelist()}
    arrays[inner] = npy_bytes(header, version, length_delta, bytes(body_size), as_text)
    load_hostile(zip_bytes({**model_members(), outer: zip_bytes(arrays, method)}))


def test_the_unmutated_file_loads():
    # guards the tests above: their starting point is a file that loads, so a refusal is the mutation's doing
    assert load_hostile(zip_bytes(model_members())) == "loaded"
    assert load_hostile(zip_bytes(model_members(), zipfile.ZIP_STORED)) == "loaded"
