"""Learning-rate schedules against values worked out by hand, and the rate Network really uses per batch.

The documented rules (schedules.py), with f = step / (total_steps - 1):

    constant / None  1
    cosine           0.5 (1 + cos(pi f))                       1 at the first step, 0 at the last
    one-cycle        f < 0.3: from 1/25 up to 1 along half a cosine over f / 0.3
                     f >= 0.3: from 1 down to 1/25/1e4 = 4e-6 along half a cosine over (f - 0.3) / 0.7

The numbers below are written out by hand (cos(0) = 1, cos(pi/3) = 1/2, cos(pi/2) = 0, cos(pi) = -1).
"""

import numpy as np
import pytest

from termnet.engine import FC, Activation, Callback, Network
from termnet.engine.schedules import learning_rate_factor

FINAL = 1 / 25 / 1e4  # 4e-6


@pytest.mark.parametrize("schedule", [None, "constant"])
@pytest.mark.parametrize("step, total", [(0, 1), (0, 10), (5, 10), (9, 10), (0, 2), (1, 2)])
def test_constant_is_always_one(schedule, step, total):
    assert learning_rate_factor(schedule, step, total) == 1.0, "no schedule must leave the learning rate alone"


@pytest.mark.parametrize("step, total, expected, why", [
    (0, 11, 1.0, "the first step must use the full learning rate"),
    (5, 11, 0.5, "the middle step (f = 1/2) must use half"),
    (10, 11, 0.0, "the last step (total-1) must reach 0: off by one?"),
    (2, 5, 0.5, "step 2 of 5 is the middle (f = 2/4)"),
    (4, 5, 0.0, "step 4 of 5 is the last: factor 0"),
    (1, 4, 0.75, "step 1 of 4: f = 1/3, 0.5 (1 + cos(pi/3)) = 0.75"),
    (2, 4, 0.25, "step 2 of 4: f = 2/3, 0.5 (1 + cos(2 pi/3)) = 0.25"),
    (0, 1, 1.0, "a single step uses the full rate"),
])
def test_cosine_by_hand(step, total, expected, why):
    assert learning_rate_factor("cosine", step, total) == pytest.approx(expected, abs=1e-12), why


# 21 steps: f = step / 20, so warm-up covers steps 0-5 (f < 0.3) and the peak is step 6 (f = 0.3)
@pytest.mark.parametrize("step, expected, why", [
    (0, 0.04, "one-cycle starts at 1/25 of the peak"),
    (3, 0.52, "warm-up midpoint (f/0.3 = 1/2): 1/25 + (1 - 1/25) / 2 = 0.52"),
    (6, 1.0, "the peak (f = 0.3) is the base learning rate"),
    (13, 0.5 + FINAL / 2, "annealing midpoint ((f - 0.3)/0.7 = 1/2): halfway from 1 to 4e-6"),
    (20, FINAL, "the last step (total-1) must reach 1/25/1e4: off by one?"),
])
def test_one_cycle_by_hand_over_21_steps(step, expected, why):
    assert learning_rate_factor("one-cycle", step, 21) == pytest.approx(expected, rel=1e-12, abs=1e-15), why


def test_one_cycle_by_hand_over_11_steps():
    # f = step / 10: step 1 is a third of the warm-up (f/0.3 = 1/3): 1 - 0.96 * 0.5 * (1 + 1/2) = 0.28
    assert learning_rate_factor("one-cycle", 1, 11) == pytest.approx(0.28, abs=1e-12), "one-cycle warm-up step 1 of 11"
    assert learning_rate_factor("one-cycle", 3, 11) == pytest.approx(1.0, abs=1e-12), "one-cycle peaks at 30%"
    assert learning_rate_factor("one-cycle", 10, 11) == pytest.approx(FINAL, rel=1e-9), "one-cycle ends at 4e-6"


def test_one_cycle_rises_then_falls():
    factors = [learning_rate_factor("one-cycle", step, 100) for step in range(100)]
    peak = int(np.argmax(factors))
    assert peak == 30, f"one-cycle must peak at 30% of the steps (step 30 of 0..99); peaked at {peak}"
    assert all(a < b for a, b in zip(factors[:peak], factors[1:peak + 1])), "one-cycle must rise during warm-up"
    assert all(a > b for a, b in zip(factors[peak:], factors[peak + 1:])), "one-cycle must fall after the peak"


def test_cosine_falls_monotonically():
    factors = [learning_rate_factor("cosine", step, 50) for step in range(50)]
    assert all(a > b for a, b in zip(factors, factors[1:])), "cosine must decrease at every step"


def test_unknown_schedule_is_refused():
    with pytest.raises(ValueError, match="Unknown schedule 'linear'"):
        learning_rate_factor("linear", 0, 10)


