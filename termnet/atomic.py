"""Writing a file so that it is either wholly there or not at all, and never damaging anything else.

``atomic_write`` (used for model files, IDX files and specs) writes a temporary file beside the
target, flushes it to disk and renames it over the target, so a reader sees the old file or the
new one, never half of either. What it will and will not do:

- It replaces only regular files. A folder ("is a directory: give a file name"), a device, a fifo
  or a socket is refused: a save onto ``/dev/full`` must not turn the device into a zip.
- A symlink is written *through*: its target gets the new content and the link stays a link, as
  an editor does. (Replacing the link itself would silently cut it from the file it named.)
- A missing folder is refused ("folder /x/y does not exist"), never created: a typo in a path
  should not quietly grow a tree of folders.
- A new file gets the mode the umask gives (0644 under the usual 022); a replaced file keeps its
  mode (and its owner and group where the filesystem allows).
- Temporaries are named ``.<name>.<16 hex digits>.part`` beside the target. A writer holds an
  exclusive ``flock`` on its temporary until it has renamed it, and the lock dies with the process,
  so a temporary that can be locked belongs to a writer that was killed: each save removes those of
  its own target before writing. A kill therefore leaves at most one temporary, until the next save.
  (Renaming breaks a hard link to the old file: the other name keeps the old content.)
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import stat
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: no flock, but an open file cannot be deleted there, which serves as well
    fcntl = None

# NAME_MAX is 255 on common filesystems; the temporary adds 23 characters to the target's name.
_STEM = 200
_ATTEMPTS = 8  # a temporary removed by another save's cleanup before we locked it is created again


class SaveError(OSError):
    """A write refused, or one that failed; the message names the path and what to do.

    An OSError, so that code written for disk errors (the CLI, the dashboard) handles it as one."""

    def __init__(self, message: str, error_number: int | None = None):
        super().__init__(message)
        self.errno = error_number


def temporary_name(target: Path) -> str:
    """A fresh temporary's name for ``target``: hidden, recognisable, and matched by ``_TEMPORARY``."""
    return f".{target.name[:_STEM]}.{secrets.token_hex(8)}.part"


def _temporaries(target: Path) -> re.Pattern:
    # 16 hex digits from this module; 8 characters from tempfile.mkstemp, which earlier termnets used
    return re.compile(rf"\.{re.escape(target.name[:_STEM])}\.(?:[0-9a-f]{{16}}|[a-z0-9_]{{8}})\.part")


def atomic_write(path: str | os.PathLike, data: bytes | str) -> Path:
    """Write ``data`` to ``path`` all at once; see the module's notes. Returns ``path``.

    Raises SaveError (an OSError) naming the path when it is refused or the write fails; the
    file that was there is then untouched and no temporary is left behind.
    """
    target = _target(path)
    payload = data.encode() if isinstance(data, str) else data
    remove_abandoned_temporaries(target)
    fd, temporary = _create_temporary(target)
    try:
        with os.fdopen(fd, "wb") as stream:  # closing it releases the lock, after the rename
            _keep_mode(stream.fileno(), target)
            stream.write(payload)
            stream.flush()
            os.fsync(stream.fileno())  # the data is on disk before the name points at it
            os.replace(temporary, target)
    except BaseException as error:
        Path(temporary).unlink(missing_ok=True)
        if isinstance(error, OSError) and not isinstance(error, SaveError):
            raise SaveError(f"could not write {target}: {error.strerror or error}", error.errno) from None
        raise
    _sync_folder(target.parent)
    return Path(path)


