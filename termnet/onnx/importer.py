"""ONNX model -> termnet network: a chain of operators read as termnet layers, one handler per operator.

termnet networks are a single chain of layers, so the graph must be one too: one input, one output, every node
reading the tensor the node before made (besides constant weights) and nothing else reading it. A branch, an
operator without a termnet layer, or an option termnet's layer lacks (dilations, groups, uneven strides) is refused
in one line naming the node (its index and name) and what to do. The nodes PyTorch's ``torch.onnx.export`` writes
for Sequential stacks (Conv, Relu, MaxPool, Flatten, Gemm, Softmax ...) and termnet's own export all map.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..engine import (
    FC,
    LAYER_TYPES,
    Activation,
    Convolution,
    Flatten,
    Layer,
    Network,
    Pooling,
    layer_from_config,
)
from . import ONNXFileError, require_onnx

#: Larger files are refused before they are read: termnet's networks are megabytes, not gigabytes.
MAX_FILE_BYTES = 2 * 1024**3
SKIPPED = ("Dropout", "Identity")  # the identity at inference: no layer


@dataclass
class Chain:
    """The layers read so far and the shape of one sample after them."""

    path: Path
    opset: int
    shape: tuple[int, ...]
    layers: list[Layer] = field(default_factory=list)

    def add(self, layer: Layer, where: str) -> None:
        try:
            self.shape = tuple(layer.output_shape(self.shape))
        except ValueError as error:  # ShapeError is a ValueError
            raise self.refuse(where, str(error)) from None
        self.layers.append(layer)

    def refuse(self, where: str, why: str) -> ONNXFileError:
        return ONNXFileError(" ".join(f"{self.path}: {where}: {why}".split()))


@dataclass(frozen=True)
class Node:
    """One ONNX node with its attributes read, and where it is (for messages)."""

    proto: object
    index: int
    attributes: dict
    constant_inputs: list  # the node's inputs after the first, as arrays (None where absent)

    @property
    def op(self) -> str:
        return self.proto.op_type

    @property
    def where(self) -> str:
        return f"node {self.index} {self.proto.name or '(unnamed)'!r} ({self.op})"

    def get(self, name: str, default=None):
        return self.attributes.get(name, default)


Handler = Callable[[Chain, Node], None]
HANDLERS: dict[str, Handler] = {}


def reads(*ops: str):
    """Register the decorated function as the handler of the ONNX operators ``ops``."""
    def register(function: Handler) -> Handler:
        for op in ops:
            HANDLERS[op] = function
        return function
    return register


def _square(chain: Chain, node: Node, name: str, values, default: int) -> int:
    """One number for both sides (termnet's kernels, windows and strides are square)."""
    values = list(values) if values is not None else [default, default]
    if len(values) != 2 or values[0] != values[1]:
        raise chain.refuse(node.where, f"{name}={values}: termnet's layers take one {name} for both sides of 2-D "
                                       f"images; export the model with square {name}")
    return int(values[0])


def _plain_window(chain: Chain, node: Node) -> None:
    """Refuse the options termnet's Convolution and Pooling lack: dilations, groups, ceil mode."""
    if any(d != 1 for d in node.get("dilations", [1])):
        raise chain.refuse(node.where, f"dilations={node.get('dilations')}: termnet has no dilated windows")
    if node.get("group", 1) != 1:
        raise chain.refuse(node.where, f"group={node.get('group')}: termnet has no grouped convolutions")
    if node.get("ceil_mode", 0):
        raise chain.refuse(node.where, "ceil_mode=1: termnet's pooling drops windows that do not fit (floor)")


def _padding(chain: Chain, node: Node, layer_args: dict) -> str | int:
    """termnet's padding for ONNX ``auto_pad`` / ``pads`` on this input: "valid", "same" or an int on every side."""
    auto = node.get("auto_pad", "NOTSET")
    if auto == "VALID":
        return "valid"
    if auto == "SAME_UPPER":  # the odd zero at the bottom/right: termnet's "same"
        return "same"
    pads = list(node.get("pads", [0, 0, 0, 0]))
    if not any(pads):
        return "valid"
    top, left, bottom, right = pads
    same = Convolution(**layer_args, padding="same")  # the layer defines its zeros: ask it for this input
    if ((top, bottom), (left, right)) == (same._pads(chain.shape[1]), same._pads(chain.shape[2])):
        return "same"
    if len(set(pads)) == 1:
        return int(top)
    raise chain.refuse(node.where, f"pads={pads} (auto_pad {auto}): termnet pads evenly on every side, or as 'same'")


@reads("Conv")
def _conv(chain: Chain, node: Node) -> None:
    _plain_window(chain, node)
    kernels = node.constant_inputs[0]
    if kernels is None or kernels.ndim != 4 or len(chain.shape) != 3:
        raise chain.refuse(node.where, "termnet reads 2-D convolutions of images (N, C, H, W) with constant filters")
    k = _square(chain, node, "kernel_shape", node.get("kernel_shape", kernels.shape[2:]), 1)
    stride = _square(chain, node, "strides", node.get("strides"), 1)
    depth = kernels.shape[0]
    bias = node.constant_inputs[1] if len(node.constant_inputs) > 1 else None
    args = {"kernel_size": k, "depth": depth, "stride": stride}
    layer = Convolution(**args, padding=_padding(chain, node, args))
    layer.set_weights([kernels, np.zeros(depth, np.float32) if bias is None else bias])
    chain.add(layer, node.where)


@reads("MaxPool", "AveragePool")
def _pool(chain: Chain, node: Node) -> None:
    _plain_window(chain, node)
    if any(node.get("pads", [0])) or node.get("auto_pad", "NOTSET") not in ("NOTSET", "VALID"):
        raise chain.refuse(node.where, f"pads={node.get('pads')} auto_pad={node.get('auto_pad')}: termnet's "
                                       f"pooling has no padding")
    size = _square(chain, node, "kernel_shape", node.get("kernel_shape"), 1)
    stride = _square(chain, node, "strides", node.get("strides"), 1)
    chain.add(Pooling(size, stride, "max" if node.op == "MaxPool" else "average"), node.where)


@reads("Relu", "Tanh", "Sigmoid", "LeakyRelu")
def _activation(chain: Chain, node: Node) -> None:
    name = {"Relu": "relu", "Tanh": "tanh", "Sigmoid": "sigmoid", "LeakyRelu": "leaky_relu"}[node.op]
    chain.add(Activation(name, node.get("alpha", 0.01)), node.where)


@reads("Softmax")
def _softmax(chain: Chain, node: Node) -> None:
    rank = len(chain.shape) + 1
    # before opset 13 Softmax flattened everything from ``axis`` (default 1) on: the last axis only when 2-D
    axis = node.get("axis", -1 if chain.opset >= 13 else 1)
    if axis % rank != rank - 1 or (chain.opset < 13 and rank != 2):
        raise chain.refuse(node.where, f"softmax over axis {axis} of {rank}-D data: termnet's softmax runs over "
                                       f"the last axis only")
    chain.add(Activation("softmax"), node.where)


@reads("Flatten")
def _flatten(chain: Chain, node: Node) -> None:
    if node.get("axis", 1) != 1:
        raise chain.refuse(node.where, f"axis={node.get('axis')}: termnet flattens everything but the batch (axis 1)")
    chain.add(Flatten(), node.where)


@reads("Reshape")
def _reshape(chain: Chain, node: Node) -> None:
    target = node.constant_inputs[0] if node.constant_inputs else None
    size = math.prod(chain.shape)
    # (N, everything else), however it is written: [0, -1], [-1, size], [N, -1] ...
    flat = target is not None and target.ndim == 1 and len(target) == 2 and int(target[1]) in (-1, size) and (
        int(target[0]) in (0, -1) or int(target[1]) == -1)
    if not flat:
        shown = "computed in the graph" if target is None else target.tolist()
        raise chain.refuse(node.where, f"a reshape to {shown}: termnet reads only the flattening one, "
                                       f"(N, {size}); use nn.Flatten() in PyTorch")
    chain.add(Flatten(), node.where)


def _fc(chain: Chain, node: Node, weights: np.ndarray, bias: np.ndarray | None) -> None:
    if len(chain.shape) != 1 or weights.ndim != 2 or weights.shape[0] != chain.shape[0]:
        raise chain.refuse(node.where, f"a matrix of shape {weights.shape} on samples of shape {chain.shape}: "
                                       f"termnet's FC takes (N, {weights.shape[0]}) (flatten images first)")
    out = weights.shape[1]
    bias = np.zeros(out, np.float32) if bias is None else np.broadcast_to(bias, (1, out)).reshape(out)
    layer = FC(int(weights.shape[0]), int(out))
    layer.set_weights([weights, bias])
    chain.add(layer, node.where)


@reads("Gemm")
def _gemm(chain: Chain, node: Node) -> None:
    if node.get("transA", 0):
        raise chain.refuse(node.where, "transA=1: the data must come in as (N, features)")
    weights = node.constant_inputs[0]
    if weights is None:
        raise chain.refuse(node.where, "the weights are computed in the graph: termnet reads constant weights")
    weights = (weights.T if node.get("transB", 0) else weights) * node.get("alpha", 1.0)
    bias = node.constant_inputs[1] if len(node.constant_inputs) > 1 else None
    _fc(chain, node, weights, None if bias is None else bias * node.get("beta", 1.0))


@reads("MatMul")
def _matmul(chain: Chain, node: Node) -> None:
    if node.constant_inputs[0] is None:
        raise chain.refuse(node.where, "the weights are computed in the graph: termnet reads constant weights")
    _fc(chain, node, node.constant_inputs[0], None)


@reads("Add")
def _add(chain: Chain, node: Node) -> None:
    # MatMul then Add of a constant is an FC layer with a bias: the bias joins the FC just read
    last = chain.layers[-1] if chain.layers else None
    bias = node.constant_inputs[0]
    if not isinstance(last, FC) or bias is None or bias.size not in (1, last.output_size):
        raise chain.refuse(node.where, "termnet reads Add only as the bias after a MatMul (an FC layer)")
    weights, old = last.get_weights()
    last.set_weights([weights, old + np.broadcast_to(bias.reshape(-1), (last.output_size,))])


@reads("BatchNormalization")
def _batch_norm(chain: Chain, node: Node) -> None:
    if "BatchNorm" not in LAYER_TYPES:
        raise chain.refuse(node.where, "this termnet has no BatchNorm layer")
    gamma, beta, mean, variance = node.constant_inputs[:4]
    # ONNX's momentum weighs the old running value, termnet's (as PyTorch's) the new batch
    layer = layer_from_config("BatchNorm", {"momentum": 1.0 - node.get("momentum", 0.9),
                                            "epsilon": node.get("epsilon", 1e-5)})
    layer.set_weights([gamma, beta])
    layer.running_mean, layer.running_var = np.array(mean, np.float32), np.array(variance, np.float32)
    chain.add(layer, node.where)


def _load(path: Path):
    onnx = require_onnx()
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise ONNXFileError(f"{path}: no such ONNX file") from None
    except OSError as error:
        raise ONNXFileError(f"{path}: cannot read it ({error.strerror or error})") from None
    if path.is_dir():
        raise ONNXFileError(f"{path} is a folder: name an .onnx file")
    if size > MAX_FILE_BYTES:
        raise ONNXFileError(f"{path}: {size:,} bytes is more than termnet reads ({MAX_FILE_BYTES:,})")
    with open(path, "rb") as stream:
        data = stream.read()
    try:
        model = onnx.load_model_from_string(data)
    except Exception as error:  # noqa: BLE001 - protobuf's DecodeError, RuntimeError, ...
        raise ONNXFileError(f"{path}: not a readable ONNX model, the file is truncated or damaged "
                            f"({_first_line(error)}); export it again") from None
    try:
        onnx.checker.check_model(model)
    except Exception as error:  # noqa: BLE001 - the checker's ValidationError, or its C++ errors
        raise ONNXFileError(f"{path}: not a valid ONNX model ({_first_line(error)}); export it again") from None
    return onnx, model


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0][:200] if text else type(error).__name__


