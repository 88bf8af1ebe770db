"""What a model file remembers of the data it was trained on, so that a later run finds the same data.

The dataset's name alone finds the bundled digits, and MNIST or Fashion-MNIST in the cache (or
downloads them again). A folder given with ``--data-dir`` (the only home an ``idx`` dataset has)
cannot be found from the name, so the file remembers it too, as an absolute path: resuming
from another working directory still finds it. No Textual here: the app saves with it too.
"""

from __future__ import annotations

from pathlib import Path

from .data import DatasetError


def data_folder(dataset: str, data_dir) -> str | None:
    """The folder to remember for ``dataset`` loaded with ``data_dir``: the absolute path of a folder that was
    given; None when the name alone finds the data again (the digits ignore any folder)."""
    if data_dir is None or dataset == "digits":
        return None
    return str(Path(data_dir).expanduser().resolve())


def model_metadata(data, spec_name: str, train_size: int, data_dir, augment: str | None = "none") -> dict:
    """The metadata saved with a model trained on ``data`` (a Dataset, loaded from ``data_dir`` or by name)
    with the spec ``spec_name`` on its first ``train_size`` training images (0: all), its batches augmented at
    level ``augment``: what `train --resume` and the dashboard's load apply again. Every writer of model files
    (train, the dashboard, a sweep's trials) starts from this, so none of them leaves a part out (a sweep's
    trial sets its own train_size and augment, each trial's own)."""
    return {"dataset": data.name, "class_names": data.class_names, "image_shape": list(data.image_shape),
            "data_description": data.description, "spec": spec_name, "train_size": train_size,
            "data_dir": data_folder(data.name, data_dir), "augment": augment or "none",
            # how a 2-D set was drawn, so that evaluate and --resume draw the same points
            **({"planar": _planar(data.plane.options)} if getattr(data, "plane", None) is not None else {})}


def how_trained(values: dict | None) -> dict:
    """What model_metadata records of how a network was trained (train_size, augment), read back from a run's
    settings or a file's metadata and checked: a value no setting takes reads as the default, a choice as the
    setting names it (fit knows only those)."""
    from .settings import SETTINGS

    values = values or {}
    size, augment = values.get("train_size"), values.get("augment")
    setting = SETTINGS["augment"]
    return {"train_size": size if isinstance(size, int) and not isinstance(size, bool) and size > 0 else 0,
            "augment": setting.canonical(augment) if isinstance(augment, str) and not setting.problem(augment)
            else "none"}


def _planar(options) -> dict:
    from dataclasses import asdict

    return {key: list(value) if isinstance(value, tuple) else value for key, value in asdict(options).items()}


def remembered_data(metadata: dict, dataset: str | None, data_dir) -> tuple[str | None, str | None]:
    """The dataset and folder to load for a saved model: those given, else those its ``metadata`` remembers.

    The remembered folder is used only for the remembered dataset; a DatasetError names it when it is gone.
    Files saved before folders were remembered give None, as before.
    """
    remembered = metadata.get("dataset") if isinstance(metadata.get("dataset"), str) else None
    dataset = dataset or remembered
    folder = metadata.get("data_dir")
    if data_dir is not None or dataset != remembered or not isinstance(folder, str) or not folder:
        return dataset, data_dir
    if not Path(folder).is_dir():
        raise DatasetError(f"the model was trained on {remembered} from {folder}, which is gone: pass --data-dir "
                           f"with the folder that holds its files")
    return dataset, folder
