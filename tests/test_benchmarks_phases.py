"""The lesson loop timed phase by phase: the three loops compute the same training run, and the report
adds up (no timing assertions). MinimalTensor's own tests: tests/test_example_autograd_in_60_lines.py."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import phases, ways  # noqa: E402
from benchmarks import workloads as W  # noqa: E402


@pytest.fixture(scope="module")
def report() -> phases.PhaseReport:
    return phases.run(ways.Config.quick_mode(), repeats=2)


def test_every_way_computes_the_same_training_run(report):
    assert report.agree == {"minimal autograd": "yes", "tinygrad_edu": "yes"}


def test_numpy_loop_is_the_bench_reference_split_into_phases():
    config = ways.Config.quick_mode()
    train, valid = ways.lesson_batches()
    w0, b0 = ways.lesson_start(config.seed)
    split = phases._numpy_loop(train, valid, w0, b0, config.lesson_epochs).outcome
    whole = W.lesson_loop(config, include_torch=False).ways["numpy"]()
    assert split.losses == whole.losses
    assert split.accuracies == whole.accuracies
    for a, b in zip(split.arrays, whole.arrays, strict=True):
        np.testing.assert_array_equal(a, b)


def test_report_has_every_phase_of_every_way_and_adds_up(report):
    assert report.steps == report.epochs * 49  # 12,396 training images in batches of 256
    for way in phases.WAYS:
        assert set(report.seconds[way]) == set(phases.PHASES)
        assert all(len(v) == 2 and all(t > 0 for t in v) for v in report.seconds[way].values())
        totals = [sum(v) for v in zip(*report.seconds[way].values(), strict=True)]
        assert report.median(way) == pytest.approx(float(np.median(totals)))
    extra = (report.median("tinygrad_edu") - report.median("numpy")) / report.steps * 1e6
    assert report.extra_us_per_step("tinygrad_edu") == pytest.approx(extra)


def test_markdown_table_lists_phases_totals_and_agreement(report):
    table = phases.markdown_table(report)
    lines = table.splitlines()
    assert lines[0] == "| phase | numpy | minimal autograd | tinygrad_edu |"
    assert [line.split(" | ")[0] for line in lines[2:]] == [
        "| forward", "| backward", "| update", "| validation", "| total", "| beyond numpy, per training step",
        "| agrees with numpy"]
    assert f"({report.ratio('tinygrad_edu'):.2f}×)" in lines[6]
    assert lines[-1] == "| agrees with numpy | — | yes | yes |"


def test_main_prints_the_table_and_refuses_bad_counts(capsys):
    assert phases.main(["--repeats", "1", "--epochs", "1"]) == 0
    assert "| total |" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exit_info:
        phases.main(["--repeats", "0"])
    assert exit_info.value.code == 2
    assert "--repeats and --epochs must be at least 1" in capsys.readouterr().err
