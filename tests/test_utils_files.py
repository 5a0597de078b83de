"""utils.files.atomic_write / atomic_open: the content, the permissions, and nothing left after a failure."""

from __future__ import annotations

import os

import pytest

from tinygrad_edu.utils import files
from tinygrad_edu.utils.files import (
    atomic_folder,
    atomic_open,
    atomic_write,
    creatable_file_problem,
    creatable_folder_problem,
    existing_folder_problem,
    free_name,
)


def test_writes_bytes_and_text(tmp_path):
    atomic_write(tmp_path / "a.bin", b"\x00\x01\xff")
    assert (tmp_path / "a.bin").read_bytes() == b"\x00\x01\xff"
    atomic_write(str(tmp_path / "b.csv"), "épsilon,1\r\nx,2\n")  # a str path; line ends kept as given
    assert (tmp_path / "b.csv").read_bytes() == "épsilon,1\r\nx,2\n".encode()
    assert sorted(os.listdir(tmp_path)) == ["a.bin", "b.csv"]


def test_replaces_an_existing_file(tmp_path):
    path = tmp_path / "f.txt"
    path.write_text("old and longer")
    atomic_write(path, "new")
    assert path.read_text() == "new" and os.listdir(tmp_path) == ["f.txt"]


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
@pytest.mark.parametrize("mask", [0o022, 0o077, 0o002])
def test_permissions_are_those_of_an_ordinary_file(tmp_path, mask):
    old = os.umask(mask)
    try:
        atomic_write(tmp_path / "atomic", b"x")
        with open(tmp_path / "ordinary", "wb") as file:
            file.write(b"x")
    finally:
        os.umask(old)
    assert os.stat(tmp_path / "atomic").st_mode & 0o777 == 0o666 & ~mask
    assert os.stat(tmp_path / "atomic").st_mode == os.stat(tmp_path / "ordinary").st_mode


@pytest.mark.parametrize("error", [OSError("disk full"), KeyboardInterrupt()])
def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, error):
    path = tmp_path / "model.npz"
    path.write_bytes(b"the old content")
    with pytest.raises(type(error)):
        with atomic_open(path) as file:
            file.write(b"half of the new")
            raise error
    assert path.read_bytes() == b"the old content"
    assert os.listdir(tmp_path) == ["model.npz"]


def test_a_failed_rename_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "metrics.json"
    path.write_text("{}")

    def failing_replace(src, dst):
        raise PermissionError("replace refused")

    monkeypatch.setattr(files.os, "replace", failing_replace)
    with pytest.raises(PermissionError, match="replace refused"):
        atomic_write(path, "[1, 2, 3]")
    assert path.read_text() == "{}" and os.listdir(tmp_path) == ["metrics.json"]


def test_a_new_file_is_not_created_when_the_write_fails(tmp_path):
    with pytest.raises(KeyboardInterrupt):
        with atomic_open(tmp_path / "new.bin") as file:
            file.write(b"partial")
            raise KeyboardInterrupt
    assert os.listdir(tmp_path) == []


def test_a_missing_folder_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        atomic_write(tmp_path / "no" / "such" / "folder.txt", "x")
    assert os.listdir(tmp_path) == []


def test_free_name_numbers_a_taken_folder(tmp_path):
    assert free_name(tmp_path / "run") == tmp_path / "run"
    (tmp_path / "run").mkdir()
    assert free_name(tmp_path / "run") == tmp_path / "run"  # an empty folder loses nothing
    (tmp_path / "run" / "model.npz").write_bytes(b"")
    (tmp_path / "run-2").write_text("a file takes the name too")
    assert free_name(tmp_path / "run") == tmp_path / "run-3"
    assert free_name(tmp_path / "run" / ".") == tmp_path / "run-3"


