"""The dashboard meets broken files, bad numbers, keys at the wrong time: a message, never an exit or a lost stack."""

import asyncio

import pytest
from textual.widgets import Input, Label

from termnet.app import make_app
from termnet.app.screens.confirm import ConfirmScreen
from termnet.app.widgets.layer_list import LayerList

from .pilot import SIZE, key, make_the_run_long, notifications, start_training, train, wait_until


def stack_of(app) -> list[dict]:
    return [dict(layer) for layer in app.dashboard.query_one(LayerList).stack]


@pytest.mark.parametrize("content", [
    b"PK\x03\x04\x14\x00\x00\x00\x08\x00\xff\xfe binary model bytes \x80\x81",  # a model file: not UTF-8
    b'name = "x"\n[[layers]]\ntype = "Flatten"\n[[layers]]\ntype = "FC"\n',  # an FC with no size
    b'name = "x"\n[[layers]]\ntype = "Convolution"\nfilters = 8\n',  # the form's word, not the spec's
    b"[[[ not toml",
    b'name = 3\nlayers = "no"\n',
])
async def test_reading_a_broken_spec_notifies_and_keeps_the_stack(digits, tmp_path, content):
    bad = tmp_path / "bad.toml"
    bad.write_bytes(content)
    app = make_app(dataset=digits, preset="mlp")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        before = stack_of(app)
        app.load_spec_into_dashboard(str(bad))
        await pilot.pause()
        assert app.is_running and stack_of(app) == before
        assert str(bad) in notifications(app)


@pytest.mark.parametrize("typed, problem", [("1e9", "must be a whole number"), ("2.5", "must be a whole number"),
                                            ("0", "must be 1 or more"), ("abc", "must be a whole number")])
async def test_the_epochs_field_keeps_what_was_typed_and_says_what_is_wrong(digits, typed, problem):
    app = make_app(dataset=digits, preset="mlp")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        field = app.dashboard.query_one("#field-epochs", Input)
        field.focus()
        field.value = ""
        await pilot.press(*typed)
        await pilot.pause()
        assert field.value == typed
        assert problem in str(app.dashboard.query_one("#problem-epochs", Label).content)
        _, problems = app.dashboard.query_one("#form").values()
        assert any(problem in p for p in problems)


async def test_the_stack_cannot_change_while_training(digits, tmp_path):
    spec = tmp_path / "spec.toml"
    spec.write_text('name = "other"\n[[layers]]\ntype = "Flatten"\n')
    app = make_app(dataset=digits, preset="article-mlp")  # one sample at a time: slow enough
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        make_the_run_long(app)
        before = stack_of(app)
        await key(app, "s")
        await wait_until(lambda: app.dashboard.training)
        await key(app, "b")
        # a loaded machine can take a while to handle a key while training: wait for it, not a fixed time
        await wait_until(lambda: app.focused is app.dashboard.query_one("#layers"))
        for name in ("d", "right_square_bracket", "left_square_bracket", "3", "a", "e"):
            await key(app, name)
        app.load_spec_into_dashboard(str(spec))
        await key(app, "R")
        await wait_until(lambda: "cannot change while training" in notifications(app))
        assert stack_of(app) == before and len(app.screen_stack) == 1
        await key(app, "x")
        await app.workers.wait_for_complete()


async def test_quitting_while_training_asks_first(digits):
    app = make_app(dataset=digits, preset="article-mlp")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        make_the_run_long(app)
        await start_training(pilot)
        await key(app, "q")
        await wait_until(lambda: isinstance(app.screen, ConfirmScreen))
        assert "Training is running: quit anyway? y/n" in app.screen.question
        await key(app, "n")
        assert app.is_running and app.dashboard.training
        await key(app, "x")
        await app.workers.wait_for_complete()


async def test_quitting_with_an_unsaved_network_asks_and_y_quits(digits, tmp_path):
    app = make_app(dataset=digits, preset="mlp")
    async with app.run_test(size=SIZE) as pilot:
        await train(pilot)
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen) and "never saved" in app.screen.question
        await pilot.press("escape")
        app._save_model(str(tmp_path / "m.termnet"))
        await pilot.pause()
        await pilot.press("q")  # saved: quits without asking
        await pilot.pause()
        assert not app.is_running


async def test_the_save_dialog_refuses_folders_and_missing_folders_and_asks_before_overwriting(digits, tmp_path):
    app = make_app(dataset=digits, preset="mlp")
    async with app.run_test(size=SIZE) as pilot:
        await train(pilot)
        app._save_model(str(tmp_path))
        await pilot.pause()
        assert f"{tmp_path} is a folder: give a file name" in notifications(app)
        missing = tmp_path / "no" / "such" / "m.termnet"
        app._save_model(str(missing))
        await pilot.pause()
        assert f"The folder {missing.parent} does not exist" in notifications(app)
        assert not (tmp_path / "no").exists()
        existing = tmp_path / "keep.termnet"
        existing.write_bytes(b"precious")
        app._save_model(str(existing))
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen) and str(existing) in app.screen.question
        await pilot.press("n")
        await pilot.pause()
        assert existing.read_bytes() == b"precious"
        app._save_model(str(existing))
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert existing.read_bytes() != b"precious" and f"Saved {existing}" in notifications(app)


async def test_the_whole_screen_is_repainted_once_the_last_toast_has_gone(digits):
    """In a real terminal, expired toasts left their text behind until something redrew those cells."""
    app = make_app(dataset=digits, preset="mlp")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        screen, repaints = app.screen, []
        original = screen.refresh
        screen.refresh = lambda *regions, **kwargs: (repaints.append(regions), original(*regions, **kwargs))[1]
        app.notify("first", timeout=0.1)
        app.notify("second", timeout=0.3)
        await asyncio.sleep(1.2)
        await pilot.pause()
        assert not app._notifications
        assert (screen.region,) in repaints