def _target(path: str | os.PathLike) -> Path:
    """The regular file (existing or not) that writing ``path`` should replace, or SaveError why not."""
    text = os.fspath(path)
    if isinstance(text, bytes):
        text = os.fsdecode(text)
    if not text:
        raise SaveError("no file name given: name the file to write")
    if text.endswith(("/", os.sep)):
        raise SaveError(f"{text} ends with a slash, so it names a folder: give a file name")
    target = Path(os.path.realpath(text))  # through symlinks, so the link stays and its file is replaced
    try:
        mode = os.lstat(target).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as error:
        raise SaveError(f"cannot write {text}: {error.strerror}", error.errno) from None
    if mode is not None:
        _check_replaceable(text, target, mode)
    if not target.parent.is_dir():
        raise SaveError(f"cannot write {text}: folder {target.parent} does not exist (create it first)",
                        errno.ENOENT)
    return target


def _check_replaceable(text: str, target: Path, mode: int) -> None:
    if stat.S_ISLNK(mode):  # realpath stops at a loop
        raise SaveError(f"cannot write {text}: it is a symlink loop", errno.ELOOP)
    if stat.S_ISDIR(mode):
        raise SaveError(f"{text} is a directory: give a file name", errno.EISDIR)
    if not stat.S_ISREG(mode):
        raise SaveError(f"{text} is a device, pipe or socket, not a regular file: termnet replaces only "
                        f"regular files, so give another name")
    if not os.access(target, os.W_OK):
        raise SaveError(f"{text} is read-only: make it writable, or save under another name", errno.EACCES)


def _create_temporary(target: Path) -> tuple[int, str]:
    """A new temporary beside ``target``, open and locked (see the module's notes on the lock)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    for _ in range(_ATTEMPTS):
        temporary = str(target.parent / temporary_name(target))
        try:
            fd = os.open(temporary, flags, 0o666)  # the kernel applies the umask, as for any new file
        except OSError as error:
            raise SaveError(f"cannot write in folder {target.parent}: {error.strerror}", error.errno) from None
        if fcntl is None:
            return fd, temporary
        fcntl.flock(fd, fcntl.LOCK_EX)
        if os.fstat(fd).st_nlink:  # still ours: no other save's cleanup took it between open and lock
            return fd, temporary
        os.close(fd)
    raise SaveError(f"could not write {target}: other saves to it keep interfering; try again")


def remove_abandoned_temporaries(target: Path) -> list[Path]:
    """Delete the temporaries of ``target`` whose writer is gone (killed mid-save); returns them."""
    pattern = _temporaries(target)
    removed = []
    try:
        entries = [entry.name for entry in os.scandir(target.parent) if pattern.fullmatch(entry.name)]
    except OSError:
        return removed
    for name in entries:
        candidate = target.parent / name
        if _remove_if_abandoned(candidate):
            removed.append(candidate)
    return removed


def _remove_if_abandoned(candidate: Path) -> bool:
    """Delete ``candidate`` if no live writer holds it: its lock can be taken (POSIX), or (Windows) it can be
    deleted at all. The file is deleted while the lock is held: a writer that opened it a moment ago and
    takes the lock after us then finds it gone (no links) and makes another, instead of writing into a
    file that is about to vanish."""
    if fcntl is None:
        with contextlib.suppress(OSError):  # still open by its writer, or gone already
            candidate.unlink()
            return True
        return False
    try:
        fd = os.open(candidate, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return False
        candidate.unlink()
        return True
    except OSError:
        return False  # a writer is at work on it, or another save removed it first
    finally:
        os.close(fd)


def _keep_mode(fd: int, target: Path) -> None:
    """Give the temporary the replaced file's mode, owner and group (a new file keeps the umask's mode)."""
    try:
        old = os.stat(target)
    except FileNotFoundError:
        return
    if hasattr(os, "fchmod"):
        os.fchmod(fd, stat.S_IMODE(old.st_mode))
    if hasattr(os, "fchown"):
        with contextlib.suppress(OSError):  # only root may give a file away; the group where we belong to it
            os.fchown(fd, old.st_uid, old.st_gid)


def _sync_folder(folder: Path) -> None:
    """Flush the rename itself to disk, where the system allows opening a folder."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
