"""Showing a sweep: a live table on a terminal, one JSON line per trial otherwise, the best, and a plot.

The best trial is the one with the highest validation accuracy (then the lowest validation loss): the test
figures are shown beside it but never choose it.
"""

from __future__ import annotations

import json
import math

from rich import box
from rich.table import Table

FIGURES = ("val_accuracy", "val_loss", "test_accuracy", "epochs", "seconds")


def public(result: dict) -> dict:
    """A result as reported: without the saved model's bytes."""
    return {k: v for k, v in result.items() if k != "model_bytes"}


def json_line(result: dict) -> str:
    return json.dumps(public(result), default=str)


def _shown(value) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def plain_line(result: dict) -> str:
    """One line per trial, for logs."""
    values = "  ".join(f"{k}={_shown(v)}" for k, v in result["values"].items())
    head = f"trial {result['trial']}  {values}  seed={result['seed']}"
    if result["status"] != "ok":
        return f"{head}  {result['status']}: {result.get('reason', '')}"
    return (f"{head}  val_accuracy {result['val_accuracy']:.4f}  val_loss {result['val_loss']:.4f}  "
            f"test_accuracy {result['test_accuracy']:.4f}  {result['epochs']} epoch(s)  {result['seconds']:.1f}s")


def table(results: list[dict], labels: list[str], total: int) -> Table:
    """Every finished trial, in the order they finished, the best marked."""
    best = best_result(results)
    grid = Table(title=f"Sweep: {len(results)} of {total} trial(s) done", title_justify="left",
                 box=box.SIMPLE_HEAD, pad_edge=False)  # no column rules: the status fits at 80 columns
    for column in ("#", *labels, "seed", "val acc", "val loss", "test acc", "ep", "s"):
        grid.add_column(column, justify="right", no_wrap=True)
    grid.add_column("status", no_wrap=True)
    for result in results:
        figures = ([f"{result['val_accuracy']:.4f}", f"{result['val_loss']:.4f}", f"{result['test_accuracy']:.4f}",
                    str(result["epochs"])] if result["status"] == "ok" else ["-"] * 4)
        grid.add_row(str(result["trial"]), *[_shown(result["values"].get(label, "")) for label in labels],
                     str(result["seed"]), *figures, f"{result.get('seconds', 0):.1f}",
                     "best" if result is best else result["status"],
                     style="bold green" if result is best else ("red" if result["status"] != "ok" else None))
    # a failure's reason under the table, whole: in a column it would be squeezed to nothing at 80 columns
    grid.caption = "\n".join(f"trial {r['trial']} {r['status']}: {r.get('reason', '')}" for r in results
                             if r["status"] != "ok") or None
    grid.caption_justify = "left"
    return grid


def best_result(results: list[dict]) -> dict | None:
    finished = [r for r in results if r["status"] == "ok" and math.isfinite(r["val_accuracy"])]
    return max(finished, key=lambda r: (r["val_accuracy"], -r["val_loss"], -r["trial"]), default=None)


def best_line(best: dict | None, results: list[dict]) -> str:
    failed = sum(r["status"] != "ok" for r in results)
    tail = f" ({failed} of {len(results)} trial(s) failed or diverged)" if failed else ""
    if best is None:
        return f"No trial finished{tail}"
    values = ", ".join(f"{k} {_shown(v)}" for k, v in best["values"].items()) or "the spec's settings"
    return (f"Best: trial {best['trial']}: {values}, seed {best['seed']}: validation accuracy "
            f"{best['val_accuracy']:.2%} (test {best['test_accuracy']:.2%}){tail}")


def accuracy_plot(results: list[dict], axis, width: int = 78, height: int = 18) -> str | None:
    """Validation accuracy against ``axis``'s values, drawn with plotext (a log x axis for a log range);
    None when the axis is not numeric or fewer than two values finished."""
    import plotext as plt

    points = [(r["values"][axis.label], r["val_accuracy"]) for r in results
              if r["status"] == "ok" and axis.label in r["values"]]
    if not axis.numeric or len({x for x, _ in points}) < 2:
        return None
    plt.clear_figure()
    plt.plotsize(width, height)
    plt.theme("clear")
    log = axis.scale == "log" or (min(x for x, _ in points) > 0 and max(x for x, _ in points)
                                  / min(x for x, _ in points) >= 100)
    if log:
        plt.xscale("log")
    plt.scatter([x for x, _ in points], [y for _, y in points], marker="dot")
    plt.title(f"validation accuracy against {axis.label}")
    plt.xlabel(f"{axis.label}{' (log scale)' if log else ''}")
    return plt.uncolorize(plt.build())  # plain text: pipes and logs get no escape codes
