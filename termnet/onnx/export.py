"""termnet network -> ONNX model: one converter per layer type, keyed by the registry's type name.

The graph takes ``input`` of shape ``(N, *network.input_shape)`` (images: ``(N, C, H, W)``), N left dynamic, and
gives ``output``: what ``Network.predict`` returns, the last layer's output (probabilities when the stack ends in a
softmax, as every preset does: termnet has no separate softmax step outside its layers). Everything is float32, the
type termnet trains in. Each converter emits standard ONNX operators (opset ``OPSET``), so ONNX Runtime, PyTorch's
importers and others read the file; ``to_onnx`` checks the model with ``onnx.checker`` (full check) before anyone
writes it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .. import __version__
from ..atomic import atomic_write
from ..engine import Layer, Network, layer_type
from . import require_onnx

#: Opset 17: Softmax on one axis (13+), BatchNormalization for inference (15+); ONNX Runtime has run it since 1.12.
OPSET = 17
#: The IR version that goes with opset 17, so that older runtimes read the file too.
IR_VERSION = 8
INPUT_NAME, OUTPUT_NAME, BATCH = "input", "output", "N"

ONNX_ACTIVATIONS = {"tanh": "Tanh", "sigmoid": "Sigmoid", "relu": "Relu", "leaky_relu": "LeakyRelu",
                    "softmax": "Softmax"}


@dataclass
class GraphBuilder:
    """The nodes and weights of the graph being written, and fresh names for them."""

    onnx: object  # the onnx module, imported on first use
    nodes: list = field(default_factory=list)
    initializers: list = field(default_factory=list)

    def weight(self, name: str, array: np.ndarray) -> str:
        """Add ``array`` (as float32) under ``name``; returns the name."""
        self.initializers.append(self.onnx.numpy_helper.from_array(np.asarray(array, dtype=np.float32), name))
        return name

    def node(self, op: str, inputs: list[str], name: str, **attributes) -> str:
        """Add one ``op`` node reading ``inputs``; returns the name of its (single) output."""
        self.nodes.append(self.onnx.helper.make_node(op, inputs, [name], name=name, **attributes))
        return name


@dataclass(frozen=True)
class Step:
    """What a converter gets: the layer, its index in the stack, the shape of one sample coming in."""

    layer: Layer
    index: int
    input_shape: tuple[int, ...]

    def name(self, what: str) -> str:
        """A tensor or node name that says which layer made it: ``layer3_conv``."""
        return f"layer{self.index}_{what}"


#: Converter: (graph, step, name of the tensor coming in) -> name of the tensor going out.
Converter = Callable[[GraphBuilder, Step, str], str]
CONVERTERS: dict[str, Converter] = {}


def converts(type_name: str):
    """Register the decorated function as the converter for the layer type registered as ``type_name``."""
    def register(function: Converter) -> Converter:
        CONVERTERS[type_name] = function
        return function
    return register


@converts("FC")
def _fc(graph: GraphBuilder, step: Step, x: str) -> str:
    # termnet's W is (in, out), as Gemm's B without transB: y = x W + b
    w, b = step.layer.get_weights()
    return graph.node("Gemm", [x, graph.weight(step.name("W"), w), graph.weight(step.name("b"), b)],
                      step.name("gemm"))


@converts("Activation")
def _activation(graph: GraphBuilder, step: Step, x: str) -> str:
    name = step.layer.name
    attributes = {"alpha": step.layer.alpha} if name == "leaky_relu" else {}
    if name == "softmax":
        attributes = {"axis": -1}  # termnet's softmax runs along the last axis, as opset 13+'s does
    # LeakyRelu is x for x >= 0, alpha x below: termnet's max(x, alpha x) (min for alpha > 1) is the same function
    return graph.node(ONNX_ACTIVATIONS[name], [x], step.name(name), **attributes)


@converts("Flatten")
def _flatten(graph: GraphBuilder, step: Step, x: str) -> str:
    return graph.node("Flatten", [x], step.name("flatten"), axis=1)


@converts("Convolution")
def _convolution(graph: GraphBuilder, step: Step, x: str) -> str:
    layer = step.layer
    _, height, width = step.input_shape
    # explicit pads for this input size (termnet's "same" puts the odd zero at the bottom/right, as SAME_UPPER
    # does, but explicit numbers leave no reader in doubt); ONNX orders them [top, left, bottom, right]
    (top, bottom), (left, right) = layer._pads(height), layer._pads(width)
    k, s = layer.kernel_size, layer.stride
    kernels, bias = layer.get_weights()  # (depth, C, k, k): ONNX Conv's W, also a cross-correlation
    return graph.node("Conv", [x, graph.weight(step.name("K"), kernels), graph.weight(step.name("b"), bias)],
                      step.name("conv"), kernel_shape=[k, k], strides=[s, s], pads=[top, left, bottom, right],
                      dilations=[1, 1], group=1)


@converts("Pooling")
def _pooling(graph: GraphBuilder, step: Step, x: str) -> str:
    layer = step.layer
    op = "MaxPool" if layer.mode == "max" else "AveragePool"
    # no padding and ceil_mode 0: windows that do not fit are dropped, termnet's flooring
    return graph.node(op, [x], step.name(layer.mode + "pool"), kernel_shape=[layer.pool_size] * 2,
                      strides=[layer.stride] * 2, pads=[0, 0, 0, 0], ceil_mode=0)


@converts("Dropout")
def _dropout(graph: GraphBuilder, step: Step, x: str) -> str:
    return x  # the identity at inference: nothing to write


def _running_statistics(layer: Layer) -> tuple[np.ndarray, np.ndarray]:
    """A BatchNorm's running mean and variance (the layer keeps them beside its weights [gamma, beta])."""
    return np.asarray(layer.running_mean), np.asarray(layer.running_var)


