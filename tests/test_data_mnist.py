"""MNIST: the bundled 3s and 7s (counts, checksum, the pixel-similarity baseline) and the full dataset."""

import gzip
import hashlib
import importlib.util
import io
import os
import re
import shutil
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from tinygrad_edu.data import (
    ChecksumError,
    IDXError,
    MnistNotFoundError,
    load_idx,
    load_mnist,
    load_mnist_sample,
)
from tinygrad_edu.data import mnist as mnist_module

SHARED_MNIST = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist"
NAMES = ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz",
         "t10k-labels-idx1-ubyte.gz"]
needs_mnist = pytest.mark.skipif(
    not all((SHARED_MNIST / name).is_file() for name in NAMES),
    reason=f"the original MNIST files are not in {SHARED_MNIST} (the shared folder beside the repository)")


@pytest.fixture(scope="module")
def mnist():
    return load_mnist(SHARED_MNIST)


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    """No MNIST folder from the environment, and a home and cache of our own."""
    monkeypatch.delenv("TINYGRAD_EDU_MNIST", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    return tmp_path


# ---- the bundled sample ------------------------------------------------------------------------


def test_sample_counts_and_dtype():
    sample = load_mnist_sample()
    assert sample._fields == ("train_3", "train_7", "valid_3", "valid_7")
    shapes = {name: getattr(sample, name).shape for name in sample._fields}
    assert shapes == {"train_3": (6131, 28, 28), "train_7": (6265, 28, 28), "valid_3": (1010, 28, 28),
                      "valid_7": (1028, 28, 28)}
    assert all(array.dtype == np.uint8 for array in sample)
    assert sample.train_3.max() == 255 and sample.train_3.min() == 0


def test_sample_repr_is_a_summary_not_pixels():
    sample = load_mnist_sample()
    assert repr(sample) == ("MnistSample(train: 6131 threes, 6265 sevens; valid: 1010 threes, 1028 sevens; "
                            "28×28 uint8)")
    small = sample._replace(train_3=sample.train_3[:5], valid_7=np.zeros((2, 8, 8), np.float32))
    assert repr(small).startswith("MnistSample(train: 5 threes, 6265 sevens; valid: 1010 threes, 2 sevens")
    assert isinstance(small, type(sample)) and tuple(small)[0].shape == (5, 28, 28)  # still a namedtuple


def test_sample_is_cached_and_read_only():
    assert load_mnist_sample() is load_mnist_sample()
    with pytest.raises(ValueError, match="read-only"):
        load_mnist_sample().train_3[0, 0, 0] = 1


def test_sample_checksum_file_matches_the_bundled_file():
    npz = mnist_module.SAMPLE_PATH
    line = npz.with_suffix(".sha256").read_text()
    assert line == f"{hashlib.sha256(npz.read_bytes()).hexdigest()}  mnist_sample.npz\n"
    assert 2_000_000 < npz.stat().st_size < 2_600_000


def test_a_tampered_sample_is_rejected(tmp_path):
    npz = tmp_path / "mnist_sample.npz"
    shutil.copy(mnist_module.SAMPLE_PATH, npz)
    shutil.copy(mnist_module.SAMPLE_PATH.with_suffix(".sha256"), tmp_path)
    assert mnist_module._read_sample(npz).train_7.shape == (6265, 28, 28)  # the untouched copy loads
    data = bytearray(npz.read_bytes())
    data[len(data) // 2] ^= 1
    npz.write_bytes(bytes(data))
    expected = mnist_module.SAMPLE_PATH.with_suffix(".sha256").read_text().split()[0]
    with pytest.raises(ChecksumError) as error:
        mnist_module._read_sample(npz)
    message = str(error.value)
    assert message.startswith(f"{npz}: SHA-256 is {hashlib.sha256(bytes(data)).hexdigest()}, but "
                              f"mnist_sample.sha256 expects {expected}")
    assert "python3 scripts/build_mnist_sample.py" in message


def test_a_sample_without_its_checksum_is_refused(tmp_path):
    npz = tmp_path / "mnist_sample.npz"
    shutil.copy(mnist_module.SAMPLE_PATH, npz)
    with pytest.raises(FileNotFoundError, match=r"mnist_sample\.sha256 is missing or empty; rebuild it"):
        mnist_module._read_sample(npz)


def write_sample(folder: Path, **replaced) -> Path:
    """A sample .npz (the bundled arrays, some replaced) with a matching .sha256 beside it."""
    arrays = {**load_mnist_sample()._asdict(), **replaced}
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    npz = folder / "mnist_sample.npz"
    npz.write_bytes(buffer.getvalue())
    npz.with_suffix(".sha256").write_text(f"{hashlib.sha256(buffer.getvalue()).hexdigest()}  {npz.name}\n")
    return npz


@pytest.mark.parametrize("name, array, message", [
    ("train_3", load_mnist_sample().train_3.astype(np.float32) / 255,
     "array 'train_3' has dtype float32, expected uint8 (pixel values 0 to 255"),
    ("valid_7", load_mnist_sample().valid_7.reshape(1028, 784),
     "array 'valid_7' has shape (1028, 784), expected (1028, 28, 28)"),
    ("train_7", load_mnist_sample().train_7[:100],
     "array 'train_7' has shape (100, 28, 28), expected (6265, 28, 28)"),
    ("valid_3", load_mnist_sample().valid_3 // 2, "the pixels of array 'valid_3' range from 0 to 127"),
    ("valid_3", np.zeros((1010, 28, 28), np.uint8), "the pixels of array 'valid_3' range from 0 to 0"),
])
def test_a_sample_with_a_matching_checksum_is_still_checked(tmp_path, name, array, message):
    npz = write_sample(tmp_path, **{name: array})
    with pytest.raises(ValueError) as error:
        mnist_module._read_sample(npz)
    assert str(error.value).startswith(f"{npz}: ") and message in str(error.value)
    assert "python3 scripts/build_mnist_sample.py" in str(error.value)


def test_a_sample_that_is_no_npz_is_named(tmp_path):
    npz = tmp_path / "mnist_sample.npz"
    npz.write_bytes(b"not a zip file")
    npz.with_suffix(".sha256").write_text(hashlib.sha256(b"not a zip file").hexdigest() + "\n")
    with pytest.raises(ValueError, match=f"^{npz}: not a readable .npz archive of arrays"):
        mnist_module._read_sample(npz)
    assert mnist_module._read_sample(write_sample(tmp_path)).valid_3.shape == (1010, 28, 28)


def test_pixel_similarity_baseline():
    """fastbook ch. 4: compare each validation image with the mean 3 and the mean 7."""
    sample = load_mnist_sample()
    mean3 = (sample.train_3.astype(np.float32) / 255).mean(0)
    mean7 = (sample.train_7.astype(np.float32) / 255).mean(0)

    def distance(a, b):
        return np.abs(a - b).mean((-1, -2))

    def is_3(x):
        return distance(x, mean3) < distance(x, mean7)

    valid_3 = sample.valid_3.astype(np.float32) / 255
    valid_7 = sample.valid_7.astype(np.float32) / 255
    assert is_3(valid_3).sum() == 926 and (~is_3(valid_7)).sum() == 1013
    accuracy_3 = is_3(valid_3).mean()
    accuracy_7 = 1 - is_3(valid_7).mean()
    assert round(float(accuracy_3), 4) == 0.9168
    assert round(float(accuracy_7), 4) == 0.9854
    assert round(float((accuracy_3 + accuracy_7) / 2), 4) == 0.9511


def build_script():
    path = Path(__file__).resolve().parents[1] / "scripts" / "build_mnist_sample.py"
    spec = importlib.util.spec_from_file_location("build_mnist_sample", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_sample_file_format_is_deterministic():
    """Fixed zip timestamps: the same arrays give the same bytes, and np.load reads them back unpickled."""
    arrays = {"a": np.arange(6, dtype=np.uint8).reshape(2, 3), "b": np.zeros((1, 2, 2), np.uint8)}
    script = build_script()
    first = script.npz_bytes(arrays)
    assert script.npz_bytes(arrays) == first
    with np.load(io.BytesIO(first), allow_pickle=False) as npz:
        assert npz.files == ["a", "b"]
        np.testing.assert_array_equal(npz["a"], arrays["a"])


@needs_mnist
def test_build_script_rebuilds_the_bundled_sample(tmp_path, monkeypatch):
    script = build_script()
    target = tmp_path / "mnist_sample.npz"
    monkeypatch.setattr(script, "SAMPLE_PATH", target)
    monkeypatch.setattr(script, "REPO", tmp_path)
    assert script.main([str(SHARED_MNIST)]) == 0
    assert sorted(os.listdir(tmp_path)) == ["mnist_sample.npz", "mnist_sample.sha256"]  # no temporary files
    rebuilt = mnist_module._read_sample(target)  # its checksum file matches it
    for name, array in zip(rebuilt._fields, rebuilt, strict=True):
        np.testing.assert_array_equal(array, getattr(load_mnist_sample(), name))


# ---- the full dataset --------------------------------------------------------------------------


@needs_mnist
def test_full_mnist_shapes_and_counts(mnist):
    assert [a.shape for a in mnist] == [(60000, 28, 28), (60000,), (10000, 28, 28), (10000,)]
    assert all(a.dtype == np.uint8 for a in mnist)
    assert np.bincount(mnist.train_labels).tolist() == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851,
                                                        5949]
    assert np.bincount(mnist.test_labels).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    assert mnist.train_images.max() == 255


@needs_mnist
def test_the_sample_is_the_3s_and_7s_of_mnist_in_order(mnist):
    sample = load_mnist_sample()
    np.testing.assert_array_equal(sample.train_3, mnist.train_images[mnist.train_labels == 3])
    np.testing.assert_array_equal(sample.train_7, mnist.train_images[mnist.train_labels == 7])
    np.testing.assert_array_equal(sample.valid_3, mnist.test_images[mnist.test_labels == 3])
    np.testing.assert_array_equal(sample.valid_7, mnist.test_images[mnist.test_labels == 7])


@needs_mnist
def test_published_checksums_are_the_ones_checked():
    for _, stem, _, gz_sha, _ in mnist_module._FILES:
        assert hashlib.sha256((SHARED_MNIST / (stem + ".gz")).read_bytes()).hexdigest() == gz_sha


@needs_mnist
def test_raw_and_dotted_names_are_accepted(tmp_path, mnist):
    """One file per accepted name form: .gz, raw, dotted raw, dotted .gz."""
    (tmp_path / "train-images-idx3-ubyte.gz").symlink_to(SHARED_MNIST / "train-images-idx3-ubyte.gz")
    (tmp_path / "train-labels.idx1-ubyte").write_bytes(
        gzip.decompress((SHARED_MNIST / "train-labels-idx1-ubyte.gz").read_bytes()))
    (tmp_path / "t10k-images-idx3-ubyte").write_bytes(
        gzip.decompress((SHARED_MNIST / "t10k-images-idx3-ubyte.gz").read_bytes()))
    (tmp_path / "t10k-labels.idx1-ubyte.gz").symlink_to(SHARED_MNIST / "t10k-labels-idx1-ubyte.gz")
    result = load_mnist(tmp_path)
    for field in mnist._fields:
        np.testing.assert_array_equal(getattr(result, field), getattr(mnist, field))


@needs_mnist
def test_a_changed_file_fails_its_checksum(tmp_path):
    for name in NAMES[:3]:
        (tmp_path / name).symlink_to(SHARED_MNIST / name)
    labels = load_idx(SHARED_MNIST / "t10k-labels-idx1-ubyte.gz")
    labels[0] = (labels[0] + 1) % 10
    raw = bytes.fromhex("00000801") + len(labels).to_bytes(4, "big") + labels.tobytes()
    (tmp_path / "t10k-labels-idx1-ubyte.gz").write_bytes(gzip.compress(raw))
    with pytest.raises(ChecksumError) as error:
        load_mnist(tmp_path)
    assert str(error.value).startswith(
        f"{tmp_path / 't10k-labels-idx1-ubyte.gz'}: the SHA-256 of its decompressed content is "
        f"{hashlib.sha256(raw).hexdigest()}, but the original MNIST t10k-labels-idx1-ubyte has "
        "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2")


@needs_mnist
def test_a_truncated_file_is_an_idx_error(tmp_path):
    for name in NAMES[1:]:
        (tmp_path / name).symlink_to(SHARED_MNIST / name)
    (tmp_path / NAMES[0]).write_bytes((SHARED_MNIST / NAMES[0]).read_bytes()[:100_000])
    with pytest.raises(IDXError, match=r"train-images-idx3-ubyte\.gz: the gzip stream ends early"):
        load_mnist(tmp_path)


def test_missing_folder_says_where_to_put_the_files(clean_env):
    folder = clean_env / "nowhere"
    with pytest.raises(MnistNotFoundError) as error:
        load_mnist(folder)
    assert isinstance(error.value, FileNotFoundError)
    message = str(error.value)
    assert message.startswith(f"MNIST not found: the folder {folder} (given as root) does not exist.\n")
    for text in [*NAMES, "TINYGRAD_EDU_MNIST", "load_mnist(root=...)", "load_mnist(download=True)",
                 "train-images.idx3-ubyte"]:
        assert text in message


def test_missing_files_are_named(clean_env):
    (clean_env / "train-images-idx3-ubyte.gz").write_bytes(b"")
    (clean_env / "t10k-labels-idx1-ubyte").write_bytes(b"")
    with pytest.raises(MnistNotFoundError, match=rf"the folder {clean_env} \(given as root\) does not hold "
                                                 r"train-labels-idx1-ubyte\.gz, t10k-images-idx3-ubyte\.gz"):
        load_mnist(clean_env)


def test_folder_from_the_environment_variable(clean_env, monkeypatch):
    monkeypatch.setenv("TINYGRAD_EDU_MNIST", str(clean_env / "from-env"))
    with pytest.raises(MnistNotFoundError, match=rf"the folder {clean_env / 'from-env'} \(from "
                                                 r"\$TINYGRAD_EDU_MNIST\) does not exist"):
        load_mnist()


def test_default_folder_is_the_user_cache(clean_env, monkeypatch):
    expected = clean_env / "home" / ".cache" / "tinygrad_edu" / "mnist"
    assert mnist_module.default_mnist_root()[0] == expected
    with pytest.raises(MnistNotFoundError, match=rf"the folder {expected} \(the default: "
                                                 r"\$TINYGRAD_EDU_MNIST is not set\) does not exist"):
        load_mnist()
    monkeypatch.setenv("XDG_CACHE_HOME", str(clean_env / "xdg"))
    assert mnist_module.default_mnist_root()[0] == clean_env / "xdg" / "tinygrad_edu" / "mnist"


def test_no_download_unless_asked(clean_env, monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("load_mnist() went to the network without download=True")

    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    with pytest.raises(MnistNotFoundError):
        load_mnist(clean_env)


@needs_mnist
def test_download_checks_the_checksum_and_writes_atomically(clean_env, monkeypatch, mnist):
    """Mirrors are file:// URLs here: one missing, one serving a wrong file, then the real files."""
    bad = clean_env / "bad-mirror"
    bad.mkdir()
    for name in NAMES:
        (bad / name).write_bytes(gzip.compress(b"not mnist"))
    monkeypatch.setattr(mnist_module, "MIRRORS", (
        (clean_env / "no-mirror").as_uri() + "/", bad.as_uri() + "/", SHARED_MNIST.as_uri() + "/"))
    root = clean_env / "cache" / "mnist"
    result = load_mnist(root, download=True)
    assert sorted(os.listdir(root)) == sorted(NAMES)  # and no temporary files left behind
    for name in NAMES:
        assert (root / name).read_bytes() == (SHARED_MNIST / name).read_bytes()
    np.testing.assert_array_equal(result.test_labels, mnist.test_labels)


def test_download_failure_reports_every_attempt(clean_env, monkeypatch):
    monkeypatch.setattr(mnist_module, "MIRRORS", ((clean_env / "no-mirror").as_uri() + "/",))
    with pytest.raises(MnistNotFoundError) as error:
        load_mnist(clean_env / "cache", download=True)
    message = str(error.value)
    assert "Downloading failed:" in message
    for name in NAMES:
        assert f"{(clean_env / 'no-mirror' / name).as_uri()}: <urlopen error" in message
    assert not (clean_env / "cache").exists()


def test_the_readme_shows_how_to_load_the_sample():
    """The README's Data section loads the 3s and 7s in Python: its block runs and makes the lesson's data."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Data\n", 1)[1].split("\n## ", 1)[0]
    (block,) = re.findall(r"```python\n(.*?)```", section, re.S)
    import tinygrad_edu

    namespace = {"torch": tinygrad_edu}  # the README's first block did `import tinygrad_edu as torch`
    exec(compile(block, "README.md (Data)", "exec"), namespace)
    assert namespace["train_x"].shape == (6131 + 6265, 784) and namespace["train_y"].shape == (6131 + 6265, 1)
    assert namespace["train_x"].min().item() == 0 and namespace["train_x"].max().item() == 1
    assert namespace["train_y"].sum().item() == 6131
    shown = "MnistSample(train: 6131 threes, 6265 sevens; valid: 1010 threes, "  # the comment in the block
    assert shown in block and repr(namespace["sample"]).startswith(shown)
