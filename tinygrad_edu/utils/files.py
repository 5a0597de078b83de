"""Writing a file, or a folder of files, atomically: readers see the old content or the new, never half.

The data go to a temporary file in the target's folder (so the final rename stays on one filesystem),
are flushed to disk, and the temporary file is then renamed over the target with ``os.replace``. If
anything fails on the way, Ctrl-C included, the temporary file is removed and the target is untouched.
``atomic_folder`` does the same for a whole folder: it appears complete under its name, or not at all.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, TypeVar

T = TypeVar("T")


def _beside(target: Path, create: Callable[[Path], T]) -> tuple[T, Path]:
    """``create(.NAME.RANDOM.tmp)`` for a name beside ``target`` that does not exist yet."""
    for _ in range(100):
        temporary = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
        try:
            return create(temporary), temporary
        except FileExistsError:
            continue
    raise FileExistsError(f"could not create a temporary file beside {target}")


def _create_temporary(target: Path) -> tuple[int, Path]:
    """A new, empty file ``.NAME.RANDOM.tmp`` beside ``target``, created as open() would (0o666 & ~umask)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    return _beside(target, lambda temporary: os.open(temporary, flags, 0o666))


@contextmanager
def atomic_open(path: str | os.PathLike) -> Iterator[BinaryIO]:
    """``with atomic_open(path) as f: f.write(...)``: ``path`` gets everything written, or nothing.

    ``f`` is a binary file in ``path``'s folder; it replaces ``path`` when the block ends without an
    exception. The new file has ordinary permissions (0o666 minus the umask), as one made by open().
    """
    target = Path(path)
    fd, temporary = _create_temporary(target)
    try:
        with os.fdopen(fd, "wb") as file:
            yield file
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def atomic_write(path: str | os.PathLike, data: bytes | str, encoding: str = "utf-8") -> None:
    """Write ``data`` to ``path`` atomically (text is encoded with ``encoding``, line ends unchanged)."""
    with atomic_open(path) as file:
        file.write(data.encode(encoding) if isinstance(data, str) else data)


def is_free(path: Path) -> bool:
    """Nothing at ``path`` yet, or only an empty folder: a folder can be put there without losing anything."""
    if path.is_dir():
        return not any(path.iterdir())
    return not os.path.lexists(path)


def free_name(path: str | os.PathLike) -> Path:
    """``path`` if it is free (see ``is_free``), else the first free of ``path-2``, ``path-3``, ..."""
    path = Path(path)
    if path.name in ("", ".", ".."):
        path = path.resolve()
    number = 2
    candidate = path
    while not is_free(candidate):
        candidate, number = path.with_name(f"{path.name}-{number}"), number + 1
    return candidate


def creatable_folder_problem(path: str | os.PathLike) -> str | None:
    """Why a folder cannot be created at ``path`` (or filled, if it exists), or None if it can.

    Checked by creating (and removing) a folder in the nearest folder that exists, so permissions,
    read-only filesystems and files in the way are all caught before any work is done.
    """
    path = Path(path).absolute()
    if path.exists() and not path.is_dir():
        return f"{path} is a file, not a folder"
    existing = next(p for p in (path, *path.parents) if os.path.lexists(p))
    if not existing.is_dir():
        return f"{existing} is a file, so no folder can be made inside it"
    try:
        _, probe = _beside(existing / "probe", os.mkdir)
        probe.rmdir()
    except OSError as error:
        return f"cannot create a folder in {existing}: {error.strerror or error}"
    return None


@contextmanager
def atomic_folder(path: str | os.PathLike) -> Iterator[Path]:
    """``with atomic_folder(path) as folder: ...``: the files written into ``folder`` appear at ``path``
    all together when the block ends without an exception, or not at all.

    ``path`` must be free (``is_free``); its parent folders are created. ``folder`` is a temporary
    folder beside ``path`` (ordinary permissions), renamed to ``path`` at the end, and removed with its
    content if anything fails, Ctrl-C included. Raises ``FileExistsError`` if ``path`` is taken.
    """
    target = Path(path)
    if not is_free(target):
        raise FileExistsError(f"{target} already exists and is not empty; it is left as it is")
    target.parent.mkdir(parents=True, exist_ok=True)
    _, temporary = _beside(target, os.mkdir)
    try:
        yield temporary
        if target.is_dir():
            target.rmdir()  # empty (is_free); fails if something appeared in it meanwhile
        os.rename(temporary, target)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise
