"""serialization.save / load: round trips, atomic writes, and clear errors for bad files."""

from __future__ import annotations

import os
import zipfile

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn
from tinygrad_edu.serialization import load, save


def simple_net() -> nn.Sequential:
    return nn.Sequential(nn.Linear(28 * 28, 30), nn.ReLU(), nn.Linear(30, 1))


def test_model_round_trip_restores_names_order_dtypes_and_outputs(tmp_path):
    tg.manual_seed(0)
    model = simple_net()
    path = tmp_path / "model.pth"
    save(model.state_dict(), path)
    assert sorted(os.listdir(tmp_path)) == ["model.pth"]  # exactly that name, no ".npz" added, no temp left
    state = load(path)
    assert list(state) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    for key, value in model.state_dict().items():
        loaded = state[key]
        assert type(loaded) is tg.Tensor and loaded.dtype == np.float32 and not loaded.requires_grad
        np.testing.assert_array_equal(state[key].numpy(), value.numpy())
    tg.manual_seed(1)
    fresh = simple_net()
    fresh.load_state_dict(state)
    x = tg.randn(2, 784)
    np.testing.assert_array_equal(fresh(x).detach().numpy(), model(x).detach().numpy())


def test_arrays_numbers_dtypes_and_awkward_names(tmp_path):
    path = str(tmp_path / "mixed.npz")
    data = {"file": tg.tensor([1, 2, 3]), "allow_pickle": np.arange(4.0), "epoch": 7, "lr": 0.5,
            "flag": True, "nested/name.with.dots": tg.zeros(2, 2, dtype=tg.float64)}
    save(data, path)
    state = load(path)
    assert list(state) == list(data)
    assert state["file"].dtype == np.int64 and state["file"].tolist() == [1, 2, 3]
    assert state["allow_pickle"].dtype == np.float64
    assert state["epoch"].item() == 7 and state["lr"].item() == 0.5 and state["flag"].item() is True
    assert state["nested/name.with.dots"].shape == (2, 2)


def test_file_is_a_plain_npz_readable_without_pickle(tmp_path):
    path = tmp_path / "w.npz"
    save({"w": tg.tensor([[1.0, 2.0]])}, path)
    with np.load(path, allow_pickle=False) as archive:
        np.testing.assert_array_equal(archive["w"], [[1.0, 2.0]])


def test_saved_file_gets_ordinary_permissions(tmp_path):
    path = tmp_path / "p.pth"
    save({"w": tg.ones(1)}, path)
    mask = os.umask(0)
    os.umask(mask)
    assert os.stat(path).st_mode & 0o777 == 0o666 & ~mask


def test_overwrite_replaces_the_old_file(tmp_path):
    path = tmp_path / "m.pth"
    save({"a": tg.ones(2)}, path)
    save({"b": tg.zeros(3)}, path)
    assert list(load(path)) == ["b"]


# ---- atomicity ------------------------------------------------------------------------------------------


def test_failed_write_leaves_the_existing_file_untouched(tmp_path, monkeypatch):
    path = tmp_path / "model.pth"
    save({"w": tg.ones(3)}, path)
    before = path.read_bytes()
    calls = []
    original = np.lib.format.write_array

    def failing_write(fp, array, *args, **kwargs):
        calls.append(1)
        if len(calls) == 2:  # after the first entry has been written
            raise OSError("disk full")
        return original(fp, array, *args, **kwargs)

    monkeypatch.setattr(np.lib.format, "write_array", failing_write)
    with pytest.raises(OSError, match="disk full"):
        save({"a": tg.zeros(1000), "b": tg.zeros(1000)}, path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["model.pth"]  # the temporary file was removed


def test_invalid_content_is_refused_before_anything_is_written(tmp_path):
    path = tmp_path / "model.pth"
    save({"w": tg.ones(3)}, path)
    before = path.read_bytes()
    with pytest.raises(TypeError, match="'opt'.*dict"):
        save({"w": tg.zeros(3), "opt": {"lr": 0.1}}, path)
    with pytest.raises(TypeError, match=r"save model.state_dict\(\) instead"):
        save(simple_net(), path)
    with pytest.raises(TypeError, match="non-empty string"):
        save({1: tg.ones(1)}, path)
    with pytest.raises(TypeError, match="dtype"):
        save({"s": np.array(["text"])}, path)
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["model.pth"]


def test_save_into_a_missing_folder_names_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        save({"w": tg.ones(1)}, tmp_path / "nowhere" / "m.pth")


# ---- bad files --------------------------------------------------------------------------------------------


def test_load_missing_file_names_it(tmp_path):
    path = tmp_path / "missing.pth"
    with pytest.raises(FileNotFoundError, match="missing.pth"):
        load(path)


def test_load_folder_is_an_error(tmp_path):
    with pytest.raises(IsADirectoryError, match="folder"):
        load(tmp_path)


def test_load_text_file_is_not_an_npz(tmp_path):
    path = tmp_path / "notes.pth"
    path.write_text("hello")
    with pytest.raises(ValueError, match=r"notes\.pth.*not an npz archive"):
        load(path)


def test_load_plain_npy_is_not_an_npz(tmp_path):
    path = tmp_path / "single.npy"
    np.save(path, np.zeros(3))
    with pytest.raises(ValueError, match=r"single\.npy.*not an npz"):
        load(path)


def test_load_zip_with_foreign_content_names_the_entry(tmp_path):
    path = tmp_path / "torch_like.pt"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("archive/data.pkl", b"\x80\x04not really a pickle")
    with pytest.raises(ValueError, match=r"torch_like\.pt.*archive/data\.pkl"):
        load(path)


def test_load_refuses_pickled_object_arrays(tmp_path):
    path = tmp_path / "objects.npz"
    np.savez(path, bad=np.array([{"a": 1}], dtype=object))
    with pytest.raises(ValueError, match=r"objects\.npz.*not a valid file"):
        load(path)


def test_load_truncated_archive(tmp_path):
    path = tmp_path / "cut.pth"
    save({"w": tg.ones(1000)}, path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2] + data[-200:])  # damaged middle, intact-looking end
    with pytest.raises(ValueError, match=r"cut\.pth"):
        load(path)


def test_save_to_a_folder_is_named_and_leaves_nothing(tmp_path):
    (tmp_path / "run").mkdir()
    with pytest.raises(IsADirectoryError) as error:
        save({"w": tg.ones(2)}, tmp_path / "run")
    assert str(error.value) == (f"save: cannot write {str(tmp_path / 'run')!r}: it is a folder; give a file "
                                f"name, such as {str(tmp_path / 'run' / 'model.npz')!r}")
    assert os.listdir(tmp_path) == ["run"] and os.listdir(tmp_path / "run") == []