def test_one_cycle_matches_pytorch_where_the_phases_line_up():
    torch = pytest.importorskip("torch")
    # PyTorch ends warm-up at step pct_start * total - 1; termnet at 0.3 * (total - 1). They agree when those
    # are equal: total = 71 -> both peak at step 21 (pct_start = 22/71), and both end at step 70.
    total, base = 71, 0.5
    param = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([param], lr=base)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=base, total_steps=total, pct_start=22 / total,
                                                    anneal_strategy="cos", cycle_momentum=False,
                                                    div_factor=25, final_div_factor=1e4)
    for step in range(total):
        theirs = optimizer.param_groups[0]["lr"]
        assert base * learning_rate_factor("one-cycle", step, total) == pytest.approx(theirs, rel=1e-9, abs=1e-12), (
            f"one-cycle must match PyTorch's OneCycleLR at step {step}")
        optimizer.step()
        scheduler.step()


# -- the rate Network uses --------------------------------------------------------------------
class RecordLearningRate(Callback):
    def __init__(self):
        self.rates = []

    def on_batch_end(self, batch, logs):
        self.rates.append(logs["learning_rate"])


def small_network(schedule, lr=0.2, **kwargs):
    return (Network(lr, epochs=3, batch_size=4, schedule=schedule, seed=0, dtype="float64", **kwargs)
            .add(FC(3, 2)).add(Activation("softmax")).use("cross_entropy"))


def data(n=10):
    rng = np.random.default_rng(0)
    return rng.normal(size=(n, 3)), rng.integers(0, 2, n)


@pytest.mark.parametrize("schedule", [None, "cosine", "one-cycle"])
def test_network_uses_base_rate_times_the_factor_for_steps_0_to_total_minus_1(schedule):
    x, y = data(10)  # 10 samples in batches of 4: 3 steps per epoch, 9 over the 3 epochs
    record = RecordLearningRate()
    small_network(schedule).fit(x, y, callbacks=[record])
    expected = [0.2 * learning_rate_factor(schedule, step, 9) for step in range(9)]
    assert record.rates == pytest.approx(expected, rel=1e-12, abs=1e-15), (
        "the rate of batch b in epoch e must be base * factor(e * steps + b, epochs * steps): off by one?")


def test_network_cosine_rates_by_hand():
    x, y = data(10)
    record = RecordLearningRate()
    small_network("cosine").fit(x, y, epochs=1, batch_size=2, callbacks=[record])  # 5 steps: f = 0, 1/4, ... 1
    half_root = 0.5 * 2 ** 0.5
    expected = [0.2, 0.1 * (1 + half_root), 0.1, 0.1 * (1 - half_root), 0.0]
    assert record.rates == pytest.approx(expected, abs=1e-12), "cosine over 5 steps: first 0.2, middle 0.1, last 0"


def test_network_one_cycle_first_and_last_rates_by_hand():
    x, y = data(11)
    record = RecordLearningRate()
    small_network("one-cycle").fit(x, y, epochs=1, batch_size=1, callbacks=[record])  # 11 steps: f = step / 10
    assert len(record.rates) == 11, "11 samples in batches of 1 are 11 steps"
    assert record.rates[0] == pytest.approx(0.2 * 0.04, rel=1e-12), "one-cycle's first batch must use base/25"
    assert record.rates[1] == pytest.approx(0.2 * 0.28, rel=1e-12), "one-cycle's second batch: f = 0.1, factor 0.28"
    assert record.rates[3] == pytest.approx(0.2, rel=1e-12), "one-cycle must peak at the base rate at step 3 (30%)"
    assert record.rates[-1] == pytest.approx(0.2 * FINAL, rel=1e-9), "one-cycle's last batch must use base/25/1e4"


def test_the_last_cosine_step_really_does_not_move_the_weights():
    # the logged rate is the one the optimizer applies: at the last step it is 0, so the weights stay put
    x, y = data(10)
    snapshots = []

    class Snapshot(Callback):
        def on_batch_end(self, batch, logs):
            snapshots.append([p.copy() for p in self.network.params()])

    small_network("cosine").fit(x, y, callbacks=[Snapshot()])
    for before, after in zip(snapshots[-2], snapshots[-1]):
        np.testing.assert_array_equal(after, before, err_msg="cosine's last step has factor 0 and must not move")
    assert any(not np.array_equal(a, b) for a, b in zip(snapshots[-3], snapshots[-2])), (
        "the step before the last has a non-zero rate and must move the weights")


def test_a_later_fit_continues_the_plan_and_then_keeps_its_final_factor():
    # documented in Network: the plan is the first fit's steps; later fits continue from the step reached
    x, y = data(10)
    net = small_network("cosine")

    class StopAfterFirstBatch(RecordLearningRate):
        def on_batch_end(self, batch, logs):
            super().on_batch_end(batch, logs)
            self.network.stop_training = True

    first = StopAfterFirstBatch()
    net.fit(x, y, epochs=1, callbacks=[first])  # plans 3 steps (0.2, 0.1, 0), stops after the first
    assert first.rates == pytest.approx([0.2], abs=1e-12), "the plan's first step uses the full rate"
    second = RecordLearningRate()
    net.fit(x, y, epochs=1, callbacks=[second])
    assert second.rates == pytest.approx([0.1, 0.0, 0.0], abs=1e-12), (
        "an interrupted cosine plan must go on at its next step (0.1), then keep its final factor (0)")
