"""Fetching IDX files into the user cache with pooch: checksums verified, mirrors tried in turn.

pooch downloads into a temporary file and moves it into the cache only after the
checksum matches, so an interrupted or corrupted download never leaves a file
that later counts as valid.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path

import platformdirs
import pooch

from .sources import Source

# progress(file name, bytes so far, total bytes or 0 when unknown)
Progress = Callable[[str, int, int], None]

TIMEOUT_SECONDS = 30

# pooch announces each download on stderr; termnet reports progress itself
pooch.get_logger().setLevel(logging.WARNING)


class DownloadError(RuntimeError):
    """No mirror delivered a file with the right checksum."""


def cache_dir(name: str = "") -> Path:
    """The user cache for termnet (``TERMNET_CACHE_DIR`` overrides the platform's)."""
    root = os.environ.get("TERMNET_CACHE_DIR") or platformdirs.user_cache_dir("termnet")
    return Path(root) / name if name else Path(root)


def mirrors(source: Source) -> list[str]:
    """Base URLs to try in turn; the source's environment variable replaces the defaults."""
    override = os.environ.get(source.mirrors_env, "").strip()
    urls = [u.strip() for u in override.split(",") if u.strip()] if override else list(source.mirrors)
    return [u if u.endswith("/") else u + "/" for u in urls]


class _ProgressAdapter:
    """The progress-bar object pooch drives (total, update, reset, close) turned into callbacks."""

    def __init__(self, file_name: str, progress: Progress):
        self.file_name, self.progress = file_name, progress
        self.total, self.count = 0, 0

    def update(self, n: int) -> None:
        self.count += n
        self.progress(self.file_name, min(self.count, self.total) if self.total else self.count, self.total)

    def reset(self) -> None:
        self.count = 0

    def close(self) -> None:
        pass


def is_cached(source: Source, role: str) -> bool:
    """True when the cache holds this file with its published checksum."""
    path = cache_dir(source.name) / source.files[role]
    if not path.is_file():
        return False
    algorithm, _, digest = source.hashes[role].rpartition(":")
    return pooch.file_hash(str(path), alg=algorithm or "sha256") == digest


def fetch(source: Source, role: str, progress: Progress | None = None) -> Path:
    """The cached file for ``role``, downloaded first if needed; DownloadError if every mirror fails."""
    file_name = source.files[role]
    target = cache_dir(source.name)
    if is_cached(source, role):
        return target / file_name
    failures = []
    for base in mirrors(source):
        bar = _ProgressAdapter(file_name, progress) if progress else False
        downloader = pooch.HTTPDownloader(progressbar=bar, timeout=TIMEOUT_SECONDS)
        try:
            path = pooch.retrieve(base + file_name, known_hash=source.hashes[role], fname=file_name,
                                  path=target, downloader=downloader)
            return Path(path)
        except Exception as error:  # noqa: BLE001 - every failure means: try the next mirror
            failures.append(f"  {base}{file_name}: {_describe(error)}")
    raise DownloadError(
        f"Could not download {source.title.split(' (')[0]} file {file_name}; every mirror failed:\n"
        + "\n".join(failures)
        + f"\nWithout a network, put the four IDX files in a folder and pass --data-dir, "
          f"or list your own mirrors in {source.mirrors_env} (comma-separated base URLs)."
    )


def _describe(error: Exception) -> str:
    """A short reason for a mirror's failure (requests' own messages run to several lines)."""
    import requests  # pooch's HTTP client

    text = str(error).split("\n")[0]
    if "hash" in text.lower():
        return "checksum mismatch (file rejected)"
    if isinstance(error, requests.exceptions.HTTPError) and error.response is not None:
        return f"HTTP {error.response.status_code}"
    if isinstance(error, requests.exceptions.Timeout):
        return f"no answer within {TIMEOUT_SECONDS} s"
    if isinstance(error, requests.exceptions.ConnectionError):
        return "could not connect (no network, or the mirror is down)"
    return f"{type(error).__name__}: {text}"[:160]
