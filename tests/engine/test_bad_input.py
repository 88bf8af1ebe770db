"""Bad input to the engine's API: each a ValueError naming the value, never Python's internals or a silent NaN."""

import tracemalloc

import numpy as np
import pytest

from termnet.engine import FC, Activation, Convolution, Flatten, Network, TrainingDiverged
from termnet.engine.health import chance_loss, learning_rate_hint, run_warning
from termnet.engine.memory import TooLargeError

from .test_network import blobs, mlp


@pytest.mark.parametrize("call, message", [
    (lambda net, x, y: net.fit(x, None), "Received: y=None"),
    (lambda net, x, y: net.fit(x, y, validation_data=(x,)), "validation_data must be a pair"),
    (lambda net, x, y: net.fit(x, y, validation_data=x), "validation_data must be a pair"),
    (lambda net, x, y: net.fit(x[:0], y[:0]), "at least one sample"),
    (lambda net, x, y: net.fit([], []), "at least one sample"),
    (lambda net, x, y: net.predict(x, batch_size=0), "Received: batch_size=0"),
    (lambda net, x, y: net.predict(x, batch_size=-1), "Received: batch_size=-1"),
    (lambda net, x, y: net.evaluate(x, y, batch_size=0), "Received: batch_size=0"),
    (lambda net, x, y: net.evaluate(x, None), "Received: y=None"),
    (lambda net, x, y: net.evaluate(x[:0], y[:0]), "at least one sample"),
    (lambda net, x, y: net.predict(None), "Received: x=None"),
    (lambda net, x, y: net.predict([[1, 2], [3]]), "x must be an array of numbers"),
    (lambda net, x, y: net.fit(x, np.array(["a"] * len(x))), "y must be an array of numbers"),
])
def test_bad_arguments_are_value_errors_naming_the_value(call, message):
    x, y, _ = blobs(n=40)
    with pytest.raises(ValueError, match=message):
        call(mlp(epochs=1), x, y)


@pytest.mark.parametrize("where", ["x", "y", "strided x"])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_inputs_and_targets_are_refused_naming_the_sample(where, bad):
    x, y, _ = blobs(n=40)
    if where == "strided x":  # not contiguous: checked by a sum, not a dot product
        x, where = np.repeat(x, 2, axis=1)[:, ::2], "x"
        assert not x.flags.c_contiguous
    (x if where == "x" else y)[7, 1] = bad
    net = mlp(epochs=1)
    with pytest.raises(ValueError, match=rf"{where} holds 1 NaN or infinite value\(s\), the first in sample 7"):
        net.fit(x, y)
    if where == "x":
        with pytest.raises(ValueError, match="sample 7"):
            mlp().predict(x)
        with pytest.raises(ValueError, match="sample 7"):
            mlp().evaluate(x, y)
    else:
        with pytest.raises(ValueError, match="sample 7"):
            mlp().fit(blobs(n=40)[0], y)


def test_huge_finite_float64_values_are_not_mistaken_for_nan():
    x, y, _ = blobs(n=40)
    big = np.full((40, 6), 1e307)
    net = mlp(dtype="float64")
    with np.errstate(over="ignore", invalid="ignore"):
        assert net.predict(big).shape == (40, 3)  # refused only for NaN or inf, never for a large sum


@pytest.mark.parametrize("layout", ["contiguous", "strided"])
def test_huge_finite_float32_values_are_not_mistaken_for_nan(layout):
    # their float32 sum (or sum of squares) overflows, the first, cheaper check; the float64 sum clears them
    big = np.full((40, 12), 3e38, dtype=np.float32)
    big = big[:, :6] if layout == "strided" else big[:, :6].copy()
    with np.errstate(over="ignore", invalid="ignore"):
        assert np.isinf(np.add.reduce(big, axis=None))
        assert mlp().predict(big).shape == (40, 3)


@pytest.mark.parametrize("layout", ["contiguous", "strided", "unaligned"])
def test_an_infinity_and_its_negative_together_are_refused(layout):
    x, y, _ = blobs(n=40)
    if layout == "strided":  # checked by a sum, where inf + -inf is NaN, not infinite
        x = np.repeat(x, 2, axis=1)[:, ::2]
    elif layout == "unaligned":  # from np.frombuffer at an odd offset: a sum too, never a copy for BLAS
        raw = bytearray(x.nbytes + 1)
        x = np.frombuffer(raw, np.float32, offset=1).reshape(x.shape)
        x[...] = blobs(n=40)[0]
        assert not x.flags.aligned
    x[3, 0], x[9, 2] = np.inf, -np.inf
    with pytest.raises(ValueError, match=r"x holds 2 NaN or infinite value\(s\), the first in sample 3"):
        mlp(epochs=1).fit(x, y)


