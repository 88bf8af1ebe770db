"""termnet data list | fetch: what datasets are at hand, and downloading them."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from ..data import DATASETS, dataset_status
from ..data.sources import SOURCES
from .common import UserError, load_data


def data_list(args) -> int:
    table = Table(title="Datasets")
    for column in ("name", "available", "cached", "where", "size"):
        table.add_column(column, justify="right" if column == "size" else "left")
    for name in DATASETS:
        if name == "idx":
            continue
        status = dataset_status(name, args.data_dir if name == "mnist" else None)
        size = f"{status.size_bytes / 1e6:.1f} MB" if status.size_bytes else "-"
        table.add_row(name, "yes" if status.available else "no", "yes" if status.cached else "no", status.where, size)
    Console().print(table)
    return 0


def data_fetch(args) -> int:
    if args.name not in SOURCES:
        raise UserError(f"Only {', '.join(SOURCES)} can be fetched. Received: {args.name!r}")
    load_data(args.name, None)
    return 0
