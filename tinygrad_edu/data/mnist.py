"""MNIST: the bundled lesson sample (the 3s and 7s) and the full dataset from the original IDX files.

``load_mnist_sample()`` reads ``mnist_sample.npz`` shipped beside this module (built by
``scripts/build_mnist_sample.py``); ``load_mnist()`` reads the four original files from a folder, and
downloads them only when asked to (``download=True``). Every file read is checked against its SHA-256.
"""

from __future__ import annotations

import hashlib
import io
import os
import sys
import zipfile
from collections import namedtuple
from pathlib import Path

import numpy as np

from ..utils.files import atomic_write
from .idx import parse_idx, read_idx_bytes


class MnistSample(namedtuple("MnistSample", ["train_3", "train_7", "valid_3", "valid_7"])):
    """The lesson's 3s and 7s: four uint8 arrays of images (N, 28, 28)."""

    __slots__ = ()

    def __repr__(self) -> str:
        """Counts, image size and dtype, not a wall of pixels."""
        def count(images: object) -> str:
            return str(len(images)) if hasattr(images, "__len__") else "?"

        first = getattr(self.train_3, "shape", ())
        size = "×".join(str(n) for n in first[1:]) or "?"
        dtype = getattr(self.train_3, "dtype", "?")
        return (f"MnistSample(train: {count(self.train_3)} threes, {count(self.train_7)} sevens; "
                f"valid: {count(self.valid_3)} threes, {count(self.valid_7)} sevens; {size} {dtype})")


Mnist = namedtuple("Mnist", ["train_images", "train_labels", "test_images", "test_labels"])

SAMPLE_PATH = Path(__file__).with_name("mnist_sample.npz")
SAMPLE_COUNTS = {"train_3": 6131, "train_7": 6265, "valid_3": 1010, "valid_7": 1028}
_REBUILD = "rebuild it from the original MNIST files: `python3 scripts/build_mnist_sample.py [MNIST folder]`"

ENV_VAR = "TINYGRAD_EDU_MNIST"
MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)
# field, file name (without .gz), dimensions, SHA-256 of the original .gz, SHA-256 of its content
_FILES = (
    ("train_images", "train-images-idx3-ubyte", 3,
     "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
     "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"),
    ("train_labels", "train-labels-idx1-ubyte", 1,
     "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
     "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"),
    ("test_images", "t10k-images-idx3-ubyte", 3,
     "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
     "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"),
    ("test_labels", "t10k-labels-idx1-ubyte", 1,
     "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
     "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"),
)
FILE_NAMES = tuple(stem + ".gz" for _, stem, *_ in _FILES)


class ChecksumError(ValueError):
    """A data file whose SHA-256 is not the one expected: damaged, tampered with, or a different file."""


class MnistNotFoundError(FileNotFoundError):
    """The MNIST files are not in the folder ``load_mnist`` looked in (the message says where to put them)."""


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# ---- the bundled sample -----------------------------------------------------------------------

_sample_cache: MnistSample | None = None


def load_mnist_sample() -> MnistSample:
    """The lesson's data: MNIST's 3s and 7s as uint8 arrays (N, 28, 28), in MNIST order within each class.

    ``train_3`` (6131) and ``train_7`` (6265) come from MNIST's training set, ``valid_3`` (1010) and
    ``valid_7`` (1028) from its test set. Loaded and checked once, then cached; the arrays are read-only
    (``tensor(sample.train_3)`` copies, so this never gets in the way).
    """
    global _sample_cache
    if _sample_cache is None:
        _sample_cache = _read_sample(SAMPLE_PATH)
    return _sample_cache


def _read_sample(path: Path) -> MnistSample:
    """Read and verify a sample .npz against the SHA-256 in the .sha256 file beside it."""
    sha_path = path.with_suffix(".sha256")
    try:
        data = path.read_bytes()
        expected = sha_path.read_text().split()[0]
    except (FileNotFoundError, IndexError):
        raise FileNotFoundError(f"{path} or its checksum file {sha_path.name} is missing or empty; "
                                f"{_REBUILD}") from None
    actual = _sha256(data)
    if actual != expected:
        raise ChecksumError(f"{path}: SHA-256 is {actual}, but {sha_path.name} expects {expected}; the file "
                            f"is damaged or was changed; {_REBUILD}")
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            arrays = {key: npz[key] for key in npz.files}
    except (ValueError, OSError, zipfile.BadZipFile) as error:
        raise ValueError(f"{path}: not a readable .npz archive of arrays ({error}); {_REBUILD}") from None
    if set(arrays) != set(SAMPLE_COUNTS):
        raise ValueError(f"{path}: holds {sorted(arrays)}, expected {sorted(SAMPLE_COUNTS)}; {_REBUILD}")
    for name, array in arrays.items():
        _check_sample_array(path, name, array)
        array.setflags(write=False)
    return MnistSample(**arrays)


