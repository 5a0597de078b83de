"""The lesson loop timed phase by phase: the minimal autograd computes the right gradients, the three
loops compute the same training run, and the report adds up (no timing assertions)."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.bench import phases
from tinygrad_edu.bench import reference as ref
from tinygrad_edu.bench import workloads as W


@pytest.fixture(scope="module")
def report() -> phases.PhaseReport:
    return phases.run(W.Config.quick_mode(), repeats=2)


def _batch(rows: int = 32, seed: int = 3):
    rng = np.random.default_rng(seed)
    x = rng.random((rows, W.PIXELS), dtype=np.float32)
    y = (rng.random((rows, 1)) < 0.5).astype(np.float32)
    w = rng.standard_normal((W.PIXELS, 1), dtype=np.float32)
    b = rng.standard_normal(1, dtype=np.float32)
    return x, y, w, b


def test_minimal_autograd_gradients_match_the_hand_written_derivatives():
    x, y, w, b = _batch()
    weights, bias = phases.MinimalTensor(w.copy()), phases.MinimalTensor(b.copy())
    p = (phases.MinimalTensor(x) @ weights + bias).sigmoid()
    loss = phases.minimal_where(y == 1, 1 - p, p).mean()
    loss.backward()
    want_loss, want_dw, want_db = ref.lesson_loss_and_grads(x, y, w, b)
    assert float(loss.data) == pytest.approx(want_loss, rel=1e-6)
    np.testing.assert_allclose(weights.grad, want_dw, rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(bias.grad, want_db, rtol=1e-5, atol=1e-8)
    # and tinygrad_edu gets the same numbers from the chapter's code
    tw, tb = tg.tensor(w).requires_grad_(), tg.tensor(b).requires_grad_()
    q = (tg.tensor(x) @ tw + tb).sigmoid()
    tg.where(tg.tensor(y) == 1, 1 - q, q).mean().backward()
    np.testing.assert_allclose(tw.grad.numpy(), weights.grad, rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(tb.grad.numpy(), bias.grad, rtol=1e-5, atol=1e-8)


def test_minimal_autograd_accumulates_a_gradient_reaching_a_node_twice():
    x, y, w, b = _batch(rows=4)
    weights, bias = phases.MinimalTensor(w), phases.MinimalTensor(b)
    p = (phases.MinimalTensor(x) @ weights + bias).sigmoid()
    p.mean().backward()  # one path
    one_path = weights.grad.copy()
    weights.grad = bias.grad = None
    p2 = (phases.MinimalTensor(x) @ weights + bias).sigmoid()
    phases.minimal_where(np.ones_like(y, bool), p2, p2).mean().backward()  # p2 reached twice
    np.testing.assert_allclose(weights.grad, one_path, rtol=1e-6)


def test_every_way_computes_the_same_training_run(report):
    assert report.agree == {"minimal autograd": "yes", "tinygrad_edu": "yes"}


def test_numpy_loop_is_the_bench_reference_split_into_phases():
    config = W.Config.quick_mode()
    x, y, vx, vy = W._lesson_arrays()
    train, valid = W._batches(x, y, 256), W._batches(vx, vy, 256)
    rng = np.random.default_rng(config.seed)
    w0 = rng.standard_normal((W.PIXELS, 1), dtype=np.float32)
    b0 = rng.standard_normal(1, dtype=np.float32)
    split = phases._numpy_loop(train, valid, w0, b0, config.lesson_epochs).outcome
    whole = W.lesson(config, include_torch=False).ways["numpy"]()
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
