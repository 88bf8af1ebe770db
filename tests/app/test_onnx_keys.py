"""E exports the dashboard's network to ONNX; L loads .onnx files as well as .termnet ones; bad files are a
message, and the dashboard keeps what it had."""

import sys

import numpy as np
import pytest

from termnet.app import make_app

from .pilot import SIZE, notifications, train, wait_until
from .test_file_picker import open_picker

pytest.importorskip("onnx")


def folder(tmp_path):
    for name in ("a.termnet", "b.onnx", "notes.txt"):
        (tmp_path / name).write_bytes(b"x")
    return tmp_path.resolve()


async def test_e_exports_the_network_and_l_loads_the_onnx_file_back(digits, tmp_path, monkeypatch):
    ort = pytest.importorskip("onnxruntime")
    here = folder(tmp_path)
    monkeypatch.chdir(here)
    app = make_app(dataset=digits, preset="mlp")
    async with app.run_test(size=SIZE) as pilot:
        await train(pilot)
        network, accuracy = app.network, app.evaluation.accuracy
        await open_picker(pilot, "E", ["b.onnx"])  # only ONNX files while exporting
        await pilot.press("enter")  # the name offered: model.onnx
        await pilot.pause()
        exported = here / "model.onnx"
        assert exported.is_file() and f"Exported {exported}" in notifications(app)
        session = ort.InferenceSession(str(exported), providers=["CPUExecutionProvider"])
        np.testing.assert_allclose(session.run(None, {"input": digits.x_test})[0], network.predict(digits.x_test),
                                   atol=1e-5)

    fresh = make_app(dataset=digits, preset=None)
    async with fresh.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await open_picker(pilot, "L", ["a.termnet", "b.onnx", "model.onnx"])  # models of both kinds
        await pilot.press("tab", "end", "enter")
        await wait_until(lambda: fresh.evaluation is not None)
        assert fresh.evaluation.accuracy == accuracy
        assert f"Loaded {exported}: read from ONNX" in notifications(fresh) and len(fresh.screen_stack) == 1


async def test_a_damaged_onnx_file_is_a_message_and_the_network_stays(digits, tmp_path, monkeypatch):
    here = folder(tmp_path)
    monkeypatch.chdir(here)
    app = make_app(dataset=digits, preset="mlp")
    async with app.run_test(size=SIZE) as pilot:
        await train(pilot)
        network = app.network
        await open_picker(pilot, "L", ["a.termnet", "b.onnx"])
        await pilot.press("ctrl+u", *"b.onnx", "enter")
        await pilot.pause()
        assert "b.onnx" in notifications(app) and "ONNX" in notifications(app)
        assert app.network is network and len(app.screen_stack) == 1


async def test_without_the_onnx_extra_e_says_what_to_install(digits, tmp_path, monkeypatch):
    here = folder(tmp_path)
    monkeypatch.chdir(here)
    monkeypatch.setitem(sys.modules, "onnx", None)  # as if not installed
    app = make_app(dataset=digits, preset="mlp")
    async with app.run_test(size=SIZE) as pilot:
        await train(pilot)
        await open_picker(pilot, "E", ["b.onnx"])
        await pilot.press("enter")
        await pilot.pause()
        assert "pip install 'termnet[onnx]'" in notifications(app) and not (here / "model.onnx").exists()


async def test_e_before_any_network_says_to_train_first(digits):
    app = make_app(dataset=digits, preset="mlp")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("E")
        await pilot.pause()
        assert "Train or load a model first" in notifications(app) and len(app.screen_stack) == 1
