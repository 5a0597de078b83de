"""Lesson 4, step b: the linear model trained by hand-written SGD, exactly as the chapter writes it.

``linear1(xb) = xb @ weights + bias``: each pixel is multiplied by its weight and the products are summed
(each pixel *votes* for "3" with its weight), plus the bias. ``mnist_loss`` measures how far the sigmoid
of that score is from the target; ``train_epoch`` steps every parameter against its gradient.
Only the import line differs from the book's PyTorch code.

    python examples/b_linear_by_hand.py [--epochs 20]
"""

from __future__ import annotations

import argparse
import time

import tinygrad_edu as torch
from tinygrad_edu.data import DataLoader, load_mnist_sample

# validation accuracy printed by the book: untrained, after the first epoch, then after each of 20 more
BOOK = [0.5219, 0.6883, 0.8314, 0.9017, 0.9227, 0.9349, 0.9438, 0.9501, 0.9535, 0.9564, 0.9594, 0.9618,
        0.9613, 0.9638, 0.9643, 0.9652, 0.9662, 0.9677, 0.9687, 0.9691, 0.9691, 0.9696]


# Seed 0 starts in the trap the chapter warns about (scores so large that the sigmoid saturates while the
# unshuffled batches show only 3s, then only 7s) and never leaves it; docs/lesson.md runs 20 seeds.
DEFAULT_SEED = 1


def main(epochs: int = 20, seed: int = DEFAULT_SEED, quiet: bool = False) -> dict:
    torch.manual_seed(seed)
    sample = load_mnist_sample()
    stacked_threes = torch.tensor(sample.train_3).float() / 255
    stacked_sevens = torch.tensor(sample.train_7).float() / 255
    train_x = torch.cat([stacked_threes, stacked_sevens]).view(-1, 28 * 28)
    train_y = torch.tensor([1] * len(sample.train_3) + [0] * len(sample.train_7)).unsqueeze(1)
    dset = list(zip(train_x, train_y))

    valid_x = torch.cat([torch.tensor(sample.valid_3).float() / 255,
                         torch.tensor(sample.valid_7).float() / 255]).view(-1, 28 * 28)
    valid_y = torch.tensor([1] * len(sample.valid_3) + [0] * len(sample.valid_7)).unsqueeze(1)
    valid_dset = list(zip(valid_x, valid_y))

    def init_params(size, std=1.0):
        return (torch.randn(size) * std).requires_grad_()

    weights = init_params((28 * 28, 1))
    bias = init_params(1)

    def linear1(xb):
        return xb @ weights + bias

    def mnist_loss(predictions, targets):
        predictions = predictions.sigmoid()
        return torch.where(targets == 1, 1 - predictions, predictions).mean()

    dl = DataLoader(dset, batch_size=256)
    valid_dl = DataLoader(valid_dset, batch_size=256)

    def calc_grad(xb, yb, model):
        preds = model(xb)
        loss = mnist_loss(preds, yb)
        loss.backward()
        return loss

    def train_epoch(model, lr, params):
        losses = []
        for xb, yb in dl:
            losses.append(calc_grad(xb, yb, model).item())
            for p in params:
                p.data -= p.grad * lr
                p.grad.zero_()
        return sum(losses) / len(losses)

    def batch_accuracy(xb, yb):
        preds = xb.sigmoid()
        correct = (preds > 0.5) == yb
        return correct.float().mean()

    def validate_epoch(model):
        accs = [batch_accuracy(model(xb), yb) for xb, yb in valid_dl]
        return round(torch.stack(accs).mean().item(), 4)

    lr = 1.0
    params = weights, bias
    history = [validate_epoch(linear1)]
    say = (lambda *a: None) if quiet else print
    say(f"untrained: valid accuracy {history[0]:.4f}   (book {BOOK[0]:.4f})")
    for epoch in range(epochs + 1):  # the chapter runs one epoch, looks, then 20 more
        start = time.perf_counter()
        train_loss = train_epoch(linear1, lr, params)
        history.append(validate_epoch(linear1))
        book = f"{BOOK[epoch + 1]:.4f}" if epoch + 1 < len(BOOK) else "  -   "
        say(f"epoch {epoch:2d}  train loss {train_loss:.4f}  valid accuracy {history[-1]:.4f}  "
            f"(book {book})  {time.perf_counter() - start:.2f} s")
    say(f"final: {history[-1]:.4f}   the book ends at {BOOK[-1]:.4f} "
        "(the book is unseeded: compare the trend)")
    return {"history": history, "final": history[-1], "weights": weights, "bias": bias}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args()
    main(args.epochs, args.seed)
