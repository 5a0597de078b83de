"""Reading IDX files, the format MNIST is distributed in (gzip-compressed or raw).

An IDX file is a 4-byte magic number ``0x00 0x00 <type> <ndim>``, then ``ndim`` sizes as big-endian
32-bit integers, then the values, big-endian, row-major. MNIST uses type 0x08 (unsigned byte):
magic 2051 (0x00000803) for images (N, 28, 28) and 2049 (0x00000801) for labels (N,).
Every problem with a file becomes an ``IDXError`` that names the file and says what is wrong.
"""

from __future__ import annotations

import os
import zlib
from math import prod

import numpy as np

# type byte → (big-endian dtype, name used in messages)
_TYPES = {
    0x08: (np.dtype(">u1"), "unsigned byte"),
    0x09: (np.dtype(">i1"), "signed byte"),
    0x0B: (np.dtype(">i2"), "short"),
    0x0C: (np.dtype(">i4"), "int"),
    0x0D: (np.dtype(">f4"), "float"),
    0x0E: (np.dtype(">f8"), "double"),
}
_GZIP_MAGIC = b"\x1f\x8b"


class IDXError(ValueError):
    """A file that is not a valid IDX file: truncated, corrupted, wrongly compressed or of the wrong kind."""

    def __init__(self, path: str | os.PathLike, problem: str) -> None:
        super().__init__(f"{os.fspath(path)}: {problem}")
        self.path = os.fspath(path)
        self.problem = problem


def load_idx(path: str | os.PathLike, ndim: int | None = None) -> np.ndarray:
    """Read an IDX file (gzip-compressed or raw; told apart by content) into a native-endian array.

    ``ndim``, if given, is the number of dimensions the file must have (3 for MNIST images, 1 for labels).
    Raises ``IDXError`` for any invalid content and ``FileNotFoundError`` for a missing file.
    """
    return parse_idx(read_idx_bytes(path), path, ndim)


def read_idx_bytes(path: str | os.PathLike) -> bytes:
    """The content of an IDX file, decompressed if it is gzip-compressed."""
    if os.path.isdir(path):
        raise IsADirectoryError(f"load_idx: {os.fspath(path)!r} is a folder, not an IDX file (MNIST's folder "
                                "goes to load_mnist(root); load_idx reads one file in it)")
    try:
        with open(path, "rb") as file:
            data = file.read()
    except FileNotFoundError:
        raise FileNotFoundError(f"load_idx: no such file: {os.fspath(path)!r}") from None
    if data[:2] == _GZIP_MAGIC:
        return _gunzip(data, path)
    if os.fspath(path).endswith(".gz"):
        raise IDXError(path, f"the name ends in .gz but the file is not gzip-compressed "
                             f"(it starts with {data[:4].hex(' ') or 'nothing: the file is empty'})")
    return data


def _gunzip(data: bytes, path: str | os.PathLike) -> bytes:
    """Decompress every gzip member of ``data``; a truncated or corrupted stream becomes an IDXError."""
    parts = []
    while data:
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)  # gzip header and trailer, CRC-32 checked
        try:
            parts.append(inflater.decompress(data))
            parts.append(inflater.flush())
        except zlib.error as error:
            raise IDXError(path, f"corrupted gzip data ({error})") from None
        if not inflater.eof:
            size = sum(map(len, parts))
            raise IDXError(path, f"the gzip stream ends early, after {size} decompressed bytes "
                                 "(truncated download?)")
        data = inflater.unused_data
        if data and data[:2] != _GZIP_MAGIC:
            raise IDXError(path, f"{len(data)} bytes of garbage after the end of the gzip stream")
    return b"".join(parts)


def parse_idx(data: bytes, path: str | os.PathLike = "<bytes>", ndim: int | None = None) -> np.ndarray:
    """Decode the bytes of an IDX file (already decompressed); ``path`` is only used in messages."""
    if len(data) < 4:
        raise IDXError(path, f"{len(data)} bytes is too short for an IDX file (the magic number alone is 4)")
    magic = int.from_bytes(data[:4], "big")
    if data[:2] != b"\0\0" or data[2] not in _TYPES or data[3] == 0:
        raise IDXError(path, f"bad magic number 0x{magic:08x} ({magic}): an IDX file starts with 0x0000, "
                             "a type byte (0x08 = unsigned byte) and the number of dimensions, "
                             "e.g. 0x00000803 (2051) for images, 0x00000801 (2049) for labels")
    dtype, type_name = _TYPES[data[2]]
    if ndim is not None and data[3] != ndim:
        hint = {1: " (is this a labels file?)", 3: " (is this an images file?)"}.get(data[3], "")
        raise IDXError(path, f"magic number 0x{magic:08x} ({magic}) says {data[3]} dimension(s), "
                             f"expected {ndim}{hint}")
    header = 4 + 4 * data[3]
    if len(data) < header:
        raise IDXError(path, f"expected a {header}-byte header for {data[3]} dimensions, "
                             f"got {len(data)} bytes (truncated?)")
    shape = tuple(int(n) for n in np.frombuffer(data, ">u4", data[3], 4))
    expected = header + prod(shape) * dtype.itemsize
    if len(data) != expected:
        what = _describe(shape, type_name)
        hint = "truncated?" if len(data) < expected else f"{len(data) - expected} extra bytes at the end"
        raise IDXError(path, f"expected {expected} bytes for {what}, got {len(data)} ({hint})")
    values = np.frombuffer(data, dtype, prod(shape), header).reshape(shape)
    return values.astype(dtype.newbyteorder("="))  # a writable native-endian copy


def _describe(shape: tuple, type_name: str) -> str:
    sizes = "×".join(map(str, shape))
    if type_name == "unsigned byte" and len(shape) in (1, 3):
        return f"{sizes} {'labels' if len(shape) == 1 else 'images'}"
    return f"{sizes} {type_name} values"
