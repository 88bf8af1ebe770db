"""ONNX -> termnet: PyTorch's exports and hand-made graphs read as layers with the same predictions; what
termnet cannot read is refused in one line that names the node."""

import numpy as np
import pytest

from termnet.engine import FC, Activation, Convolution, Flatten, Pooling

from .networks import images

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from termnet.onnx import ONNXFileError  # noqa: E402
from termnet.onnx.importer import read_onnx  # noqa: E402


def torch_cases():
    nn = pytest.importorskip("torch").nn
    return {
        "cnn": (nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(4, 3, 3, stride=2),
                              nn.Tanh(), nn.Flatten(), nn.Linear(12, 10), nn.Softmax(dim=1)), (1, 13, 13)),
        "strided-padded-avgpool": (nn.Sequential(nn.Conv2d(2, 5, 4, stride=2, padding=2), nn.LeakyReLU(0.2),
                                                 nn.AvgPool2d(3, stride=2), nn.Flatten(), nn.Linear(5 * 2 * 2, 6),
                                                 nn.Sigmoid()), (2, 11, 11)),
        "same-dropout-mlp": (nn.Sequential(nn.Conv2d(1, 2, 3, padding="same"), nn.ReLU(), nn.Flatten(),
                                           nn.Dropout(0.5), nn.Linear(2 * 8 * 8, 16), nn.Tanh(), nn.Linear(16, 10),
                                           nn.Softmax(dim=-1)), (1, 8, 8)),
    }


def export_torch(model, shape, path, **options):
    import torch

    model.eval()
    torch.onnx.export(model, (torch.zeros(1, *shape),), str(path), input_names=["input"], output_names=["output"],
                      dynamic_axes={"input": {0: "N"}}, dynamo=False, **options)
    return path


@pytest.mark.parametrize("case", ["cnn", "strided-padded-avgpool", "same-dropout-mlp"])
def test_a_pytorch_network_exported_to_onnx_predicts_the_same_in_termnet(case, tmp_path):
    torch = pytest.importorskip("torch")

    model, shape = torch_cases()[case]
    network = read_onnx(export_torch(model, shape, tmp_path / "torch.onnx"))
    x = images(9, shape)
    with torch.no_grad():
        expected = model(torch.from_numpy(x)).numpy()
    got = network.predict(x)
    np.testing.assert_allclose(got, expected, atol=1e-5)
    assert np.array_equal(got.argmax(axis=1), expected.argmax(axis=1))


def test_pytorch_layers_become_termnet_layers_with_their_options(tmp_path):
    model, shape = torch_cases()["strided-padded-avgpool"]
    network = read_onnx(export_torch(model, shape, tmp_path / "torch.onnx"))
    conv, leaky, pool, flatten, fc, sigmoid = network.layers
    assert (conv.kernel_size, conv.depth, conv.stride, conv.padding) == (4, 5, 2, 2)
    assert leaky.name == "leaky_relu" and leaky.alpha == pytest.approx(0.2)
    assert (pool.pool_size, pool.stride, pool.mode) == (3, 2, "average")
    assert isinstance(flatten, Flatten) and (fc.input_size, fc.output_size) == (20, 6) and sigmoid.name == "sigmoid"
    assert network.input_shape == (2, 11, 11) and network.loss.name == "mse"


# -- hand-made graphs --------------------------------------------------------------------------------------------
def save(path, nodes, initializers=(), shape=(3, 4), outputs=None, opset=17, input_names=("x",)):
    inputs = [helper.make_tensor_value_info(name, TensorProto.FLOAT, ["N", *shape]) for name in input_names]
    outputs = outputs or [nodes[-1].output[0]]
    graph = helper.make_graph(nodes, "g", inputs, [helper.make_tensor_value_info(o, TensorProto.FLOAT, ["N", "M"])
                                                   for o in outputs],
                              [numpy_helper.from_array(np.asarray(a, np.float32), name) for name, a in initializers])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    path.write_bytes(model.SerializeToString())
    return path


def test_matmul_then_add_reads_as_one_fc_layer_and_reshape_as_flatten(tmp_path):
    rng = np.random.default_rng(0)
    w, b = rng.normal(size=(12, 5)), rng.normal(size=5)
    path = save(tmp_path / "m.onnx", [
        helper.make_node("Constant", [], ["shape"], value=numpy_helper.from_array(np.array([0, -1], np.int64))),
        helper.make_node("Reshape", ["x", "shape"], ["flat"]),
        helper.make_node("MatMul", ["flat", "W"], ["h"]),
        helper.make_node("Add", ["b", "h"], ["y"], name="bias"),  # the data second: x + b is b + x
        helper.make_node("Softmax", ["y"], ["p"], axis=1),
    ], [("W", w), ("b", b)])
    network = read_onnx(path)
    assert [type(layer) for layer in network.layers] == [Flatten, FC, Activation]
    x = images(4, (3, 4))
    logits = x.reshape(4, -1) @ w + b
    expected = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(network.predict(x), expected, atol=1e-5)
    assert network.loss.name == "cross_entropy"


def test_gemm_with_transposed_weights_and_scales(tmp_path):
    rng = np.random.default_rng(1)
    w, c = rng.normal(size=(6, 12)), rng.normal(size=(1, 6))  # (out, in), as PyTorch writes it
    path = save(tmp_path / "g.onnx", [helper.make_node("Flatten", ["x"], ["f"]),
                                      helper.make_node("Gemm", ["f", "W", "C"], ["y"], transB=1, alpha=0.5, beta=2.0)],
                [("W", w), ("C", c)])
    x = images(3, (3, 4))
    np.testing.assert_allclose(read_onnx(path).predict(x), 0.5 * x.reshape(3, -1) @ w.T + 2 * c[0], atol=1e-5)


