"""Fuzzing specs: generated TOML, mutated presets and arbitrary bytes give only termnet's own errors.

parse_spec and load_spec may raise only SpecError; Spec.build may raise SpecError or ShapeError (a layer
that does not fit the one before, documented and a ValueError like SpecError). Nothing may allocate much:
every example runs under tracemalloc with a 64 MiB ceiling, so a spec asking for a huge layer must be
refused from its shapes, not after NumPy has tried.
"""

import math
import tracemalloc
from importlib import resources

from hypothesis import given
from hypothesis import strategies as st

from termnet.engine import ShapeError
from termnet.spec import PRESETS, SpecError, load_spec, parse_spec

PEAK_LIMIT = 64 * 2**20
#: The words specs use, so generated specs get past the first checks and reach the deeper ones.
WORDS = ["name", "description", "training", "layers", "type", "FC", "Convolution", "Pooling", "Flatten",
         "Activation", "input_size", "output_size", "depth", "filters", "kernel_size", "stride", "padding",
         "pool_size", "mode", "input_shape", "alpha", "relu", "softmax", "tanh", "same", "valid", "max",
         "learning_rate", "epochs", "batch_size", "optimizer", "adam", "sgd", "schedule", "one-cycle", "loss",
         "cross_entropy", "mse", "seed", "init", "train_size", "validation_split", "trainig", "auto"]
PRESET_TEXTS = [resources.files("termnet.presets").joinpath(f"{name}.toml").read_text() for name in PRESETS]


def _toml_key(key: str) -> str:
    return key if key.replace("_", "").replace("-", "").isalnum() and key.isascii() else _toml_string(key)


def _toml_string(text: str) -> str:
    return '"' + "".join(c if c.isprintable() and c not in '"\\' else f"\\u{ord(c):04x}" for c in text) + '"'


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf") if math.isinf(value) else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items()) + "}"
    return _toml_string(value)


def _toml(document: dict) -> str:
    """A document as TOML: plain values first, then tables, and lists of tables as [[arrays]]."""
    lines = [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in document.items()
             if not isinstance(v, dict) and not (isinstance(v, list) and v and all(isinstance(x, dict) for x in v))]
    for key, value in document.items():
        if isinstance(value, dict):
            lines += ["", f"[{_toml_key(key)}]"] + [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items()]
        elif isinstance(value, list) and value and all(isinstance(x, dict) for x in value):
            for table in value:
                lines += ["", f"[[{_toml_key(key)}]]"]
                lines += [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in table.items()]
    return "\n".join(lines) + "\n"


keys = st.one_of(st.sampled_from(WORDS), st.text(min_size=1, max_size=12))
scalars = st.one_of(
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.sampled_from([0, 1, 2, 3, -1, 10**6, 10**9, 2**31, 2**63 - 1]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.sampled_from(WORDS),
    st.text(max_size=20),
)
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                        st.dictionaries(keys, inner, max_size=4)), max_leaves=12)
layer_tables = st.dictionaries(keys, values, max_size=6) | st.fixed_dictionaries(
    {"type": st.sampled_from(["FC", "Convolution", "Pooling", "Flatten", "Activation"])},
    optional={"output_size": scalars, "input_size": scalars, "depth": scalars, "kernel_size": scalars,
              "stride": scalars, "padding": st.one_of(scalars, st.sampled_from(["same", "valid"])),
              "pool_size": scalars, "name": st.sampled_from(["relu", "softmax", "tanh", "leaky_relu", "x"]),
              "input_shape": st.lists(scalars, max_size=4), "filters": scalars})
documents = st.fixed_dictionaries(
    {"layers": st.lists(layer_tables, min_size=0, max_size=6)},
    optional={"name": values, "training": st.dictionaries(st.sampled_from(WORDS), scalars, max_size=6),
              "trainig": st.dictionaries(keys, scalars, max_size=2), "description": values},
).flatmap(lambda d: st.dictionaries(keys, values, max_size=3).map(lambda extra: {**extra, **d}))


def _only_termnet_errors(action) -> None:
    """Run ``action`` under tracemalloc: only SpecError or ShapeError may come out, and little memory."""
    tracemalloc.start()
    try:
        action()
    except (SpecError, ShapeError):
        pass
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert peak < PEAK_LIMIT, f"{peak / 2**20:.0f} MiB used"


def _parse_and_build(text: str) -> None:
    spec = parse_spec(text, "fuzz.toml")
    spec.build((1, 28, 28))
    spec.build((1, 8, 8))


@given(documents)
def test_generated_specs(document):
    _only_termnet_errors(lambda: _parse_and_build(_toml(document)))


mutations = st.lists(st.tuples(st.sampled_from(["delete", "insert", "duplicate", "number", "nest"]),
                               st.integers(min_value=0), st.integers(min_value=0, max_value=80),
                               st.sampled_from(["[", "]", "{", "}", "=", "\n", '"', "'", "\x00", "é", "10**9",
                                                "1_000_000_000", "-1", "nan", "[[layers]]", "[training]", "."])),
                     min_size=1, max_size=6)


def _mutate(text: str, edits) -> str:
    for kind, position, length, token in edits:
        at = position % (len(text) + 1)
        if kind == "delete":
            text = text[:at] + text[at + length:]
        elif kind == "insert":
            text = text[:at] + token + text[at:]
        elif kind == "duplicate":
            text = text[:at] + text[at:at + length] * 3 + text[at:]
        elif kind == "number":  # the next number grows to a size no machine has
            text = text[:at] + text[at:].replace("= ", "= 1000000000", 1)
        else:
            text = text[:at] + token * (length * 50) + text[at:]
    return text


@given(st.sampled_from(PRESET_TEXTS), mutations)
def test_mutated_presets(text, edits):
    _only_termnet_errors(lambda: _parse_and_build(_mutate(text, edits)))


@given(st.binary(max_size=400) | st.sampled_from(PRESET_TEXTS).map(str.encode).flatmap(
    lambda data: st.integers(0, len(data)).map(lambda cut: data[:cut] + b"\xff\xfe" + data[cut:])))
def test_arbitrary_bytes_as_a_spec_file(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("spec") / "fuzz.toml"
    path.write_bytes(data)
    _only_termnet_errors(lambda: load_spec(path).build((1, 28, 28)))
