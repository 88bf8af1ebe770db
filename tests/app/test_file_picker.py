"""The file dialog of S, L, W and R: it lists the folder it is in, moves between folders, and every
message after it names the file in full."""

from pathlib import Path

from textual.widgets import Input, Label

from termnet.app import make_app
from termnet.app.screens.confirm import ConfirmScreen
from termnet.app.screens.file_picker import FilePickerScreen, FileTree

from .pilot import SIZE, notifications, train, wait_until


def listed(app) -> list[str]:
    return [str(node.label) for node in app.screen.query_one(FileTree).root.children]


async def open_picker(pilot, key: str, expect: list[str]) -> FilePickerScreen:
    """Press ``key`` and wait until the dialog lists ``expect`` (the folder is read in a thread)."""
    await pilot.press(key)
    await wait_until(lambda: isinstance(pilot.app.screen, FilePickerScreen) and listed(pilot.app) == expect)
    return pilot.app.screen


def folder(tmp_path: Path) -> Path:
    """A folder with a model, a spec, other files, a hidden model and a subfolder holding a model."""
    for name in ("a.termnet", "b.toml", "notes.txt", ".hidden.termnet"):
        (tmp_path / name).write_text("x")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "inner.termnet").write_text("x")
    return tmp_path.resolve()


async def test_the_dialog_lists_the_folder_it_starts_in_with_the_files_of_its_kind(digits, tmp_path, monkeypatch):
    here = folder(tmp_path)
    monkeypatch.chdir(here)
    app = make_app(dataset=digits, preset="mlp")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        picker = await open_picker(pilot, "L", ["sub", "a.termnet"])  # folders first, hidden files left out
        assert str(picker.query_one("#picker-folder", Label).content) == f"In {here}"
        assert picker.query_one("#path", Input).value == "model.termnet" and app.focused.id == "path"
        await pilot.press("escape")
        await open_picker(pilot, "R", ["sub", "b.toml"])


async def test_going_into_a_folder_and_up_by_keys(digits, tmp_path, monkeypatch):
    here = folder(tmp_path)
    monkeypatch.chdir(here)
    app = make_app(dataset=digits, preset="mlp")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        picker = await open_picker(pilot, "L", ["sub", "a.termnet"])
        await pilot.press("tab", "down", "enter")  # the list's first line is "..", then sub
        await wait_until(lambda: listed(app) == ["inner.termnet"])
        assert picker.folder == here / "sub" and str(picker.query_one("#picker-folder", Label).content).endswith("sub")
        await pilot.press("backspace")
        await wait_until(lambda: listed(app) == ["sub", "a.termnet"])
        assert picker.folder == here
        await pilot.press("home", "enter")  # ".." too goes up
        await wait_until(lambda: picker.folder == here.parent)
        assert app.screen is picker  # moving between folders never closes the dialog


async def test_enter_on_a_typed_folder_goes_into_it(digits, tmp_path, monkeypatch):
    here = folder(tmp_path)
    monkeypatch.chdir(here)
    app = make_app(dataset=digits, preset="mlp")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        picker = await open_picker(pilot, "L", ["sub", "a.termnet"])
        await pilot.press("ctrl+u", *"sub", "enter")
        await wait_until(lambda: listed(app) == ["inner.termnet"])
        assert app.screen is picker and picker.folder == here / "sub"
        assert picker.query_one("#path", Input).value == "model.termnet"  # the default is offered again
        await pilot.press("ctrl+u", ".", ".", "enter")
        await wait_until(lambda: listed(app) == ["sub", "a.termnet"])
        assert "is a folder" not in notifications(app) and "no such" not in notifications(app)


async def test_a_model_saved_into_a_folder_by_keys_loads_again_by_keys(digits, tmp_path, monkeypatch):
    here = folder(tmp_path)
    monkeypatch.chdir(here)
    app = make_app(dataset=digits, preset="mlp")
    async with app.run_test(size=SIZE) as pilot:
        await train(pilot)
        accuracy = app.evaluation.accuracy
        await open_picker(pilot, "S", ["sub", "a.termnet"])
        await pilot.press("tab", "down", "enter")  # into sub
        await wait_until(lambda: listed(app) == ["inner.termnet"])
        await pilot.press("tab", "enter")  # back to the name, model.termnet: accept
        await pilot.pause()
        saved = here / "sub" / "model.termnet"
        assert saved.is_file() and f"Saved {saved}" in notifications(app)
        await open_picker(pilot, "W", [])  # the next dialog opens where the last file went
        await pilot.press("enter")
        await pilot.pause()
        assert f"Wrote {here / 'sub' / 'spec.toml'}" in notifications(app)

    fresh = make_app(dataset=digits, preset=None)
    async with fresh.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await open_picker(pilot, "L", ["sub", "a.termnet"])
        await pilot.press("tab", "down", "enter")
        await wait_until(lambda: listed(fresh) == ["inner.termnet", "model.termnet"])
        await pilot.press("down", "down", "enter")  # enter on a file in the list loads it
        await pilot.pause()
        assert fresh.evaluation is not None and fresh.evaluation.accuracy == accuracy
        assert f"Loaded {saved}: trained" in notifications(fresh) and len(fresh.screen_stack) == 1


