"""The IDX reader on small generated files: good ones (gzip, raw, all IDX types) and every kind of bad one."""

import gzip

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tinygrad_edu.data import IDXError, load_idx

TYPE_BYTES = {np.dtype(">u1"): 0x08, np.dtype(">i1"): 0x09, np.dtype(">i2"): 0x0B, np.dtype(">i4"): 0x0C,
              np.dtype(">f4"): 0x0D, np.dtype(">f8"): 0x0E}


def idx_bytes(array: np.ndarray) -> bytes:
    """An IDX file's bytes for ``array`` (written here independently of the reader)."""
    big = np.dtype(array.dtype).newbyteorder(">")
    header = bytes([0, 0, TYPE_BYTES[big], array.ndim]) + b"".join(n.to_bytes(4, "big") for n in array.shape)
    return header + array.astype(big).tobytes()


def write(path, data: bytes, compress: bool = False):
    path.write_bytes(gzip.compress(data, mtime=0) if compress else data)
    return path


@pytest.fixture
def images():
    return np.arange(5 * 4 * 3, dtype=np.uint8).reshape(5, 4, 3)


@pytest.mark.parametrize("name, compress", [("images-idx3-ubyte.gz", True), ("images-idx3-ubyte", False),
                                            ("images.idx3-ubyte", False), ("unnamed.bin", True)])
def test_reads_gzip_and_raw_files(tmp_path, images, name, compress):
    result = load_idx(write(tmp_path / name, idx_bytes(images), compress), ndim=3)
    assert result.dtype == np.uint8 and result.shape == (5, 4, 3)
    np.testing.assert_array_equal(result, images)
    assert result.flags.writeable  # a copy the caller owns
    result[0, 0, 0] = 99


def test_reads_labels_and_accepts_a_str_path(tmp_path):
    labels = np.array([3, 7, 7, 3, 0], dtype=np.uint8)
    path = write(tmp_path / "labels-idx1-ubyte.gz", idx_bytes(labels), compress=True)
    np.testing.assert_array_equal(load_idx(str(path), ndim=1), [3, 7, 7, 3, 0])


def test_magic_numbers_of_mnist_files(images):
    assert int.from_bytes(idx_bytes(images)[:4], "big") == 2051
    assert int.from_bytes(idx_bytes(np.zeros(2, np.uint8))[:4], "big") == 2049


@pytest.mark.parametrize("dtype", [">i1", ">i2", ">i4", ">f4", ">f8"])
def test_other_idx_types_become_native_endian(tmp_path, dtype):
    values = np.array([[-2, 1, 300], [4, -5, 6]]).astype(dtype)
    result = load_idx(write(tmp_path / "values.idx", idx_bytes(values)))
    assert result.dtype == np.dtype(dtype).newbyteorder("=")
    assert result.dtype.isnative
    np.testing.assert_array_equal(result, values)


@settings(max_examples=40, deadline=None)
@given(hnp.arrays(st.sampled_from([np.uint8, np.int16, np.float32, np.float64]),
                  hnp.array_shapes(min_dims=1, max_dims=4, min_side=0, max_side=5)),
       st.booleans())
def test_round_trip(tmp_path_factory, array, compress):
    path = write(tmp_path_factory.mktemp("idx") / "a.idx", idx_bytes(array), compress)
    result = load_idx(path)
    assert result.shape == array.shape and result.dtype == array.dtype
    np.testing.assert_array_equal(result, array)


def test_multi_member_gzip_is_read_whole(tmp_path, images):
    data = idx_bytes(images)
    path = tmp_path / "two-members.gz"
    path.write_bytes(gzip.compress(data[:30]) + gzip.compress(data[30:]))
    np.testing.assert_array_equal(load_idx(path), images)


def test_the_message_for_a_truncated_mnist_file(tmp_path):
    header = bytes.fromhex("00000803") + b"".join(n.to_bytes(4, "big") for n in (60000, 28, 28))
    path = write(tmp_path / "train-images-idx3-ubyte.gz", header + bytes(1000 - 16), compress=True)
    with pytest.raises(IDXError) as error:
        load_idx(path)
    expected = "expected 47040016 bytes for 60000×28×28 images, got 1000 (truncated?)"
    assert str(error.value) == f"{path}: {expected}"
    assert error.value.path == str(path)
    assert isinstance(error.value, ValueError)


def test_truncated_raw_file(tmp_path, images):
    path = write(tmp_path / "images-idx3-ubyte", idx_bytes(images)[:-7])
    with pytest.raises(IDXError, match=r"expected 76 bytes for 5×4×3 images, got 69 \(truncated\?\)"):
        load_idx(path)


