"""Backpropagation by hand: fast.ai lesson 4's models in plain numpy, every derivative written out.

This is what an autograd saves you from writing. Each ``..._and_grads`` function below runs a model
forward, then applies the chain rule backwards one line at a time, with the derivative in a comment.
If you have read micrograd, it is ``backward()`` unrolled by a person for one fixed graph.

Shapes: ``x`` is a batch of images as rows (n, 784); ``y`` holds the targets, a column (n, 1) of
1 ("a 3") and 0 ("a 7") for the lesson's loss, or a vector (n,) of digits 0–9 for cross-entropy.
Layers store their weight as PyTorch's ``nn.Linear`` does, (out, in), and compute ``x @ W.T + b``;
the chapter's hand-made linear model keeps ``w`` as (784, 1) and computes ``x @ w + b``.
Parameters are updated in place (``w -= lr * dw``), as a numpy programmer would.

Run it to train the chapter's linear model twice, by hand here and with tinygrad_edu's autograd, and
see that they take the same steps::

    python examples/backprop_by_hand.py [--epochs 5]
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import lesson

LossAndGrad = Callable[[np.ndarray, np.ndarray], tuple[float, np.ndarray]]


def sigmoid(z: np.ndarray) -> np.ndarray:
    """σ(z) = 1 / (1 + e^-z). Below z ≈ -88 (float32) e^-z overflows to inf, and 1 / inf = 0 is right."""
    with np.errstate(over="ignore"):
        return 1 / (1 + np.exp(-z))


# ---- the smallest graph: loss = mean(σ(x @ w + b)) ----------------------------------------------------


def mean_sigmoid_and_grads(x: np.ndarray, w: np.ndarray,
                           b: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """``(x @ w + b).sigmoid().mean()`` and its gradients d loss/dw, d loss/db (w is (784, 1), b is (1,))."""
    z = x @ w + b                # (n, 1)
    p = sigmoid(z)
    loss = p.mean()
    dp = 1 / p.size              # d mean / d p_i = 1/n
    dz = dp * p * (1 - p)        # dσ/dz = σ(1 - σ)
    dw = x.T @ dz                # z = x @ w: each weight's gradient sums its pixel over the batch
    db = dz.sum(axis=0)          # b was added to every row: its gradient is the sum over the rows
    return float(loss), dw, db


# ---- the lesson's loss: mean(where(y == 1, 1 - σ(z), σ(z))) ---------------------------------------------


def mnist_loss_and_grad(z: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """The chapter's loss on scores ``z`` (n, 1) and targets ``y`` (n, 1), and d loss/dz.

    With p = σ(z), each image contributes 1 - p if it is a 3 and p if it is a 7 (its distance from its
    target), so d/dp is -1 for a 3 and +1 for a 7; times dσ/dz = p(1 - p); times 1/n for the mean.
    """
    p = sigmoid(z)
    is_3 = y == 1
    loss = np.where(is_3, 1 - p, p).mean()
    sign = np.where(is_3, np.float32(-1), np.float32(1)).astype(z.dtype)
    dz = sign * (p * (1 - p)) / p.size
    return float(loss), dz


def batch_accuracy(z: np.ndarray, y: np.ndarray) -> float:
    """Share of the batch where "σ(z) > 0.5" agrees with "is a 3"."""
    return float(((sigmoid(z) > 0.5) == y).astype(np.float32).mean())


def validate_epoch(scores: Callable[[np.ndarray], np.ndarray], batches: list) -> float:
    """The chapter's ``validate_epoch``: the unweighted mean of per-batch accuracies, rounded to 4 places."""
    accuracies = [batch_accuracy(scores(xb), yb) for xb, yb in batches]
    return round(float(np.mean(np.array(accuracies, np.float32))), 4)


# ---- the chapter's linear model: linear1(x) = x @ w + b ------------------------------------------------


