"""Generators as PyTorch's: reproducible per seed and per generator, private generators independent of
the default one, states saved and restored; multinomial's draws and errors; the in-place random fills."""

import numpy as np
import pytest

import tinygrad_edu as tg


def _draws(g=None):
    """One of everything random, drawn from ``g`` (the default generator when None)."""
    w = tg.zeros(3)
    return [tg.randn(2, 3, generator=g).tolist(), tg.rand(4, generator=g).tolist(),
            tg.randint(0, 100, (5,), generator=g).tolist(), tg.randperm(6, generator=g).tolist(),
            tg.multinomial(tg.tensor([0.2, 0.3, 0.5]), 4, replacement=True, generator=g).tolist(),
            w.normal_(generator=g).tolist(), w.uniform_(-1, 1, generator=g).tolist()]


def test_two_generators_with_one_seed_give_one_stream():
    a, b = tg.Generator().manual_seed(2147483647), tg.Generator().manual_seed(2147483647)
    assert _draws(a) == _draws(b)
    assert _draws(tg.Generator().manual_seed(1)) != _draws(tg.Generator().manual_seed(2))


def test_manual_seed_returns_the_generator_and_fixes_the_default_stream():
    g = tg.Generator()
    assert g.manual_seed(5) is g and g.initial_seed() == 5
    assert tg.manual_seed(42) is tg.default_generator and tg.initial_seed() == 42
    first = _draws()
    tg.random.manual_seed(42)
    assert _draws() == first
    # the default stream is numpy's PCG64 stream for the seed (the lesson's documented numbers rely on it)
    tg.manual_seed(3)
    assert tg.randn(4).tolist() == np.random.default_rng(3).standard_normal(4, dtype=np.float32).tolist()
    assert tg.generator() is tg.default_generator._numpy


def test_a_private_generator_leaves_the_default_stream_alone():
    tg.manual_seed(0)
    expected = tg.randn(5).tolist()
    tg.manual_seed(0)
    g = tg.Generator().manual_seed(0)
    tg.randn(100, generator=g)
    tg.multinomial(tg.ones(10), 3, generator=g)
    assert tg.randn(5).tolist() == expected


def test_a_new_generator_starts_from_pytorchs_fixed_seed_and_seed_is_fresh():
    assert tg.Generator().initial_seed() == 67280421310721
    assert tg.randn(3, generator=tg.Generator()).tolist() == tg.randn(3, generator=tg.Generator()).tolist()
    g = tg.Generator()
    fresh = g.seed()
    assert g.initial_seed() == fresh and 0 <= fresh < 2**64 and fresh != tg.Generator().seed()
    assert tg.seed() == tg.initial_seed()


def test_get_state_and_set_state_replay_the_stream():
    g = tg.Generator().manual_seed(11)
    tg.rand(3, generator=g)
    state = g.get_state()
    assert state.dtype == tg.uint8 and state.ndim == 1
    after = tg.randn(4, generator=g).tolist()
    assert tg.randn(4, generator=g).tolist() != after
    assert g.set_state(state) is g and tg.randn(4, generator=g).tolist() == after
    other = tg.Generator().set_state(state)  # a state moves between generators
    assert other.initial_seed() == 11 and tg.randn(4, generator=other).tolist() == after
    tg.manual_seed(8)
    saved = tg.get_rng_state()
    expected = tg.rand(3).tolist()
    tg.set_rng_state(saved)
    assert tg.rand(3).tolist() == expected and tg.random.get_rng_state().tolist() != saved.tolist()
    with pytest.raises(TypeError, match=r"^Generator.set_state\(\): new_state"):
        g.set_state(tg.zeros(3))


def test_negative_seeds_wrap_as_pytorchs_and_bad_seeds_are_refused():
    assert tg.Generator().manual_seed(-1).initial_seed() == 2**64 - 2
    assert tg.manual_seed(7.0).initial_seed() == 7  # PyTorch's manual_seed takes int(seed)
    for bad in ("abc", None, 1.5, True, [1]):
        with pytest.raises(TypeError, match=r"^manual_seed\(\): seed must be an int"):
            tg.manual_seed(bad)
    with pytest.raises(TypeError, match=r"^Generator.manual_seed\(\): seed must be an int"):
        tg.Generator().manual_seed(2.0)
    for bad in (2**64, -(2**63) - 1):
        with pytest.raises(ValueError, match=r"^manual_seed\(\): seed must be in"):
            tg.manual_seed(bad)
    with pytest.raises(TypeError, match=r"^randn\(\): generator must be a tinygrad_edu.Generator"):
        tg.randn(2, generator=np.random.default_rng(0))


