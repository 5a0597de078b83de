"""The cnn workload: one epoch of fastbook chapter 13's simple CNN on the 3s and 7s, three ways.

The tinygrad_edu and PyTorch ways build the model with ``examples/cnn_3s_and_7s.py``'s ``simple_cnn``
(handed either library); the numpy way is the same network written by hand below: each stride-2 3×3
convolution as im2col and one matrix product, its backward as the two matrix products and col2im (each
column's gradient added back to the pixels it was copied from). Batches of 64, shuffled once up front;
SGD with momentum; the validation accuracy on the 2,038 validation images at the end.
"""

from __future__ import annotations

import math

import backprop_by_hand as by_hand
import cnn_3s_and_7s as example
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from tinygrad_edu.data import load_mnist_sample

from .ways import Config, Lib, Outcome, Workload, batches, class_accuracy, libs, load_params, to_numpy, wrap

CHANNELS = (1, 4, 8, 16, 32, 2)
LR, MOMENTUM = 0.05, 0.9


def conv_init(rng: np.random.Generator) -> list[np.ndarray]:
    """nn.Conv2d's default initialisation, U(±1/√fan_in) for weight (out, in, 3, 3) and bias, per layer."""
    params = []
    for ni, nf in zip(CHANNELS, CHANNELS[1:]):
        bound = 1 / math.sqrt(ni * 9)
        params.append(rng.uniform(-bound, bound, (nf, ni, 3, 3)).astype(np.float32))
        params.append(rng.uniform(-bound, bound, nf).astype(np.float32))
    return params


def conv_forward(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A 3×3 convolution with stride 2 and padding 1: out [N, O, H/2, W/2] and the im2col columns."""
    n, c, h, wd = x.shape
    padded = np.zeros((n, c, h + 2, wd + 2), x.dtype)
    padded[:, :, 1:-1, 1:-1] = x
    windows = sliding_window_view(padded, (3, 3), axis=(2, 3))[:, :, ::2, ::2]  # [N, C, OH, OW, 3, 3]
    oh, ow = windows.shape[2:4]
    cols = windows.transpose(1, 4, 5, 0, 2, 3).reshape(c * 9, n * oh * ow)
    out = (w.reshape(len(w), -1) @ cols).reshape(len(w), n, oh, ow).transpose(1, 0, 2, 3)
    return out + b[:, None, None], cols


def conv_backward(grad: np.ndarray, cols: np.ndarray, w: np.ndarray, x_shape: tuple,
                  need_x: bool) -> tuple[np.ndarray | None, np.ndarray, np.ndarray]:
    """d/dx (col2im of Wᵀ · grad), d/dW (grad · columnsᵀ) and d/db (Σ grad) of ``conv_forward``."""
    o = len(w)
    g = grad.transpose(1, 0, 2, 3).reshape(o, -1)  # [O, N·OH·OW]
    dw, db = (g @ cols.T).reshape(w.shape), g.sum(axis=1)
    if not need_x:
        return None, dw, db
    n, c, h, wd = x_shape
    oh, ow = grad.shape[2:]
    dcols = (w.reshape(o, -1).T @ g).reshape(c, 3, 3, n, oh, ow)
    dpadded = np.zeros((n, c, h + 2, wd + 2), grad.dtype)
    for a in range(3):
        for bb in range(3):
            dpadded[:, :, a:a + 2 * oh:2, bb:bb + 2 * ow:2] += dcols[:, a, bb].transpose(1, 0, 2, 3)
    return dpadded[:, :, 1:-1, 1:-1], dw, db


def scores(params: list[np.ndarray], x: np.ndarray) -> tuple[np.ndarray, list]:
    """The forward pass: five convolutions, ReLU between them; returns the [N, 2] scores and what backward
    needs per layer (its input's shape, columns and ReLU mask)."""
    saved = []
    for i in range(5):
        out, cols = conv_forward(x, params[2 * i], params[2 * i + 1])
        mask = out > 0 if i < 4 else None
        saved.append((x.shape, cols, mask))
        x = np.where(mask, out, 0) if i < 4 else out
    return x.reshape(len(x), -1), saved


def loss_and_grads(params: list[np.ndarray], xb: np.ndarray, yb: np.ndarray) -> tuple[float, list]:
    logits, saved = scores(params, xb)
    loss, grad = by_hand.cross_entropy_and_grad(logits, yb)
    grad = grad.reshape(len(grad), 2, 1, 1)
    grads: list = [None] * len(params)
    for i in reversed(range(5)):
        x_shape, cols, mask = saved[i]
        if mask is not None:
            grad = np.where(mask, grad, 0)
        grad, grads[2 * i], grads[2 * i + 1] = conv_backward(grad, cols, params[2 * i], x_shape, need_x=i > 0)
    return loss, grads


def _framework(lib: Lib, train: list, valid: list, init: list[np.ndarray]):
    train, valid = wrap(lib, train), wrap(lib, valid)
    cross_entropy = lib.module.nn.functional.cross_entropy

    def run() -> Outcome:
        model = example.simple_cnn(lib.module)
        load_params(lib, model, init)
        opt = lib.module.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
        outcome = Outcome()
        for xb, yb in train:
            loss = cross_entropy(model(xb), yb)
            loss.backward()
            opt.step()
            opt.zero_grad()
            outcome.losses.append(loss.item())
        outcome.accuracies.append(class_accuracy(lib, model, valid))
        outcome.arrays = [to_numpy(p) for p in model.parameters()]
        return outcome

    return run


def cnn(config: Config, include_torch: bool = True) -> Workload:
    """One epoch of the simple CNN (stride-2 3×3 convolutions, 1→4→8→16→32→2 channels) on the 3s and 7s."""
    sample = load_mnist_sample()
    x, y = example.images_and_labels(sample.train_3, sample.train_7)
    vx, vy = example.images_and_labels(sample.valid_3, sample.valid_7)
    rng = np.random.default_rng(config.seed)
    order = rng.permutation(len(x))[:config.cnn_rows]
    train, valid = batches(x[order], y[order], 64), batches(vx, vy, 1024)
    init = conv_init(rng)

    def numpy_way() -> Outcome:
        params = [p.copy() for p in init]
        velocities: list = [None] * len(params)
        outcome = Outcome()
        for xb, yb in train:
            loss, grads = loss_and_grads(params, xb, yb)
            by_hand.sgd_momentum_step(params, grads, velocities, LR, MOMENTUM)
            outcome.losses.append(loss)
        correct = sum(by_hand.class_accuracy(scores(params, xb)[0], yb) * len(yb) for xb, yb in valid)
        outcome.accuracies.append(correct / len(vx))
        outcome.arrays = params
        return outcome

    ways = {lib.name: _framework(lib, train, valid, init) for lib in libs(include_torch)}
    ways["numpy"] = numpy_way
    return Workload("cnn", f"simple CNN, 1 epoch of {len(order):,}", "ms", 1, None, ways,
                    notes=[f"batch 64: {len(train)} steps; SGD lr {LR} momentum {MOMENTUM}; target: "
                           "tinygrad_edu within 2× of PyTorch"],
                    rtol=2e-3, atol=1e-4, torch_target=2.0)
