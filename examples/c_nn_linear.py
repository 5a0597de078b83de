"""Lesson 4, step c: the linear model as ``nn.Linear``, stepped by a hand-written optimizer and by SGD.

``nn.Linear(28*28, 1)`` holds the weights (stored [1, 784]) and the bias and computes ``x @ W.T + b``;
``BasicOptim`` is the chapter's five-line optimizer; ``optim.SGD`` does the same update. With the same
seed both runs must print the same accuracies.

    python examples/c_nn_linear.py [--epochs 20]
"""

from __future__ import annotations

import argparse
import time

import tinygrad_edu as torch
from tinygrad_edu import nn
from tinygrad_edu.data import DataLoader, load_mnist_sample

BOOK = {0: 0.4157, 1: 0.4932, 20: 0.9785}  # untrained, after epoch 1, after epoch 20


def lesson_loaders(batch_size: int = 256):
    """The chapter's DataLoaders over the 3s and 7s: all 3s first, then all 7s, not shuffled."""
    sample = load_mnist_sample()

    def rows(*image_sets):
        return torch.cat([torch.tensor(images).float() / 255 for images in image_sets]).view(-1, 28 * 28)

    def labels(threes, sevens):
        return torch.tensor([1] * len(threes) + [0] * len(sevens)).unsqueeze(1)

    dset = list(zip(rows(sample.train_3, sample.train_7), labels(sample.train_3, sample.train_7)))
    valid_dset = list(zip(rows(sample.valid_3, sample.valid_7), labels(sample.valid_3, sample.valid_7)))
    return DataLoader(dset, batch_size=batch_size), DataLoader(valid_dset, batch_size=batch_size)


def mnist_loss(predictions, targets):
    predictions = predictions.sigmoid()
    return torch.where(targets == 1, 1 - predictions, predictions).mean()


def batch_accuracy(xb, yb):
    preds = xb.sigmoid()
    correct = (preds > 0.5) == yb
    return correct.float().mean()


class BasicOptim:
    def __init__(self, params, lr):
        self.params, self.lr = list(params), lr

    def step(self, *args, **kwargs):
        for p in self.params:
            p.data -= p.grad.data * self.lr

    def zero_grad(self, *args, **kwargs):
        for p in self.params:
            p.grad = None


def fit(model, opt, dl, valid_dl, epochs, loss_func=mnist_loss, metric=batch_accuracy, book=None, say=print):
    """Train for ``epochs``; returns the validation accuracy before training and after every epoch."""

    def validate_epoch():
        with torch.no_grad():
            accs = [metric(model(xb), yb) for xb, yb in valid_dl]
        return round(torch.stack(accs).mean().item(), 4)

    history = [validate_epoch()]
    note = f"   (book {book[0]:.4f})" if book and 0 in book else ""
    say(f"untrained: valid accuracy {history[0]:.4f}{note}")
    for epoch in range(1, epochs + 1):
        start, losses = time.perf_counter(), []
        for xb, yb in dl:
            loss = loss_func(model(xb), yb)
            loss.backward()
            opt.step()
            opt.zero_grad()
            losses.append(loss.item())
        history.append(validate_epoch())
        note = f"   (book {book[epoch]:.4f})" if book and epoch in book else ""
        say(f"epoch {epoch:2d}  train loss {sum(losses) / len(losses):.4f}  "
            f"valid accuracy {history[-1]:.4f}  {time.perf_counter() - start:.2f} s{note}")
    return history


def main(epochs: int = 20, seed: int = 0, quiet: bool = False) -> dict:
    say = (lambda *a: None) if quiet else print
    dl, valid_dl = lesson_loaders()
    results = {}
    for name, make_opt in [("BasicOptim", BasicOptim), ("optim.SGD", torch.optim.SGD)]:
        torch.manual_seed(seed)
        linear_model = nn.Linear(28 * 28, 1)
        say(f"--- nn.Linear(784, 1) with {name}, lr 1.0")
        results[name] = fit(linear_model, make_opt(linear_model.parameters(), lr=1.0), dl, valid_dl, epochs,
                            book=BOOK, say=say)
    same = results["BasicOptim"] == results["optim.SGD"]
    say(f"final: {results['optim.SGD'][-1]:.4f}   the book ends at {BOOK[20]:.4f}; "
        f"BasicOptim and optim.SGD agree: {same}")
    return {"history": results["optim.SGD"], "basic_history": results["BasicOptim"],
            "final": results["optim.SGD"][-1], "same": same}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    main(args.epochs, args.seed)
