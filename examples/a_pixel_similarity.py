"""Lesson 4, step a: the pixel-similarity baseline — no learning at all.

The "ideal" 3 and 7 are the mean training images; a validation image is called a 3 when it is closer
(mean absolute pixel difference) to the ideal 3 than to the ideal 7. Written as the chapter writes it,
with ``import tinygrad_edu as torch``. Deterministic: the book's numbers must come out exactly.

    python examples/a_pixel_similarity.py
"""

from __future__ import annotations

import tinygrad_edu as torch
from tinygrad_edu.data import load_mnist_sample

BOOK = {"3s": 0.9168, "7s": 0.9854, "overall": 0.9511}


def main(quiet: bool = False) -> dict:
    sample = load_mnist_sample()
    stacked_threes = torch.tensor(sample.train_3).float() / 255
    stacked_sevens = torch.tensor(sample.train_7).float() / 255
    mean3 = stacked_threes.mean(0)
    mean7 = stacked_sevens.mean(0)

    valid_3_tens = torch.tensor(sample.valid_3).float() / 255
    valid_7_tens = torch.tensor(sample.valid_7).float() / 255

    def mnist_distance(a, b):
        return (a - b).abs().mean((-1, -2))

    def is_3(x):
        return mnist_distance(x, mean3) < mnist_distance(x, mean7)

    accuracy_3s = is_3(valid_3_tens).float().mean()
    accuracy_7s = (1 - is_3(valid_7_tens).float()).mean()
    results = {
        "3s": round(accuracy_3s.item(), 4),
        "7s": round(accuracy_7s.item(), 4),
        "overall": round(((accuracy_3s + accuracy_7s) / 2).item(), 4),
    }
    if not quiet:
        print("pixel similarity (distance to the mean 3 and the mean 7)")
        print(f"{'':10s} {'ours':>8s} {'book':>8s}")
        for key, value in results.items():
            print(f"{key:10s} {value:8.4f} {BOOK[key]:8.4f}")
    return results


if __name__ == "__main__":
    main()
