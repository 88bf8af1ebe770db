"""termnet export-onnx, import-onnx and export-code --framework pytorch on the command line: files written,
and every refusal one line, with no traceback."""

import subprocess
import sys

import numpy as np
import pytest

from termnet.cli import main
from termnet.engine import load_model, save_model

from .networks import built, cases, images

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper  # noqa: E402


@pytest.fixture
def model_file(tmp_path):
    layers, shape = cases()["cnn"]
    return save_model(built(layers, shape), tmp_path / "cnn.termnet")


def run(capsys, *args) -> tuple[int, str]:
    code = main([str(a) for a in args])
    err = capsys.readouterr().err
    return code, err


def refusal(capsys, *args) -> str:
    code, err = run(capsys, *args)
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and lines[0].startswith("termnet: error: "), err
    return lines[0]


def test_export_then_import_on_the_command_line_keeps_the_predictions(model_file, tmp_path):
    ort = pytest.importorskip("onnxruntime")
    exported, imported = tmp_path / "cnn.onnx", tmp_path / "back.termnet"
    for args in (("export-onnx", model_file, exported), ("import-onnx", exported, imported)):
        result = subprocess.run([sys.executable, "-m", "termnet", *map(str, args)], capture_output=True, text=True,
                                timeout=120)
        assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    network, _ = load_model(model_file)
    back, metadata = load_model(imported)
    x = images(8, network.input_shape)
    session = ort.InferenceSession(str(exported), providers=["CPUExecutionProvider"])
    np.testing.assert_allclose(session.run(None, {"input": x})[0], network.predict(x), atol=1e-5)
    np.testing.assert_allclose(back.predict(x), network.predict(x), atol=1e-5)
    assert metadata["imported_from"] == "cnn.onnx"


def write_graph(path, nodes):
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 4])],
                              [helper.make_tensor_value_info(nodes[-1].output[0], TensorProto.FLOAT, ["N", 4])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    path.write_bytes(model.SerializeToString())
    return path


def test_an_unsupported_operator_is_one_line_naming_it_and_its_node(capsys, tmp_path):
    path = write_graph(tmp_path / "sin.onnx", [helper.make_node("Relu", ["x"], ["r"], name="act"),
                                               helper.make_node("Sin", ["r"], ["y"], name="wave")])
    line = refusal(capsys, "import-onnx", path, tmp_path / "out.termnet")
    assert "node 1 'wave' (Sin)" in line and "no termnet layer" in line
    assert not (tmp_path / "out.termnet").exists()


def test_a_branch_is_one_line(capsys, tmp_path):
    path = write_graph(tmp_path / "branch.onnx", [helper.make_node("Relu", ["x"], ["r"]),
                                                  helper.make_node("Tanh", ["r"], ["t"]),
                                                  helper.make_node("Mul", ["r", "t"], ["y"])])
    assert "branches" in refusal(capsys, "import-onnx", path, tmp_path / "out.termnet")


def test_a_truncated_file_is_one_line(capsys, model_file, tmp_path):
    whole = tmp_path / "whole.onnx"
    assert main(["export-onnx", str(model_file), str(whole)]) == 0
    capsys.readouterr()
    cut = tmp_path / "cut.onnx"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    line = refusal(capsys, "import-onnx", cut, tmp_path / "out.termnet")
    assert str(cut) in line and "truncated" in line


def test_missing_files_and_folders_are_one_line(capsys, model_file, tmp_path):
    assert "no-such.termnet" in refusal(capsys, "export-onnx", tmp_path / "no-such.termnet", tmp_path / "x.onnx")
    assert "no-such.onnx" in refusal(capsys, "import-onnx", tmp_path / "no-such.onnx", tmp_path / "x.termnet")
    assert "folder" in refusal(capsys, "export-onnx", model_file, tmp_path)
    assert "does not exist" in refusal(capsys, "export-onnx", model_file, tmp_path / "missing" / "x.onnx")


@pytest.mark.parametrize("command", ["export-onnx", "import-onnx"])
def test_without_the_onnx_extra_the_commands_say_what_to_install(capsys, monkeypatch, model_file, tmp_path, command):
    monkeypatch.setitem(sys.modules, "onnx", None)  # ``import onnx`` now raises ImportError, as when not installed
    source = model_file if command == "export-onnx" else tmp_path / "any.onnx"
    (tmp_path / "any.onnx").write_bytes(b"\x08\x08")
    line = refusal(capsys, command, source, tmp_path / "out.file")
    assert "pip install 'termnet[onnx]'" in line and "onnx" in line


def test_export_code_for_pytorch_prints_a_script_for_the_model(capsys, model_file):
    assert main(["export-code", str(model_file), "--framework", "pytorch"]) == 0
    script = capsys.readouterr().out
    assert "nn.Sequential" in script and str(model_file) in script
    compile(script, "generated.py", "exec")


def test_starting_termnet_imports_neither_onnx_nor_torch():
    code = ("import sys, termnet.cli, termnet.onnx, termnet.onnx.export, termnet.onnx.importer, "
            "termnet.onnx.pytorch_code; "
            "print(','.join(m for m in ('onnx', 'onnxruntime', 'torch') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and result.stdout.strip() == "", result.stdout + result.stderr
