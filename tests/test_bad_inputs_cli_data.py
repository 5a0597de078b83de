"""Learner-grade feedback outside the train command: an example script without MNIST gives the command
line's message (naming --data), not a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run_example(*args: str, mnist: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TINYGRAD_EDU_MNIST": str(mnist)}
    return subprocess.run([sys.executable, str(ROOT / "examples" / "e_all_digits.py"), *args],
                          capture_output=True, text=True, env=env, cwd=ROOT)


@pytest.mark.parametrize("with_data", [True, False])
def test_all_digits_without_mnist_names_the_data_option(tmp_path, with_data):
    result = run_example(*(["--data", str(tmp_path)] if with_data else []), mnist=tmp_path / "absent")
    assert result.returncode == 2 and result.stdout == ""
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("e_all_digits.py: MNIST not found: the folder ")
    assert str(tmp_path) in result.stderr and "train-images-idx3-ubyte.gz" in result.stderr
    assert result.stderr.rstrip().endswith("Or pass the folder that holds them with --data DIR.")



# ---- every path option of every command: checked before any work -----------------------------------

needs_proc = pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux's /proc, where no file "
                                "can be made, even by root")


@pytest.fixture
def no_work(monkeypatch):
    """Make the commands' work fail loudly: a test passes only if the path was refused before it."""
    import benchmarks.runner
    import tinygrad_edu.train
    import tinygrad_edu.viz.model

    def work(*args, **kwargs):
        raise AssertionError("the command started its work before checking its paths")

    monkeypatch.setattr(tinygrad_edu.viz.model, "lesson_graph", work)
    monkeypatch.setattr(tinygrad_edu.train, "train", work)
    monkeypatch.setattr(benchmarks.runner, "run", work)


def refused(argv: list[str], capsys) -> str:
    """Run the command line in-process, expect a usage error (status 2), return its one error line."""
    from tinygrad_edu.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    captured = capsys.readouterr()
    assert exit_info.value.code == 2 and captured.out == ""
    assert "Traceback" not in captured.err and captured.err.startswith("usage: ")
    return captured.err.splitlines()[-1]


# argv, the option the error names, the reason it gives; {F} an existing file, {D} an existing folder
# (holding the folders inner.svg and inner.html), {T} the test's own folder
BAD_PATHS = [
    ("graph --trace {D}", "--trace", "{D} is a folder, not a file"),
    ("graph --trace {F}/trace.txt", "--trace", "{F} is a file, so no file can be made inside it"),
    ("graph --before {F}/sub/before.svg", "--before", "{F} is a file, so no file can be made inside it"),
    ("graph --after {D}/inner.svg", "--after", "{D}/inner.svg is a folder, not a file"),
    ("graph --explore {D}/inner.html", "--explore", "{D}/inner.html is a folder, not a file"),
    ("graph --steps {F}", "--steps", "{F} is a file, not a folder"),
    ("graph --steps {F}/steps", "--steps", "{F} is a file, so no folder can be made inside it"),
    ("graph --before {T}/a.svg --after {T}/a.svg", "--after", "--before names it too"),
    ("graph --steps {T}/s --trace {T}/s/t.txt", "--trace", "the files of --steps and --trace would mix"),
    ("graph --before {T}/s/b.svg --steps {T}/s", "--steps", "the files of --before and --steps would mix"),
    ("train --out {F}", "--out", "{F} is a file, not a folder"),
    ("train --model mlp --data {F}", "--data", "{F} is a file, not a folder"),
    ("train --model mlp --data {T}/absent", "--data", "there is no folder {T}/absent"),
    ("bench --json {D}", "--json", "{D} is a folder, not a file"),
    ("bench --json {F}/x.json", "--json", "{F} is a file, so no file can be made inside it"),
    ("bench --data {F}", "--data", "{F} is a file, not a folder"),
    ("bench --data {T}/absent", "--data", "there is no folder {T}/absent"),
]
UNWRITABLE = [("graph --trace {W}/t.txt", "--trace"), ("graph --before {W}/b.svg", "--before"),
              ("graph --after {W}/a.dot", "--after"), ("graph --explore {W}/e.html", "--explore"),
              ("graph --steps {W}/steps", "--steps"), ("train --out {W}/run", "--out"),
              ("bench --json {W}/x.json", "--json")]


def check_refused(command: str, option: str, reason: str, places: dict, capsys) -> None:
    argv = command.format(**places).split()
    line = refused(argv, capsys)
    assert f"{option} '{argv[argv.index(option) + 1]}': {reason.format(**places)}" in line


