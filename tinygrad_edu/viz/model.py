"""The lesson's model on one batch, written out op by op so every tensor in its graph has a name.

fast.ai lesson 4 (MNIST 3s vs 7s)::

    def linear1(xb): return xb @ weights + bias
    def mnist_loss(predictions, targets):
        predictions = predictions.sigmoid()
        return torch.where(targets == 1, 1 - predictions, predictions).mean()
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from ..creation import manual_seed, where
from ..lesson import PIXELS, init_params, pixel_rows
from ..tensor import Tensor


class LessonGraph(NamedTuple):
    """One forward pass of the lesson model; ``names`` and ``params`` label the picture."""

    xb: Tensor
    yb: Tensor
    weights: Tensor
    bias: Tensor
    loss: Tensor
    names: dict[str, Tensor]
    params: dict[str, Tensor]


def lesson_batch(batch_size: int, seed: int, sample: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """``batch_size`` real images picked at random with ``seed``: 3s first, then 7s, as the lesson has them.

    Returns pixels in [0, 1] as float32 rows (N, 784) and labels (N, 1): 1 for a 3, 0 for a 7.
    ``sample`` is ``load_mnist_sample()``'s result (loaded when not given).
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    if sample is None:
        from ..data import load_mnist_sample

        sample = load_mnist_sample()
    rng = np.random.default_rng(seed)
    threes, sevens = (batch_size + 1) // 2, batch_size // 2
    picked = [sample.train_3[np.sort(rng.choice(len(sample.train_3), threes, replace=False))],
              sample.train_7[np.sort(rng.choice(len(sample.train_7), sevens, replace=False))]]
    xb = pixel_rows(*picked)
    yb = np.array([1] * threes + [0] * sevens, dtype=np.int64)[:, None]
    return xb, yb


def lesson_graph(batch_size: int = 4, seed: int = 0, sample: Any = None) -> LessonGraph:
    """Build the lesson model's graph for one batch (forward only: call backward yourself)."""
    xb_array, yb_array = lesson_batch(batch_size, seed, sample)
    manual_seed(seed)
    weights = init_params((PIXELS, 1))
    bias = init_params(1)
    xb, yb = Tensor(xb_array), Tensor(yb_array)

    scores = xb @ weights
    predictions = scores + bias  # linear1(xb)
    p = predictions.sigmoid()
    is_three = yb == 1
    one_minus_p = 1 - p
    picked = where(is_three, one_minus_p, p)
    loss = picked.mean()

    names = {
        "xb": xb, "xb @ weights": scores, "predictions": predictions, "p": p, "yb == 1": is_three,
        "1": one_minus_p.grad_fn.inputs[0], "1 - p": one_minus_p, "where(yb==1, 1-p, p)": picked,
        "loss": loss,
    }
    return LessonGraph(xb, yb, weights, bias, loss, names, {"weights": weights, "bias": bias})
