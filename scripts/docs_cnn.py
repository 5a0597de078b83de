"""Write docs/cnn.md and docs/images/cnn/first_layer.png from a fresh run of examples/cnn_3s_and_7s.py.

    python scripts/docs_cnn.py [--epochs 1]

The example trains fastbook chapter 13's simple CNN with tinygrad_edu and (when installed) PyTorch from the
same weights on the same batches. Every number on the page comes from this run; before the page is written,
the claims its prose makes (the two libraries agree, the CNN beats the lesson's models) are checked.
"""

from __future__ import annotations

import argparse
import inspect
import platform
import sys
import textwrap
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
for folder in (ROOT, ROOT / "examples"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

import cnn_3s_and_7s as cnn  # noqa: E402

import tinygrad_edu  # noqa: E402

PAGE = ROOT / "docs" / "cnn.md"
IMAGES = ROOT / "docs" / "images" / "cnn"


def code(obj) -> str:
    return "```python\n" + textwrap.dedent(inspect.getsource(obj)).strip() + "\n```"


def check_claims(result: dict) -> None:
    runs = result["runs"]
    ours = runs["tinygrad_edu"]
    assert ours["accuracy"] > 0.98, f"the CNN reached only {ours['accuracy']:.4f}"
    if "torch" in runs:
        assert result["loss_difference"] < 1e-5, f"the first losses differ by {result['loss_difference']:.2g}"
        assert abs(ours["accuracy"] - runs["torch"]["accuracy"]) <= 2 / 2038, "the accuracies differ"


def page(result: dict, parameters: int) -> str:
    runs = result["runs"]
    ours = runs["tinygrad_edu"]
    theirs = runs.get("torch")
    libs = list(runs)
    rows = ["| step | " + " | ".join(f"loss, {name}" for name in libs) + " |",
            "|---:|" + "---:|" * len(libs)]
    for step in (0, 1, 2, 5, 10, 20, 50, 100, result["batches"] - 1):
        if step < result["batches"]:
            losses = " | ".join(f"{runs[n]['losses'][step]:.6f}" for n in libs)
            rows.append(f"| {step + 1} | {losses} |")
    accuracies = " | ".join(f"{runs[n]['accuracy']:.4f}" for n in libs)
    accuracy = ["| | " + " | ".join(libs) + " |", "|---|" + "---:|" * len(libs),
                f"| validation accuracy (2,038 images) | {accuracies} |"]
    if theirs is not None:
        agreement = (f"The two runs start from the same weights and see the same batches. Their losses agree "
                     f"to {result['loss_difference']:.1e} over the first 20 steps; float32 rounding differs "
                     f"a little between the libraries (the order of the sums), and after "
                     f"{result['batches']} steps of Adam the weights differ by at most "
                     f"{result['weight_difference']:.1e}. The accuracies: {ours['accuracy']:.4f} and "
                     f"{theirs['accuracy']:.4f}.")
    else:
        agreement = "PyTorch was not installed for this run, so only tinygrad_edu's column is shown."
    agreement = textwrap.fill(agreement, 110)
    torch_version = ""
    if theirs is not None:
        import torch

        torch_version = f", PyTorch {torch.__version__}"
    return f"""# A CNN on the same 3s and 7s

After the lesson, fastbook chapter 13 trains a *convolutional* network on the very same 3s and 7s. This page
runs its `simple_cnn` with tinygrad_edu and with PyTorch — the same code, the same starting weights, the same
batches — and shows what the first layer learned. The script is
[`examples/cnn_3s_and_7s.py`](../examples/cnn_3s_and_7s.py).

## What changes from the lesson's model

The lesson's `simple_net` gave every one of the 784 pixels its own weight in each of 30 hidden units
(23,611 parameters). A convolution slides one small kernel, here 3×3, over the whole image: the same nine
weights look at every patch, so a pattern (an edge, a corner) is found wherever it is. With a stride of 2
each layer halves the picture, and five layers take 28×28 pixels down to a single position, with 2 channels
left: a score for "3" and a score for "7", which cross-entropy turns into a loss. The whole model has
{parameters:,} parameters.

{code(cnn.conv)}

{code(cnn.simple_cnn)}

The shapes, for a batch of 64: [64, 1, 28, 28] → [64, 4, 14, 14] → [64, 8, 7, 7] → [64, 16, 4, 4] →
[64, 32, 2, 2] → [64, 2, 1, 1] → `Flatten` → [64, 2].

Training follows the book's `learn.fit_one_cycle({result['epochs']}, 0.01)`: Adam, batches of 64 shuffled
every epoch, and a learning rate that warms up from 0.0004 to 0.01 over the first quarter of the steps and
then anneals towards zero (`one_cycle` in the script). The training loop itself is the lesson's: loss,
`backward()`, `step()`, `zero_grad()`.

## The numbers

{result['epochs']} epoch ({result['batches']} steps), seed {result['seed']}:

{chr(10).join(accuracy)}

{chr(10).join(rows)}

{agreement}

The book reports a bit above 98% after this one epoch; the lesson's two-layer net needed 40 epochs to reach
about 98%. How fast the two libraries train it is measured in [Performance](performance.md) (the `cnn`
workload), not here.

## What the first layer learned

![the first layer's kernels](images/cnn/first_layer.png)

Each of the four kernels of the first layer is 3×3 weights (top row: as initialised; then after training).
Red weights add the pixel's ink, blue ones subtract it, so a kernel with red on one side and blue on the other
responds to an edge running between them. The last row runs the trained kernels over a 3 from the validation
set: each output is 14×14 (stride 2), dark where the kernel found its pattern.

## How the gradient gets through a convolution

The derivative of a convolution is itself a convolution, and `Conv2d.backward`
([`tinygrad_edu/ops/conv.py`](../tinygrad_edu/ops/conv.py)) computes both with the forward's own function:
the input's gradient is the output gradient (spread out by the stride and padded) correlated with the kernel
turned by 180°, and the kernel's gradient is the input correlated with the output gradient.
`tests/test_ops_conv.py` checks both against a loop-by-loop definition, finite differences and PyTorch.

---

Run it yourself: `python examples/cnn_3s_and_7s.py [--lib both|tinygrad_edu|torch] [--epochs N] [--out DIR]`
(the picture needs matplotlib). Every number and the picture on this page come from one run, written by
`python scripts/docs_cnn.py` (Python {platform.python_version()}, numpy {np.__version__}{torch_version}).
Back to the [index](index.md).
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=1)
    args = parser.parse_args(argv)
    result = cnn.main(epochs=args.epochs, out_dir=IMAGES)
    check_claims(result)
    parameters = sum(p.numel() for p in cnn.simple_cnn(tinygrad_edu).parameters())
    PAGE.write_text(page(result, parameters), encoding="utf-8")
    print(f"wrote {PAGE.relative_to(ROOT)} and {Path(result['picture']).relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
