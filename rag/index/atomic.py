"""Crash-safe replacement of the index directory, and the lock that serialises writers.

A new index is written into a temporary sibling and swapped in with one rename
(renameat2 RENAME_EXCHANGE where the kernel has it), so a reader or a crash only ever
sees the old index or the new one.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import logging
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

logger = logging.getLogger(__name__)

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def temp_sibling(target: Path, kind: str) -> Path:
    return target.with_name(f".{target.name}.{kind}-{os.getpid()}-{uuid.uuid4().hex[:8]}")


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths; False where the kernel or filesystem cannot."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if result == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(a))


def replace_directory(new: Path, target: Path) -> None:
    """Put the fully written directory `new` at `target`, removing the old one."""
    fsync_dir(new)
    if not target.exists():
        os.rename(new, target)
    elif _exchange(new, target):
        shutil.rmtree(new)  # `new` now holds the old index
    else:
        old = temp_sibling(target, "old")
        os.rename(target, old)  # a crash here is repaired by recover()
        os.rename(new, target)
        shutil.rmtree(old)
    fsync_dir(target.parent)


def recover(target: Path) -> None:
    """Repair what a crash mid-write can leave: restore the old index, drop temporaries.

    Call with the writer lock held.
    """
    parent = target.parent
    if not parent.exists():
        return
    olds = sorted(parent.glob(f".{target.name}.old-*"), key=lambda p: p.stat().st_mtime)
    if not target.exists() and olds:
        logger.warning("restoring %s from an interrupted update", target)
        os.rename(olds.pop(), target)
    # Hidden folders inside the index are writes a crash left unfinished (segments.py).
    unfinished = target.glob("*/.*") if target.is_dir() else []
    for leftover in [*olds, *parent.glob(f".{target.name}.tmp-*"), *unfinished]:
        shutil.rmtree(leftover, ignore_errors=True)


@contextlib.contextmanager
def writer_lock(target: Path) -> Iterator[None]:
    """Exclusive lock for everything that writes `target` (index, add, remove)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    lock_path = target.with_name(f".{target.name}.lock")
    with lock_path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            recover(target)
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def write_durably(path: Path, data: str | bytes) -> None:
    """Write a file and flush it to disk before returning."""
    with path.open("wb") as handle:
        handle.write(data.encode("utf-8") if isinstance(data, str) else data)
        handle.flush()
        os.fsync(handle.fileno())


def jsonl(lines: list[str]) -> str:
    return "".join(f"{line}\n" for line in lines)


def read_lines(path: Path) -> list[str]:
    return [line for line in path.read_text("utf-8").split("\n") if line]
