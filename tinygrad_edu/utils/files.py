"""Writing a file atomically: readers see the old content or the new, never half of it.

The data go to a temporary file in the target's folder (so the final rename stays on one filesystem),
are flushed to disk, and the temporary file is then renamed over the target with ``os.replace``. If
anything fails on the way, Ctrl-C included, the temporary file is removed and the target is untouched.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO


def _create_temporary(target: Path) -> tuple[int, Path]:
    """A new, empty file ``.NAME.RANDOM.tmp`` beside ``target``, created as open() would (0o666 & ~umask)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        temporary = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
        try:
            return os.open(temporary, flags, 0o666), temporary
        except FileExistsError:
            continue
    raise FileExistsError(f"could not create a temporary file beside {target}")


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
