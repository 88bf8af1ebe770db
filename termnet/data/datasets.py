"""load_dataset: one entry point for every dataset termnet trains on."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .digits import load_digits_arrays
from .download import DownloadError, Progress, cache_dir, fetch, is_cached
from .idx import IdxError, read_idx
from .planar import DESCRIPTIONS as PLANAR_DESCRIPTIONS
from .planar import PLANAR, PlanarOptions, Plane, make_planar
from .sources import ROLES, SOURCES, STANDARD_FILES, Source

#: Every name load_dataset takes ("idx": a folder of the four IDX files, given as data_dir).
DATASETS = ("digits", "mnist", "fashion-mnist", "idx", *PLANAR)
#: One sample's shape, for the datasets whose shape is known before loading them (an idx folder's is not).
IMAGE_SHAPES = {"digits": (1, 8, 8), "mnist": (1, 28, 28), "fashion-mnist": (1, 28, 28)}


class DatasetError(ValueError):
    """A dataset cannot be loaded; the message says why and what to do."""


@dataclass
class Dataset:
    """Images as float32 (N, 1, H, W) in [0, 1], labels as integers; or, for a 2-D set (``plane`` not None),
    points as float32 (N, 2 + extra features)."""

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    class_names: list[str]
    description: str
    plane: Plane | None = None  # the points themselves, for the 2-D sets only

    @property
    def is_images(self) -> bool:
        """Whether the samples are images (N, C, H, W): the Digits, Draw and Inside pictures need them."""
        return len(self.image_shape) == 3

    @property
    def image_shape(self) -> tuple[int, ...]:
        return tuple(self.x_train.shape[1:])

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    def __repr__(self) -> str:
        return (f"Dataset({self.name!r}, train={len(self.x_train):,}, test={len(self.x_test):,}, "
                f"image={self.image_shape})")


def one_hot(labels, num_classes: int | None = None, dtype=np.float32) -> np.ndarray:
    """Integer labels to one-hot rows: 5 -> [0, 0, 0, 0, 0, 1, 0, 0, 0, 0] (Keras' to_categorical)."""
    labels = np.asarray(labels)
    if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"one_hot takes a 1-D array of integer labels. Received: shape {labels.shape}, "
                         f"dtype {labels.dtype}")
    num_classes = int(labels.max()) + 1 if num_classes is None and len(labels) else (num_classes or 0)
    if len(labels) and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(f"labels must be in [0, {num_classes}). Received: {labels.min()}..{labels.max()}")
    return np.eye(num_classes, dtype=dtype)[labels]


def _candidates(file_name: str) -> list[str]:
    raw = file_name.removesuffix(".gz")
    dotted = raw.replace("-idx", ".idx")  # train-images.idx3-ubyte, as some mirrors name them
    return [file_name, raw, dotted + ".gz", dotted]


def _find(folder: Path, files: dict[str, str]) -> dict[str, Path]:
    """The IDX files of ``files`` that ``folder`` holds, under any of their usual names, by role."""
    found = {}
    for role in ROLES:
        for candidate in _candidates(files[role]):
            if (folder / candidate).is_file():
                found[role] = folder / candidate
                break
    return found


def find_idx_files(folder: Path, files: dict[str, str] = STANDARD_FILES) -> dict[str, Path] | None:
    """The four IDX files in ``folder`` under their standard names (gzipped or raw), or None."""
    found = _find(folder, files)
    return found if len(found) == len(ROLES) else None


def _missing_files(folder: Path, found: dict[str, Path]) -> DatasetError:
    """The error for a folder holding some of the four files: which are missing, and what to do."""
    missing = [STANDARD_FILES[role] for role in ROLES if role not in found]
    others = {1: "one other", 2: "other two", 3: "other three"}[len(found)]
    return DatasetError(f"{folder} lacks {', '.join(missing)} (gzipped or not); it holds the {others}. Copy the "
                        f"missing file{'s' if len(missing) > 1 else ''} into {folder}, or leave out --data-dir "
                        f"to use the cache or a download")


def _images_and_labels(paths: dict[str, Path]):
    arrays = {role: read_idx(path) for role, path in paths.items()}
    for split in ("train", "test"):
        images, labels = arrays[f"{split}_images"], arrays[f"{split}_labels"]
        image_path, label_path = paths[f"{split}_images"], paths[f"{split}_labels"]
        if images.ndim != 3:
            raise IdxError(f"{image_path}: expected images (count, height, width), found dimensions {images.shape}")
        if labels.ndim != 1:
            raise IdxError(f"{label_path}: expected one label per image, found dimensions {labels.shape}")
        if len(images) != len(labels):
            raise IdxError(f"{label_path} holds {len(labels):,} labels but {image_path} holds {len(images):,} images")
    return arrays


def _to_float(images: np.ndarray) -> np.ndarray:
    x = images.astype(np.float32)[:, None, :, :]
    x *= 1.0 / 255.0  # pixels 0..255 -> [0, 1]
    return x