def linear_loss_and_grads(x: np.ndarray, y: np.ndarray, w: np.ndarray,
                          b: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """``mnist_loss(x @ w + b, y)`` and its gradients with respect to w (784, 1) and b (1,)."""
    loss, dz = mnist_loss_and_grad(x @ w + b, y)
    return loss, x.T @ dz, dz.sum(axis=0)   # dz/dw = xᵀ (summed over the batch), dz/db = 1 per row


def linear_sgd_step(w: np.ndarray, b: np.ndarray, xb: np.ndarray, yb: np.ndarray, lr: float) -> float:
    """One step of the chapter's ``train_epoch``: gradients, then ``p -= grad * lr`` in place. The loss."""
    loss, dw, db = linear_loss_and_grads(xb, yb, w, b)
    w -= dw * lr
    b -= db * lr
    return loss


def train_linear(w: np.ndarray, b: np.ndarray, train: list, valid: list, epochs: int,
                 lr: float) -> tuple[list[float], list[float]]:
    """The chapter's training loop by hand: every batch's loss, and the validation accuracy per epoch."""
    losses, accuracies = [], []
    for _ in range(epochs):
        losses += [linear_sgd_step(w, b, xb, yb, lr) for xb, yb in train]
        accuracies.append(validate_epoch(lambda xb: xb @ w + b, valid))
    return losses, accuracies


# ---- two layers: Linear(784, h), ReLU, Linear(h, out) ---------------------------------------------------


def two_layer_scores(params: list[np.ndarray], x: np.ndarray) -> np.ndarray:
    """The forward pass of ``simple_net`` (out = 1) and of the ten-digit MLP (out = 10)."""
    w1, b1, w2, b2 = params
    return np.maximum(x @ w1.T + b1, 0) @ w2.T + b2


def two_layer_loss_and_grads(params: list[np.ndarray], xb: np.ndarray, yb: np.ndarray,
                             loss_and_grad: LossAndGrad) -> tuple[float, list[np.ndarray]]:
    """The loss of one batch and the gradients of [w1, b1, w2, b2]. ``loss_and_grad`` is
    ``mnist_loss_and_grad`` for simple_net, ``cross_entropy_and_grad`` for the digits."""
    w1, b1, w2, b2 = params
    h = xb @ w1.T + b1           # (n, h)
    a = np.maximum(h, 0)         # ReLU
    z = a @ w2.T + b2            # (n, out)
    loss, dz = loss_and_grad(z, yb)
    dw2 = dz.T @ a               # z = a @ w2ᵀ: dz/dw2 gives (out, h), w2's shape
    db2 = dz.sum(axis=0)
    da = dz @ w2                 # dz/da = w2
    dh = da * (h > 0)            # ReLU passes the gradient where h > 0 and stops it elsewhere
    dw1 = dh.T @ xb              # (h, 784), w1's shape
    db1 = dh.sum(axis=0)
    return loss, [dw1, db1, dw2, db2]


def sgd_step(params: list[np.ndarray], grads: list[np.ndarray], lr: float) -> None:
    """Plain SGD, in place: p ← p - lr · g."""
    for p, g in zip(params, grads, strict=True):
        p -= lr * g


# ---- ten digits: cross-entropy and SGD with momentum ----------------------------------------------------


def cross_entropy_and_grad(logits: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """The mean of -log softmax(logits)[i, y_i], and d loss/d logits = (softmax - one_hot(y)) / n."""
    n = len(y)
    shifted = logits - logits.max(axis=1, keepdims=True)   # the same softmax, and exp cannot overflow
    e = np.exp(shifted)
    total = e.sum(axis=1, keepdims=True)
    log_probs = shifted - np.log(total)
    loss = -log_probs[np.arange(n), y].mean()
    dlogits = e / total                                     # softmax
    dlogits[np.arange(n), y] -= 1                           # minus the one-hot targets
    dlogits /= n                                            # the mean
    return float(loss), dlogits


def class_accuracy(logits: np.ndarray, y: np.ndarray) -> float:
    """Share of rows whose highest score is the target digit."""
    return float((logits.argmax(axis=1) == y).mean())


def sgd_momentum_step(params: list[np.ndarray], grads: list[np.ndarray], velocities: list, lr: float,
                      momentum: float) -> None:
    """PyTorch's SGD with momentum, in place: v ← momentum · v + g (v = g at the first step); p ← p - lr · v.

    ``velocities`` starts as ``[None] * len(params)``."""
    for i, (p, g) in enumerate(zip(params, grads, strict=True)):
        if velocities[i] is None:
            velocities[i] = g.copy()
        else:
            velocities[i] *= momentum
            velocities[i] += g
        p -= lr * velocities[i]


# ---- checking the derivatives: finite differences ---------------------------------------------------------


def gradcheck_linear(x: np.ndarray, y: np.ndarray, w: np.ndarray, b: np.ndarray, eps: float = 1e-6,
                     atol: float = 1e-5, rtol: float = 1e-3) -> tuple[bool, list[np.ndarray]]:
    """Compare ``linear_loss_and_grads``' gradients with central differences (f(θ+ε) - f(θ-ε)) / 2ε, one
    parameter at a time, as ``tinygrad_edu.gradcheck`` does. Use float64. Returns whether all agree, and
    the hand-written gradients."""
    _, dw, db = linear_loss_and_grads(x, y, w, b)
    agree = True
    for param, analytic in ((w, dw), (b, db)):
        flat = param.reshape(-1)           # a view: changing it changes the parameter
        numeric = np.empty(flat.size)
        for k in range(flat.size):
            original = flat[k]
            flat[k] = original + eps
            plus = mnist_loss_and_grad(x @ w + b, y)[0]
            flat[k] = original - eps
            minus = mnist_loss_and_grad(x @ w + b, y)[0]
            flat[k] = original
            numeric[k] = (plus - minus) / (2 * eps)
        agree &= bool(np.all(np.abs(analytic.reshape(-1) - numeric) <= atol + rtol * np.abs(numeric)))
    return agree, [dw, db]


# ---- the lesson's linear model trained both ways ----------------------------------------------------------


def batches(x: np.ndarray, y: np.ndarray, size: int = 256) -> list[tuple[np.ndarray, np.ndarray]]:
    """Unshuffled batches, as the chapter's DataLoader without shuffle (slices: no copies)."""
    return [(x[i:i + size], y[i:i + size]) for i in range(0, len(x), size)]


def main(epochs: int = 5, seed: int = 1, lr: float = 1.0, quiet: bool = False) -> dict:
    """Train ``linear1`` by hand and with tinygrad_edu from the same start; return both runs."""
    data = lesson.threes_and_sevens()
    train = batches(data.train.x.numpy(), data.train.y.numpy())
    valid = batches(data.valid.x.numpy(), data.valid.y.numpy())
    tg.manual_seed(seed)   # seed 0 starts in the saturated trap examples/b_linear_by_hand.py describes
    weights, bias = lesson.init_params((lesson.PIXELS, 1)), lesson.init_params(1)
    w, b = weights.detach().numpy().copy(), bias.detach().numpy().copy()

    by_hand = train_linear(w, b, train, valid, epochs, lr)
    as_tensors = [[(tg.from_numpy(xb), tg.from_numpy(yb)) for xb, yb in part] for part in (train, valid)]
    with_autograd = lesson.chapter_training(weights, bias, *as_tensors, epochs=epochs, lr=lr)

    if not quiet:
        print("validation accuracy after each epoch (the chapter's linear model, lr 1.0, batch 256)")
        print(f"{'epoch':>5}  {'by hand':>8}  {'tinygrad_edu':>12}")
        for epoch, (mine, theirs) in enumerate(zip(by_hand[1], with_autograd[1], strict=True), 1):
            print(f"{epoch:>5}  {mine:>8.4f}  {theirs:>12.4f}")
        loss_gap = np.max(np.abs(np.subtract(by_hand[0], with_autograd[0])))
        print(f"{len(by_hand[0])} steps; largest difference in a step's loss: {loss_gap:.2g}; "
              f"in a final weight: {np.max(np.abs(w - weights.detach().numpy())):.2g}")
    return {"by_hand": {"losses": by_hand[0], "accuracies": by_hand[1], "params": [w, b]},
            "tinygrad_edu": {"losses": with_autograd[0], "accuracies": with_autograd[1],
                             "params": [weights.detach().numpy(), bias.detach().numpy()]}}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    main(args.epochs, args.seed)
