"""fast.ai lesson 4 as functions: the data shaped as the book shapes it, its loss, its metric, its models.

The examples in ``examples/`` a–j write these out the way the chapter does; the command line, the graph
pictures, the benchmarks and the learning files (``examples/backprop_by_hand.py``,
``examples/autograd_in_60_lines.py``) import them from here.

The chapter's code runs unchanged on PyTorch, so the functions that build tensors take an optional
``torch`` argument: the library playing PyTorch's part, tinygrad_edu when it is left out (the benchmarks
pass PyTorch itself to run the same lines on both).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Sequence
from types import ModuleType
from typing import Any, NamedTuple

import numpy as np

from . import nn
from .data import load_mnist, load_mnist_sample
from .function import no_grad
from .tensor import Tensor

PIXELS = 28 * 28


class Split(NamedTuple):
    """Images as rows of pixels in [0, 1] (``x``, float32) and their labels (``y``)."""

    x: Tensor
    y: Tensor


class LessonData(NamedTuple):
    train: Split
    valid: Split


def _library(torch: ModuleType | None) -> ModuleType:
    """The library playing PyTorch's part: ``torch`` when given, else tinygrad_edu itself."""
    return torch if torch is not None else sys.modules[__package__]


def pixel_rows(*image_sets: np.ndarray) -> np.ndarray:
    """uint8 images (N, 28, 28) → float32 rows (N, 784) scaled to [0, 1], the book's ``.float() / 255``."""
    return np.concatenate(image_sets).reshape(-1, PIXELS).astype(np.float32) / np.float32(255)


def _rows(*image_sets: np.ndarray) -> Tensor:
    return Tensor._make(pixel_rows(*image_sets))


def threes_and_sevens() -> LessonData:
    """MNIST_SAMPLE as the chapter builds it: all 3s then all 7s; y is 1 for "3", 0 for "7", shape [N, 1]."""
    sample = load_mnist_sample()

    def split(threes: np.ndarray, sevens: np.ndarray) -> Split:
        labels = np.concatenate([np.ones(len(threes), np.int64), np.zeros(len(sevens), np.int64)])
        return Split(_rows(threes, sevens), Tensor._make(labels[:, None]))

    return LessonData(split(sample.train_3, sample.train_7), split(sample.valid_3, sample.valid_7))


def all_digits(root: str | None = None) -> LessonData:
    """The full MNIST (ten digits): y holds integer classes, shape [N]. ``valid`` is the test set."""
    mnist = load_mnist(root)
    return LessonData(
        Split(_rows(mnist.train_images), Tensor._make(mnist.train_labels.astype(np.int64))),
        Split(_rows(mnist.test_images), Tensor._make(mnist.test_labels.astype(np.int64))),
    )


def init_params(size: int | tuple[int, ...], std: float = 1.0, torch: ModuleType | None = None) -> Any:
    """The chapter's ``init_params``: random normal numbers times ``std``, recording gradients."""
    return (_library(torch).randn(size) * std).requires_grad_()


def mnist_loss(predictions: Tensor, targets: Tensor, torch: ModuleType | None = None) -> Tensor:
    """The chapter's loss: how far the sigmoid of each score is from its target (1 for a 3, 0 for a 7)."""
    predictions = predictions.sigmoid()
    return _library(torch).where(targets == 1, 1 - predictions, predictions).mean()


def batch_accuracy(predictions: Tensor, targets: Tensor) -> Tensor:
    """Share of a batch where "score > 0" (sigmoid > 0.5) agrees with "is a 3"."""
    correct = (predictions.sigmoid() > 0.5) == targets
    return correct.float().mean()


def class_accuracy(logits: Tensor, targets: Tensor) -> Tensor:
    """Share of a batch whose highest-scoring class is the target class."""
    return (logits.argmax(1) == targets).float().mean()


def calls_it_a_3(model, x: Tensor) -> Tensor:
    """The model's verdicts: score > 0 (sigmoid > 0.5) means "3". Nothing is recorded."""
    with no_grad():
        return model(x) > 0


def three_seven_accuracy(says_3: Tensor, targets: Tensor) -> dict[str, float]:
    """Share of the 3s called "3", of the 7s called "7", and their mean (the book's "overall")."""
    is_3 = targets == 1
    threes = (says_3 & is_3).float().sum() / is_3.float().sum()
    sevens = (~says_3 & ~is_3).float().sum() / (~is_3).float().sum()
    return {"3s": round(threes.item(), 4), "7s": round(sevens.item(), 4),
            "overall": round(((threes + sevens) / 2).item(), 4)}


