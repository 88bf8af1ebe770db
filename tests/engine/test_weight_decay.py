"""Weight decay (L2) on every optimizer: one step by hand, PyTorch's updates, the setting and model files."""

import numpy as np
import pytest

from termnet.engine import FC, SGD, Activation, Adam, Momentum, Network, get_optimizer, load_model, save_model
from termnet.engine.serialization import ModelFileError
from termnet.spec import SpecError, parse_spec

P = np.array([1.0, -2.0, 0.5])
G = np.array([0.3, 0.1, -0.4])
RATE, DECAY = 0.5, 0.1


def one_step(optimizer):
    param, grad = P.copy(), G.copy()
    optimizer.step([param], [grad])
    np.testing.assert_array_equal(grad, G)  # the gradient itself is left as backward filled it
    return param


def test_sgd_steps_along_the_gradient_plus_decay_times_the_weight():
    np.testing.assert_allclose(one_step(SGD(RATE, weight_decay=DECAY)), P - RATE * (G + DECAY * P))


def test_momentum_first_step_is_the_same_and_the_velocity_remembers_the_decayed_gradient():
    optimizer = Momentum(RATE, weight_decay=DECAY)
    param, grad = P.copy(), G.copy()
    optimizer.step([param], [grad])
    velocity = -RATE * (G + DECAY * P)
    np.testing.assert_allclose(param, P + velocity)
    optimizer.step([param], [grad])
    np.testing.assert_allclose(param, P + velocity + 0.9 * velocity - RATE * (G + DECAY * (P + velocity)))


def test_adam_first_step_by_hand():
    d = G + DECAY * P
    m, v = 0.1 * d, 0.001 * d**2
    step = RATE * np.sqrt(1 - 0.999) / (1 - 0.9)
    np.testing.assert_allclose(one_step(Adam(RATE, weight_decay=DECAY)), P - step * m / (np.sqrt(v) + 1e-8))


@pytest.mark.parametrize("name", ["sgd", "momentum", "adam"])
def test_zero_decay_is_the_optimizer_as_before(name):
    plain, decayed = get_optimizer(name, RATE), get_optimizer(name, RATE, weight_decay=DECAY)
    assert "weight_decay" not in plain.config() and decayed.config()["weight_decay"] == DECAY
    assert not np.allclose(one_step(plain), one_step(decayed))  # the decay changes the step


@pytest.mark.parametrize("name", ["sgd", "momentum", "adam"])
def test_five_steps_match_pytorch_weight_decay(name):
    torch = pytest.importorskip("torch")
    ours = get_optimizer(name, RATE / 10, weight_decay=DECAY)
    weight = torch.tensor(P.copy(), requires_grad=True)
    theirs = {"sgd": lambda p: torch.optim.SGD(p, lr=RATE / 10, weight_decay=DECAY),
              "momentum": lambda p: torch.optim.SGD(p, lr=RATE / 10, momentum=0.9, weight_decay=DECAY),
              "adam": lambda p: torch.optim.Adam(p, lr=RATE / 10, weight_decay=DECAY)}[name]([weight])
    param = P.copy()
    for step in range(5):
        grad = G * (step + 1)
        ours.step([param], [grad])
        weight.grad = torch.tensor(grad)
        theirs.step()
        # Adam folds its bias correction into the step size (the paper's section 2), which moves epsilon by
        # a factor sqrt(1 - beta2**t) against PyTorch's: a difference of 1e-7 here, with or without decay
        np.testing.assert_allclose(param, weight.detach().numpy(), rtol=1e-6 if name == "adam" else 1e-12)


@pytest.mark.parametrize("bad", [-0.1, float("nan"), float("inf"), True, "0.1"])
def test_a_bad_decay_is_refused_with_its_value(bad):
    with pytest.raises(ValueError, match=r"weight_decay must be a number, 0 or more\. Received: weight_decay="):
        SGD(0.1, weight_decay=bad)


def _trained(decay):
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(40, 6)), rng.integers(0, 3, 40)
    net = (Network(optimizer=Adam(0.01, weight_decay=decay), epochs=2, batch_size=8, seed=0)
           .add(FC(6, 8)).add(Activation("tanh")).add(FC(8, 3)).add(Activation("softmax")).use("cross_entropy"))
    return net.fit(x, y), x, y


def test_decay_shrinks_the_weights_a_network_learns():
    plain, strong = _trained(0.0)[0], _trained(0.5)[0]
    assert np.linalg.norm(strong.params()[0]) < np.linalg.norm(plain.params()[0])


def test_model_files_keep_the_decay_and_resume_with_it(tmp_path):
    net, x, y = _trained(0.01)
    save_model(net, tmp_path / "m.termnet")
    loaded, _ = load_model(tmp_path / "m.termnet")
    assert loaded.optimizer.weight_decay == 0.01
    net.fit(x, y, epochs=1)
    loaded.fit(x, y, epochs=1)
    for a, b in zip(net.params(), loaded.params()):
        np.testing.assert_array_equal(a, b)


def test_a_model_file_with_a_negative_decay_is_refused(tmp_path):
    import json
    import zipfile

    net, _, _ = _trained(0.01)
    save_model(net, tmp_path / "m.termnet")
    with zipfile.ZipFile(tmp_path / "m.termnet") as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    document = json.loads(members["termnet.json"])
    document["optimizer"]["weight_decay"] = -1
    members["termnet.json"] = json.dumps(document)
    with zipfile.ZipFile(tmp_path / "bad.termnet", "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    with pytest.raises(ModelFileError, match="optimizer adam's weight_decay cannot be -1"):
        load_model(tmp_path / "bad.termnet")


SPEC = """
[training]
optimizer = "momentum"
weight_decay = {decay}

[[layers]]
type = "FC"
output_size = 3
"""


def test_a_spec_sets_the_decay_of_its_optimizer_and_refuses_a_bad_one():
    network = parse_spec(SPEC.format(decay=0.0005), "s.toml").build((4,))
    assert network.optimizer.name == "momentum" and network.optimizer.weight_decay == 0.0005
    assert parse_spec(SPEC.format(decay=0), "s.toml").build((4,)).optimizer.weight_decay == 0
    with pytest.raises(SpecError, match=r"weight_decay = -1: must be from 0 to 1"):
        parse_spec(SPEC.format(decay=-1), "s.toml")
