"""examples/cnn_3s_and_7s.py, run short: the simple CNN learns the 3s and 7s, and tinygrad_edu and PyTorch,
from the same weights on the same batches, give the same losses step by step and the same accuracy."""

import importlib
import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

import tinygrad_edu as tg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "examples"))
cnn = importlib.import_module("cnn_3s_and_7s")


def test_the_model_is_the_books_simple_cnn():
    model = cnn.simple_cnn(tg)
    shapes = [tuple(p.shape) for p in model.parameters()]
    assert shapes[::2] == [(4, 1, 3, 3), (8, 4, 3, 3), (16, 8, 3, 3), (32, 16, 3, 3), (2, 32, 3, 3)]
    x = tg.zeros(5, 1, 28, 28)
    sizes = []
    for layer in model:
        x = layer(x)
        sizes.append(tuple(x.shape))
    assert sizes == [(5, 4, 14, 14), (5, 8, 7, 7), (5, 16, 4, 4), (5, 32, 2, 2), (5, 2, 1, 1), (5, 2)]


def test_one_cycle_warms_up_then_anneals():
    lrs, betas = zip(*(cnn.one_cycle(step, 100, 0.01) for step in range(100)))
    assert lrs[0] == pytest.approx(0.01 / 25) and max(lrs) == pytest.approx(0.01) == lrs[25]
    assert lrs[-1] < 0.01 / 1000 and betas[0] == pytest.approx(0.95) and betas[25] == pytest.approx(0.85)


def test_a_short_run_learns_and_matches_pytorch(tmp_path):
    pytest.importorskip("torch")
    result = cnn.main(limit=24, out_dir=tmp_path, quiet=True)
    ours, theirs = result["runs"]["tinygrad_edu"], result["runs"]["torch"]
    assert len(ours["losses"]) == 24 and ours["losses"][0] == pytest.approx(np.log(2), abs=0.05)
    np.testing.assert_allclose(ours["losses"], theirs["losses"], rtol=1e-5, atol=1e-6)
    assert result["loss_difference"] < 1e-5
    assert ours["accuracy"] > 0.9 and abs(ours["accuracy"] - theirs["accuracy"]) <= 1 / 2038
    assert (tmp_path / "first_layer.png").stat().st_size > 10_000


def test_each_library_alone():
    alone = cnn.main(limit=3, lib="tinygrad_edu", out_dir=None, quiet=True)
    assert list(alone["runs"]) == ["tinygrad_edu"] and "loss_difference" not in alone
    if importlib.util.find_spec("torch") is not None:
        theirs = cnn.main(limit=3, lib="torch", out_dir=None, quiet=True)
        assert list(theirs["runs"]) == ["torch"]
        np.testing.assert_allclose(theirs["runs"]["torch"]["losses"], alone["runs"]["tinygrad_edu"]["losses"],
                                   rtol=1e-5)
