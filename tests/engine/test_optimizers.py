"""Optimizer steps against values computed by hand from the textbook update rules (float64).

The expected numbers are written out from the formulas below, never taken from the engine:

    SGD       p <- p - lr * g
    momentum  v <- mu * v - lr * g;  p <- p + v                     (v starts at 0)
    Adam      m <- b1 m + (1 - b1) g;  v <- b2 v + (1 - b2) g^2      (m, v start at 0)
              m_hat = m / (1 - b1^t);  v_hat = v / (1 - b2^t);  p <- p - lr m_hat / (sqrt(v_hat) + eps)
"""

import copy
import math

import numpy as np
import pytest

from termnet.engine.optimizers import SGD, Adam, Momentum, get_optimizer


def arrays(*values):
    return [np.array(v, dtype=np.float64) for v in values]


# -- SGD ------------------------------------------------------------------------------------
def test_sgd_step_is_p_minus_lr_times_g():
    (p,), (g,) = arrays([1.0, -2.0, 0.5]), arrays([0.5, 0.25, -4.0])
    SGD(0.1).step([p], [g])
    expected = [1.0 - 0.05, -2.0 - 0.025, 0.5 + 0.4]
    np.testing.assert_allclose(p, expected, rtol=0, atol=1e-15,
                               err_msg="plain SGD must step p - lr * g")


def test_sgd_two_steps_use_each_steps_own_gradient_and_leave_the_gradient_unchanged():
    (p,), (g1, g2) = arrays([[1.0, 2.0], [3.0, 4.0]]), arrays([[1.0, 0.0], [-1.0, 2.0]], [[0.5, 0.5], [0.5, 0.5]])
    sgd = SGD(0.5)
    sgd.step([p], [g1])
    np.testing.assert_array_equal(g1, [[1.0, 0.0], [-1.0, 2.0]], err_msg="SGD must not modify the gradient")
    sgd.step([p], [g2])
    np.testing.assert_allclose(p, [[1.0 - 0.5 - 0.25, 2.0 - 0.0 - 0.25], [3.0 + 0.5 - 0.25, 4.0 - 1.0 - 0.25]],
                               rtol=0, atol=1e-15, err_msg="the second SGD step must use the second gradient only")
    assert sgd.state() == {}, "plain SGD keeps no velocity state"


def test_sgd_uses_the_learning_rate_set_between_steps():
    # Network changes optimizer.learning_rate before every step (schedules): the step must use the new value
    (p,), (g,) = arrays([0.0]), arrays([1.0])
    sgd = SGD(0.1)
    sgd.step([p], [g])
    sgd.learning_rate = 0.01
    sgd.step([p], [g])
    assert p[0] == pytest.approx(-0.11, abs=1e-15), "SGD must read learning_rate at every step (schedules set it)"


# -- momentum -------------------------------------------------------------------------------
def test_momentum_first_and_second_steps_by_hand():
    lr, mu = 0.1, 0.9
    (p,), (g1, g2) = arrays([1.0, -1.0]), arrays([2.0, -0.5], [1.0, 3.0])
    opt = Momentum(lr, mu)
    opt.step([p], [g1])
    # v1 = -lr g1 = [-0.2, 0.05]; p1 = p0 + v1
    np.testing.assert_allclose(p, [0.8, -0.95], rtol=0, atol=1e-15,
                               err_msg="momentum's first step must be -lr*g (velocity starts at zero)")
    opt.step([p], [g2])
    # v2 = mu v1 - lr g2 = [-0.18 - 0.1, 0.045 - 0.3] = [-0.28, -0.255]; p2 = p1 + v2
    np.testing.assert_allclose(p, [0.52, -1.205], rtol=0, atol=1e-14,
                               err_msg="momentum's second step must be mu*v1 - lr*g2: velocity not remembered?")
    np.testing.assert_allclose(opt.state()["velocities"][0], [-0.28, -0.255], rtol=0, atol=1e-14,
                               err_msg="the saved velocity must be v2 = mu*v1 - lr*g2")