def _locate(source: Source | None, data_dir, download: bool, progress: Progress | None) -> tuple[dict, str]:
    """The four files and a sentence saying where they came from."""
    if data_dir is not None:
        folder = Path(data_dir).expanduser()
        if not folder.is_dir():
            raise DatasetError(f"Data directory {folder} does not exist")
        found = _find(folder, STANDARD_FILES)
        if len(found) == len(ROLES):
            return found, f"from {folder}"
        if found:  # some but not all: the folder was meant, so a download would only hide the problem
            raise _missing_files(folder, found)
        if source is None:
            names = ", ".join(STANDARD_FILES.values())
            raise DatasetError(f"{folder} does not hold the four IDX files ({names}, gzipped or not)")
    for folder in source.system_dirs:
        found = find_idx_files(Path(folder))
        if found:
            return found, f"from {folder} (Debian package)"
    cache = cache_dir(source.name)
    if all(is_cached(source, role) for role in ROLES):
        return {role: cache / source.files[role] for role in ROLES}, f"from the cache {cache}"
    if not download:
        raise DatasetError(f"{source.title} is not cached in {cache}; run `termnet data fetch {source.name}` "
                           f"or pass --data-dir")
    try:
        paths = {role: fetch(source, role, progress) for role in ROLES}
    except DownloadError as error:
        if data_dir is None:
            raise
        names = ", ".join(STANDARD_FILES.values())
        raise DownloadError(f"{Path(data_dir).expanduser()} holds none of the four IDX files ({names}), "
                            f"so termnet tried to download them. {error}") from None
    return paths, f"downloaded to {cache}"


def load_dataset(name: str = "digits", *, data_dir: str | os.PathLike | None = None, train_size: int | None = None,
                 test_size: int | None = None, download: bool = True, progress: Progress | None = None,
                 planar: PlanarOptions | None = None) -> Dataset:
    """Load ``name``: ``digits``, ``mnist``, ``fashion-mnist`` or ``idx`` (any folder of four IDX files).

    Args:
        data_dir: a folder with the four standard IDX files, looked at first.
        train_size: keep the first N training images (the classic tutorial's "first 1,000 samples").
        test_size: keep the first N test images.
        download: allow a download when the files are neither in ``data_dir`` nor cached.
        progress: called as ``progress(file_name, bytes_done, bytes_total)`` while downloading.
        planar: how a 2-D set (circles, xor, blobs, spirals, moons) is drawn; ignored by the image sets.
    """
    for option, value in (("train_size", train_size), ("test_size", test_size)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1):
            raise DatasetError(f"{option} must be a positive integer. Received: {option}={value!r}")
    if name not in DATASETS:
        raise DatasetError(f"Unknown dataset {name!r}; expected one of {', '.join(DATASETS)}")
    plane = None
    if name in PLANAR:
        x_train, y_train, x_test, y_test, plane = make_planar(name, planar or PlanarOptions())
        class_names = ["0", "1"]
        options = plane.options
        extra = f", inputs {', '.join(plane.input_names)}" if plane.features else ""
        description = (f"{name}: {PLANAR_DESCRIPTIONS[name]}; noise {options.noise:g}, "
                       f"test ratio {options.test_ratio:g}{extra}")
    elif name == "digits":
        x_train, y_train, x_test, y_test = load_digits_arrays()
        class_names = [str(d) for d in range(10)]
        description = "scikit-learn's bundled 8x8 handwritten digits (1,797 images, 16 grey levels)"
    else:
        if name == "idx" and data_dir is None:
            raise DatasetError("The idx dataset needs --data-dir, a folder of four IDX files")
        source = SOURCES.get(name)
        paths, where = _locate(source, data_dir, download, progress)
        arrays = _images_and_labels(paths)
        x_train, x_test = _to_float(arrays["train_images"]), _to_float(arrays["test_images"])
        y_train, y_test = arrays["train_labels"].astype(np.int64), arrays["test_labels"].astype(np.int64)
        if source:
            class_names = list(source.class_names)
        else:
            class_names = [str(c) for c in range(int(max(y_train.max(), y_test.max())) + 1)]
        title = source.title if source else "IDX images"
        description = f"{title}, {where}"
    if train_size is not None:
        x_train, y_train = x_train[:train_size], y_train[:train_size]
    if test_size is not None:
        x_test, y_test = x_test[:test_size], y_test[:test_size]
    return Dataset(name, x_train, y_train, x_test, y_test, class_names, description, plane)


def default_dataset(name: str | None, data_dir=None) -> str:
    """The dataset to use when none is named: MNIST when it is at hand, else the bundled digits."""
    if name and name != "auto":
        return name
    if data_dir is not None:
        return "mnist"
    return "mnist" if dataset_status("mnist").cached else "digits"


@dataclass
class DatasetStatus:
    """What ``termnet data list`` shows for one dataset."""

    name: str
    available: bool
    cached: bool
    where: str
    size_bytes: int


def dataset_status(name: str, data_dir=None) -> DatasetStatus:
    if name in PLANAR:
        return DatasetStatus(name, True, False, "drawn from a seed (2-D points)", 0)
    if name == "digits":
        return DatasetStatus(name, True, False, "bundled with scikit-learn", 0)
    source = SOURCES[name]
    if data_dir is not None and Path(data_dir).is_dir() and (found := find_idx_files(Path(data_dir))):
        return DatasetStatus(name, True, False, str(Path(data_dir)), sum(p.stat().st_size for p in found.values()))
    for folder in source.system_dirs:
        if found := find_idx_files(Path(folder)):
            return DatasetStatus(name, True, False, folder, sum(p.stat().st_size for p in found.values()))
    cache = cache_dir(name)
    cached = all(is_cached(source, role) for role in ROLES)
    size = sum(p.stat().st_size for p in cache.glob("*") if p.is_file()) if cache.is_dir() else 0
    return DatasetStatus(name, cached, cached, str(cache) if cached else "not downloaded", size)
