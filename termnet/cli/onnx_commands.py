"""termnet export-onnx | import-onnx: a saved model to an ONNX file and back (the optional extra termnet[onnx])."""

from __future__ import annotations

import sys
from pathlib import Path

from ..engine import load_model, save_model


def add_parsers(commands) -> None:
    """The two commands, under the ``termnet`` parser's subcommands."""
    export = commands.add_parser("export-onnx", help="write a saved model as an ONNX file (for ONNX Runtime, ...)")
    export.add_argument("model", metavar="MODEL", help="a .termnet model file")
    export.add_argument("out", metavar="OUT.onnx", help="the ONNX file to write")
    read = commands.add_parser("import-onnx", help="read an ONNX file (a chain of layers) as a termnet model")
    read.add_argument("onnx_file", metavar="IN.onnx", help="the ONNX file to read")
    read.add_argument("out", metavar="OUT.termnet", help="the model file to write")


def export_onnx(args) -> int:
    from ..onnx.export import export_onnx as write

    network, _ = load_model(args.model)
    written = write(network, Path(args.out).expanduser())  # atomic_write refuses folders by name
    print(f"Wrote {written}: input 'input' (N, {', '.join(map(str, network.input_shape))}), output 'output' "
          f"(N, {', '.join(map(str, network.output_shape))})", file=sys.stderr)
    return 0


def import_onnx(args) -> int:
    from ..onnx.importer import read_onnx

    network = read_onnx(args.onnx_file)
    target = save_model(network, Path(args.out).expanduser(), {"imported_from": Path(args.onnx_file).name})
    print(f"Wrote {target}: {len(network.layers)} layers read from {args.onnx_file}", file=sys.stderr)
    print(network.summary(), file=sys.stderr)
    return 0


HANDLERS = {"export-onnx": export_onnx, "import-onnx": import_onnx}