@converts("BatchNorm")
def _batch_norm(graph: GraphBuilder, step: Step, x: str) -> str:
    # per feature of (N, F) or per channel of (N, C, H, W): ONNX's BatchNormalization normalises axis 1 of both
    gamma, beta = step.layer.get_weights()
    mean, variance = _running_statistics(step.layer)
    inputs = [x] + [graph.weight(step.name(what), array) for what, array in
                    (("gamma", gamma), ("beta", beta), ("mean", mean), ("var", variance))]
    # ONNX's momentum weighs the old running value (PyTorch's and termnet's weigh the new batch): 1 - momentum
    return graph.node("BatchNormalization", inputs, step.name("batchnorm"), epsilon=float(step.layer.epsilon),
                      momentum=1.0 - float(step.layer.momentum))


def to_onnx(network: Network):
    """``network`` (built, e.g. trained or loaded) as a checked ``onnx.ModelProto``; ValueError says why not."""
    onnx = require_onnx()
    if not network.layers or network.input_shape is None or not all(layer.built for layer in network.layers):
        raise ValueError("Only a built network can be exported: train or load one first")
    graph = GraphBuilder(onnx)
    tensor, shape = INPUT_NAME, tuple(network.input_shape)
    for row in network.shapes():
        kind = layer_type(row.layer)
        if kind not in CONVERTERS:
            raise ValueError(f"Layer {row.index} {row.layer!r}: termnet has no ONNX converter for {kind} layers "
                             f"(it converts {', '.join(CONVERTERS)})")
        tensor = CONVERTERS[kind](graph, Step(row.layer, row.index, shape), tensor)
        shape = tuple(row.output_shape)
    tensor = graph.node("Identity", [tensor], OUTPUT_NAME)  # a fixed output name, whatever the last layer
    float32 = onnx.TensorProto.FLOAT
    model = onnx.helper.make_model(
        onnx.helper.make_graph(
            graph.nodes, "termnet",
            [onnx.helper.make_tensor_value_info(INPUT_NAME, float32, [BATCH, *network.input_shape])],
            [onnx.helper.make_tensor_value_info(OUTPUT_NAME, float32, [BATCH, *network.output_shape])],
            graph.initializers),
        opset_imports=[onnx.helper.make_opsetid("", OPSET)], producer_name="termnet", producer_version=__version__,
        doc_string="A termnet network: " + ", ".join(repr(layer) for layer in network.layers))
    model.ir_version = IR_VERSION
    onnx.checker.check_model(model, full_check=True)
    return model


def export_onnx(network: Network, path: str | os.PathLike) -> Path:
    """Write ``network`` to ``path`` as an ONNX file, atomically (see atomic.py); returns the path written."""
    return atomic_write(path, to_onnx(network).SerializeToString())
