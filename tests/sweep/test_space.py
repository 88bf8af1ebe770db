"""What a sweep varies: ranges, lists, layer arguments, grids, random draws; bad values named in one line."""

import pytest

from termnet.spec import load_spec, parse_spec
from termnet.sweep import SweepError, grid, layer_axis, parse_seeds, random_trials, setting_axis
from termnet.sweep.plan import make_plan


def test_a_log_range_includes_both_ends_and_is_even_on_a_log_scale():
    axis = setting_axis("learning_rate", "1e-3:1:7log")
    assert axis.values == pytest.approx([1e-3, 0.00316228, 0.01, 0.0316228, 0.1, 0.316228, 1.0])
    assert axis.scale == "log" and axis.bounds == (1e-3, 1.0)


def test_whole_settings_round_and_drop_repeats_and_lists_are_read_as_the_setting_reads_them():
    assert setting_axis("batch_size", "16:128:4log").values == [16, 32, 64, 128]
    assert setting_axis("epochs", "1:2:5lin").values == [1, 2]
    assert setting_axis("optimizer", "Adam,sgd").values == ["adam", "sgd"]
    assert setting_axis("schedule", "cosine,constant").values == ["cosine", "constant"]


@pytest.mark.parametrize("name, text, message", [
    ("learning_rate", "0:1:3log", "log range needs both ends above 0"),
    ("learning_rate", "1e-3:1:7lgo", "'1e-3:1:7lgo' is not a range"),
    ("learning_rate", "0.1,-1", "--learning-rate: '-1' must be > 0"),
    ("batch_size", "32,2.5", "--batch-size: '2.5' must be a whole number"),
    ("optimizer", "adam,nope", "--optimizer: 'nope' must be one of"),
    ("learning_rate", "a:1:3log", "'a' is not a number"),
    ("seed", "1,2", "'seed' cannot be swept"),
])
def test_bad_values_are_refused_naming_the_value(name, text, message):
    with pytest.raises(SweepError, match=message.replace("(", r"\(").replace(".", r"\.")):
        setting_axis(name, text)


def test_layer_arguments_are_checked_by_the_layer():
    layers = load_spec("mlp").layers
    axis = layer_axis("1.output_size=32,64,128", layers)
    assert axis.values == [32, 64, 128] and axis.layer == (1, "output_size") and axis.label == "layer 1.output_size"
    for text, message in [("9.output_size=3", "no layer 9"), ("1.units=3", "has no argument 'units'"),
                          ("1.output_size=0", "output_size"), ("output_size=3", "INDEX.ARGUMENT=VALUES")]:
        with pytest.raises(SweepError, match=message):
            layer_axis(text, layers)


def test_the_grid_is_every_combination_with_every_seed():
    axes = [setting_axis("learning_rate", "0.1,0.01"), setting_axis("batch_size", "16,32,64")]
    trials = grid(axes, [0, 1])
    assert len(trials) == 12 and [t.number for t in trials] == list(range(12))
    assert {(t.values["learning_rate"], t.values["batch_size"], t.seed) for t in trials} == {
        (r, b, s) for r in (0.1, 0.01) for b in (16, 32, 64) for s in (0, 1)}


def test_random_search_draws_inside_the_range_on_its_scale_reproducibly():
    axes = [setting_axis("learning_rate", "1e-4:1:5log"), setting_axis("optimizer", "adam,sgd")]
    trials = random_trials(axes, 200, [0])
    rates = [t.values["learning_rate"] for t in trials]
    assert all(1e-4 <= r <= 1 for r in rates) and len(set(rates)) > 150  # anywhere, not only the 5 grid points
    assert sum(r < 1e-2 for r in rates) > 60, "a log range draws small rates as often as large ones"
    assert {t.values["optimizer"] for t in trials} == {"adam", "sgd"}
    assert [t.values for t in random_trials(axes, 200, [0])] == [t.values for t in trials]


def test_seeds():
    assert parse_seeds("0,1,2") == [0, 1, 2] and parse_seeds("2:5") == [2, 3, 4]
    for text in ("a", "-1", "3:3"):
        with pytest.raises(SweepError, match="--seeds"):
            parse_seeds(text)


def test_a_specs_sweep_table_and_the_command_line_that_replaces_its_entries():
    spec = parse_spec('[sweep]\nlearning_rate = "1e-3:1e-1:3log"\nbatch_size = [16, 32]\nepochs = 3\n'
                      'layers = ["0.output_size=8,16"]\nseeds = [0, 1]\n'
                      '[[layers]]\ntype = "FC"\noutput_size = 8\n[[layers]]\ntype = "FC"\noutput_size = 10\n', "s.toml")
    plan = make_plan(spec, {})
    assert [a.label for a in plan.axes] == ["learning_rate", "batch_size", "layer 0.output_size"]
    assert plan.fixed == {"epochs": 3} and len(plan.trials) == 3 * 2 * 2 * 2
    plan = make_plan(spec, {"batch_size": "64", "learning_rate": None}, random=5, seeds="7")
    assert plan.fixed == {"epochs": 3, "batch_size": 64} and len(plan.trials) == 5
    assert {t.seed for t in plan.trials} == {7}
    with pytest.raises(SweepError, match="cannot vary colour"):
        make_plan(parse_spec('[sweep]\ncolour = 1\n[[layers]]\ntype = "FC"\noutput_size = 3\n', "c.toml"), {})


def test_a_specs_sweep_table_survives_writing_the_spec_back():
    text = ('[sweep]\nlearning_rate = "1e-3:1:7log"\nbatch_size = [16, 32]\nlayers = ["0.output_size=8,16"]\n'
            '[[layers]]\ntype = "FC"\noutput_size = 8\n')
    spec = parse_spec(text, "s.toml")
    assert parse_spec(spec.to_toml(), "again.toml").sweep == spec.sweep == {
        "learning_rate": "1e-3:1:7log", "batch_size": [16, 32], "layers": ["0.output_size=8,16"]}


def test_a_trial_trains_with_the_specs_augmentation_as_train_does():
    """The spec's augment reaches each trial's fit (it once was silently left out): the same seed, other losses."""
    from termnet.data import load_dataset
    from termnet.spec import load_spec
    from termnet.sweep import make_jobs, pack_data, run_local

    packed = pack_data(load_dataset("digits"))
    axes = [setting_axis("augment", "none,strong")]
    jobs = make_jobs(load_spec("mlp"), grid(axes, [0]), axes, {"epochs": 1, "train_size": 200})
    results = sorted(run_local(jobs, packed, workers=1), key=lambda r: r["trial"])
    assert [r["status"] for r in results] == ["ok", "ok"], results
    assert results[0]["val_loss"] != results[1]["val_loss"]
