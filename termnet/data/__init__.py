"""Datasets for termnet: NumPy arrays only, no user interface."""

from .datasets import (
    DATASETS,
    IMAGE_SHAPES,
    Dataset,
    DatasetError,
    DatasetStatus,
    dataset_status,
    default_dataset,
    find_idx_files,
    load_dataset,
    one_hot,
)
from .download import DownloadError, cache_dir, fetch, mirrors
from .idx import IdxError, read_idx, write_idx
from .planar import FEATURES, PLANAR, PLANAR_OPTIONS, PlanarOptions, Plane
from .sources import FASHION_MNIST, MNIST, SOURCES

__all__ = [
    "DATASETS", "FEATURES", "IMAGE_SHAPES", "PLANAR", "PLANAR_OPTIONS", "Plane", "PlanarOptions",
    "Dataset", "DatasetError", "DatasetStatus", "DownloadError", "FASHION_MNIST",
    "IdxError", "MNIST", "SOURCES", "cache_dir", "dataset_status", "default_dataset", "fetch", "find_idx_files",
    "load_dataset", "mirrors", "one_hot", "read_idx", "write_idx",
]
