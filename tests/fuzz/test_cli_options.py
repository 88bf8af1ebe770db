"""Every option of every command, with Hypothesis-made values: an exit code and one line, never a traceback.

Runs ``termnet.cli.main(argv)`` in-process. The dashboard and ``serve`` are replaced by stand-ins (they would
take over the terminal or a port); downloads point at a closed port; training is one epoch on the 8x8 digits
unless the generated options say otherwise, and the values generated never ask for long training.
"""

from __future__ import annotations

import argparse
import contextlib
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

import termnet.app.launch
from termnet.cli import build_parser, main

from ..data.helpers import closed_port_url

HOSTILE = ["", " ", "-1", "0", "2.5", "1e9", "1e309", "nan", "inf", "-inf", "9" * 40, "abc", "٣", "0x10",
           "--", "-", "\x00", "é" * 300, "../../etc/passwd", "/dev/null", "/no/such/file.termnet", "~", "'\""]
SMALL_NUMBERS = ["1", "2", "0.5", "0.001", "0.1", "3"]
#: Options whose valid values must stay small, so that an example never trains for long.
BOUNDED = {"--epochs": ["1", "2"], "--train-size": ["50", "100"], "--batch-size": ["1", "16", "64", "10000000000"]}
COMMANDS = [["train"], ["evaluate"], ["predict"], ["summary"], ["export-code"], ["data", "list"],
            ["data", "fetch"], ["serve"], []]


def subparser(path: list[str]) -> argparse.ArgumentParser:
    parser = build_parser()
    for name in path:
        action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        parser = action.choices[name]
    return parser


def values_for(action: argparse.Action, files: list[str]) -> st.SearchStrategy[str]:
    option = action.option_strings[0] if action.option_strings else action.dest
    valid = list(action.choices or []) or BOUNDED.get(option) or SMALL_NUMBERS + files
    return st.one_of(st.sampled_from(valid), st.sampled_from(HOSTILE + files), st.text(max_size=20))


def argument_lists(path: list[str], files: list[str]) -> st.SearchStrategy[list[str]]:
    parser = subparser(path)
    actions = [a for a in parser._actions if not isinstance(a, (argparse._HelpAction, argparse._VersionAction,
                                                                 argparse._SubParsersAction))]
    pieces = []
    for action in actions:
        values = values_for(action, files)
        if not action.option_strings:  # a positional: usually given, sometimes left out
            pieces.append(st.one_of(values.map(lambda v: [v]), st.just([])))
        elif action.nargs == 0:
            pieces.append(st.sampled_from([[], action.option_strings]))
        else:
            pieces.append(st.one_of(st.just([]), values.map(lambda v, o=action.option_strings[0]: [o, v])))
    unknown = st.sampled_from([[], ["--no-such-option"], ["--epochs"], ["-x", "1"]])
    return st.tuples(st.lists(st.sampled_from([["--data", "digits"], ["--data", "mnist"], ["--data-dir", "/no"]]),
                              max_size=1), st.tuples(*pieces), unknown).map(
        lambda t: [w for part in t[0] for w in part] + path + [w for part in t[1] for w in part] + t[2])


def run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exit_:  # argparse: --help, --version and mistakes
            code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 2)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def sandbox(tmp_path_factory, monkeypatch):
    """A tmp folder as the working directory, files to point at, no dashboard, no server, no download."""
    folder = tmp_path_factory.mktemp("cli-fuzz")
    monkeypatch.chdir(folder)
    (folder / "junk.termnet").write_bytes(b"PK\x03\x04 not really a zip")
    (folder / "spec.toml").write_text('name = "s"\n[[layers]]\ntype = "Flatten"\n[[layers]]\ntype = "FC"\n')
    (folder / "folder").mkdir()
    for variable in ("TERMNET_MNIST_MIRRORS", "TERMNET_FASHION_MNIST_MIRRORS"):
        monkeypatch.setenv(variable, closed_port_url())
    monkeypatch.setattr(termnet.app.launch, "run_app", lambda args: 0)
    monkeypatch.setattr(termnet.app.launch, "serve_app", lambda args: 0)
    return folder


FILES = ["junk.termnet", "spec.toml", "folder", "missing.termnet", "out.termnet", "mlp", "cnn", "article-mlp"]


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(p) or "dashboard")
def test_every_option_gives_an_exit_code_and_one_line(sandbox, path):
    @given(argument_lists(path, FILES))
    def check(argv):
        before = {p for p in sandbox.parent.iterdir()}
        code, out, err = run(argv)
        assert code in (0, 1, 2), (argv, code, err)
        assert "Traceback" not in err and "internal error" not in err, (argv, err)
        errors = [line for line in err.splitlines() if "error:" in line]
        if code:
            assert len(errors) == 1, (argv, err)
        assert {p for p in sandbox.parent.iterdir()} == before  # nothing written beside the sandbox

    check()
