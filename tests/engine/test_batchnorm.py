"""BatchNorm: batch statistics in training, running ones at inference, gradients and PyTorch agreement."""

import numpy as np
import pytest

from termnet.engine import FC, Activation, BatchNorm, Convolution, Dropout, Flatten, Network, Pooling, ShapeError
from termnet.engine.gradcheck import layer_gradient_errors, network_gradient_errors


def built(shape, seed=0, dtype=np.float64, **config):
    layer = BatchNorm(**config)
    layer.build(shape, np.random.default_rng(seed), "xavier", dtype)
    rng = np.random.default_rng(seed + 1)  # gamma and beta away from 1 and 0, so their gradients are exercised
    layer.gamma[...] = rng.normal(1, 0.5, size=layer.gamma.shape)
    layer.beta[...] = rng.normal(0, 0.5, size=layer.beta.shape)
    return layer


@pytest.mark.parametrize("shape, batch", [((5,), (8, 5)), ((3, 4, 4), (4, 3, 4, 4))])
def test_gradients_match_finite_differences_in_training(shape, batch):
    layer = built(shape)
    x = np.random.default_rng(2).normal(2, 3, size=batch)
    errors = layer_gradient_errors(layer, x)
    assert set(errors) == {"input", "param0", "param1"}  # the input, gamma and beta
    for name, error in errors.items():
        assert error < 1e-6, f"{name}: relative error {error:.2e}"


def test_gradients_through_a_network_match_finite_differences():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(6, 1, 6, 6)), rng.integers(0, 3, 6)
    net = (Network(0.1, seed=0, dtype="float64").add(Convolution((1, 6, 6), 3, 2)).add(BatchNorm())
           .add(Activation("tanh")).add(Flatten()).add(FC(32, 3)).add(BatchNorm()).add(Activation("softmax"))
           .use("cross_entropy"))
    checks = network_gradient_errors(net, x, y, limit=None)
    assert len(checks) == 8
    for check in checks:
        if check.param == "bias" and isinstance(net.layers[check.layer_index + 1], BatchNorm):
            # normalising takes away any constant: a bias before BatchNorm has no gradient (both sides ~0)
            assert np.abs(net.layers[check.layer_index].grads()[1]).max() < 1e-12
            continue
        assert check.relative_error < 1e-6, check


def test_training_normalises_each_channel_over_the_batch_and_the_image():
    layer = BatchNorm()
    layer.build((3, 5, 5), None, "xavier", np.float64)
    x = np.random.default_rng(4).normal(7, 2, size=(10, 3, 5, 5))
    out = layer.forward(x)
    np.testing.assert_allclose(out.mean(axis=(0, 2, 3)), 0, atol=1e-12)
    variance = x.var(axis=(0, 2, 3))  # the biased variance, with epsilon beside it
    np.testing.assert_allclose(out.var(axis=(0, 2, 3)), variance / (variance + 1e-5), rtol=1e-10)


def test_inference_uses_the_running_statistics_so_a_sample_does_not_depend_on_its_batch():
    layer = built((4,))
    rng = np.random.default_rng(5)
    for _ in range(5):
        layer.forward(rng.normal(3, 2, size=(16, 4)))
    x = rng.normal(size=(8, 4))
    alone = np.concatenate([layer.forward(x[i:i + 1], training=False) for i in range(8)])
    np.testing.assert_allclose(layer.forward(x, training=False), alone)
    expected = (x - layer.running_mean) / np.sqrt(layer.running_var + 1e-5) * layer.gamma + layer.beta
    np.testing.assert_allclose(alone, expected)
    assert not np.allclose(layer.forward(x, training=True), alone)  # training mode uses the batch's


