"""benchmarks/ in its quick mode: the three ways compute the same thing (no timing assertions); the
bench runs as a script and as ``tinygrad-edu bench`` from a clone, and is not shipped in the package."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import tinygrad_edu.cli  # noqa: E402
from benchmarks import runner, tables, ways  # noqa: E402
from benchmarks import workloads as W  # noqa: E402
from tinygrad_edu.cli import main  # noqa: E402

HAS_TORCH = ways.torch_available()
TIMED = ("tiny", "tiny256", "lesson", "simple_net", "mlp", "gradcheck", "cnn", "gpt")
BY_TORCH = ("gpt",)  # no numpy way: PyTorch is the reference


@pytest.fixture(scope="module")
def report() -> runner.Report:
    # one thread: on a busy 2-core machine BLAS threads fight the other processes and make the test slow
    return runner.run(list(W.NAMES), repeats=1, config=ways.Config.quick_mode(), threads=1)


def test_quick_bench_covers_every_workload_and_way(report):
    assert [row.name for row in report.rows] == list(TIMED)
    for row in report.rows:
        reference = "torch" if row.name in BY_TORCH else "numpy"
        ways = {"tinygrad_edu", reference} | ({"torch"} if HAS_TORCH else set()) | \
            ({"compiled"} if row.name not in ("gradcheck", "cnn", "gpt") else set())  # issue 17's workloads
        ways -= {"torch"} if reference == "torch" and not HAS_TORCH else set()
        assert set(row.times) == ways and row.reference == reference, row.name
        assert all(t > 0 for times in row.times.values() for t in times)
        assert set(row.ratios) == (ways - {reference} if reference in ways else set())
    assert (report.meta["torch"] is not None) == HAS_TORCH
    assert (report.meta["torch_note"] is None) == HAS_TORCH


def test_the_ways_agree(report):
    assert report.all_agree, {row.name: row.agree for row in report.rows}


def test_phases_are_part_of_the_report_table_and_json(report):
    assert report.phases is not None
    assert report.phases.agree == {"minimal autograd": "yes", "tinygrad_edu": "yes"}
    assert "the lesson loop phase by phase" in tables.format_table(report)
    saved = json.loads(report.to_json())["phases"]
    assert saved["steps"] == report.phases.steps
    total_ms = report.phases.median("tinygrad_edu") * 1e3
    assert saved["median_ms"]["tinygrad_edu"]["total"] == pytest.approx(total_ms)
    assert set(saved["ratio_to_numpy"]) == {"minimal autograd", "tinygrad_edu"}


@pytest.mark.parametrize("name", TIMED)
def test_losses_and_parameters_match_the_numpy_reference(report, name):
    outcomes = report.outcomes[name]
    if name in BY_TORCH and not HAS_TORCH:
        pytest.skip("the GPT's reference is PyTorch, which is not installed")
    expected = outcomes["torch" if name in BY_TORCH else "numpy"]
    assert expected.losses and all(np.isfinite(expected.losses))
    for way, outcome in outcomes.items():
        np.testing.assert_allclose(outcome.losses, expected.losses, rtol=2e-3, atol=1e-5, err_msg=way)
        np.testing.assert_allclose(outcome.accuracies, expected.accuracies, atol=2e-3, err_msg=way)
        assert len(outcome.arrays) == len(expected.arrays)
        for got, want in zip(outcome.arrays, expected.arrays, strict=True):
            assert got.shape == want.shape and got.dtype == want.dtype, way
            np.testing.assert_allclose(got, want, rtol=2e-3, atol=1e-4, err_msg=way)


def test_gradcheck_passes_every_way(report):
    assert all(outcome.passed for outcome in report.outcomes["gradcheck"].values())


def test_the_gpts_memory_is_flat_and_its_target_is_pytorchs_time(report):
    memory = W.gpt_memory((2, 6))
    assert memory["flat"], memory
    row = next(row for row in report.rows if row.name == "gpt")
    assert "flat" in row.notes[0] and row.torch_target == 1.0 and row.target is None
    header, body = tables.table_rows(report)
    cells = dict(zip(header, next(c for c in body if c[0] == row.title), strict=True))
    assert cells["tinygrad_edu / numpy"] == "–" and "torch" in cells["target"]


def test_the_graph_is_freed(report):
    for way, memory in report.memory["ways"].items():
        assert memory["flat"], (way, memory)
        assert memory["1000"]["retained_bytes"] < 64 * 1024, (way, memory)


def test_table_shows_every_workload(report):
    text = tables.format_table(report)
    for row in report.rows:
        assert row.title in text
    assert "memory" in text and "flat" in text
    markdown = tables.format_markdown(report)
    assert markdown.count("\n") == len(report.rows) + 2


def test_compare_notices_a_difference():
    good = ways.Outcome([0.5, 0.4], [0.9], [np.ones(3, np.float32)])
    assert ways.compare(good, good, 1e-4, 1e-5) == "yes"
    assert "loss" in ways.compare(ways.Outcome([0.5, 0.3], [0.9], good.arrays), good, 1e-4, 1e-5)
    assert "accurac" in ways.compare(ways.Outcome(good.losses, [0.8], good.arrays), good, 1e-4, 1e-5)
    assert "array" in ways.compare(ways.Outcome(good.losses, [0.9], [np.zeros(3)]), good, 1e-4, 1e-5)
    failed = ways.Outcome(good.losses, good.accuracies, good.arrays, passed=False)
    assert "gradcheck" in ways.compare(failed, ways.Outcome(passed=True), 1e-4, 1e-5)


def test_compare_allows_float32_drift_late_in_long_runs_only():
    losses = list(np.linspace(2.0, 0.1, 500))
    late_drift = [v * (1.005 if i >= 100 else 1) for i, v in enumerate(losses)]
    assert ways.compare(ways.Outcome(late_drift), ways.Outcome(losses), 1e-4, 1e-5) == "yes"
    early = [v * (1.005 if i == 10 else 1) for i, v in enumerate(losses)]
    assert ways.compare(ways.Outcome(early), ways.Outcome(losses), 1e-4, 1e-5).startswith("loss 10")
    diverged = [v * (1.2 if i >= 300 else 1) for i, v in enumerate(losses)]
    assert "stretch" in ways.compare(ways.Outcome(diverged), ways.Outcome(losses), 1e-4, 1e-5)
    far = ways.Outcome(losses, arrays=[np.full(4, 1.1)])
    assert "relative distance" in ways.compare(far, ways.Outcome(losses, arrays=[np.ones(4)]), 1e-4, 1e-5)


def test_cli_writes_well_formed_json(tmp_path, capsys):
    path = tmp_path / "bench.json"
    assert main(["bench", "--quick", "-q", "-w", "tiny,gradcheck", "--no-torch", "--threads", "1",
                 "--json", str(path)]) == 0
    out = capsys.readouterr().out
    assert "tiny step" in out and "gradcheck" in out and "left out" in out
    data = json.loads(path.read_text())
    assert data["meta"]["quick"] is True and data["meta"]["torch"] is None
    assert data["memory"] is None and data["phases"] is None
    assert [w["name"] for w in data["workloads"]] == ["tiny", "gradcheck"]
    for workload in data["workloads"]:
        compiled = {"compiled"} if workload["name"] == "tiny" else set()
        assert set(workload["times"]) == {"tinygrad_edu", "numpy"} | compiled
        summary = workload["summary"]
        assert summary["ratio_to_numpy"]["tinygrad_edu"]["median"] > 0
        assert summary["time"]["numpy"]["low"] <= summary["time"]["numpy"]["high"]
        assert workload["agree"] == {"tinygrad_edu": "yes"} | dict.fromkeys(compiled, "yes")


def test_cli_json_to_stdout(capsys):
    assert main(["bench", "--quick", "-q", "-w", "tiny", "--no-torch", "--json", "-"]) == 0
    assert json.loads(capsys.readouterr().out)["workloads"][0]["unit"] == "µs/step"


@pytest.mark.parametrize("argv", [
    ["bench", "-w", "nope"],
    ["bench", "-w", ""],
    ["bench", "--repeats", "0"],
    ["bench", "--repeats", "many"],
    ["bench", "--threads", "-1"],
    ["bench", "--frobnicate"],
])
def test_cli_usage_errors(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert "usage:" in capsys.readouterr().err


@pytest.mark.parametrize("filename, expected", [
    ("/home/me/tinygrad_edu/tinygrad_edu/engine.py", "tinygrad_edu/engine.py:7 f"),
    ("/home/me/tinygrad_edu/benchmarks/ways.py", "benchmarks/ways.py:7 f"),
    ("/home/me/clone/examples/backprop_by_hand.py", "examples/backprop_by_hand.py:7 f"),
    ("/usr/lib/python3/site-packages/numpy/core/fromnumeric.py", "numpy/core/fromnumeric.py:7 f"),
    ("/tmp/elsewhere/script.py", "script.py:7 f"),
])
def test_profile_names_functions_from_their_package_folder(filename, expected):
    assert runner._function_name((filename, 7, "f")) == expected
    assert runner._function_name(("~", 0, "<built-in method numpy.array>")) == "built-in method numpy.array"


def test_bench_runs_as_a_script_from_the_clone(tmp_path):
    path = tmp_path / "bench.json"
    script = ROOT / "benchmarks" / "bench.py"
    result = subprocess.run([sys.executable, str(script), "--quick", "-q", "-w", "tiny", "--no-torch",
                             "--threads", "1", "--json", str(path)],
                            cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "tiny step" in result.stdout
    assert json.loads(path.read_text())["workloads"][0]["agree"] == {"tinygrad_edu": "yes", "compiled": "yes"}


def test_bench_without_a_clone_says_where_the_benchmarks_are(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(tinygrad_edu.cli, "CLONE", tmp_path)  # as in an installed package: no benchmarks/
    assert main(["bench", "--quick"]) == 2
    err = capsys.readouterr().err
    assert "not part of the installed package" in err and "benchmarks/bench.py" in err


def test_the_package_does_not_ship_the_benchmarks():
    setuptools = pytest.importorskip("setuptools")
    text = (ROOT / "pyproject.toml").read_text()
    include = re.search(r"\[tool.setuptools.packages.find\]\ninclude = \[(.*?)\]", text).group(1)
    patterns = [p.strip().strip('"') for p in include.split(",")]
    packages = setuptools.find_packages(str(ROOT), include=patterns)
    assert "tinygrad_edu" in packages and "tinygrad_edu.viz" in packages
    assert not [p for p in packages if not p.startswith("tinygrad_edu")], packages


def test_the_compiled_way_is_bitwise_the_eager_way(report):
    """The agree column of "compiled" asks for bitwise equality with the eager way, not closeness."""
    for row in report.rows:
        if "compiled" in row.agree:
            assert row.agree["compiled"] == "yes", row.name
    eager, compiled = report.outcomes["lesson"]["tinygrad_edu"], report.outcomes["lesson"]["compiled"]
    assert ways.same_as_eager(compiled, eager) == "yes"
    nudged = ways.Outcome(list(eager.losses), list(eager.accuracies), [a.copy() for a in eager.arrays])
    nudged.arrays[0][0] = np.nextafter(nudged.arrays[0][0], np.inf)  # one bit
    assert ways.same_as_eager(nudged, eager) == "array 0 differs from eager's"


def test_the_torch_compile_way_runs_where_asked(monkeypatch):
    """PyTorch's torch.compile is opt-in (minutes to build C++ code); its plumbing is checked here with
    torch.compile as the identity: the way is there, and agrees with numpy."""
    if not HAS_TORCH:
        pytest.skip("PyTorch is not installed")
    import torch

    monkeypatch.setattr(torch, "compile", lambda fn: fn)
    workload = W.tiny(ways.Config.quick_mode(torch_compile=True))
    row, outcomes = runner.measure(workload, repeats=1, warmup=False)
    assert "torch.compile" in row.times and row.agree["torch.compile"] == "yes"
    assert "torch.compile" not in W.tiny(ways.Config.quick_mode()).ways

    def refuses(fn):
        def run(*args, **kwargs):
            raise RuntimeError("no compiler here\nmore lines")
        return run

    monkeypatch.setattr(torch, "compile", refuses)
    failed = W.tiny(ways.Config.quick_mode(torch_compile=True))
    assert "torch.compile" not in failed.ways
    assert "torch.compile failed on this step: RuntimeError: no compiler here" in failed.notes


def test_capture_cost_is_measured():
    cost = W.capture_cost(repeats=2)
    assert set(cost) == {"capture", "eager step", "replay"} and all(v > 0 for v in cost.values())
