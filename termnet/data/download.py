"""Fetching IDX files into the user cache: checksums verified (with pooch), mirrors tried in turn.

Each file is streamed into a temporary named ``<file>.<pid>.part`` beside its final place and moved
there only after its checksum matches, so an interrupted or corrupted download never leaves a file
that later counts as valid; a temporary left by a killed process is removed by the next download.
Each file has a total deadline (not only a timeout per read, which a mirror sending a byte every few
seconds never trips) and a size cap just past its published size (a mirror streaming without end
would otherwise fill the disk before the checksum could refuse it).
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Callable
from pathlib import Path

import platformdirs

from .sources import Source

# progress(file name, bytes so far, total bytes or 0 when unknown)
Progress = Callable[[str, int, int], None]

#: Seconds to wait for a connection, and for each read.
TIMEOUT_SECONDS = 30
#: Environment variable: the total seconds one file may take (tests use a second or two).
DEADLINE_ENV = "TERMNET_DOWNLOAD_DEADLINE"
#: The default deadline: a minute, plus the file's size at a slow 50 kB/s.
MIN_DEADLINE, SLOWEST_RATE = 60, 50_000
#: The cap for a file whose size is not published (every IDX file termnet knows is under 30 MB).
MAX_UNKNOWN_SIZE = 64 * 2**20
#: Bytes past the published size still read, so a slightly different file fails its checksum, not the cap.
SIZE_MARGIN = 4096
#: A temporary older than this is removed even if its process id is in use again.
STALE_SECONDS = 24 * 3600
_CHUNK = 64 * 1024
_PART = re.compile(r"\.(\d+)\.part$")
_POOCH_TEMPORARY = re.compile(r"^tmp[a-z0-9_]{8}$")  # what older termnets (pooch.retrieve) left when killed


class DownloadError(RuntimeError):
    """No mirror delivered a file with the right checksum."""


class _Refused(Exception):
    """One mirror's download given up, with the reason in words."""


def cache_dir(name: str = "") -> Path:
    """The user cache for termnet (``TERMNET_CACHE_DIR`` overrides the platform's)."""
    root = os.environ.get("TERMNET_CACHE_DIR") or platformdirs.user_cache_dir("termnet")
    return Path(root) / name if name else Path(root)


def mirrors(source: Source) -> list[str]:
    """Base URLs to try in turn; the source's environment variable replaces the defaults."""
    override = os.environ.get(source.mirrors_env, "").strip()
    urls = [u.strip() for u in override.split(",") if u.strip()] if override else list(source.mirrors)
    return [u if u.endswith("/") else u + "/" for u in urls]


def deadline_seconds(size: int | None) -> float:
    """Seconds one file of ``size`` bytes may take in all: ``TERMNET_DOWNLOAD_DEADLINE``, else generous."""
    override = os.environ.get(DEADLINE_ENV, "").strip()
    try:
        if override and float(override) > 0:
            return float(override)
    except ValueError:
        pass  # a mistyped override must not stop downloads; the default applies
    return MIN_DEADLINE + (MAX_UNKNOWN_SIZE if size is None else size) / SLOWEST_RATE


def is_cached(source: Source, role: str) -> bool:
    """True when the cache holds this file with its published checksum."""
    path = cache_dir(source.name) / source.files[role]
    return path.is_file() and _hash_matches(path, source.hashes[role])


def _hash_matches(path: Path, known_hash: str) -> bool:
    # imported here, not at the top: pooch brings requests with it, which the dashboard's first screen and
    # most commands never need (termnet.cli and the app import this module)
    import pooch

    # pooch announces each download on stderr; termnet reports progress itself
    pooch.get_logger().setLevel(logging.WARNING)
    algorithm, _, digest = known_hash.rpartition(":")
    return pooch.file_hash(str(path), alg=algorithm or "sha256") == digest.lower()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # it exists but belongs to someone else
        return True
    return True


def _is_stale(path: Path) -> bool:
    age = time.time() - path.stat().st_mtime
    if match := _PART.search(path.name):
        pid = int(match.group(1))
        return age > STALE_SECONDS or (pid != os.getpid() and not _alive(pid))
    return bool(_POOCH_TEMPORARY.match(path.name)) and age > 3600