@pytest.mark.parametrize("kind", ["1d", "2d"])
def test_outputs_gradients_and_running_statistics_match_pytorch(kind):
    torch = pytest.importorskip("torch")
    shape = (6,) if kind == "1d" else (3, 5, 5)
    module = (torch.nn.BatchNorm1d(6) if kind == "1d" else torch.nn.BatchNorm2d(3)).double()
    ours = BatchNorm()
    ours.build(shape, None, "xavier", np.float64)
    rng = np.random.default_rng(6)
    gamma, beta = rng.normal(1, 0.3, size=shape[0]), rng.normal(0, 0.3, size=shape[0])
    ours.set_weights([gamma, beta])
    with torch.no_grad():
        module.weight.copy_(torch.from_numpy(gamma))
        module.bias.copy_(torch.from_numpy(beta))
    module.train()
    for step in range(3):
        x = rng.normal(step, 2, size=(7, *shape))
        error = rng.normal(size=x.shape)
        tx = torch.from_numpy(x).requires_grad_(True)
        out = module(tx)
        out.backward(torch.from_numpy(error))
        np.testing.assert_allclose(ours.forward(x), out.detach().numpy(), rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(ours.backward(error), tx.grad.numpy(), rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(ours.grads()[0], module.weight.grad.numpy(), rtol=1e-9)
        np.testing.assert_allclose(ours.grads()[1], module.bias.grad.numpy(), rtol=1e-9)
        module.zero_grad()
    np.testing.assert_allclose(ours.running_mean, module.running_mean.numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours.running_var, module.running_var.numpy(), rtol=1e-12)
    module.eval()
    x = rng.normal(size=(4, *shape))
    np.testing.assert_allclose(ours.forward(x, training=False), module(torch.from_numpy(x)).detach().numpy(),
                               rtol=1e-10, atol=1e-12)


def test_a_convolutions_memory_layout_is_kept():
    """After a Convolution the batch is innermost in memory (see convolution.py); BatchNorm hands on the same."""
    conv = Convolution((1, 6, 6), 3, 4)
    conv.build((1, 6, 6), np.random.default_rng(0), "he", np.float32)
    out = conv.forward(np.ones((5, 1, 6, 6), dtype=np.float32), training=False)
    normalised = built((4, 4, 4), dtype=np.float32).forward(out)
    assert normalised.transpose(1, 2, 3, 0).flags.c_contiguous


def test_shapes_parameters_and_bad_inputs():
    layer = BatchNorm()
    assert layer.output_shape((3, 8, 8)) == (3, 8, 8) and layer.count_params((3, 8, 8)) == 6
    assert layer.count_state((16,)) == 32
    with pytest.raises(ShapeError, match=r"features \(F,\) or images"):
        layer.output_shape((4, 5))
    for bad in ({"momentum": 1.5}, {"momentum": -0.1}, {"epsilon": 0}, {"epsilon": float("nan")},
                {"momentum": True}):
        with pytest.raises(ValueError, match=r"BatchNorm (momentum|epsilon) must be a number .* Received"):
            BatchNorm(**bad)
    assert BatchNorm.from_config({}).config() == {"momentum": 0.1, "epsilon": 1e-5}
    assert repr(BatchNorm(momentum=0.2)) == "BatchNorm(momentum=0.2)"


def _network(threads):
    return (Network(0.01, epochs=2, batch_size=16, optimizer="adam", seed=1, threads=threads)
            .add(Convolution((1, 8, 8), 3, 4)).add(BatchNorm()).add(Activation("relu")).add(Pooling(2))
            .add(Dropout(0.25)).add(Flatten()).add(FC(36, 16)).add(BatchNorm()).add(Activation("relu"))
            .add(FC(16, 3)).add(Activation("softmax")).use("cross_entropy"))


def test_a_network_with_batchnorm_takes_whole_batch_statistics_on_one_thread():
    """Asked for 2 threads, it trains on one (so the statistics are the whole batch's): bit for bit the same."""
    rng = np.random.default_rng(0)
    x, y = rng.random((64, 1, 8, 8), dtype=np.float32), rng.integers(0, 3, 64)
    one, two = _network(1).fit(x, y), _network(2).fit(x, y)
    assert one.history["loss"] == two.history["loss"]
    for a, b in zip(one.params(), two.params()):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(one.layers[1].state(), two.layers[1].state()):
        np.testing.assert_array_equal(a, b)
    assert two._workers(16) == 1 and _network(2).layers[0].shardable


def test_a_shard_would_see_other_statistics():
    """Why BatchNorm is not split: half a batch has statistics of its own."""
    x = np.random.default_rng(1).normal(size=(8, 4))
    layer = built((4,))
    whole = layer.forward(x)
    halves = np.concatenate([built((4,)).forward(x[:4]), built((4,)).forward(x[4:])])
    assert not np.allclose(whole, halves)


# -- model files: the running statistics and the masks' position are saved beside the weights ------------------
def _data():
    rng = np.random.default_rng(0)
    return rng.random((48, 1, 8, 8), dtype=np.float32), rng.integers(0, 3, 48)


def test_a_saved_network_with_batchnorm_and_dropout_predicts_bit_for_bit_and_resumes_exactly(tmp_path):
    from termnet.engine import load_model, save_model

    x, y = _data()
    net = _network(1).fit(x, y, epochs=1)
    save_model(net, tmp_path / "m.termnet")
    loaded, _ = load_model(tmp_path / "m.termnet")
    np.testing.assert_array_equal(loaded.predict(x), net.predict(x))
    for index in (1, 7):
        for a, b in zip(loaded.layers[index].state(), net.layers[index].state()):
            np.testing.assert_array_equal(a, b)
    assert (loaded.layers[4].key, loaded.layers[4].draws) == (net.layers[4].key, net.layers[4].draws) != (None, 0)
    net.fit(x, y, epochs=1)
    loaded.fit(x, y, epochs=1)  # the same masks, statistics and shuffling as the network that went on
    for a, b in zip(net.params(), loaded.params()):
        np.testing.assert_array_equal(a, b)


def _rewritten(source, target, change):
    import io
    import zipfile

    with zipfile.ZipFile(source) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    change(members, io, zipfile)
    with zipfile.ZipFile(target, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)


def test_a_model_file_without_the_running_statistics_or_with_wrong_ones_is_refused(tmp_path):
    from termnet.engine import ModelFileError, load_model, save_model

    x, y = _data()
    save_model(_network(1).fit(x, y, epochs=1), tmp_path / "m.termnet")
    _rewritten(tmp_path / "m.termnet", tmp_path / "none.termnet", lambda m, io, zf: m.pop("state.npz"))
    with pytest.raises(ModelFileError, match=r"layer 1 BatchNorm\(\) keeps state beside its weights, but the file "
                                             r"has no state.npz"):
        load_model(tmp_path / "none.termnet")

    def negative_variance(members, io, zipfile):
        arrays = dict(np.load(io.BytesIO(members["state.npz"])))
        arrays["layer1_1"] = -arrays["layer1_1"]
        buffer = io.BytesIO()
        np.savez(buffer, **arrays)
        members["state.npz"] = buffer.getvalue()

    _rewritten(tmp_path / "m.termnet", tmp_path / "negative.termnet", negative_variance)
    with pytest.raises(ModelFileError, match="running_var must not be negative"):
        load_model(tmp_path / "negative.termnet")

    def huge(members, io, zipfile):
        buffer = io.BytesIO()
        np.savez(buffer, layer1_0=np.zeros(3_000_000))
        members["state.npz"] = buffer.getvalue()

    _rewritten(tmp_path / "m.termnet", tmp_path / "huge.termnet", huge)
    with pytest.raises(ModelFileError, match=r"state.npz claims .* bytes, more than any model"):
        load_model(tmp_path / "huge.termnet")


def test_files_of_networks_without_state_have_no_state_member(tmp_path):
    import zipfile

    from termnet.engine import save_model

    x, y = _data()
    net = (Network(0.01, epochs=1, batch_size=16, seed=0).add(Flatten()).add(FC(64, 3)).add(Activation("softmax"))
           .use("cross_entropy").fit(x, y))
    save_model(net, tmp_path / "m.termnet")
    assert zipfile.ZipFile(tmp_path / "m.termnet").namelist() == ["termnet.json", "weights.npz", "optimizer.npz"]