def test_same_upper_and_asymmetric_pads(tmp_path):
    k = np.random.default_rng(2).normal(size=(2, 1, 2, 2))
    path = save(tmp_path / "s.onnx", [helper.make_node("Conv", ["x", "K"], ["y"], auto_pad="SAME_UPPER",
                                                       kernel_shape=[2, 2])], [("K", k)], shape=(1, 5, 5))
    (conv,) = read_onnx(path).layers
    assert conv.padding == "same" and conv.kernel_size == 2
    refused = save(tmp_path / "a.onnx", [helper.make_node("Conv", ["x", "K"], ["y"], pads=[1, 0, 0, 0])],
                   [("K", k)], shape=(1, 5, 5))
    with pytest.raises(ONNXFileError, match=r"node 0 .*\(Conv\).*pads=\[1, 0, 0, 0\]"):
        read_onnx(refused)


def one_line(error) -> str:
    text = str(error.value)
    assert "\n" not in text
    return text


def test_an_operator_termnet_lacks_is_refused_with_its_name_and_place(tmp_path):
    path = save(tmp_path / "u.onnx", [helper.make_node("Relu", ["x"], ["r"], name="first"),
                                      helper.make_node("Sin", ["r"], ["y"], name="the_sine")])
    with pytest.raises(ONNXFileError) as error:
        read_onnx(path)
    text = one_line(error)
    assert "node 1 'the_sine' (Sin)" in text and "operator Sin has no termnet layer" in text and "Relu" in text


def test_a_branch_is_refused_in_one_line(tmp_path):
    path = save(tmp_path / "b.onnx", [helper.make_node("Relu", ["x"], ["r"], name="split"),
                                      helper.make_node("Tanh", ["r"], ["t"]),
                                      helper.make_node("Add", ["r", "t"], ["y"], name="join")])
    with pytest.raises(ONNXFileError) as error:
        read_onnx(path)
    text = one_line(error)
    assert "branches" in text and "node 0 'split' (Relu)" in text


def test_two_inputs_and_two_outputs_are_refused(tmp_path):
    two_in = save(tmp_path / "i.onnx", [helper.make_node("Add", ["x", "z"], ["y"])], input_names=("x", "z"))
    with pytest.raises(ONNXFileError, match="takes 2 inputs"):
        read_onnx(two_in)
    two_out = save(tmp_path / "o.onnx", [helper.make_node("Relu", ["x"], ["r"]),
                                         helper.make_node("Tanh", ["r"], ["t"])], outputs=["r", "t"])
    with pytest.raises(ONNXFileError, match="branches"):
        read_onnx(two_out)


@pytest.mark.parametrize("attributes, said", [({"dilations": [2, 2]}, "dilations"), ({"group": 2}, "group"),
                                              ({"strides": [1, 2]}, "strides=\\[1, 2\\]")])
def test_convolution_options_termnet_lacks_are_named(tmp_path, attributes, said):
    k = np.ones((2, 1 if "group" not in attributes else 1, 3, 3))
    path = save(tmp_path / "c.onnx", [helper.make_node("Conv", ["x", "K"], ["y"], **attributes)], [("K", k)],
                shape=(2 if "group" in attributes else 1, 9, 9))
    with pytest.raises(ONNXFileError, match=said):
        read_onnx(path)


def test_max_pool_with_ceil_mode_is_refused(tmp_path):
    path = save(tmp_path / "p.onnx", [helper.make_node("MaxPool", ["x"], ["y"], kernel_shape=[2, 2], ceil_mode=1)],
                shape=(1, 5, 5))
    with pytest.raises(ONNXFileError, match="ceil_mode"):
        read_onnx(path)


def test_a_pooling_layer_reads_back_with_its_window(tmp_path):
    path = save(tmp_path / "p.onnx", [helper.make_node("AveragePool", ["x"], ["y"], kernel_shape=[3, 3],
                                                       strides=[2, 2])], shape=(1, 8, 8))
    (pool,) = read_onnx(path).layers
    assert isinstance(pool, Pooling) and (pool.pool_size, pool.stride, pool.mode) == (3, 2, "average")


@pytest.mark.parametrize("cut", [0.3, 0.6, 0.9])
def test_a_truncated_file_is_refused_in_one_line(tmp_path, cut):
    layers = [Convolution(kernel_size=3, depth=4), Activation("relu"), Flatten(), FC(4 * 6 * 6, 10)]
    from termnet.engine import Network
    from termnet.onnx.export import export_onnx

    network = Network(seed=0)
    for layer in layers:
        network.add(layer)
    whole = export_onnx(network.build((1, 8, 8)), tmp_path / "whole.onnx").read_bytes()
    cut_file = tmp_path / "cut.onnx"
    cut_file.write_bytes(whole[:int(len(whole) * cut)])
    with pytest.raises(ONNXFileError) as error:
        read_onnx(cut_file)
    text = one_line(error)
    assert ("truncated or damaged" in text or "not a valid ONNX model" in text) and str(cut_file) in text


def test_an_input_without_fixed_image_size_is_refused(tmp_path):
    path = save(tmp_path / "d.onnx", [helper.make_node("Relu", ["x"], ["y"])], shape=("C", 4))
    with pytest.raises(ONNXFileError, match="fixed"):
        read_onnx(path)
