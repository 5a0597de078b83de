"""Build the bundled lesson data, tinygrad_edu/data/mnist_sample.npz, from the original MNIST files.

    python3 scripts/build_mnist_sample.py [MNIST folder]     # default: ../shared/data/mnist beside the repo

The sample is MNIST's 3s and 7s: train_3 (6131) and train_7 (6265) from the training set, valid_3 (1010) and
valid_7 (1028) from the test set, uint8 (N, 28, 28), in MNIST order within each class. The originals are
checked against their SHA-256 on reading (by ``load_mnist``).

Output: ``mnist_sample.npz`` (the format ``np.savez_compressed`` writes: a deflated zip of .npy files, no
pickle) and ``mnist_sample.sha256`` (its SHA-256, in ``sha256sum`` format), each written to a temporary
file and moved into place. The zip is written here rather than by ``np.savez_compressed`` because that
stamps every entry with the current time; with a fixed timestamp the output is byte-for-byte the same on
every rebuild, given the same zlib. Another zlib build (e.g. zlib-ng) may compress to different bytes:
the arrays are then identical, but the SHA-256 changes, and this script writes the new one beside it.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import sys
import zipfile
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tinygrad_edu.data.mnist import SAMPLE_COUNTS, SAMPLE_PATH, load_mnist  # noqa: E402
from tinygrad_edu.utils.files import atomic_write  # noqa: E402

FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip entry can hold


def npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """The .npz of ``arrays``, as np.savez_compressed makes it, but with fixed entry timestamps."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for key, array in arrays.items():
            info = zipfile.ZipInfo(key + ".npy", date_time=FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, whatever the platform
            info.external_attr = 0o644 << 16
            with archive.open(info, "w", force_zip64=True) as entry:
                np.lib.format.write_array(entry, array, allow_pickle=False)
    return buffer.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mnist", nargs="?", default=str(REPO.parent / "shared" / "data" / "mnist"),
                        help="folder holding the four original MNIST files (default: %(default)s)")
    args = parser.parse_args(argv)
    mnist = load_mnist(args.mnist)
    arrays = {
        "train_3": mnist.train_images[mnist.train_labels == 3],
        "train_7": mnist.train_images[mnist.train_labels == 7],
        "valid_3": mnist.test_images[mnist.test_labels == 3],
        "valid_7": mnist.test_images[mnist.test_labels == 7],
    }
    for key, array in arrays.items():
        if array.shape != (SAMPLE_COUNTS[key], 28, 28) or array.dtype != np.uint8:
            raise SystemExit(f"{key}: got {array.dtype} {array.shape}, "
                             f"expected uint8 ({SAMPLE_COUNTS[key]}, 28, 28)")
    data = npz_bytes(arrays)
    sha = hashlib.sha256(data).hexdigest()
    atomic_write(SAMPLE_PATH, data)
    atomic_write(SAMPLE_PATH.with_suffix(".sha256"), f"{sha}  {SAMPLE_PATH.name}\n".encode())
    print(f"wrote {SAMPLE_PATH.relative_to(REPO)} ({len(data):,} bytes, SHA-256 {sha})")
    for key, array in arrays.items():
        print(f"  {key}: {array.shape} {array.dtype}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
