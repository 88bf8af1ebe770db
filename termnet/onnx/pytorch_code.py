"""A saved termnet model as a short PyTorch script: the same stack as ``torch.nn.Sequential``, its trained weights
read from the model file's ``weights.npz`` with NumPy (``allow_pickle=False``: no pickle anywhere).

One writer per layer type, keyed by the registry's type name, as the ONNX converters are. Each gives the modules
for one layer (named ``layer<i>``, so that the weights of termnet's layer i go to ``net.layer<i>``) and the lines
that copy its weights. Needs no torch itself: it only writes text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..engine import Layer, Network, layer_type


@dataclass(frozen=True)
class Module:
    """One entry of the Sequential: its name and the constructor call."""

    name: str
    code: str


#: Writer: (layer, its index, one sample's input shape) -> (modules, lines loading its weights).
Writer = Callable[[Layer, int, tuple], tuple[list[Module], list[str]]]
WRITERS: dict[str, Writer] = {}

TORCH_ACTIVATIONS = {"tanh": "nn.Tanh()", "sigmoid": "nn.Sigmoid()", "relu": "nn.ReLU()",
                     "softmax": "nn.Softmax(dim=-1)"}


def writes(type_name: str):
    def register(function: Writer) -> Writer:
        WRITERS[type_name] = function
        return function
    return register


@writes("FC")
def _fc(layer, index, shape):
    # termnet's W is (in, out); nn.Linear keeps (out, in)
    return ([Module(f"layer{index}", f"nn.Linear({layer.input_size}, {layer.output_size})")],
            [f"net.layer{index}.weight.copy_(weight({index}, 0).T)",
             f"net.layer{index}.bias.copy_(weight({index}, 1))"])


@writes("Activation")
def _activation(layer, index, shape):
    code = f"nn.LeakyReLU({layer.alpha!r})" if layer.name == "leaky_relu" else TORCH_ACTIVATIONS[layer.name]
    return [Module(f"layer{index}", code)], []


@writes("Flatten")
def _flatten(layer, index, shape):
    return [Module(f"layer{index}", "nn.Flatten()")], []


@writes("Convolution")
def _convolution(layer, index, shape):
    channels, height, width = shape
    (top, bottom), (left, right) = layer._pads(height), layer._pads(width)
    modules = []
    padding = top
    if len({top, bottom, left, right}) > 1:  # "same" with an odd total: the extra zero at the bottom/right
        modules.append(Module(f"layer{index}_pad", f"nn.ZeroPad2d(({left}, {right}, {top}, {bottom}))"))
        padding = 0
    modules.append(Module(f"layer{index}", f"nn.Conv2d({channels}, {layer.depth}, kernel_size={layer.kernel_size}, "
                                           f"stride={layer.stride}, padding={padding})"))
    # the kernels are (depth, channels, k, k), cross-correlations, as nn.Conv2d's weight
    return modules, [f"net.layer{index}.weight.copy_(weight({index}, 0))",
                     f"net.layer{index}.bias.copy_(weight({index}, 1))"]


@writes("Pooling")
def _pooling(layer, index, shape):
    kind = "MaxPool2d" if layer.mode == "max" else "AvgPool2d"
    return [Module(f"layer{index}", f"nn.{kind}({layer.pool_size}, stride={layer.stride})")], []  # floor, as termnet


@writes("BatchNorm")
def _batch_norm(layer, index, shape):
    # per feature (F,) after an FC, per channel (C, H, W) after a convolution; termnet's momentum is PyTorch's
    # (the share the batch takes), so a script that goes on training moves the statistics as termnet would
    kind = "BatchNorm1d" if len(shape) == 1 else "BatchNorm2d"
    return ([Module(f"layer{index}", f"nn.{kind}({shape[0]}, eps={layer.epsilon!r}, momentum={layer.momentum!r})")],
            [f"net.layer{index}.weight.copy_(weight({index}, 0))",
             f"net.layer{index}.bias.copy_(weight({index}, 1))",
             f"net.layer{index}.running_mean.copy_(state({index}, 0))",
             f"net.layer{index}.running_var.copy_(state({index}, 1))"])


@writes("Dropout")
def _dropout(layer, index, shape):
    return [Module(f"layer{index}", f"nn.Dropout({layer.rate!r})")], []  # the identity after net.eval()


def pytorch_script(network: Network, model_file: str) -> str:
    """The script for ``network``, loaded from ``model_file`` (the name written in the script as its default)."""
    modules, loads = [], []
    shape = tuple(network.input_shape)
    for row in network.shapes():
        kind = layer_type(row.layer)
        if kind not in WRITERS:
            raise ValueError(f"Layer {row.index} {row.layer!r}: export-code --framework pytorch cannot write {kind} "
                             f"layers yet (it writes {', '.join(WRITERS)})")
        more, lines = WRITERS[kind](row.layer, row.index, shape)
        modules += more
        loads += lines
        shape = tuple(row.output_shape)
    sample = ", ".join(map(str, network.input_shape))
    stateful = any(layer.state() for layer in network.layers)  # the model file then has a state.npz
    lines = [
        f'"""The termnet network of {model_file} in PyTorch, with its trained weights',
        f'(made by `termnet export-code {model_file} --framework pytorch`).',
        "",
        f"Usage: python this.py [MODEL] [IMAGES.npy PREDICTIONS.npy]: images of shape (N, {sample}) in, the",
        "network's outputs out. The weights are read from the model file's weights.npz (and BatchNorm's running",
        "statistics from its state.npz) with NumPy, without pickle.",
        '"""',
        "",
        "import io",
        "import sys",
        "import zipfile",
        "from collections import OrderedDict",
        "",
        "import numpy as np",
        "import torch",
        "from torch import nn",
        "",
        f"MODEL = sys.argv[1] if len(sys.argv) > 1 else {model_file!r}",
        "",
        "net = nn.Sequential(OrderedDict([",
        *[f"    ({module.name!r}, {module.code})," for module in modules],
        "]))",
        "",
        "# termnet's model file is a zip: termnet.json (the stack), weights.npz (array j of layer i: layer<i>_<j>)",
        "# and, for layers that keep arrays beside their weights (BatchNorm's running statistics), state.npz",
        "with zipfile.ZipFile(MODEL) as archive:",
        '    weights = np.load(io.BytesIO(archive.read("weights.npz")), allow_pickle=False)',
        *(['    states = np.load(io.BytesIO(archive.read("state.npz")), allow_pickle=False)'] if stateful else []),
        "",
        "",
        "def weight(layer, j):",
        '    return torch.from_numpy(np.asarray(weights[f"layer{layer}_{j}"], dtype=np.float32))',
        *(["", "", "def state(layer, j):",
           '    return torch.from_numpy(np.asarray(states[f"layer{layer}_{j}"], dtype=np.float32))']
          if stateful else []),
        "",
        "",
        "with torch.no_grad():",
        *[f"    {line}" for line in loads or ["pass"]],
        "net.eval()",
        "",
        'if __name__ == "__main__":',
        "    if len(sys.argv) > 3:",
        "        images = torch.from_numpy(np.load(sys.argv[2], allow_pickle=False).astype(np.float32))",
        "        with torch.no_grad():",
        "            np.save(sys.argv[3], net(images).numpy())",
        "    else:",
        "        print(net)",
    ]
    return "\n".join(lines) + "\n"
