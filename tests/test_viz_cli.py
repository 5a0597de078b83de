"""``python -m tinygrad_edu graph``: the lesson model's graph before/after backward, and its trace."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tinygrad_edu.cli import main
from tinygrad_edu.viz.model import lesson_batch, lesson_graph

ROOT = Path(__file__).resolve().parents[1]
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's `dot` program is missing")
needs_graphviz = pytest.mark.skipif(importlib.util.find_spec("graphviz") is None,
                                    reason="the graphviz Python package is missing")


def run_python(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "PYTHONPATH": str(ROOT), **env}
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=ROOT, env=environment,
                          timeout=120)


# ---- the model ------------------------------------------------------------------------------------


def test_lesson_batch_holds_threes_then_sevens():
    xb, yb = lesson_batch(5, seed=0)
    assert xb.shape == (5, 784) and xb.dtype == np.float32
    assert 0 <= xb.min() and xb.max() <= 1 and xb.max() > 0.5
    assert yb.tolist() == [[1], [1], [1], [0], [0]]
    np.testing.assert_array_equal(lesson_batch(5, seed=0)[0], xb)  # the seed fixes the batch
    assert not np.array_equal(lesson_batch(5, seed=1)[0], xb)
    with pytest.raises(ValueError, match="at least 1"):
        lesson_batch(0, seed=0)


def test_lesson_graph_shapes():
    model = lesson_graph(batch_size=4, seed=0)
    assert model.weights.shape == (784, 1) and model.bias.shape == (1,)
    assert model.weights.requires_grad and model.bias.requires_grad and not model.xb.requires_grad
    assert model.loss.shape == () and 0 < model.loss.item() < 1
    assert set(model.params) == {"weights", "bias"}
    assert model.loss.grad_fn.op_name() == "Mean"


# ---- the command ----------------------------------------------------------------------------------


@needs_dot
def test_before_after_and_trace(tmp_path, capsys):
    code = main(["graph", "--before", str(tmp_path / "before.svg"), "--after", str(tmp_path / "after.svg"),
                 "--trace", str(tmp_path / "trace.txt"), "--batch-size", "4", "--seed", "0"])
    assert code == 0
    before = (tmp_path / "before.svg").read_text(encoding="utf-8")
    after = (tmp_path / "after.svg").read_text(encoding="utf-8")
    assert "no gradients yet" in before and "grad [" not in before
    assert "After backward" in after and "grad [" in after
    for name in ("xb", "weights", "bias", "predictions", "loss", "MatMul", "Sigmoid", "Where", "Mean"):
        assert f">{name}<" in before
    trace = (tmp_path / "trace.txt").read_text(encoding="utf-8")
    assert [line.split()[2] for line in trace.splitlines() if line.startswith("step ")] == [
        "Mean", "Where", "Sub", "Sigmoid", "Add", "MatMul"]
    out = capsys.readouterr().out
    assert "batch of 4 (seed 0)" in out and f"wrote {tmp_path / 'after.svg'}" in out


def test_dot_outputs_and_trace_to_terminal(tmp_path, capsys):
    pytest.importorskip("graphviz")
    code = main(["graph", "--before", str(tmp_path / "b.dot"), "--after", str(tmp_path / "a.gv"),
                 "--trace", "-", "--batch-size", "3", "--rankdir", "TB"])
    assert code == 0
    assert (tmp_path / "b.dot").read_text(encoding="utf-8").startswith("digraph")
    assert "rankdir=TB" in (tmp_path / "a.gv").read_text(encoding="utf-8")
    out = capsys.readouterr().out
    assert "step 6: MatMul   xb (3, 784), weights (784, 1)" in out


def test_trace_is_reproducible(tmp_path):
    for name in ("one.txt", "two.txt"):
        assert main(["graph", "--trace", str(tmp_path / name), "--seed", "7"]) == 0
    assert (tmp_path / "one.txt").read_text() == (tmp_path / "two.txt").read_text()
    main(["graph", "--trace", str(tmp_path / "three.txt"), "--seed", "8"])
    assert (tmp_path / "one.txt").read_text() != (tmp_path / "three.txt").read_text()


def test_step_pictures(tmp_path):
    pytest.importorskip("graphviz")
    assert main(["graph", "--steps", str(tmp_path / "steps"), "--steps-format", "dot"]) == 0
    assert sorted(p.name for p in (tmp_path / "steps").iterdir()) == [
        "00-start.dot", "01-Mean.dot", "02-Where.dot", "03-Sub.dot", "04-Sigmoid.dot", "05-Add.dot",
        "06-MatMul.dot"]


@pytest.mark.parametrize("name", ["graph.jpg", "graph", "graph.svgz"])
def test_unknown_extension_is_a_usage_error(tmp_path, capsys, name):
    with pytest.raises(SystemExit) as caught:
        main(["graph", "--after", str(tmp_path / name)])
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert "unknown picture format" in err and ".svg, .png, .pdf or .dot" in err
    assert not list(tmp_path.iterdir())


def test_nothing_to_do_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as caught:
        main(["graph"])
    assert caught.value.code == 2
    assert "give at least one of --before, --after, --trace, --steps" in capsys.readouterr().err


def test_bad_batch_size(capsys):
    with pytest.raises(SystemExit):
        main(["graph", "--trace", "-", "--batch-size", "0"])
    assert "must be positive" in capsys.readouterr().err


@needs_graphviz
def test_missing_dot_writes_sources_and_explains(tmp_path, monkeypatch, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    code = main(["graph", "--before", str(tmp_path / "before.svg"), "--after", str(tmp_path / "after.png"),
                 "--steps", str(tmp_path / "steps")])
    assert code == 3
    assert (tmp_path / "before.dot").exists() and (tmp_path / "after.dot").exists()
    assert not (tmp_path / "before.svg").exists()
    assert len(list((tmp_path / "steps").glob("*.dot"))) == 7
    captured = capsys.readouterr()
    assert "`dot` program was not found" in captured.err and "apt-get install graphviz" in captured.err
    assert "Traceback" not in captured.err
    assert f"wrote {tmp_path / 'before.dot'}" in captured.out


def test_registered_in_the_command_line():
    result = run_python("-m", "tinygrad_edu", "graph", "--trace", "-", "--batch-size", "2")
    assert result.returncode == 0, result.stderr
    assert "step 1: Mean" in result.stdout and "bias.grad = (1,) float32" in result.stdout


def test_works_without_the_graphviz_package(tmp_path):
    """``import tinygrad_edu``, the command line and the trace need no graphviz; pictures say what to
    install."""
    block = "import sys; sys.modules['graphviz'] = None; "
    result = run_python("-c", block + "import tinygrad_edu, tinygrad_edu.viz; "
                        "from tinygrad_edu.cli import main; sys.exit(main(['graph', '--trace', '-']))")
    assert result.returncode == 0, result.stderr
    assert "step 6: MatMul" in result.stdout
    result = run_python("-c", block + f"from tinygrad_edu.cli import main; "
                        f"sys.exit(main(['graph', '--before', {str(tmp_path / 'b.svg')!r}]))")
    assert result.returncode == 3
    assert 'pip install -e ".[viz]"' in result.stderr and "Traceback" not in result.stderr


def test_explore_page(tmp_path, capsys):
    page = tmp_path / "backward.html"
    assert main(["graph", "--explore", str(page), "--batch-size", "4", "--seed", "0"]) == 0
    html = page.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and '"op": "MatMul"' in html and '"name": "predictions"' in html
    assert f"wrote {page}" in capsys.readouterr().out
    if shutil.which("dot") is not None:
        assert html.count("<svg") == 1


def test_explore_needs_an_html_name(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["graph", "--explore", str(tmp_path / "backward.svg")])
    assert exit_info.value.code == 2
    assert "the explorer is a web page; name the file .html" in capsys.readouterr().err
