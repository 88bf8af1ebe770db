"""Shared fixtures: the real MNIST folder (when present) and an isolated termnet cache."""

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
MNIST_DIR = Path(os.environ.get("TERMNET_TEST_MNIST_DIR", REPO.parent / "shared" / "data" / "mnist"))


@pytest.fixture
def mnist_dir() -> Path:
    """../shared/data/mnist (or $TERMNET_TEST_MNIST_DIR); the test is skipped when it is absent."""
    if not (MNIST_DIR / "t10k-images-idx3-ubyte.gz").is_file():
        pytest.skip(f"real MNIST not found in {MNIST_DIR}")
    return MNIST_DIR


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path, monkeypatch) -> Path:
    """Every test gets an empty cache, so nothing a test downloads leaks into another."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("TERMNET_CACHE_DIR", str(cache))
    for variable in ("TERMNET_MNIST_MIRRORS", "TERMNET_FASHION_MNIST_MIRRORS"):
        monkeypatch.delenv(variable, raising=False)
    return cache


def pytest_addoption(parser):
    parser.addoption("--fuzz-long", action="store_true",
                     help="run the fuzzing suite (tests/fuzz) with many more examples: minutes, not seconds")
