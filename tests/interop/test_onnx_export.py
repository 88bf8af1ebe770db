"""termnet -> ONNX -> ONNX Runtime, and termnet -> ONNX -> termnet: the same predictions, for every layer type."""

import numpy as np
import pytest

from termnet.engine import FC, LAYER_TYPES, Activation, Convolution, Flatten, Network, Pooling
from termnet.engine.registry import LAYER_TYPES as REGISTERED

from .networks import batch_norm_cases, built, cases, images, with_running_statistics

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

from termnet.onnx.export import CONVERTERS, INPUT_NAME, OUTPUT_NAME, export_onnx, to_onnx  # noqa: E402
from termnet.onnx.importer import read_onnx  # noqa: E402

CASES = sorted(cases())  # names; each test builds fresh layers with cases()[name]


def runtime_predictions(model, x: np.ndarray) -> np.ndarray:
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run([OUTPUT_NAME], {INPUT_NAME: x})[0]


def assert_same_predictions(expected: np.ndarray, got: np.ndarray) -> None:
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, atol=1e-5, rtol=1e-5)
    assert np.array_equal(got.argmax(axis=1), expected.argmax(axis=1))


def test_every_registered_layer_type_has_a_converter():
    assert set(REGISTERED) <= set(CONVERTERS)


@pytest.mark.parametrize("case", CASES)
def test_onnx_runtime_predicts_what_termnet_predicts(case):
    layers, shape = cases()[case]
    network = built(layers, shape)
    model = to_onnx(network)
    onnx.checker.check_model(model, full_check=True)
    for count in (1, 7):  # the batch size is dynamic
        x = images(count, shape, seed=count)
        assert_same_predictions(network.predict(x), runtime_predictions(model, x))


@pytest.mark.parametrize("case", CASES)
def test_reading_the_export_back_gives_the_same_network(case, tmp_path):
    layers, shape = cases()[case]
    network = built(layers, shape)
    export_onnx(network, tmp_path / "model.onnx")
    back = read_onnx(tmp_path / "model.onnx")
    assert [type(layer) for layer in back.layers] == [type(layer) for layer in network.layers]
    assert back.input_shape == network.input_shape
    x = images(5, shape)
    assert_same_predictions(network.predict(x), back.predict(x))


def test_the_input_is_named_with_a_dynamic_batch_and_the_output_is_the_softmax():
    layers, shape = cases()["cnn"]
    model = to_onnx(built(layers, shape))
    (given,), (output,) = model.graph.input, model.graph.output
    dims = given.type.tensor_type.shape.dim
    assert given.name == INPUT_NAME and dims[0].dim_param == "N" and [d.dim_value for d in dims[1:]] == [1, 12, 12]
    assert output.name == OUTPUT_NAME
    probabilities = runtime_predictions(model, images(4, shape))
    np.testing.assert_allclose(probabilities.sum(axis=1), 1, rtol=1e-6)
    ops = [node.op_type for node in model.graph.node]
    assert ops[-2:] == ["Softmax", "Identity"] and "Conv" in ops and "MaxPool" in ops and "AveragePool" in ops


def test_same_padding_puts_the_odd_zero_at_the_bottom_right():
    layers, shape = cases()["conv-same-stride2-k4"]
    (conv,) = [node for node in to_onnx(built(layers, shape)).graph.node if node.op_type == "Conv"]
    pads = next(a for a in conv.attribute if a.name == "pads").ints
    # side 10, kernel 4, stride 2: 5 windows need 12 pixels, 2 zeros: 1 above and 1 below; as [top, left, bottom, right]
    assert list(pads) == [1, 1, 1, 1]
    layers, shape = cases()["conv-same-stride1-k4"]
    (conv,) = [node for node in to_onnx(built(layers, shape)).graph.node if node.op_type == "Conv"]
    assert list(next(a for a in conv.attribute if a.name == "pads").ints) == [1, 1, 2, 2]


def test_a_trained_model_exports_and_reads_back_with_the_same_predictions(tmp_path):
    from termnet.data import load_dataset

    data = load_dataset("digits")
    network = (Network(learning_rate=0.01, epochs=2, optimizer="adam", seed=0)
               .add(Convolution(kernel_size=3, depth=4, padding="same")).add(Activation("relu")).add(Pooling(2))
               .add(Flatten()).add(FC(64, 10)).add(Activation("softmax")))
    network.use("cross_entropy").fit(data.x_train[:300], data.y_train[:300])
    expected = network.predict(data.x_test)
    assert_same_predictions(expected, runtime_predictions(to_onnx(network), data.x_test))
    back = read_onnx(export_onnx(network, tmp_path / "trained.onnx"))
    assert_same_predictions(expected, back.predict(data.x_test))


def test_an_unbuilt_network_is_refused_in_one_line():
    with pytest.raises(ValueError, match="Only a built network can be exported"):
        to_onnx(Network().add(FC(4, 2)))


needs_new_layers = pytest.mark.skipif(not {"BatchNorm", "Dropout"} <= set(LAYER_TYPES),
                                      reason="the engine has no BatchNorm or Dropout layer yet")


@needs_new_layers
@pytest.mark.parametrize("case", ["dense", "conv"])
def test_batch_norm_and_dropout_export_with_inference_behaviour_and_read_back(case, tmp_path):
    layers, shape = batch_norm_cases()[case]
    network = with_running_statistics(built(layers, shape))
    model = to_onnx(network)
    ops = [node.op_type for node in model.graph.node]
    assert "BatchNormalization" in ops and "Dropout" not in ops
    x = images(6, shape)
    assert_same_predictions(network.predict(x), runtime_predictions(model, x))
    export_onnx(network, tmp_path / "bn.onnx")
    back = read_onnx(tmp_path / "bn.onnx")  # Dropout is gone (the identity at inference), BatchNorm is back
    assert [type(layer).__name__ for layer in back.layers] == [type(layer).__name__ for layer in network.layers
                                                                if type(layer).__name__ != "Dropout"]
    assert_same_predictions(network.predict(x), back.predict(x))


@pytest.mark.slow
def test_onnx_runtime_agrees_with_termnet_on_the_whole_mnist_test_set(mnist_dir):
    from termnet.data import load_dataset
    from termnet.spec import load_spec

    data = load_dataset("mnist", data_dir=mnist_dir)
    assert len(data.x_test) == 10_000
    # a trained MLP (one short epoch) and the cnn preset with its random initial weights
    mlp = load_spec("mlp").build(data.image_shape)
    mlp.epochs = 1
    mlp.fit(data.x_train[:5000], data.y_train[:5000])
    cnn = load_spec("cnn").build(data.image_shape)
    cnn.build(data.image_shape)
    for network in (mlp, cnn):
        assert_same_predictions(network.predict(data.x_test), runtime_predictions(to_onnx(network), data.x_test))
