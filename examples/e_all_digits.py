"""Lesson 4, step e (the chapter's "further research"): all ten digits with softmax cross-entropy.

Ten outputs per image, one per digit; ``F.cross_entropy`` applies log-softmax itself, so the model
outputs raw scores. A single linear layer (softmax regression) and an MLP with one hidden layer, trained
on the 60,000 MNIST training images and measured on the 10,000 test images. Needs the full MNIST files:
``--data DIR`` or the places ``tinygrad_edu.data.load_mnist`` searches.

    python examples/e_all_digits.py [--data ../shared/data/mnist] [--epochs 8]
"""

from __future__ import annotations

import argparse
import sys

from c_nn_linear import fit

import tinygrad_edu as torch
from tinygrad_edu import nn
from tinygrad_edu.cli import missing_mnist
from tinygrad_edu.data import DataLoader, MnistNotFoundError, load_mnist
from tinygrad_edu.lesson import class_accuracy  # (logits.argmax(1) == targets).float().mean()
from tinygrad_edu.nn import functional as F


def main(epochs: int = 8, seed: int = 0, data: str | None = None, quiet: bool = False,
         train_limit: int | None = None) -> dict:
    say = (lambda *a: None) if quiet else print
    mnist = load_mnist(data)
    train_images, train_labels = mnist.train_images[:train_limit], mnist.train_labels[:train_limit]
    train_x = torch.tensor(train_images).float().view(-1, 28 * 28) / 255
    train_y = torch.tensor(train_labels).long()
    test_x = torch.tensor(mnist.test_images).float().view(-1, 28 * 28) / 255
    test_y = torch.tensor(mnist.test_labels).long()
    valid_dl = DataLoader((test_x, test_y), batch_size=1000)

    results = {}
    models = {
        "linear (softmax regression)": lambda: nn.Linear(28 * 28, 10),
        "MLP 784-128-10": lambda: nn.Sequential(nn.Linear(28 * 28, 128), nn.ReLU(), nn.Linear(128, 10)),
    }
    for name, make in models.items():
        torch.manual_seed(seed)
        model = make()
        dl = DataLoader((train_x, train_y), batch_size=64, shuffle=True, seed=seed)
        opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
        say(f"--- {name}: SGD lr 0.05 momentum 0.9, batch 64, {epochs} epochs, test accuracy per epoch")
        results[name] = fit(model, opt, dl, valid_dl, epochs, loss_func=F.cross_entropy,
                            metric=class_accuracy, say=say)
    say("final test accuracy: " + ", ".join(f"{name} {h[-1]:.4f}" for name, h in results.items()))
    say("usual figures: about 0.92 for a linear softmax model, 0.97-0.98 for a plain MLP")
    return {"linear": results["linear (softmax regression)"], "mlp": results["MLP 784-128-10"]}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data", help="folder with the four MNIST .gz files")
    args = parser.parse_args()
    try:
        main(args.epochs, args.seed, args.data)
    except MnistNotFoundError as error:  # the command line's message, which names --data
        sys.exit(missing_mnist(error, parser.prog))