async def test_escape_cancels_without_writing_or_loading_anything(digits, tmp_path, monkeypatch):
    here = folder(tmp_path)
    monkeypatch.chdir(here)
    app = make_app(dataset=digits, preset="mlp")
    async with app.run_test(size=SIZE) as pilot:
        await train(pilot)
        network, before = app.network, sorted(here.rglob("*"))
        app.clear_notifications()  # "Training done", still shown or not depending on the machine's speed
        for key in "SLWR":
            await open_picker(pilot, key, ["sub", "b.toml" if key in "WR" else "a.termnet"])
            await pilot.press("escape")
            await pilot.pause()
            assert len(app.screen_stack) == 1
        assert sorted(here.rglob("*")) == before and app.network is network and app.saved_network is None
        assert notifications(app) == ""


async def test_saving_over_a_file_still_asks_first(digits, tmp_path, monkeypatch):
    here = folder(tmp_path)
    monkeypatch.chdir(here)
    existing = here / "a.termnet"
    app = make_app(dataset=digits, preset="mlp")
    async with app.run_test(size=SIZE) as pilot:
        await train(pilot)
        picker = await open_picker(pilot, "S", ["sub", "a.termnet"])
        await pilot.press("tab", "down", "down", "enter")  # choosing a file while saving only fills the name
        await pilot.pause()
        assert app.screen is picker and picker.query_one("#path", Input).value == "a.termnet"
        assert app.focused.id == "path"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen) and app.screen.question == f"{existing} exists: overwrite it? y/n"
        await pilot.press("n")
        await pilot.pause()
        assert existing.read_text() == "x"
        await open_picker(pilot, "S", ["sub", "a.termnet"])
        await pilot.press("ctrl+u", *"a.termnet", "enter", "y")
        await pilot.pause()
        assert existing.read_bytes() != b"x" and f"Saved {existing}" in notifications(app)


async def test_messages_name_the_file_in_full(digits, tmp_path, monkeypatch):
    here = folder(tmp_path)
    monkeypatch.chdir(here)
    (here / "run[1]").mkdir()  # "[...]" would be taken for markup: the path must come out as it is
    app = make_app(dataset=digits, preset="mlp")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await open_picker(pilot, "L", ["run[1]", "sub", "a.termnet"])
        await pilot.press("ctrl+u", *"missing.termnet", "enter")
        await pilot.pause()
        assert f"{here / 'missing.termnet'}: no such model file" in notifications(app)
        app._load_model("sub")  # a folder given all the same
        await pilot.pause()
        assert f"{here / 'sub'} is a folder: choose a model file" in notifications(app)
        await open_picker(pilot, "W", ["run[1]", "sub", "b.toml"])
        await pilot.press("ctrl+u", *"run[1]/s.toml", "enter")
        await pilot.pause()
        written = here / "run[1]" / "s.toml"
        assert written.is_file() and f"Wrote {written}" in notifications(app)
        await open_picker(pilot, "R", ["s.toml"])  # opens in run[1], where the spec went
        await pilot.press("enter")  # spec.toml: there is none
        await pilot.pause()
        assert f"{here / 'run[1]' / 'spec.toml'}: " in notifications(app)
        await open_picker(pilot, "R", ["s.toml"])
        await pilot.press("tab", "down", "enter")
        await pilot.pause()
        assert f"Read {written}: " in notifications(app)


async def dialog_fits(app, size) -> None:
    """Every part of the dialog lies inside the dialog's box, and the box inside the screen."""
    picker = app.screen
    box = picker.query_one("FilePickerScreen > Vertical")
    assert picker.region.size == size and picker.region.contains_region(box.region)
    for part in ("#picker-title", "#picker-folder", "#picker-tree", "#path", "#picker-keys"):
        region = picker.query_one(part).region
        assert region.height >= 1 and box.content_region.contains_region(region), part


async def test_the_dialog_fits_80x24_and_120x40_and_its_list_scrolls(digits, tmp_path, monkeypatch):
    here = tmp_path.resolve()
    monkeypatch.chdir(here)
    names = [f"model-{number:02}.termnet" for number in range(40)]
    for name in names:
        (here / name).write_text("x")
    for size in ((80, 24), (120, 40)):
        app = make_app(dataset=digits, preset="mlp")
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            picker = await open_picker(pilot, "L", names)
            await dialog_fits(app, size)
            assert str(picker.query_one("#picker-title", Label).content) == "Load a model from a .termnet or .onnx file"
            tree = picker.query_one(FileTree)
            assert tree.max_scroll_y > 0  # 41 lines do not fit: the list scrolls, the dialog does not grow
            await pilot.press("tab", *["down"] * 40)
            assert tree.scroll_y > 0 and tree.cursor_node.label.plain == names[-1]
