"""Bridges to other frameworks: ONNX export and import, and PyTorch code. No user interface.

``onnx`` and ``onnxruntime`` are the optional extra ``termnet[onnx]``. Nothing here imports them until a
conversion runs (``require_onnx``), so that termnet starts, and every other command works, without them;
a conversion without them fails in one line that says what to install.
"""

from __future__ import annotations

import importlib

INSTALL_HINT = "pip install 'termnet[onnx]'"


class MissingExtra(ImportError, ValueError):
    """An optional package is not installed. A ValueError too, so the command line prints it as one line."""


class ONNXFileError(ValueError):
    """An ONNX file termnet cannot read or a graph it cannot turn into layers; the message is one line."""


def require(module: str):
    """Import ``module`` (``onnx``, ``onnxruntime``) on first use, or say in one line how to install it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissingExtra(f"ONNX support needs the {module} package, which is not installed: {INSTALL_HINT}") from None


def require_onnx():
    return require("onnx")


__all__ = ["INSTALL_HINT", "MissingExtra", "ONNXFileError", "require", "require_onnx"]