def train_epochs(model, batches, optimizer, epochs: int, loss_fn=mnist_loss) -> list[float]:
    """The chapter's training loop: for every batch, loss, backward, step, zero the gradients.

    Returns each epoch's training loss, averaged over its samples.
    """
    losses = []
    for _ in range(epochs):
        total, count = 0.0, 0
        for xb, yb in batches:
            loss = loss_fn(model(xb), yb)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            total += loss.item() * len(xb)
            count += len(xb)
        losses.append(total / count)
    return losses


def mean_accuracy(model: Callable, batches: Iterable, metric: Callable = batch_accuracy,
                  torch: ModuleType | None = None) -> float:
    """The chapter's ``validate_epoch`` as the book writes it (the graph is recorded): the unweighted mean
    of per-batch accuracies, rounded to 4 places."""
    accuracies = [metric(model(xb), yb) for xb, yb in batches]
    return round(_library(torch).stack(accuracies).mean().item(), 4)


def validate_epoch(model: Callable, batches: Iterable, metric: Callable = batch_accuracy,
                   torch: ModuleType | None = None) -> float:
    """``mean_accuracy`` under ``no_grad``: the same number, without recording a graph."""
    with _library(torch).no_grad():
        return mean_accuracy(model, batches, metric, torch)


class Chapter(NamedTuple):
    """The chapter's hand-written linear model: its functions, bound to one set of parameters."""

    linear1: Callable[[Any], Any]
    mnist_loss: Callable[[Any, Any], Any]
    validate_epoch: Callable[[Callable], float]


def chapter_functions(weights: Any, bias: Any, valid: Sequence, torch: ModuleType | None = None) -> Chapter:
    """The chapter's ``linear1``, ``mnist_loss`` and ``validate_epoch(model)`` for ``weights``, ``bias`` and
    the validation batches ``valid``, as the book has them (validation records a graph, as it does there)."""

    def linear1(xb: Any) -> Any:
        return xb @ weights + bias

    def loss(predictions: Any, targets: Any) -> Any:
        return mnist_loss(predictions, targets, torch)

    def validate(model: Callable) -> float:
        return mean_accuracy(model, valid, batch_accuracy, torch)

    return Chapter(linear1, loss, validate)


def step_by_hand(params: Iterable, lr: float) -> None:
    """The update inside the chapter's ``train_epoch``: ``p.data -= p.grad * lr``, then ``p.grad.zero_()``."""
    for p in params:
        p.data -= p.grad * lr
        p.grad.zero_()


def chapter_training(weights: Any, bias: Any, train: Iterable, valid: Sequence, epochs: int, lr: float,
                     torch: ModuleType | None = None) -> tuple[list[float], list[float]]:
    """The chapter's hand-written loop on ``linear1``: for every batch the loss, ``backward``,
    ``step_by_hand``; ``validate_epoch(linear1)`` after every epoch. Returns every step's loss and every
    epoch's accuracy; ``weights`` and ``bias`` are trained in place."""
    linear1, loss_of, validate = chapter_functions(weights, bias, valid, torch)
    losses, accuracies = [], []
    for _ in range(epochs):
        for xb, yb in train:
            loss = loss_of(linear1(xb), yb)
            loss.backward()
            losses.append(loss.item())
            step_by_hand((weights, bias), lr)
        accuracies.append(validate(linear1))
    return losses, accuracies


def linear_model() -> nn.Module:
    """One score per image: ``x @ W.T + b`` (the chapter's ``nn.Linear(28*28, 1)``)."""
    return nn.Linear(PIXELS, 1)


def _two_layers(hidden: int, outputs: int, torch: ModuleType | None) -> Any:
    layers = _library(torch).nn
    return layers.Sequential(layers.Linear(PIXELS, hidden), layers.ReLU(), layers.Linear(hidden, outputs))


def simple_net(hidden: int = 30, torch: ModuleType | None = None) -> nn.Module:
    """The chapter's two-layer net: Linear(784, 30), ReLU, Linear(30, 1)."""
    return _two_layers(hidden, 1, torch)


def digit_mlp(hidden: int = 128, torch: ModuleType | None = None) -> nn.Module:
    """Ten digits: Linear(784, hidden), ReLU, Linear(hidden, 10) — one score per class."""
    return _two_layers(hidden, 10, torch)


def digit_linear() -> nn.Module:
    """Ten digits with a single linear layer (softmax regression)."""
    return nn.Linear(PIXELS, 10)