@pytest.mark.parametrize("command, option, reason", BAD_PATHS)
def test_a_bad_path_gets_one_line_and_nothing_is_done(command, option, reason, tmp_path, capsys, no_work):
    (tmp_path / "notes.txt").write_text("mine")
    (tmp_path / "folder" / "inner.svg").mkdir(parents=True)
    (tmp_path / "folder" / "inner.html").mkdir()
    before = sorted(tmp_path.rglob("*"))
    check_refused(command, option, reason, {"F": tmp_path / "notes.txt", "D": tmp_path / "folder",
                                            "T": tmp_path}, capsys)
    assert sorted(tmp_path.rglob("*")) == before and (tmp_path / "notes.txt").read_text() == "mine"


@needs_proc
@pytest.mark.parametrize("command, option", UNWRITABLE)
def test_an_output_where_nothing_can_be_made(command, option, capsys, no_work):
    reason = "cannot create a {kind} in /proc: No such file or directory".format(
        kind="folder" if option in ("--steps", "--out") else "file")
    check_refused(command, option, reason, {"W": "/proc/nope"}, capsys)


@pytest.mark.parametrize("command, option", UNWRITABLE)
def test_an_output_in_a_read_only_folder(command, option, tmp_path, monkeypatch, capsys, no_work):
    from tinygrad_edu.utils import files

    def read_only(path, *args):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(files.os, "mkdir", read_only)  # as a read-only folder would (root ignores modes)
    kind = "folder" if option in ("--steps", "--out") else "file"
    check_refused(command, option, f"cannot create a {kind} in {tmp_path}: Permission denied",
                  {"W": tmp_path}, capsys)
    assert list(tmp_path.iterdir()) == []


def test_graph_keeps_every_output_already_there(tmp_path, capsys):
    pytest.importorskip("graphviz")
    from tinygrad_edu.cli import main

    for name in ("t.txt", "b.dot", "e.html", "s/01-Mean.dot"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(f"my {name}")
    assert main(["graph", "--trace", str(tmp_path / "t.txt"), "--before", str(tmp_path / "b.dot"),
                 "--steps", str(tmp_path / "s"), "--steps-format", "dot", "--explore",
                 str(tmp_path / "e.html")]) == 0
    out = capsys.readouterr().out
    for option, old, new in (("--trace", "t.txt", "t-2.txt"), ("--before", "b.dot", "b-2.dot"),
                             ("--explore", "e.html", "e-2.html"), ("--steps", "s", "s-2")):
        old, new = tmp_path / old, tmp_path / new
        assert f"{old} is already there and is kept; {option} writes {new} instead" in out
        assert f"wrote {new}" in out or f"pictures in {new}:" in out
    for name in ("t.txt", "b.dot", "e.html", "s/01-Mean.dot"):
        assert (tmp_path / name).read_text() == f"my {name}"
    assert os.listdir(tmp_path / "s") == ["01-Mean.dot"] and len(os.listdir(tmp_path / "s-2")) == 7
    assert (tmp_path / "t-2.txt").read_text().startswith("Backward pass from loss")


def test_graph_pictures_that_fall_back_to_one_dot_name_get_two(tmp_path, monkeypatch, capsys):
    pytest.importorskip("graphviz")
    from tinygrad_edu.cli import main

    monkeypatch.setenv("PATH", str(tmp_path))  # no `dot`: both pictures are saved as b.dot sources
    assert main(["graph", "--before", str(tmp_path / "b.svg"), "--after", str(tmp_path / "b.png")]) == 3
    out = capsys.readouterr().out
    assert f"--before writes {tmp_path / 'b.dot'}; --after writes {tmp_path / 'b-2.dot'} instead" in out
    assert "After backward" in (tmp_path / "b-2.dot").read_text()
    assert "After backward" not in (tmp_path / "b.dot").read_text()


def test_bench_json_keeps_a_file_already_there(tmp_path, capsys):
    from tinygrad_edu.cli import main

    (tmp_path / "x.json").write_text("my results")
    assert main(["bench", "--quick", "-q", "-w", "tiny", "--no-torch", "--threads", "1", "--json",
                 str(tmp_path / "x.json")]) == 0
    out = capsys.readouterr().out
    assert f"{tmp_path / 'x.json'} is already there and is kept; --json writes {tmp_path / 'x-2.json'}" in out
    assert (tmp_path / "x.json").read_text() == "my results"
    assert json.loads((tmp_path / "x-2.json").read_text())["workloads"][0]["name"] == "tiny"