def test_checking_an_unaligned_array_copies_nothing():
    import tracemalloc

    from termnet.engine.network import _non_finite_problem

    raw = bytearray(4 * 1_000_000 + 1)
    x = np.frombuffer(raw, np.float32, offset=1).reshape(100_000, 10)
    tracemalloc.start()
    try:
        assert _non_finite_problem("x", x) is None
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < x.nbytes / 10, peak  # np.dot would have copied it (twice) before calling BLAS


def test_predictions_after_a_divergence_are_finite():
    x, y, _ = blobs()
    net = (Network(learning_rate=1e6, epochs=5, seed=0).add(FC(6, 16)).add(Activation("relu"))
           .add(FC(16, 3)).use("mse"))
    with pytest.raises(TrainingDiverged, match="keep the weights they had"):
        net.fit(x * 1e3, y)
    assert max(float(np.max(np.abs(p))) for p in net.params()) < 1e6
    assert np.all(np.isfinite(net.predict(x * 1e3)))


def test_a_divergence_in_a_later_epoch_keeps_sane_weights_that_predict():
    x, y, _ = blobs()
    net = mlp(learning_rate=30, epochs=40, batch_size=4)
    try:
        net.fit(x * 50, y)
    except TrainingDiverged as error:
        assert "keep the weights" in str(error)
    assert all(np.all(np.isfinite(p)) and np.max(np.abs(p)) < 1e6 for p in net.params())
    assert np.all(np.isfinite(net.predict(x * 50)))


def test_a_huge_fc_is_refused_when_added_with_the_size_it_needs_allocating_nothing():
    tracemalloc.start()
    try:
        with pytest.raises(TooLargeError, match=r"would need .*TiB"):
            Network().add(Flatten()).add(FC(784, 10**9))
        with pytest.raises(ValueError, match="would need"):  # TooLargeError is a ValueError
            Network().add(Convolution((1, 28, 28), depth=10**6))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 10 * 2**20


def test_a_huge_convolution_without_an_input_shape_is_refused_when_built():
    net = Network().add(Convolution(depth=10**6)).add(Flatten()).use("mse")
    tracemalloc.start()
    try:
        with pytest.raises(TooLargeError, match="would need"):
            net.build((1, 28, 28))
        with pytest.raises(TooLargeError, match="would need"):
            net.predict(np.zeros((1, 1, 28, 28), np.float32))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 10 * 2**20


def test_a_huge_batch_size_is_refused_before_training():
    x, y, _ = blobs(n=40)
    net = (Network(seed=0).add(FC(6, 10**6)).add(Activation("tanh")).add(FC(10**6, 3)).use("mse"))
    with pytest.raises(TooLargeError, match="batch of 10000000"):
        net.fit(x, y, batch_size=10**7)


def test_a_huge_learning_rate_stuck_at_chance_is_called_too_high_not_too_low():
    chance = chance_loss("cross_entropy", 10)
    # the shape of a rate of 50 with Adam: thrown far above chance, then flat at chance level
    losses = [11.4, 12.2, 7.9, 2.92, 2.31, 2.305, 2.303]
    assert "too high" in learning_rate_hint(losses, chance, 50.0)
    assert "too high" in learning_rate_hint([2.31, 2.305, 2.303], chance, 50.0)
    assert "too low" in learning_rate_hint([2.31, 2.305, 2.303], chance, 1e-6)
    assert "too low" in learning_rate_hint([1.0, 0.999, 0.998])  # without the chance level, as before
    assert learning_rate_hint([2.0, 1.0, 0.5], chance, 50.0) is None


def test_a_run_that_learned_nothing_is_warned_about():
    warning = run_warning([11.4, 2.9, 2.31], 0.0956, 10, "cross_entropy", 50.0)
    assert "chance level" in warning and "too high" in warning
    assert "did not fall" in run_warning([0.5, 0.6], 0.9, 10, "cross_entropy")
    assert run_warning([2.0, 0.5, 0.2], 0.95, 10, "cross_entropy", 0.01) is None


def test_a_loss_flat_because_the_network_has_learned_gets_no_too_low_hint():
    """A one-cycle run ends with a tiny rate and a converged, flat loss: that is done, not a rate too low (seen on
    the Playground's spirals: 'The loss is flat' under a 98% training accuracy)."""
    chance = chance_loss("cross_entropy", 2)
    assert learning_rate_hint([0.0417, 0.0416, 0.0416], chance, 0.02) is None
    assert "too low" in learning_rate_hint([0.66, 0.659, 0.659], chance, 1e-6)  # flat near chance: too low still
