"""A model saved from the dashboard remembers how it was trained, as `termnet train --save` does: the images it
trained on and its augmentation, taken from its run, not from the form (which may have changed since)."""

from termnet.app import make_app
from termnet.engine.serialization import load_model

from .pilot import SIZE, train


def form(app, **values) -> None:
    app.dashboard.query_one("#form").set_values(values)


async def test_saving_records_the_runs_augmentation_and_images_not_the_forms(digits, tmp_path):
    app = make_app(dataset=digits, preset="cnn")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        form(app, epochs=1, augment="light", train_size=128)
        await train(pilot)
        form(app, augment="strong", train_size=64)  # changed after the run: not how this network was trained
        app._save_model_to(str(tmp_path / "light.termnet"))
    _, metadata = load_model(tmp_path / "light.termnet")
    assert metadata["augment"] == "light" and metadata["train_size"] == 128


async def test_loading_a_model_brings_its_augmentation_back_to_the_form_and_to_the_next_save(digits, tmp_path):
    app = make_app(dataset=digits, preset="cnn")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        form(app, epochs=1, augment="light")
        await train(pilot)
        app._save_model_to(str(tmp_path / "first.termnet"))
    app = make_app(dataset=digits, preset="mlp")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.dashboard.current_spec()[1]["augment"] == "none"
        app._load_model(str(tmp_path / "first.termnet"))
        await pilot.pause()
        assert app.dashboard.current_spec()[1]["augment"] == "light", "C would continue without augmentation"
        app._save_model_to(str(tmp_path / "again.termnet"))
    _, metadata = load_model(tmp_path / "again.termnet")
    assert metadata["augment"] == "light"


def test_a_files_unknown_augmentation_or_size_reads_as_the_default():
    from termnet.app.screens.dashboard import DashboardScreen

    how = DashboardScreen.how_trained
    assert how({"augment": "sideways", "train_size": -3}) == {"train_size": 0, "augment": "none"}
    assert how({"augment": ["light"], "train_size": True}) == {"train_size": 0, "augment": "none"}
    assert how({"augment": "strong", "train_size": 500}) == {"train_size": 500, "augment": "strong"}
    assert how(None) == {"train_size": 0, "augment": "none"}
    assert how({"augment": " LIGHT "})["augment"] == "light", "as the setting names it: fit knows only that"