def _attributes(onnx, proto) -> dict:
    values = {a.name: onnx.helper.get_attribute_value(a) for a in proto.attribute}
    return {name: value.decode() if isinstance(value, bytes) else value for name, value in values.items()}


def _constants(onnx, graph, path: Path) -> dict[str, np.ndarray]:
    """Initializers and Constant nodes' values, by tensor name."""
    constants = {}
    for tensor in graph.initializer:
        if tensor.data_location == onnx.TensorProto.EXTERNAL:
            raise ONNXFileError(f"{path}: the weight {tensor.name!r} is kept in a separate file: save the model with "
                                f"its weights inside (onnx.save_model(..., save_as_external_data=False))")
        constants[tensor.name] = onnx.numpy_helper.to_array(tensor)
    for node in graph.node:
        if node.op_type == "Constant":
            value = _attributes(onnx, node).get("value")
            if value is not None:
                constants[node.output[0]] = onnx.numpy_helper.to_array(value)
    return constants


def _input(onnx, graph, constants, path: Path) -> tuple[str, tuple[int, ...]]:
    """The graph's one input and the shape of one sample of it."""
    inputs = [value for value in graph.input if value.name not in constants]
    if len(inputs) != 1:
        names = ", ".join(value.name for value in inputs) or "none"
        raise ONNXFileError(f"{path}: the graph takes {len(inputs)} inputs ({names}); a termnet network takes one")
    value = inputs[0]
    dims = value.type.tensor_type.shape.dim
    sample = tuple(d.dim_value if d.HasField("dim_value") else None for d in dims[1:])
    if value.type.tensor_type.elem_type not in (onnx.TensorProto.FLOAT, onnx.TensorProto.DOUBLE):
        raise ONNXFileError(f"{path}: the input {value.name!r} is not of floats; termnet reads float inputs")
    if not sample or any(d is None or d < 1 for d in sample):
        raise ONNXFileError(f"{path}: the input {value.name!r} has shape {[d or '?' for d in (None, *sample)]}: "
                            f"termnet needs every size but the batch's fixed; export with a fixed image size")
    return value.name, sample


