"""termnet sweep: grid or random search over training settings and layer sizes, trials in parallel.

    termnet sweep --model mlp --learning-rate 1e-3:1:7log --layer 1.output_size=32,64 --seeds 0,1

Each trial is a full training run with its seed, in its own process (every core by default, one BLAS
thread each) or on a Dask cluster (``--scheduler``). Results stream as trials finish; the best (highest
validation accuracy) is named at the end, with a plot of validation accuracy against the swept value.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..settings import SETTINGS
from ..sweep.space import NOT_SWEPT


def add_parser(commands, data_options, whole, save_path) -> argparse.ArgumentParser:
    """The ``sweep`` command's options (``data_options``, ``whole`` and ``save_path`` are the CLI's helpers)."""
    from . import PRESET_LIST  # the command line's own list (it builds this command once it is loaded)

    parser = commands.add_parser("sweep", help="grid or random search over settings, trials in parallel")
    parser.add_argument("--model", metavar="PRESET|SPEC.toml",
                        help=f"{PRESET_LIST} or a spec file (its [sweep] table too)")
    data_options(parser)
    for setting in SETTINGS.values():
        if setting.name in NOT_SWEPT:
            continue
        values = f"one of {', '.join(setting.choices)}, or a comma list" if setting.choices else \
            "a value, a comma list, or lo:hi:Nlog / lo:hi:Nlin"
        parser.add_argument(setting.option, dest=setting.name, metavar="VALUES", help=f"{setting.help}: {values}")
    parser.add_argument("--layer", action="append", metavar="I.ARG=VALUES",
                        help="vary a layer's argument, such as 1.output_size=32,64,128 (repeatable)")
    parser.add_argument("--random", type=whole("--random", 1), metavar="N",
                        help="random search: N draws (a range anywhere between its ends) instead of the grid")
    parser.add_argument("--seeds", metavar="SEEDS", help="train each combination with each seed: 0,1,2 or 0:3 "
                        "(default: the spec's seed)")
    parser.add_argument("--workers", type=whole("--workers", 1), metavar="N",
                        help="trials at once, in separate processes (default: every core)")
    parser.add_argument("--scheduler", metavar="tcp://HOST:8786",
                        help="run the trials on this Dask scheduler's workers (pip install 'termnet[cluster]')")
    parser.add_argument("--save-best", metavar="FILE", type=save_path, help="save the best trial's model")
    parser.add_argument("--json", action="store_true", help="one JSON line per trial, then one for the best")
    return parser


def run(args) -> int:
    from ..presets import fit_preset
    from ..provenance import model_metadata
    from ..spec import PRESETS, load_spec
    from ..sweep import connect, make_jobs, pack_data, run_dask, run_local
    from ..sweep.plan import make_plan
    from ..sweep.report import accuracy_plot, best_line, best_result, json_line, public
    from .common import load_data

    model = args.model or "mlp"
    spec = load_spec(model)
    plan = make_plan(spec, {name: getattr(args, name, None) for name in SETTINGS if name not in NOT_SWEPT},
                     args.layer, args.random, args.seeds)
    make_jobs(spec, plan.trials, plan.axes, plan.fixed)  # refuses a plan without validation data before the data loads
    client = connect(args.scheduler) if args.scheduler else None  # before loading data: a bad address fails fast
    data = load_data(args.data, args.data_dir, quiet=args.json)
    if model in PRESETS:
        spec, note = fit_preset(spec, data.image_shape)
        if note and not args.json:
            print(note, file=sys.stderr)
    metadata = model_metadata(data, spec.name, 0, args.data_dir) if args.save_best else None
    jobs = make_jobs(spec, plan.trials, plan.axes, plan.fixed, save=bool(args.save_best), metadata=metadata)
    packed = pack_data(data)
    where = f"on {args.scheduler}" if client else f"in {min(args.workers or _cores(), len(jobs))} process(es)"
    print(f"Sweep: {len(jobs)} trial(s) of {spec.name} {where}", file=sys.stderr)
    results = run_dask(jobs, packed, client) if client else run_local(jobs, packed, args.workers)
    try:
        finished = _show(results, plan, len(jobs), args.json)
    finally:
        if client:
            client.close()
    best = best_result(finished)
    if args.save_best and best is not None:
        from ..atomic import atomic_write

        metadata_path = atomic_write(args.save_best, best["model_bytes"])
        print(f"Saved the best trial's model to {Path(metadata_path).resolve()}", file=sys.stderr)
    if args.json:
        print(json_line({"best": public(best) if best else None, "trials": len(finished),
                         "failed": sum(r["status"] != "ok" for r in finished)}))
    else:
        print(best_line(best, finished))
        for axis in plan.axes[:1]:
            drawn = accuracy_plot(finished, axis)
            if drawn:
                print(drawn)
    return 0 if best is not None else 1


def _cores() -> int:
    from ..sweep.runner import default_workers

    return default_workers()


def _show(results, plan, total: int, json_mode: bool) -> list[dict]:
    """Each result as it arrives: a JSON line, a plain line, or the live table's new row; all of them."""
    from rich.console import Console
    from rich.live import Live

    from ..sweep.report import best_result, json_line, plain_line, table

    finished: list[dict] = []
    best_bytes = None
    console = Console()
    labels = [axis.label for axis in plan.axes]
    live = Live(table(finished, labels, total), console=console, auto_refresh=False) \
        if console.is_terminal and not json_mode else None
    if live:
        live.start()
    try:
        for result in results:
            if "model_bytes" in result:  # only the best so far keeps its model: a sweep's memory stays small
                if best_result([*finished, result]) is result:
                    best_bytes = result["model_bytes"]
                result = {k: v for k, v in result.items() if k != "model_bytes"}
            finished.append(result)
            if json_mode:
                print(json_line(result), flush=True)
            elif live:
                live.update(table(finished, labels, total), refresh=True)
            else:
                print(plain_line(result), flush=True)
    finally:
        if live:
            live.stop()
    best = best_result(finished)
    if best is not None and best_bytes is not None:
        best["model_bytes"] = best_bytes
    return finished

