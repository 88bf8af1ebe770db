"""export-code writes BatchNorm, Dropout and weight decay as code that builds the same network."""

from termnet.cli.export import export_code
from termnet.engine import Adam, BatchNorm, Dropout
from termnet.spec import load_spec

SPEC = """
name = "regularised"

[training]
optimizer = "adam"
learning_rate = 0.002
weight_decay = 0.0005

[[layers]]
type = "Convolution"
depth = 4

[[layers]]
type = "BatchNorm"
momentum = 0.2

[[layers]]
type = "Flatten"

[[layers]]
type = "Dropout"
rate = 0.3

[[layers]]
type = "FC"
output_size = 10
"""


def test_the_exported_script_builds_the_specs_network(tmp_path):
    path = tmp_path / "regularised.toml"
    path.write_text(SPEC)
    script = export_code(str(path), "digits")
    assert "optimizer=Adam(0.002, weight_decay=0.0005)" in script
    assert ".add(BatchNorm(momentum=0.2))" in script and ".add(Dropout(0.3))" in script
    building = script.split("print(net.summary())")[0].replace("data = load_dataset('digits')", "data = None")
    building = building.replace("x_train = data.x_train", "").replace("y_train = one_hot(data.y_train, 10)", "")
    namespace = {}
    exec(building, namespace)  # noqa: S102 - the script termnet wrote, without its data and training
    net = namespace["net"]
    assert isinstance(net.optimizer, Adam) and net.optimizer.weight_decay == 0.0005 and net.learning_rate == 0.002
    expected = load_spec(str(path)).build((1, 8, 8))
    assert [layer.config() for layer in net.layers] == [layer.config() for layer in expected.layers]
    assert isinstance(net.layers[1], BatchNorm) and isinstance(net.layers[3], Dropout)


def test_without_weight_decay_the_script_names_the_optimizer_as_before(tmp_path):
    path = tmp_path / "plain.toml"
    path.write_text(SPEC.replace("weight_decay = 0.0005\n", ""))
    script = export_code(str(path), "digits")
    assert "Network(learning_rate=0.002, epochs=10, batch_size=32, optimizer='adam', seed=0)" in script
    assert "weight_decay=" not in script


def test_resuming_applies_a_new_weight_decay_and_keeps_the_saved_one_otherwise(tmp_path):
    from termnet.engine import load_model

    from .test_cli import termnet

    first, second, third = (tmp_path / f"{n}.termnet" for n in ("first", "second", "third"))
    termnet("train", "--model", "mlp", "--data", "digits", "--epochs", 1, "--train-size", 200,
            "--weight-decay", "0.001", "--save", first)
    assert load_model(first)[0].optimizer.weight_decay == 0.001
    termnet("train", "--resume", first, "--epochs", 1, "--save", second)
    assert load_model(second)[0].optimizer.weight_decay == 0.001
    termnet("train", "--resume", first, "--epochs", 1, "--weight-decay", "0.01", "--save", third)
    assert load_model(third)[0].optimizer.weight_decay == 0.01