def _check_chain(graph, current: str, path: Path) -> None:
    """Refuse a graph that branches: a tensor that several nodes read (or a node and the graph's output)."""
    readers: dict[str, int] = {}
    for name in [name for proto in graph.node for name in proto.input] + [value.name for value in graph.output]:
        readers[name] = readers.get(name, 0) + 1
    for index, proto in enumerate(graph.node):
        for name in proto.output[:1]:
            if readers.get(name, 0) > 1:
                raise ONNXFileError(f"{path}: the graph branches: node {index} {proto.name or '(unnamed)'!r} "
                                    f"({proto.op_type}) makes {name!r}, which {readers[name]} nodes read; termnet "
                                    f"reads only a single chain of layers")
    if readers.get(current, 0) > 1:
        raise ONNXFileError(f"{path}: the graph branches: its input {current!r} is read by {readers[current]} nodes; "
                            f"termnet reads only a single chain of layers")


def read_onnx(path: str | os.PathLike) -> Network:
    """The network an ONNX file describes, built and with its weights; ONNXFileError says in one line why not."""
    path = Path(path)
    onnx, model = _load(path)
    graph = model.graph
    opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 1)
    constants = _constants(onnx, graph, path)
    current, sample = _input(onnx, graph, constants, path)
    _check_chain(graph, current, path)
    chain = Chain(path, opset, sample)
    for index, proto in enumerate(graph.node):
        if proto.op_type == "Constant":
            continue
        position = list(proto.input).index(current) if current in proto.input else 0
        rest = [constants.get(name) if name else None for i, name in enumerate(proto.input) if i != position]
        node = Node(proto, index, _attributes(onnx, proto), rest)
        where = node.where
        computed = [name for name in proto.input if name and name not in constants]
        if computed != [current]:
            raise chain.refuse(where, f"the graph branches here: the node reads {computed or 'only constants'} "
                                      f"where termnet expects the one tensor {current!r} made by the node before; "
                                      f"termnet reads only a single chain of layers")
        if proto.op_type not in HANDLERS and proto.op_type not in SKIPPED:
            raise chain.refuse(where, f"the operator {proto.op_type} has no termnet layer (termnet reads "
                                      f"{', '.join(sorted([*HANDLERS, *SKIPPED]))})")
        if position and proto.op_type != "Add":  # x + b and b + x are one
            raise chain.refuse(where, f"the data comes in as input {position}: termnet reads it as the first")
        if proto.op_type in HANDLERS:
            HANDLERS[proto.op_type](chain, node)
        current = proto.output[0]
    outputs = [value.name for value in graph.output]
    if outputs != [current]:
        raise ONNXFileError(f"{path}: the graph gives {len(outputs)} outputs ({', '.join(outputs)}); a termnet "
                            f"network gives one, the last node's ({current!r})")
    if not chain.layers:
        raise ONNXFileError(f"{path}: the graph has no layers termnet could read")
    return _network(chain, sample)


def _network(chain: Chain, sample: tuple[int, ...]) -> Network:
    network = Network(seed=0)
    network.input_shape = sample
    for layer in chain.layers:
        network.add(layer)
    last = chain.layers[-1]
    # the loss a fit would use: cross-entropy after a softmax (termnet fuses the two), else mean squared error
    network.use("cross_entropy" if isinstance(last, Activation) and last.name == "softmax" else "mse")
    return network.build(sample)