def test_momentum_defaults_to_0_9_and_sgd_with_momentum_is_the_same_rule():
    assert Momentum().momentum == 0.9, "Momentum's default momentum is documented as 0.9"
    (p1, p2), (g,) = arrays([1.0], [1.0]), arrays([1.0])
    a, b = Momentum(0.1, 0.5), SGD(0.1, momentum=0.5)
    for _ in range(3):
        a.step([p1], [g])
        b.step([p2], [g])
    # v: -0.1, -0.15, -0.175 -> p = 1 - 0.425
    assert p1[0] == pytest.approx(0.575, abs=1e-15), "three momentum steps with mu=0.5: v = -0.1, -0.15, -0.175"
    assert p2[0] == pytest.approx(0.575, abs=1e-15), "SGD(momentum=0.5) must apply the same momentum rule"


def test_momentum_out_of_range_is_refused():
    for bad in (-0.1, 1.0, 1.5):
        with pytest.raises(ValueError, match="momentum must be in"):
            SGD(0.1, momentum=bad)


# -- Adam -----------------------------------------------------------------------------------
# |g| >= 0.5 keeps eps's share of the first step below 1e-6: eps / (sqrt(1 - b2) |g|) = 6.3e-7
G1 = [0.5, -2.0, 3.0, -0.75]
G2 = [1.5, 1.0, -0.5, -3.0]


def textbook_adam(p, grads, lr=0.001, b1=0.9, b2=0.999, eps=1e-8, bias_correction=True):
    """Kingma & Ba's algorithm 1, element by element in plain Python floats."""
    p = list(p)
    m, v = [0.0] * len(p), [0.0] * len(p)
    for t, g in enumerate(grads, start=1):
        for i, gi in enumerate(g):
            m[i] = b1 * m[i] + (1 - b1) * gi
            v[i] = b2 * v[i] + (1 - b2) * gi * gi
            m_hat = m[i] / (1 - b1**t) if bias_correction else m[i]
            v_hat = v[i] / (1 - b2**t) if bias_correction else v[i]
            p[i] -= lr * m_hat / (math.sqrt(v_hat) + eps)
    return p


def test_adams_first_step_is_lr_times_the_sign_of_the_gradient():
    lr = 0.01
    (p,), (g,) = arrays([0.0, 0.0, 0.0, 0.0]), arrays(G1)
    Adam(lr).step([p], [g])
    np.testing.assert_allclose(p, -lr * np.sign(G1), rtol=1e-6, atol=0,
                               err_msg="Adam's first step must be lr*sign(g): bias correction missing?")


def test_adams_second_step_matches_the_textbook_with_bias_correction():
    lr = 0.01
    (p,), (g1, g2) = arrays([1.0, 2.0, -1.0, 0.0]), arrays(G1, G2)
    adam = Adam(lr)
    adam.step([p], [g1])
    adam.step([p], [g2])
    start = np.array([1.0, 2.0, -1.0, 0.0])
    expected = np.array(textbook_adam(start, [G1, G2], lr=lr)) - start
    # compared as the distance moved: termnet adds eps to sqrt(v) rather than sqrt(v_hat), which changes
    # the two steps by about 1e-6 of their size; a missing bias correction changes them by a factor of 3 or more
    np.testing.assert_allclose(p - start, expected, rtol=1e-5, atol=0,
                               err_msg="Adam's second step must follow m_hat/(sqrt(v_hat)+eps): "
                                       "bias correction missing or wrong step count?")
    uncorrected = np.array(textbook_adam(start, [G1, G2], lr=lr, bias_correction=False)) - start
    assert np.min(np.abs(uncorrected / expected - 1)) > 0.5, "the oracle must tell the two apart"


def test_adams_moments_are_the_textbook_running_averages():
    (p,), (g1, g2) = arrays([0.0, 0.0, 0.0, 0.0]), arrays(G1, G2)
    adam = Adam(0.01, beta1=0.8, beta2=0.99)
    adam.step([p], [g1])
    adam.step([p], [g2])
    m = [0.8 * 0.2 * a + 0.2 * b for a, b in zip(G1, G2)]
    v = [0.99 * 0.01 * a * a + 0.01 * b * b for a, b in zip(G1, G2)]
    np.testing.assert_allclose(adam.state()["m"][0], m, rtol=1e-12, err_msg="m must be b1*m + (1-b1)*g")
    np.testing.assert_allclose(adam.state()["v"][0], v, rtol=1e-12, err_msg="v must be b2*v + (1-b2)*g^2")
    expected = textbook_adam([0.0] * 4, [G1, G2], lr=0.01, b1=0.8, b2=0.99)
    np.testing.assert_allclose(p, expected, rtol=1e-5, atol=0, err_msg="Adam must use its own beta1 and beta2")


