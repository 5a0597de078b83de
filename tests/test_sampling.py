"""sampling.py's draws for dropout: torch.bernoulli and dropout's mask (frequencies, scaling, generators)."""

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.sampling import dropout_mask


def test_bernoulli_draws_ones_with_the_given_probabilities():
    tg.manual_seed(0)
    p = tg.tensor([0.0, 1.0, 0.25]).expand(20000, 3)
    drawn = tg.bernoulli(p)
    assert drawn.dtype == tg.float32 and set(np.unique(drawn.numpy())) <= {0.0, 1.0}
    assert np.allclose(drawn.numpy().mean(0), [0.0, 1.0, 0.25], atol=0.01)
    g1, g2 = tg.Generator().manual_seed(5), tg.Generator().manual_seed(5)
    assert tg.bernoulli(p, generator=g1).tolist() == tg.bernoulli(p, generator=g2).tolist()
    with pytest.raises(ValueError, match=r"in \[0, 1\]"):
        tg.bernoulli(tg.tensor([1.5]))
    with pytest.raises(TypeError, match="floating-point"):
        tg.bernoulli(tg.tensor([1]))


def test_dropout_mask_keeps_with_probability_1_minus_p_and_scales():
    mask = dropout_mask((100000,), 0.2, np.dtype(np.float32), tg.Generator().manual_seed(1)).numpy()
    assert mask.dtype == np.float32 and set(np.unique(mask)) == {0.0, np.float32(1 / 0.8)}
    assert abs((mask > 0).mean() - 0.8) < 0.005 and abs(mask.mean() - 1) < 0.01
    assert not dropout_mask((5,), 1.0, np.dtype(np.float64)).numpy().any()  # p = 1 drops everything
    tg.manual_seed(3)
    first = dropout_mask((8,), 0.5, np.dtype(np.float32)).tolist()
    tg.manual_seed(3)
    assert dropout_mask((8,), 0.5, np.dtype(np.float32)).tolist() == first  # the default generator
