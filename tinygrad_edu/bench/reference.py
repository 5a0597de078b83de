"""The benchmark's reference: lesson 4's models written by hand in numpy, derivatives and all.

This is what tinygrad_edu has to compete with: the code a competent numpy programmer writes once the
derivatives are worked out on paper. Every backward pass below is the chain rule applied by hand, one
line per step, with the derivative in a comment. Everything is float32 (float64 for the gradcheck) and
works in place where a numpy programmer would (``w -= lr * dw``).

Shapes: ``x`` is a batch of images as rows (n, 784); ``y`` the targets as a column (n, 1) of 1 ("3")
and 0 ("7") for the lesson's loss, or a vector (n,) of classes 0–9 for cross-entropy. Linear layers
are stored as PyTorch stores them: weight (out, in), forward ``x @ W.T + b``.
"""

from __future__ import annotations

import numpy as np


def sigmoid(z: np.ndarray) -> np.ndarray:
    """σ(z) = 1 / (1 + e^-z). For z < -88 (float32) e^-z overflows to inf, and 1 / inf = 0 is right."""
    with np.errstate(over="ignore"):
        return 1 / (1 + np.exp(-z))


# ---- the tiny step: loss = mean(σ(x @ w + b)) ----------------------------------------------------


def tiny_step(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """Forward and backward of ``(x @ w + b).sigmoid().mean()``; w is (784, 1), b is (1,).

    Returns the loss and d loss / dw, d loss / db.
    """
    z = x @ w + b                # (n, 1)
    p = sigmoid(z)
    loss = p.mean()
    dp = 1 / p.size              # d mean / d p_i = 1/n
    dz = dp * p * (1 - p)        # dσ/dz = σ (1 - σ)
    dw = x.T @ dz                # z = x @ w:  dz/dw = xᵀ, summed over the batch by the product
    db = dz.sum(axis=0)          # b was broadcast over the rows: its gradient is the sum over them
    return float(loss), dw, db


# ---- the lesson's loss: mean(where(y == 1, 1 - σ(z), σ(z))) ----------------------------------------


def mnist_loss(z: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """The chapter's loss on scores ``z`` (n, 1) and targets ``y`` (n, 1); returns it and d loss / dz.

    loss = mean(1 - p) over the 3s and mean(p) over the 7s, p = σ(z): each image's distance from its target.
    """
    p = sigmoid(z)
    is_3 = y == 1
    loss = np.where(is_3, 1 - p, p).mean()
    sign = np.where(is_3, np.float32(-1), np.float32(1)).astype(z.dtype)  # d(1 - p)/dp = -1, d p/dp = 1
    dz = sign * (p * (1 - p)) / p.size                                     # ... × dσ/dz × d mean
    return float(loss), dz


def batch_accuracy(z: np.ndarray, y: np.ndarray) -> float:
    """Share of the batch where "σ(z) > 0.5" agrees with "is a 3"."""
    return float(((sigmoid(z) > 0.5) == y).astype(np.float32).mean())


def validate(scores, batches) -> float:
    """The chapter's ``validate_epoch``: the unweighted mean of per-batch accuracies, rounded to 4 places."""
    accuracies = [batch_accuracy(scores(xb), yb) for xb, yb in batches]
    return round(float(np.mean(np.array(accuracies, np.float32))), 4)


# ---- the lesson's linear model, trained by hand ---------------------------------------------------


def linear_step(w: np.ndarray, b: np.ndarray, xb: np.ndarray, yb: np.ndarray, lr: float) -> float:
    """One SGD step of the chapter's ``linear1(xb) = xb @ weights + bias`` (w (784, 1), b (1,)), in place."""
    z = xb @ w + b
    loss, dz = mnist_loss(z, yb)
    dw = xb.T @ dz               # d z / d w = xᵀ
    db = dz.sum(axis=0)          # d z / d b = 1 for every row
    w -= dw * lr
    b -= db * lr
    return loss


# ---- simple_net: Linear(784, 30), ReLU, Linear(30, 1) ---------------------------------------------


def simple_net_forward(params: list[np.ndarray], x: np.ndarray) -> np.ndarray:
    w1, b1, w2, b2 = params
    return np.maximum(x @ w1.T + b1, 0) @ w2.T + b2


def simple_net_grads(params: list[np.ndarray], xb: np.ndarray, yb: np.ndarray) -> tuple[float, list]:
    """Loss and the gradients of [w1, b1, w2, b2] for one batch."""
    w1, b1, w2, b2 = params
    h = xb @ w1.T + b1           # (n, 30)
    a = np.maximum(h, 0)         # ReLU
    z = a @ w2.T + b2            # (n, 1)
    loss, dz = mnist_loss(z, yb)
    dw2 = dz.T @ a               # z = a @ w2ᵀ:  d/dw2 = dzᵀ @ a  (shape (1, 30), like w2)
    db2 = dz.sum(axis=0)
    da = dz @ w2                 # d/da = dz @ w2
    dh = da * (h > 0)            # d ReLU / dh = 1 where h > 0, else 0
    dw1 = dh.T @ xb              # (30, 784), like w1
    db1 = dh.sum(axis=0)
    return loss, [dw1, db1, dw2, db2]


def sgd_step(params: list[np.ndarray], grads: list[np.ndarray], lr: float) -> None:
    """Plain SGD, in place: p ← p - lr · g."""
    for p, g in zip(params, grads, strict=True):
        p -= lr * g


# ---- the ten-digit MLP: Linear(784, h), ReLU, Linear(h, 10), cross-entropy ------------------------


def cross_entropy(logits: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean of -log softmax(logits)[i, y_i]; returns it and d loss / d logits = (softmax - onehot) / n."""
    n = len(y)
    shifted = logits - logits.max(axis=1, keepdims=True)   # no overflow in exp
    e = np.exp(shifted)
    total = e.sum(axis=1, keepdims=True)
    log_probs = shifted - np.log(total)
    loss = -log_probs[np.arange(n), y].mean()
    dlogits = e / total                                     # softmax
    dlogits[np.arange(n), y] -= 1                           # - onehot
    dlogits /= n                                            # d mean
    return float(loss), dlogits


def mlp_forward(params: list[np.ndarray], x: np.ndarray) -> np.ndarray:
    w1, b1, w2, b2 = params
    return np.maximum(x @ w1.T + b1, 0) @ w2.T + b2


def mlp_grads(params: list[np.ndarray], xb: np.ndarray, yb: np.ndarray) -> tuple[float, list]:
    """Cross-entropy loss and the gradients of [w1, b1, w2, b2] for one batch."""
    w1, b1, w2, b2 = params
    h = xb @ w1.T + b1
    a = np.maximum(h, 0)
    logits = a @ w2.T + b2
    loss, dlogits = cross_entropy(logits, yb)
    dw2 = dlogits.T @ a
    db2 = dlogits.sum(axis=0)
    dh = (dlogits @ w2) * (h > 0)
    dw1 = dh.T @ xb
    db1 = dh.sum(axis=0)
    return loss, [dw1, db1, dw2, db2]


def sgd_momentum_step(params: list[np.ndarray], grads: list[np.ndarray], buffers: list, lr: float,
                      momentum: float) -> None:
    """PyTorch's SGD with momentum, in place: v ← momentum · v + g (v = g at the first step);
    p ← p - lr · v."""
    for i, (p, g) in enumerate(zip(params, grads, strict=True)):
        if buffers[i] is None:
            buffers[i] = g.copy()
        else:
            buffers[i] *= momentum
            buffers[i] += g
        p -= lr * buffers[i]


def class_accuracy(logits: np.ndarray, y: np.ndarray) -> float:
    return float((logits.argmax(axis=1) == y).mean())


# ---- gradcheck of the lesson loss ---------------------------------------------------------------


def lesson_loss_and_grads(x: np.ndarray, y: np.ndarray, w: np.ndarray, b: np.ndarray):
    """mnist_loss(x @ w + b, y) and its gradients with respect to w and b."""
    loss, dz = mnist_loss(x @ w + b, y)
    return loss, x.T @ dz, dz.sum(axis=0)


def gradcheck_lesson(x: np.ndarray, y: np.ndarray, w: np.ndarray, b: np.ndarray, eps: float = 1e-6,
                     atol: float = 1e-5, rtol: float = 1e-3) -> tuple[bool, list[np.ndarray]]:
    """Compare the hand-written gradients with central differences (f(θ + ε) - f(θ - ε)) / 2ε, one
    parameter at a time, as ``gradcheck`` does. Returns whether all agree, and the analytic gradients."""
    _, dw, db = lesson_loss_and_grads(x, y, w, b)
    ok = True
    for param, analytic in ((w, dw), (b, db)):
        flat = param.reshape(-1)           # a view: changing it changes the parameter
        numeric = np.empty(flat.size)
        for k in range(flat.size):
            original = flat[k]
            flat[k] = original + eps
            plus = mnist_loss(x @ w + b, y)[0]
            flat[k] = original - eps
            minus = mnist_loss(x @ w + b, y)[0]
            flat[k] = original
            numeric[k] = (plus - minus) / (2 * eps)
        ok &= bool(np.all(np.abs(analytic.reshape(-1) - numeric) <= atol + rtol * np.abs(numeric)))
    return ok, [dw, db]