def test_makemore_calls():
    g = tg.Generator().manual_seed(2147483647)
    W = tg.randn((27, 27), generator=g)
    assert W.shape == (27, 27)
    p = W[0].exp() / W[0].exp().sum()
    ix = tg.multinomial(p, num_samples=1, replacement=True, generator=g).item()
    assert isinstance(ix, int) and 0 <= ix < 27
    batch = tg.randint(0, 1000, (32,), generator=g)
    assert batch.shape == (32,) and batch.dtype == tg.int64
    assert 0 <= batch.min().item() <= batch.max().item() < 1000


def test_multinomial_frequencies_follow_the_weights():
    g = tg.Generator().manual_seed(0)
    weights = tg.tensor([1.0, 0.0, 3.0, 6.0])  # rows are normalised: probabilities 0.1, 0, 0.3, 0.6
    draws = tg.multinomial(weights, 20000, replacement=True, generator=g)
    assert draws.dtype == tg.int64 and draws.shape == (20000,)
    counts = np.bincount(draws.numpy(), minlength=4) / 20000
    assert counts[1] == 0
    np.testing.assert_allclose(counts, [0.1, 0.0, 0.3, 0.6], atol=0.015)
    rows = tg.multinomial(tg.tensor([[0.0, 1.0], [1.0, 0.0]]), 5, replacement=True, generator=g)
    assert rows.shape == (2, 5) and rows.tolist() == [[1] * 5, [0] * 5]


def test_multinomial_without_replacement_never_repeats():
    g = tg.Generator().manual_seed(1)
    probs = tg.rand(50, 10, generator=g) + 0.01
    drawn = tg.multinomial(probs, 10, generator=g).numpy()
    assert drawn.shape == (50, 10) and all(sorted(row) == list(range(10)) for row in drawn)
    two = tg.multinomial(tg.tensor([0.0, 2.0, 0.0, 1.0]), 2, generator=g)
    assert sorted(two.tolist()) == [1, 3]  # both non-zero categories, each once
    firsts = [tg.multinomial(tg.tensor([9.0, 1.0]), 2, generator=g)[0].item() for _ in range(400)]
    assert 0.85 < firsts.count(0) / 400 < 0.95  # the first draw follows the weights


@pytest.mark.parametrize("args, kind, message", [
    ((tg.tensor([1, 2]), 1), TypeError, "floating-point"),
    (([0.5, 0.5], 1), TypeError, "input must be a Tensor"),
    ((tg.ones(2, 2, 2), 1), ValueError, "1-D or 2-D"),
    ((tg.tensor([0.5, -0.1]), 1), ValueError, "negative"),
    ((tg.tensor([0.5, float("nan")]), 1), ValueError, "nan"),
    ((tg.tensor([[1.0, 1.0], [0.0, 0.0]]), 1), ValueError, "row 1 of input sums to 0"),
    ((tg.tensor([1.0, 0.0, 1.0]), 3), ValueError, "without replacement"),
    ((tg.tensor([1.0, 1.0]), 0), ValueError, "num_samples must be positive"),
    ((tg.tensor([1.0, 1.0]), 1.0), TypeError, "num_samples must be an int"),
])
def test_multinomial_errors(args, kind, message):
    with pytest.raises(kind, match=rf"^multinomial\(\): .*{message}"):
        tg.multinomial(*args)


def test_random_fills_are_in_place_and_checked():
    w = tg.zeros(400, 50, dtype=tg.float64)
    assert w.normal_(2.0, 0.5) is w
    assert w.mean().item() == pytest.approx(2.0, abs=0.01) and w.std().item() == pytest.approx(0.5, rel=0.02)
    w.uniform_(3, 4)
    assert 3 <= w.min().item() and w.max().item() < 4 and w.dtype == tg.float64
    with pytest.raises(ValueError, match=r"^normal_\(\): std"):
        w.normal_(0, -1)
    with pytest.raises(ValueError, match=r"^uniform_\(\): from_"):
        w.uniform_(2, 1)
    with pytest.raises(TypeError, match=r"^normal_\(\): mean must be a number"):
        w.normal_("a")
    with pytest.raises(TypeError, match=r"^uniform_\(\): to must be a number"):
        w.uniform_(0, None)
    with pytest.raises(TypeError, match=r"^normal_\(\): only floating-point"):
        tg.zeros(2, dtype=tg.int64).normal_()
    with pytest.raises(RuntimeError, match=r"^normal_\(\): a tensor that requires grad"):
        tg.zeros(2, requires_grad=True).normal_()


def test_the_random_module_is_torch_random():
    import tinygrad_edu.random as random_module

    assert tg.random is random_module
    for name in ("manual_seed", "seed", "initial_seed", "get_rng_state", "set_rng_state", "Generator"):
        assert callable(getattr(tg.random, name))
