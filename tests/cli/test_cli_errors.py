"""Every failure the command line can meet: one line on stderr and a non-zero exit, never a traceback."""

import contextlib
import io
import json
import re

import pytest

from .test_cli import termnet


def one_error_line(result) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.mark.parametrize("args, message", [
    (["train", "--save", ""], "--save needs a file name"),
    (["train", "--save", "{tmp}"], "{tmp} is a folder: give a file name"),
    (["train", "--save", "{tmp}/missing/model.termnet"], "the folder {tmp}/missing does not exist"),
    (["train", "--epochs", "1e9"], "argument --epochs: must be a whole number, 1 or more. Received: '1e9'"),
    (["train", "--epochs", "2.5"], "argument --epochs: must be a whole number, 1 or more. Received: '2.5'"),
    (["train", "--batch-size", "2.5"], "argument --batch-size: must be a whole number"),
    (["train", "--train-size", "1e3"], "argument --train-size: must be a whole number"),
    (["train", "--seed", "abc"], "argument --seed: must be a whole number"),
    (["train", "--seed", "-1"], "argument --seed: must be 0 or more"),
    (["train", "--validation-split", "0.95"], "argument --validation-split: must be from 0 to 0.9. Received: '0.95'"),
    (["train", "--weight-decay", "-0.1"], "argument --weight-decay: must be from 0 to 1. Received: '-0.1'"),
    (["train", "--schedule", "linear"], "argument --schedule: must be one of constant, cosine, one-cycle"),
    (["train", "--init", "zeros"], "argument --init: must be one of auto, he, xavier, uniform"),
    (["train", "--save", "x.termnet", "--no-save"], "argument --no-save: not allowed with argument --save"),
    (["predict", "x.termnet", "--index", "2.5"], "index must be a whole number"),
    (["serve", "--port", "99999"], "port must be from 1 to 65535"),
    (["train", "--no-such-option"], "unrecognized arguments: --no-such-option"),
    (["--data", "digits", "data", "fetch", "mnist"], "--data given before 'data fetch', which does not take it"),
    (["--data", "digits", "train", "--data", "mnist"], "--data given twice"),
    (["--data", "idx", "summary", "mlp"], "invalid choice: 'idx'"),
])
def test_each_bad_option_is_one_line_and_exit_2(tmp_path, args, message):
    args = [a.format(tmp=tmp_path) for a in args]
    result = termnet(*args, check_ok=False)
    assert result.returncode == 2
    line = one_error_line(result)
    assert message.format(tmp=tmp_path) in line
    assert "usage:" not in result.stderr
    # the command that refused it, and where its options are listed: "termnet train: error: ... (termnet train
    # --help shows the options)"
    match = re.fullmatch(r"(termnet(?: [a-z-]+)*): error: .+ \((termnet(?: [a-z-]+)*) --help shows the options\)", line)
    assert match and match[1] == match[2], line


@pytest.mark.parametrize("args, prog", [
    (["train", "--epochs"], "termnet train"), (["evaluate"], "termnet evaluate"),
    (["data", "list", "--bogus"], "termnet data list"), (["data"], "termnet data"),
    (["serve", "--port", "x"], "termnet serve"), (["trian"], "termnet"), (["summary", "mlp", "--x"], "termnet summary"),
])
def test_a_usage_error_names_its_command_and_where_the_options_are(args, prog):
    from termnet.cli import main

    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr), pytest.raises(SystemExit) as exit_:
        main(args)
    assert exit_.value.code == 2
    line, = stderr.getvalue().splitlines()
    assert line.startswith(f"{prog}: error: ") and line.endswith(f" ({prog} --help shows the options)"), line


def test_save_with_an_empty_name_saves_nothing_and_fails(tmp_path):
    result = termnet("train", "--data", "digits", "--epochs", "1", "--save", "", check_ok=False)
    assert result.returncode == 2 and "Test accuracy" not in result.stdout  # refused before training


def test_global_data_before_the_command_is_applied(tmp_path):
    result = termnet("--data", "digits", "train", "--epochs", "1", "--json", "--train-size", "200")
    assert json.loads(result.stdout.splitlines()[-1])["dataset"] == "digits"
    summary = termnet("--data", "digits", "summary", "mlp").stdout
    assert "(64,)" in summary  # 8x8 digits flattened, not 784


def test_global_data_dir_before_the_command_is_applied(tmp_path):
    result = termnet("--data-dir", tmp_path / "nowhere", "train", "--epochs", "1", check_ok=False)
    assert result.returncode == 2 and "nowhere" in one_error_line(result)


def test_a_run_that_learns_nothing_warns_loudly_and_exits_0():
    result = termnet("train", "--model", "mlp", "--data", "digits", "--learning-rate", "50", "--epochs", "4",
                     "--json")
    warnings = [line for line in result.stderr.splitlines() if line.startswith("termnet: warning:")]
    assert len(warnings) == 1 and "chance level" in warnings[0] and "too high" in warnings[0]
    assert "too low" not in result.stderr
    assert "learned nothing" in json.loads(result.stdout.splitlines()[-1])["warning"]


def test_a_run_that_learns_gives_no_warning():
    result = termnet("train", "--model", "mlp", "--data", "digits", "--epochs", "3")
    assert "warning" not in result.stderr


def test_a_network_too_large_for_memory_is_one_error_line(tmp_path):
    spec = tmp_path / "huge.toml"
    spec.write_text('name = "huge"\n[[layers]]\ntype = "Flatten"\n[[layers]]\ntype = "FC"\noutput_size = 1000000000\n')
    result = termnet("train", "--model", spec, "--data", "digits", check_ok=False)
    errors = [line for line in result.stderr.splitlines() if "error" in line]
    assert result.returncode == 2 and len(errors) == 1 and "would need" in errors[0], result.stderr


@pytest.mark.parametrize("argv, data, data_dir", [([], None, None), (["--data", "digits"], "digits", None),
                                                  (["--data-dir", "."], None, ".")])
def test_the_dashboard_starts_with_or_without_data_options(monkeypatch, argv, data, data_dir):
    """`termnet`, the README's start command, reaches the dashboard with the data options it was given."""
    import termnet.app.launch as launch
    from termnet.cli import main

    started = []
    monkeypatch.setattr(launch, "run_app", lambda args: started.append((args.data, args.data_dir)) or 0)
    assert main(argv) == 0
    assert started == [(data, data_dir)]


def test_serve_takes_the_data_options_given_before_it(monkeypatch):
    import termnet.app.launch as launch
    from termnet.cli import main

    served = []
    monkeypatch.setattr(launch, "serve_app", lambda args: served.append((args.data, args.data_dir)) or 0)
    assert main(["--data", "digits", "serve"]) == 0
    assert served == [("digits", None)]
