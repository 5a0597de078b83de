"""Fastbook chapter 13's simple CNN on the lesson's 3s and 7s, trained by tinygrad_edu and by PyTorch.

The lesson's model looked at 784 pixels one by one. A convolution looks at 3×3 patches instead, with
the same small kernel everywhere in the image; a stride of 2 halves the picture at each layer, so five
layers take 28×28 pixels to 14×14, 7×7, 4×4, 2×2 and 1×1, while the channels grow 1 → 4 → 8 → 16 → 32
and end at 2: a score for "3" and one for "7", read by cross-entropy. As the book, one epoch of
fit_one_cycle(lr=0.01): Adam, with its learning rate warmed up and then annealed (and its momentum the
other way round), batches of 64, shuffled every epoch.

The same code runs with either library (``torch=`` below is tinygrad_edu or PyTorch), from the same
initial weights (drawn by tinygrad_edu, copied into PyTorch's model), on the same batches: the two runs
must give the same losses, step by step, and the same accuracy. The first layer's four kernels are
saved as pictures.

    python examples/cnn_3s_and_7s.py [--lib both|tinygrad_edu|torch] [--epochs 1] [--out docs/images/cnn]
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import time
from pathlib import Path

import numpy as np

import tinygrad_edu
from tinygrad_edu.data import load_mnist_sample

OUT = Path(__file__).resolve().parents[1] / "docs" / "images" / "cnn"
BOOK_ACCURACY = 0.98  # the book: a bit above 98% after one epoch (its exact figure varies by run)


def conv(torch, ni: int, nf: int, ks: int = 3, act: bool = True):
    """The book's building block: a stride-2 convolution (padding ks // 2 keeps it centred), then ReLU."""
    layer = torch.nn.Conv2d(ni, nf, stride=2, kernel_size=ks, padding=ks // 2)
    return torch.nn.Sequential(layer, torch.nn.ReLU()) if act else layer


def simple_cnn(torch):
    return torch.nn.Sequential(
        conv(torch, 1, 4),  # 14x14
        conv(torch, 4, 8),  # 7x7
        conv(torch, 8, 16),  # 4x4
        conv(torch, 16, 32),  # 2x2
        conv(torch, 32, 2, act=False),  # 1x1: two scores
        torch.nn.Flatten(),
    )


def images_and_labels(threes: np.ndarray, sevens: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """[N, 1, 28, 28] float32 in [0, 1] and the classes as the book's vocabulary ['3', '7']: 0 and 1."""
    x = np.concatenate([threes, sevens]).astype(np.float32)[:, None] / 255
    return x, np.array([0] * len(threes) + [1] * len(sevens), dtype=np.int64)


def one_cycle(step: int, total: int, lr_max: float) -> tuple[float, float]:
    """fit_one_cycle's schedule: (learning rate, Adam's β1) at ``step``. For the first quarter the rate
    rises from lr_max/25 to lr_max along half a cosine while β1 falls from 0.95 to 0.85; then the rate
    falls to lr_max/25e4 while β1 climbs back."""
    def cos(start, end, t):
        return end + (start - end) * (1 + math.cos(math.pi * t)) / 2

    warm = max(1, round(0.25 * total))
    if step < warm:
        t = step / warm
        return cos(lr_max / 25, lr_max, t), cos(0.95, 0.85, t)
    t = (step - warm) / max(1, total - warm)
    return cos(lr_max, lr_max / 25e4, t), cos(0.85, 0.95, t)


def train(torch, start: dict, batches: list, valid: tuple, lr: float = 0.01) -> dict:
    """Train ``simple_cnn`` from the ``start`` weights on ``batches`` (a list of (x, y) numpy pairs);
    ``torch`` is the library. Returns the losses, the validation accuracy and the trained weights."""
    F = torch.nn.functional
    model = simple_cnn(torch)
    model.load_state_dict({name: torch.from_numpy(value.copy()) for name, value in start.items()})
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    losses, started = [], time.perf_counter()
    for step, (xb, yb) in enumerate(batches):
        opt.param_groups[0]["lr"], beta1 = one_cycle(step, len(batches), lr)
        opt.param_groups[0]["betas"] = (beta1, 0.99)  # fastai's Adam: β2 = 0.99
        loss = F.cross_entropy(model(torch.from_numpy(xb)), torch.from_numpy(yb))
        loss.backward()
        opt.step()
        opt.zero_grad()
        losses.append(loss.item())
    seconds = time.perf_counter() - started
    with torch.no_grad():
        x, y = valid
        scores = torch.cat([model(torch.from_numpy(x[i:i + 1024])) for i in range(0, len(x), 1024)])
        accuracy = (scores.argmax(1) == torch.from_numpy(y)).float().mean().item()
    weights = {name: value.detach().numpy().copy() for name, value in model.state_dict().items()}
    return {"losses": losses, "accuracy": accuracy, "seconds": seconds, "weights": weights}


def torch_or_none():
    if importlib.util.find_spec("torch") is None:
        return None
    import torch

    return torch


def main(epochs: int = 1, lib: str = "both", seed: int = 0, out_dir=OUT, limit: int | None = None,
         quiet: bool = False) -> dict:
    """``limit``: use only that many training batches per epoch (for quick tests)."""
    say = (lambda *a: None) if quiet else print
    sample = load_mnist_sample()
    x, y = images_and_labels(sample.train_3, sample.train_7)
    valid = images_and_labels(sample.valid_3, sample.valid_7)
    rng = np.random.default_rng(seed)
    batches = []
    for _ in range(epochs):
        order = rng.permutation(len(x))  # a new shuffle every epoch, the same for both libraries
        epoch = [(x[order[i:i + 64]], y[order[i:i + 64]]) for i in range(0, len(x), 64)]
        batches += epoch[:limit]
    tinygrad_edu.manual_seed(seed)
    start = {name: value.numpy().copy() for name, value in simple_cnn(tinygrad_edu).state_dict().items()}
    libraries = {"tinygrad_edu": tinygrad_edu}
    torch = torch_or_none() if lib in ("both", "torch") else None
    if torch is not None:
        libraries["torch"] = torch
    elif lib == "torch":
        raise SystemExit("--lib torch: PyTorch is not installed (pip install torch)")
    if lib == "torch":
        del libraries["tinygrad_edu"]
    say(simple_cnn(tinygrad_edu))
    say(f"{len(x)} training images in {len(batches)} batches of 64 ({epochs} epoch(s)), "
        f"{len(valid[0])} validation images; seed {seed}")
    runs = {}
    threads = torch.get_num_threads() if torch is not None else None
    for name, module in libraries.items():
        if name == "torch":
            torch.set_num_threads(1)  # the layers are small: a second thread only adds waiting
        try:
            runs[name] = train(module, start, batches, valid)
        finally:
            if name == "torch":
                torch.set_num_threads(threads)
        say(f"{name:13s} first loss {runs[name]['losses'][0]:.4f}  last loss {runs[name]['losses'][-1]:.4f}  "
            f"valid accuracy {runs[name]['accuracy']:.4f}  ({runs[name]['seconds']:.1f} s)")
    result = {"runs": runs, "start": start, "batches": len(batches), "epochs": epochs, "seed": seed,
              "example": valid[0][0]}
    if len(runs) == 2:
        ours, theirs = runs["tinygrad_edu"], runs["torch"]
        first = min(20, len(ours["losses"]))
        result["loss_difference"] = float(np.max(np.abs(np.subtract(ours["losses"][:first],
                                                                    theirs["losses"][:first]))))
        result["weight_difference"] = max(float(np.max(np.abs(ours["weights"][k] - theirs["weights"][k])))
                                          for k in ours["weights"])
        say(f"largest difference of the first {first} losses: {result['loss_difference']:.1e}; of the "
            f"trained weights: {result['weight_difference']:.1e}   (the book: above {BOOK_ACCURACY:.0%})")
    if out_dir is not None:
        result["picture"] = str(draw(result, out_dir))
        say(f"the first layer's kernels: {result['picture']}")
    return result


def draw(result: dict, out_dir) -> Path:
    """The first layer's four 3×3 kernels, before and after training (one row per run), and what the
    trained kernels make of a 3: the layer's four 14×14 outputs (after ReLU)."""
    from _plots import VOTE_CMAP, pyplot, save

    plt = pyplot()
    rows = [("initial", result["start"])] + [(f"{name}, trained", run["weights"])
                                              for name, run in result["runs"].items()]
    fig, axes = plt.subplots(len(rows) + 1, 5, figsize=(8.5, 1.9 * (len(rows) + 1)), squeeze=False)
    for r, (title, weights) in enumerate(rows):
        kernels = weights["0.0.weight"][:, 0]  # [4, 3, 3]
        limit = float(np.abs(kernels).max()) or 1.0
        axes[r, 0].text(0.5, 0.5, title, ha="center", va="center", fontsize=9)
        for k in range(4):
            axes[r, k + 1].imshow(kernels[k], cmap=VOTE_CMAP, vmin=-limit, vmax=limit)
            axes[r, k + 1].set_title(f"kernel {k}", fontsize=9)
    trained = rows[1][1]  # the first trained run
    image = tinygrad_edu.tensor(result["example"][None])  # [1, 1, 28, 28]
    maps = tinygrad_edu.nn.functional.conv2d(image, tinygrad_edu.tensor(trained["0.0.weight"]),
                                             tinygrad_edu.tensor(trained["0.0.bias"]), stride=2, padding=1)
    axes[-1, 0].imshow(result["example"][0], cmap="Greys")
    axes[-1, 0].set_title("a 3", fontsize=9)
    for k in range(4):
        axes[-1, k + 1].imshow(maps.relu()[0, k].numpy(), cmap="Greys")
        axes[-1, k + 1].set_title(f"kernel {k} on it", fontsize=9)
    for ax in axes.ravel():
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_frame_on(len(ax.images) > 0)
    fig.suptitle("the first convolution's kernels (red positive, blue negative) and its output", fontsize=10)
    return save(fig, out_dir, "first_layer.png")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--lib", choices=["both", "tinygrad_edu", "torch"], default="both",
                        help="which library trains (both: side by side, if PyTorch is installed)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=str(OUT), help="folder for the picture (needs matplotlib); '' for "
                        "none")
    args = parser.parse_args()
    main(args.epochs, args.lib, args.seed, args.out or None)