def test_adam_many_steps_with_a_constant_gradient_keep_a_step_of_lr():
    # with g constant, m_hat = g and v_hat = g^2 at every t: every step is exactly lr * sign(g)
    (p,), (g,) = arrays([0.0, 0.0]), arrays([0.7, -1.3])
    adam = Adam(0.001)
    for _ in range(50):
        adam.step([p], [g])
    np.testing.assert_allclose(p, [-0.05, 0.05], rtol=1e-5,
                               err_msg="with a constant gradient every bias-corrected Adam step is lr*sign(g)")


# -- bookkeeping shared by all optimizers ---------------------------------------------------
@pytest.mark.parametrize("make", [lambda: SGD(0.1), lambda: Momentum(0.1), lambda: Adam(0.1)])
def test_iterations_count_steps_not_parameters(make):
    opt = make()
    params, grads = arrays([1.0], [[1.0, 2.0]], [3.0]), arrays([1.0], [[1.0, 1.0]], [1.0])
    assert opt.iterations == 0
    for expected in (1, 2, 3):
        opt.step(params, grads)
        assert opt.iterations == expected, "iterations must count calls to step(), once per step for all params"


@pytest.mark.parametrize("make", [lambda: Momentum(0.1, 0.9), lambda: Adam(0.1)])
def test_two_parameters_keep_separate_state(make):
    # the first parameter's trajectory must not depend on the second's gradients
    shared = make()
    pa, pb = arrays([1.0, 2.0], [[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]])
    alone = make()
    (pa_alone,) = arrays([1.0, 2.0])
    rng = np.random.default_rng(0)
    for _ in range(3):
        ga, gb = rng.normal(size=2), rng.normal(size=(2, 3)) * 10
        shared.step([pa, pb], [ga, gb])
        alone.step([pa_alone], [ga.copy()])
    np.testing.assert_array_equal(pa, pa_alone, err_msg="per-parameter state leaked between parameters")
    for arrays_ in shared.state().values():
        assert [a.shape for a in arrays_] == [(2,), (2, 3)], "one state array per parameter, of its shape"


@pytest.mark.parametrize("name", ["sgd", "momentum", "adam"])
def test_load_state_round_trip_continues_identically(name):
    rng = np.random.default_rng(1)
    grads = [arrays(rng.normal(size=3), rng.normal(size=(2, 2))) for _ in range(6)]
    first = get_optimizer(name, 0.05)
    params = arrays([1.0, 2.0, 3.0], [[1.0, -1.0], [0.5, 0.0]])
    for g in grads[:3]:
        first.step(params, g)
    saved_state = copy.deepcopy(first.state())
    resumed = get_optimizer(name, 0.05)
    resumed.load_state(saved_state, first.iterations)
    resumed_params = [p.copy() for p in params]
    for g in grads[3:]:
        first.step(params, g)
        resumed.step(resumed_params, g)
    for a, b in zip(params, resumed_params):
        np.testing.assert_array_equal(b, a, err_msg=f"{name}: resuming from state() + iterations must continue "
                                                    "exactly (state or step count lost?)")
    assert resumed.iterations == first.iterations == 6
    # the loaded state is a copy: the optimizer it came from must not share arrays with it
    for key, values in saved_state.items():
        for value, live in zip(values, resumed.state()[key]):
            assert not np.shares_memory(value, live), "load_state must copy the arrays it is given"


def test_adam_resumed_without_its_step_count_would_differ():
    # guards the previous test's power: the bias correction depends on iterations, so losing it shows
    (p,), (g,) = arrays([0.0, 0.0]), arrays([1.0, -0.5])
    adam = Adam(0.01)
    for _ in range(3):
        adam.step([p], [g * (1 + _)])
    state = copy.deepcopy(adam.state())
    right, wrong = Adam(0.01), Adam(0.01)
    right.load_state(state, 3)
    wrong.load_state(state, 0)
    pr, pw = p.copy(), p.copy()
    right.step([pr], [g])
    wrong.step([pw], [g])
    assert np.max(np.abs(pr - pw)) > 1e-4, "Adam's fourth step must depend on the step count (bias correction)"
