"""Writing a file, or a folder of files, atomically: readers see the old content or the new, never half.

The data go to a temporary file in the target's folder (so the final rename stays on one filesystem),
are flushed to disk, and the temporary file is then renamed over the target with ``os.replace``. If
anything fails on the way, Ctrl-C included, the temporary file is removed and the target is untouched.
``atomic_folder`` does the same for a whole folder: it appears complete under its name, or not at all.

The commands check their paths here before any work (``creatable_file_problem``,
``creatable_folder_problem``, ``existing_folder_problem``) and never overwrite an output (``free_name``).
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Callable, Collection, Iterator
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


def free_name(path: str | os.PathLike, file: bool = False, avoid: Collection[Path] = ()) -> Path:
    """``path`` if it is free, else the first free of ``path-2``, ``path-3``, ... (none of them in ``avoid``).

    A folder's name is free when ``is_free``; a file's (``file=True``) when nothing is there, and its
    number goes before the extension: ``before.svg``, ``before-2.svg``, ...
    """
    path = Path(path)
    if path.name in ("", ".", ".."):
        path = path.resolve()
    stem, suffix = (path.stem, path.suffix) if file else (path.name, "")
    number = 2
    candidate = path
    while candidate in avoid or (os.path.lexists(candidate) if file else not is_free(candidate)):
        candidate, number = path.with_name(f"{stem}-{number}{suffix}"), number + 1
    return candidate


def _creatable_in(path: Path, what: str) -> str | None:
    """Why no ``what`` can be made at ``path`` (absolute, not there yet or about to be replaced), or None.

    Checked by creating (and removing) a folder in the nearest folder that exists, so permissions,
    read-only filesystems and files in the way are all caught before any work is done.
    """
    existing = next(p for p in path.parents if os.path.lexists(p))
    if not existing.is_dir():
        return f"{existing} is a file, so no {what} can be made inside it"
    try:
        _, probe = _beside(existing / "probe", os.mkdir)
        probe.rmdir()
    except OSError as error:
        return f"cannot create a {what} in {existing}: {error.strerror or error}"
    return None


def creatable_folder_problem(path: str | os.PathLike) -> str | None:
    """Why a folder cannot be created at ``path`` (or filled, if it exists), or None if it can."""
    path = Path(path).absolute()
    if os.path.lexists(path) and not path.is_dir():
        return f"{path} is a file, not a folder"
    return _creatable_in(path / "probe", "folder")


def creatable_file_problem(path: str | os.PathLike) -> str | None:
    """Why a file cannot be written at ``path`` (or beside it, if one is there), or None if it can."""
    path = Path(path).absolute()
    if path.is_dir():
        return f"{path} is a folder, not a file"
    return _creatable_in(path, "file")


def existing_folder_problem(path: str | os.PathLike) -> str | None:
    """Why ``path`` is not a folder to read from, or None if it is one."""
    path = Path(path).expanduser().absolute()
    if not os.path.lexists(path):
        return f"there is no folder {path}"
    if not path.is_dir():
        return f"{path} is a file, not a folder"
    if not os.access(path, os.R_OK | os.X_OK):
        return f"{path} cannot be read (permission denied)"
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