def _check_sample_array(path: Path, name: str, array: np.ndarray) -> None:
    """The structure a checksum cannot vouch for: (count, 28, 28) uint8 pixels, 0 (black) to 255."""
    expected = (SAMPLE_COUNTS[name], 28, 28)
    if array.shape != expected:
        raise ValueError(f"{path}: array '{name}' has shape {array.shape}, expected {expected} "
                         f"({SAMPLE_COUNTS[name]} images of 28×28 pixels); {_REBUILD}")
    if array.dtype != np.uint8:
        raise ValueError(f"{path}: array '{name}' has dtype {array.dtype}, expected uint8 (pixel values "
                         f"0 to 255, the range of MNIST's files); {_REBUILD}")
    low, high = int(array.min()), int(array.max())
    if (low, high) != (0, 255):  # every set of MNIST digits has black background and white strokes
        raise ValueError(f"{path}: the pixels of array '{name}' range from {low} to {high}, expected 0 to "
                         f"255 (rescaled or blank images?); {_REBUILD}")


# ---- the full dataset ------------------------------------------------------------------------


def default_mnist_root() -> tuple[Path, str]:
    """The folder ``load_mnist()`` reads without ``root``, and why: ``$TINYGRAD_EDU_MNIST`` if set, else
    ``$XDG_CACHE_HOME/tinygrad_edu/mnist`` (``~/.cache/tinygrad_edu/mnist`` when XDG_CACHE_HOME is unset)."""
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR]).expanduser(), f"from ${ENV_VAR}"
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache).expanduser() / "tinygrad_edu" / "mnist", f"the default: ${ENV_VAR} is not set"


def _candidates(root: Path, stem: str) -> list[Path]:
    """Names: gzip or raw; hyphenated (train-images-idx3-ubyte) or dotted (train-images.idx3-ubyte)."""
    dotted = stem.replace("-idx", ".idx")
    return [root / name for name in (stem + ".gz", stem, dotted, dotted + ".gz")]


def _find(root: Path, stem: str) -> Path | None:
    return next((path for path in _candidates(root, stem) if path.is_file()), None)


def load_mnist(root: str | os.PathLike | None = None, download: bool = False) -> Mnist:
    """The full MNIST: ``train_images`` (60000, 28, 28), ``train_labels`` (60000,), ``test_images``
    (10000, 28, 28), ``test_labels`` (10000,), all uint8, read from the four original IDX files.

    The folder is ``root``, else ``$TINYGRAD_EDU_MNIST``, else ``~/.cache/tinygrad_edu/mnist``. Files may be
    gzip-compressed or not, under their hyphenated or dotted names. The decompressed content of each file
    is checked against the SHA-256 of the original. Missing files raise ``MnistNotFoundError``, unless
    ``download=True``: then they are fetched from a public mirror, checked, and saved in that folder.
    """
    if root is None:
        folder, why = default_mnist_root()
    else:
        folder, why = Path(root).expanduser(), "given as root"
    found = {stem: _find(folder, stem) for _, stem, *_ in _FILES}
    errors: list[str] = []
    if download:
        for _, stem, _, gz_sha, _ in _FILES:
            if found[stem] is None:
                found[stem] = _download(folder, stem + ".gz", gz_sha, errors)
    missing = [stem + ".gz" for stem, path in found.items() if path is None]
    if missing:
        raise MnistNotFoundError(_not_found_message(folder, why, missing, errors))
    arrays = {}
    for field, stem, ndim, _, content_sha in _FILES:
        path = found[stem]
        data = read_idx_bytes(path)
        arrays[field] = parse_idx(data, path, ndim)
        actual = _sha256(data)
        if actual != content_sha:
            raise ChecksumError(
                f"{path}: the SHA-256 of its decompressed content is {actual}, but the original MNIST "
                f"{stem} has {content_sha}; the file is damaged or not the MNIST original: delete it and "
                "put the original there (or call load_mnist(download=True) to fetch it again)")
    return Mnist(**arrays)


def _not_found_message(folder: Path, why: str, missing: list[str], errors: list[str]) -> str:
    where = "does not exist" if not folder.is_dir() else "does not hold " + ", ".join(missing)
    lines = [f"MNIST not found: the folder {folder} ({why}) {where}."]
    if errors:
        lines += ["Downloading failed:"] + [f"  {error}" for error in errors]
    lines += [
        "Put the four original MNIST files in that folder (gzip-compressed or unpacked; the names",
        "train-images.idx3-ubyte etc. work too):",
        *[f"  {name}" for name in FILE_NAMES],
        f"or choose another folder with load_mnist(root=...) or the environment variable {ENV_VAR},",
        f"or call load_mnist(download=True) to fetch them (11 MB) from {MIRRORS[0]}"
        + (" (again, later)" if errors else ""),
    ]
    return "\n".join(lines)


def _download(folder: Path, name: str, sha: str, errors: list[str]) -> Path | None:
    """Fetch ``name`` from the first mirror that serves it with the right SHA-256; save it atomically."""
    import http.client
    import urllib.request  # here, not at the top: it costs ~15 ms and is needed only to download

    for mirror in MIRRORS:
        url = mirror + name
        print(f"tinygrad_edu: downloading {url}", file=sys.stderr)
        try:
            with urllib.request.urlopen(url, timeout=60) as response:
                data = response.read()
        except (OSError, http.client.HTTPException) as error:  # URLError is an OSError
            errors.append(f"{url}: {error}")
            continue
        actual = _sha256(data)
        if actual != sha:
            errors.append(f"{url}: SHA-256 {actual} is not the original's {sha} ({len(data)} bytes)")
            continue
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / name
        atomic_write(target, data)
        return target
    return None
