"""One owner for the learning rate: an optimizer object keeps its rate, a schedule scales the rate in force."""

import numpy as np
import pytest

from termnet.engine import FC, SGD, Activation, Adam, LambdaCallback, Momentum, Network
from termnet.engine.schedules import learning_rate_factor


def blobs(n=96, features=6, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=3.0, size=(classes, features))
    labels = rng.integers(0, classes, n)
    return (centres[labels] + rng.normal(size=(n, features))).astype(np.float32), labels


def net(**kwargs):
    kwargs.setdefault("seed", 0)
    kwargs.setdefault("epochs", 2)
    kwargs.setdefault("batch_size", 16)
    return (Network(**kwargs).add(FC(6, 8)).add(Activation("tanh")).add(FC(8, 3))
            .add(Activation("softmax")).use("cross_entropy"))


def rates_of(network, x, y, **fit):
    """The learning rate of every step of one fit, as the batch logs report it."""
    rates = []
    network.fit(x, y, callbacks=[LambdaCallback(on_batch_end=lambda batch, logs: rates.append(logs["learning_rate"]))],
                **fit)
    return rates


@pytest.mark.parametrize("make", [lambda: SGD(0.05), lambda: Momentum(0.05), lambda: Adam(0.001)])
def test_an_optimizer_object_keeps_its_own_learning_rate(make):
    x, y = blobs()
    optimizer = make()
    by_object = net(optimizer=optimizer)
    assert by_object.learning_rate == optimizer.learning_rate
    rates = rates_of(by_object, x, y)
    assert set(rates) == {optimizer.learning_rate}, "the network must train at the optimizer's own rate"
    assert optimizer.learning_rate == make().learning_rate, "training must not change the optimizer's rate"
    by_name = net(optimizer=optimizer.name, learning_rate=optimizer.learning_rate)
    by_name.fit(x, y)
    for a, b in zip(by_object.params(), by_name.params()):
        np.testing.assert_array_equal(a, b)


def test_an_optimizer_object_and_a_different_learning_rate_are_refused():
    with pytest.raises(ValueError, match=r"learning_rate=0\.1 .*Adam\(learning_rate=0\.001\)"):
        Network(learning_rate=0.1, optimizer=Adam(0.001))
    assert Network(learning_rate=0.001, optimizer=Adam(0.001)).learning_rate == 0.001  # the same rate agrees


def test_a_named_optimizer_takes_the_networks_rate_and_the_default_is_0_1():
    assert Network().learning_rate == 0.1 and Network().optimizer.learning_rate == 0.1
    network = Network(learning_rate=0.02, optimizer="momentum")
    assert network.optimizer.learning_rate == 0.02


def test_setting_the_networks_learning_rate_sets_the_one_rate_in_force():
    x, y = blobs()
    network = net(optimizer=Adam(0.001))
    network.learning_rate = 0.004
    assert network.optimizer.learning_rate == 0.004
    assert set(rates_of(network, x, y, epochs=1)) == {0.004}
    with pytest.raises(ValueError, match=r"Received: learning_rate=-1"):
        network.learning_rate = -1
    with pytest.raises(ValueError, match=r"Received: learning_rate=0"):
        Adam(0)


@pytest.mark.parametrize("schedule", ["cosine", "one-cycle"])
def test_a_schedule_scales_an_optimizer_objects_rate_without_compounding(schedule):
    x, y = blobs()
    network = net(optimizer=Adam(0.003), schedule=schedule, epochs=3)
    rates = rates_of(network, x, y)
    expected = [0.003 * learning_rate_factor(schedule, step, len(rates)) for step in range(len(rates))]
    np.testing.assert_allclose(rates, expected, rtol=1e-12)
    assert network.optimizer.learning_rate == 0.003 and network.learning_rate == 0.003, "the base rate is kept"

