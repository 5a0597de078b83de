"""Lesson 4, step d: ``simple_net`` — two linear layers with a ReLU between them.

Without the ReLU the two layers would collapse into one linear layer; with it, the 30 hidden units can
each detect something and the second layer combines them. SGD, lr 0.1, 40 epochs, as the chapter.

    python examples/d_simple_net.py [--epochs 40]
"""

from __future__ import annotations

import argparse

from c_nn_linear import fit, lesson_loaders

import tinygrad_edu as torch
from tinygrad_edu import nn

BOOK = {1: 0.5083, 10: 0.9705, 20: 0.9779, 40: 0.9828}


def main(epochs: int = 40, seed: int = 0, quiet: bool = False) -> dict:
    say = (lambda *a: None) if quiet else print
    torch.manual_seed(seed)
    dl, valid_dl = lesson_loaders()
    simple_net = nn.Sequential(
        nn.Linear(28 * 28, 30),
        nn.ReLU(),
        nn.Linear(30, 1),
    )
    opt = torch.optim.SGD(simple_net.parameters(), lr=0.1)
    history = fit(simple_net, opt, dl, valid_dl, epochs, book=BOOK, say=say)
    say(f"final: {history[-1]:.4f}   the book ends at {BOOK[40]:.4f} after 40 epochs")
    return {"history": history, "final": history[-1], "model": simple_net}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    main(args.epochs, args.seed)