@pytest.mark.parametrize("error", [OSError("disk full"), KeyboardInterrupt()])
def test_atomic_folder_appears_whole_or_not_at_all(tmp_path, error):
    with atomic_folder(tmp_path / "runs" / "a") as folder:
        (folder / "one").write_text("1")
        assert os.listdir(tmp_path / "runs") == [folder.name] and folder.name.startswith(".a.")
    assert os.listdir(tmp_path / "runs" / "a") == ["one"]
    with pytest.raises(type(error)):
        with atomic_folder(tmp_path / "runs" / "b") as folder:
            (folder / "one").write_text("1")
            raise error
    assert os.listdir(tmp_path / "runs") == ["a"]


def test_atomic_folder_never_replaces_a_folder_with_files(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "old").write_text("kept")
    with pytest.raises(FileExistsError, match="already exists and is not empty"):
        with atomic_folder(tmp_path / "a"):
            raise AssertionError("not reached")
    assert os.listdir(tmp_path) == ["a"] and (tmp_path / "a" / "old").read_text() == "kept"


def test_creatable_folder_problem_names_what_is_in_the_way(tmp_path):
    assert creatable_folder_problem(tmp_path / "new" / "deeper") is None
    assert os.listdir(tmp_path) == []  # the check leaves nothing behind
    (tmp_path / "file").write_text("x")
    assert creatable_folder_problem(tmp_path / "file") == f"{tmp_path / 'file'} is a file, not a folder"
    inside = creatable_folder_problem(tmp_path / "file" / "a")
    assert inside == f"{tmp_path / 'file'} is a file, so no folder can be made inside it"


def test_creatable_folder_problem_tries_to_create_one(tmp_path, monkeypatch):
    def refused(path, *args):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(files.os, "mkdir", refused)  # as a read-only folder would (root ignores modes)
    problem = creatable_folder_problem(tmp_path / "run")
    assert problem == f"cannot create a folder in {tmp_path}: Permission denied"


def test_free_name_of_a_file_numbers_it_before_its_extension(tmp_path):
    assert free_name(tmp_path / "before.svg", file=True) == tmp_path / "before.svg"
    (tmp_path / "before.svg").write_text("mine")
    (tmp_path / "before-2.svg").mkdir()  # anything there takes the name, even an empty folder
    assert free_name(tmp_path / "before.svg", file=True) == tmp_path / "before-3.svg"
    avoid = {tmp_path / "before-3.svg"}  # a name another output of the same run is about to take
    assert free_name(tmp_path / "before.svg", file=True, avoid=avoid) == tmp_path / "before-4.svg"
    assert free_name(tmp_path / "new.svg", file=True, avoid={tmp_path / "new.svg"}) == tmp_path / "new-2.svg"


def test_creatable_file_problem_names_what_is_in_the_way(tmp_path, monkeypatch):
    assert creatable_file_problem(tmp_path / "new" / "deeper" / "a.svg") is None
    (tmp_path / "taken.svg").write_text("x")
    assert creatable_file_problem(tmp_path / "taken.svg") is None  # written beside it (free_name)
    assert creatable_file_problem(tmp_path) == f"{tmp_path} is a folder, not a file"
    inside = creatable_file_problem(tmp_path / "taken.svg" / "a.svg")
    assert inside == f"{tmp_path / 'taken.svg'} is a file, so no file can be made inside it"
    assert sorted(os.listdir(tmp_path)) == ["taken.svg"]  # the checks leave nothing behind

    def refused(path, *args):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(files.os, "mkdir", refused)
    problem = creatable_file_problem(tmp_path / "a.svg")
    assert problem == f"cannot create a file in {tmp_path}: Permission denied"


def test_existing_folder_problem(tmp_path):
    assert existing_folder_problem(tmp_path) is None
    assert existing_folder_problem(tmp_path / "absent") == f"there is no folder {tmp_path / 'absent'}"
    (tmp_path / "file").write_text("x")
    assert existing_folder_problem(tmp_path / "file") == f"{tmp_path / 'file'} is a file, not a folder"
