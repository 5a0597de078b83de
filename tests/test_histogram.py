"""histogram.py: torch.histogram and torch.histc, on numbers worked out by hand (PyTorch's own results for
these inputs) and against numpy's histogram."""

import numpy as np
import pytest

import tinygrad_edu as tg


def test_histogram_counts_weights_and_edges():
    hist, edges = tg.histogram(tg.tensor([1.0, 2.0, 1.0, 4.0]), bins=4, range=(0.0, 4.0),
                               weight=tg.tensor([1.0, 2.0, 4.0, 8.0]))
    assert hist.tolist() == [0.0, 5.0, 2.0, 8.0] and edges.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]
    result = tg.histogram(tg.tensor([1.0, 2.0, 1.0, 4.0]), bins=4)  # range: the min and max
    assert result.hist.tolist() == [2.0, 1.0, 0.0, 1.0]
    assert result.bin_edges.tolist() == [1, 1.75, 2.5, 3.25, 4]
    assert result[0] is result.hist and len(result) == 2
    outside = tg.histogram(tg.tensor([0.0, 1.0, 2.0, 3.0, 4.0, -1.0, 5.0]), bins=4, range=(0.0, 4.0))
    assert outside.hist.tolist() == [1.0, 1.0, 1.0, 2.0]  # the last bin holds its right edge


def test_histogram_with_edges_density_and_dtype():
    hist, edges = tg.histogram(tg.tensor([1.0, 2.0, 1.0, 4.0]), bins=tg.tensor([0.0, 1.5, 5.0]), density=True)
    assert np.allclose(hist.numpy(), [2 / 4 / 1.5, 2 / 4 / 3.5]) and edges.tolist() == [0.0, 1.5, 5.0]
    doubles = tg.histogram(tg.tensor([1.0, 2.0], dtype=tg.float64), bins=2)
    assert doubles.hist.dtype == tg.float64 and doubles.bin_edges.tolist() == [1.0, 1.5, 2.0]
    x = np.random.default_rng(0).standard_normal(1000).astype(np.float32)
    ours = tg.histogram(tg.tensor(x), bins=30, density=True)
    expected, expected_edges = np.histogram(x, bins=30, density=True)
    assert np.allclose(ours.hist.numpy(), expected, rtol=1e-5) and np.allclose(ours.bin_edges, expected_edges)
    assert not tg.histogram(tg.ones(2, requires_grad=True)).hist.requires_grad  # not differentiable


def test_histogram_of_one_value_or_nothing():
    hist, edges = tg.histogram(tg.tensor([2.0, 2.0]), bins=3)
    assert hist.tolist() == [0.0, 2.0, 0.0]
    assert np.allclose(edges.numpy(), [1.5, 1.8333, 2.1667, 2.5], atol=1e-4)
    hist, edges = tg.histogram(tg.tensor([]), bins=3)
    assert hist.tolist() == [0.0] * 3 and np.allclose(edges.numpy(), [0, 1 / 3, 2 / 3, 1])


def test_histogram_errors():
    with pytest.raises(TypeError, match="floating-point"):
        tg.histogram(tg.tensor([1, 2]), bins=2)
    with pytest.raises(ValueError, match="bins must be > 0"):
        tg.histogram(tg.tensor([1.0]), bins=0)
    with pytest.raises(ValueError, match="min 3.0 exceeds its max 1.0"):
        tg.histogram(tg.tensor([1.0]), bins=2, range=(3.0, 1.0))
    with pytest.raises(ValueError, match="not finite"):
        tg.histogram(tg.tensor([1.0, float("nan")]), bins=2)
    with pytest.raises(tg.ShapeError, match="weight must be a tensor of the input's shape"):
        tg.histogram(tg.tensor([1.0, 2.0]), weight=tg.ones(3))
    with pytest.raises(ValueError, match="edges must increase"):
        tg.histogram(tg.tensor([1.0]), bins=tg.tensor([0.0, 2.0, 1.0]))


def test_histc():
    assert tg.histc(tg.tensor([1.0, 2.0, 1.0]), bins=4, min=0, max=3).tolist() == [0.0, 2.0, 1.0, 0.0]
    assert tg.histc(tg.tensor([1.0, 2.0, 1.0, 5.0]), bins=4).tolist() == [2.0, 1.0, 0.0, 1.0]  # data's range
    assert tg.histc(tg.tensor([4.2, 5.0]), bins=2, min=5, max=5).tolist() == [1.0, 1.0]  # [v - 1, v + 1]
    assert tg.histc(tg.tensor([1.0, 2.0]), bins=2, min=0, max=1.5).tolist() == [0.0, 1.0]
    assert tg.histc(tg.tensor([]), bins=2).tolist() == [0.0, 0.0]
    assert tg.histc(tg.ones(3, dtype=tg.float64), bins=1).dtype == tg.float64
    with pytest.raises(ValueError, match="max must be larger than min"):
        tg.histc(tg.tensor([1.0]), bins=2, min=1.5, max=0)
