"""What several commands share: loading data with visible download progress, and user errors."""

from __future__ import annotations

import sys

from rich.console import Console

from ..data import Dataset, default_dataset, load_dataset
from .progress import download_progress


class UserError(Exception):
    """A problem with what the user asked for: printed as one line, exit status 2."""


def figures_on_test_set(result) -> dict:
    """The test set's figures, under the keys ``train --json`` and ``evaluate --json`` share."""
    return {"test_accuracy": result.accuracy, "test_loss": result.loss}


def stderr_console() -> Console:
    return Console(stderr=True)


def load_data(name: str | None, data_dir: str | None, train_size: int | None = None, quiet: bool = False,
              planar=None) -> Dataset:
    """The dataset named (or MNIST when at hand, else the digits), downloading with a progress bar;
    ``planar``: how a 2-D set is drawn (PlanarOptions)."""
    chosen = default_dataset(name, data_dir)
    console = stderr_console()
    progress = download_progress(console) if console.is_terminal else _plain_download()
    try:
        data = load_dataset(chosen, data_dir=data_dir, train_size=train_size or None, progress=progress,
                            planar=planar)
    finally:
        if hasattr(progress, "stop"):
            progress.stop()
    if not quiet:
        note = "  (no dataset named: pass --data mnist to download MNIST)" if not name and chosen == "digits" else ""
        kind = "images" if data.is_images else "points"
        print(f"Data: {data.description}; {len(data.x_train):,} training, {len(data.x_test):,} test {kind}{note}",
              file=sys.stderr)
    return data


def _plain_download():
    """One line per downloaded file, for logs: no bar redrawn in place."""
    announced = set()

    def update(name: str, done: int, total: int) -> None:
        if name not in announced:
            announced.add(name)
            print(f"downloading {name} ({total:,} bytes)", file=sys.stderr, flush=True)

    return update