def test_truncated_gzip_stream(tmp_path, images):
    compressed = gzip.compress(idx_bytes(images) * 50)
    path = write(tmp_path / "images-idx3-ubyte.gz", compressed[: len(compressed) // 2])
    with pytest.raises(IDXError, match=r"images-idx3-ubyte\.gz: the gzip stream ends early, after \d+ "
                                       r"decompressed bytes \(truncated download\?\)"):
        load_idx(path)


def test_gzip_file_cut_inside_its_header(tmp_path):
    with pytest.raises(IDXError, match="gzip stream ends early, after 0 decompressed bytes"):
        load_idx(write(tmp_path / "a.gz", b"\x1f\x8b\x08"))


def test_corrupted_gzip_data(tmp_path, images):
    compressed = bytearray(gzip.compress(idx_bytes(images)))
    compressed[-8] ^= 0xFF  # the CRC-32 of the content
    with pytest.raises(IDXError, match=r"a\.gz: corrupted gzip data \(.*incorrect data check"):
        load_idx(write(tmp_path / "a.gz", bytes(compressed)))


def test_corrupted_deflate_stream(tmp_path):
    compressed = bytearray(gzip.compress(bytes(range(256)) * 40))
    compressed[10] = 0xFF  # the first deflate block header: an invalid block type
    with pytest.raises(IDXError, match=r"corrupted gzip data \(Error -3 .*invalid block type"):
        load_idx(write(tmp_path / "a.gz", bytes(compressed)))


def test_garbage_after_the_gzip_stream(tmp_path, images):
    path = write(tmp_path / "a.gz", gzip.compress(idx_bytes(images)) + b"junk!")
    with pytest.raises(IDXError, match="5 bytes of garbage after the end of the gzip stream"):
        load_idx(path)


def test_a_gz_name_on_a_file_that_is_not_gzip(tmp_path, images):
    path = write(tmp_path / "images-idx3-ubyte.gz", idx_bytes(images))
    with pytest.raises(IDXError, match=r"images-idx3-ubyte\.gz: the name ends in \.gz but the file is not "
                                       r"gzip-compressed \(it starts with 00 00 08 03\)"):
        load_idx(path)


def test_an_html_page_saved_as_gz(tmp_path):
    with pytest.raises(IDXError, match=r"not gzip-compressed \(it starts with 3c 21 44 4f\)"):
        load_idx(write(tmp_path / "t10k-labels-idx1-ubyte.gz", b"<!DOCTYPE html><html>Not found</html>"))


@pytest.mark.parametrize("magic, shown", [(b"\x12\x34\x56\x78", "0x12345678 (305419896)"),
                                          (b"\x00\x00\x07\x03", "0x00000703 (1795)"),
                                          (b"\x00\x00\x08\x00", "0x00000800 (2048)")])
def test_wrong_magic_number(tmp_path, magic, shown):
    path = write(tmp_path / "a-idx3-ubyte", magic + bytes(20))
    with pytest.raises(IDXError) as error:
        load_idx(path)
    assert str(error.value).startswith(f"{path}: bad magic number {shown}: an IDX file starts with 0x0000")


def test_empty_and_tiny_files(tmp_path):
    with pytest.raises(IDXError, match="0 bytes is too short for an IDX file"):
        load_idx(write(tmp_path / "empty", b""))
    with pytest.raises(IDXError, match=r"not gzip-compressed \(it starts with nothing: the file is empty\)"):
        load_idx(write(tmp_path / "empty.gz", b""))
    with pytest.raises(IDXError, match="3 bytes is too short"):
        load_idx(write(tmp_path / "three", b"\0\0\x08"))


def test_wrong_number_of_dimensions(tmp_path):
    labels = write(tmp_path / "labels", idx_bytes(np.zeros(4, np.uint8)))
    with pytest.raises(IDXError, match=r"magic number 0x00000801 \(2049\) says 1 dimension\(s\), expected 3 "
                                       r"\(is this a labels file\?\)"):
        load_idx(labels, ndim=3)
    images = write(tmp_path / "images", idx_bytes(np.zeros((2, 2, 2), np.uint8)))
    with pytest.raises(IDXError, match=r"0x00000803 \(2051\) says 3 dimension\(s\), expected 1 "
                                       r"\(is this an images file\?\)"):
        load_idx(images, ndim=1)


def test_sizes_that_do_not_match_the_data(tmp_path, images):
    data = bytearray(idx_bytes(images))
    data[15] = 2  # columns: 3 → 2
    with pytest.raises(IDXError, match=r"expected 56 bytes for 5×4×2 images, got 76 \(20 extra bytes at "):
        load_idx(write(tmp_path / "a", bytes(data)))
    data[15] = 0xFF
    with pytest.raises(IDXError, match=r"expected 5116 bytes for 5×4×255 images, got 76 \(truncated\?\)"):
        load_idx(write(tmp_path / "b", bytes(data)))


def test_header_cut_short(tmp_path):
    with pytest.raises(IDXError, match=r"expected a 16-byte header for 3 dimensions, got 10 bytes \(trunc"):
        load_idx(write(tmp_path / "a", bytes.fromhex("00000803") + bytes(6)))


def test_extra_bytes(tmp_path, images):
    for compress in (False, True):
        path = write(tmp_path / f"a{compress}", idx_bytes(images) + b"\0" * 5, compress)
        with pytest.raises(IDXError, match=r"expected 76 bytes for 5×4×3 images, got 81 \(5 extra bytes at "):
            load_idx(path)


def test_huge_declared_sizes_fail_cleanly(tmp_path):
    header = bytes.fromhex("00000803") + b"\xff\xff\xff\xff" * 3
    with pytest.raises(IDXError, match=r"expected 79228162458924105385300197391 bytes for "
                                       r"4294967295×4294967295×4294967295 images, got 16"):
        load_idx(write(tmp_path / "a", header))


def test_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_idx(tmp_path / "nope.gz")



def test_a_folder_or_a_missing_file_is_named(tmp_path):
    with pytest.raises(IsADirectoryError) as error:
        load_idx(tmp_path)
    assert str(error.value).startswith(f"load_idx: {str(tmp_path)!r} is a folder, not an IDX file")
    assert "load_mnist(root)" in str(error.value)
    with pytest.raises(FileNotFoundError, match=r"^load_idx: no such file: '.*train-images-idx3-ubyte'$"):
        load_idx(tmp_path / "train-images-idx3-ubyte")