def remove_stale_temporaries(folder: Path) -> None:
    """Remove temporaries of downloads whose process is gone (killed), or older than a day."""
    if not folder.is_dir():
        return
    for path in folder.iterdir():
        try:
            if _is_stale(path):
                path.unlink()
        except OSError:  # removed meanwhile by another termnet, or not ours to remove: leave it
            pass


def _announced(response) -> int | None:
    try:
        return int(response.headers.get("Content-Length", ""))
    except ValueError:
        return None


def _stream(url: str, part: Path, size: int | None, file_name: str, progress: Progress | None) -> None:
    """Stream ``url`` into ``part``, giving up at the deadline or past the size cap."""
    import requests  # pooch's HTTP client

    deadline = deadline_seconds(size)
    cap = (size + SIZE_MARGIN) if size is not None else MAX_UNKNOWN_SIZE
    has = f"the {size:,} bytes the file has" if size is not None else f"the {cap:,} bytes any such file may have"
    started = time.monotonic()
    per_read = min(TIMEOUT_SECONDS, deadline)
    with requests.get(url, stream=True, timeout=(per_read, per_read)) as response:
        response.raise_for_status()
        announced = _announced(response)
        if announced is not None and announced > cap:
            raise _Refused(f"announces {announced:,} bytes, more than {has}; abandoned")
        total, done = size or announced or 0, 0
        with open(part, "wb") as out:
            while chunk := response.raw.read1(_CHUNK, decode_content=False):  # returns as soon as bytes arrive
                done += len(chunk)
                if done > cap:
                    raise _Refused(f"sent more than {has}; abandoned")
                out.write(chunk)
                if progress:
                    progress(file_name, min(done, total) if total else done, total)
                if time.monotonic() - started > deadline:
                    raise _Refused(f"not finished within {deadline:g} s ({done:,} bytes received); "
                                   f"set {DEADLINE_ENV} to allow longer")
    if announced is not None and done != announced:
        raise _Refused(f"the connection closed after {done:,} of {announced:,} bytes")


def _download(url: str, target: Path, source: Source, role: str, progress: Progress | None) -> Path:
    """One mirror's attempt: stream to a temporary, check the checksum, then move it into place."""
    file_name = source.files[role]
    part = target / f"{file_name}.{os.getpid()}.part"
    try:
        _stream(url, part, source.sizes.get(role), file_name, progress)
        if not _hash_matches(part, source.hashes[role]):
            raise _Refused("checksum mismatch (file rejected)")
        os.replace(part, target / file_name)
    finally:
        part.unlink(missing_ok=True)
    return target / file_name


def fetch(source: Source, role: str, progress: Progress | None = None) -> Path:
    """The cached file for ``role``, downloaded first if needed; DownloadError if every mirror fails."""
    file_name = source.files[role]
    target = cache_dir(source.name)
    if is_cached(source, role):
        return target / file_name
    target.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(target)
    failures = []
    for base in mirrors(source):
        try:
            return _download(base + file_name, target, source, role, progress)
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
    import urllib3

    text = str(error).split("\n")[0]
    if isinstance(error, _Refused):
        return text
    if isinstance(error, requests.exceptions.HTTPError) and error.response is not None:
        return f"HTTP {error.response.status_code}"
    if isinstance(error, (requests.exceptions.Timeout, urllib3.exceptions.TimeoutError)):
        return f"no answer within {min(TIMEOUT_SECONDS, deadline_seconds(None)):g} s"
    if isinstance(error, requests.exceptions.ConnectionError):
        return "could not connect (no network, or the mirror is down)"
    if isinstance(error, urllib3.exceptions.HTTPError):  # read straight from the socket: urllib3's own errors
        return f"the connection broke ({text})"[:160]
    if isinstance(error, OSError) and error.filename:
        return f"cannot write {error.filename}: {error.strerror}"
    return f"{type(error).__name__}: {text}"[:160]
