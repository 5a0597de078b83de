"""Why a bias? The same linear model trained with and without ``+ b``.

``x @ w`` alone is 0 for an all-black image whatever the weights are, and more generally it can only
say "3" when the weighted sum is above 0: the threshold is nailed to 0. The bias ``b`` of ``x @ w + b``
moves it: the model says "3" when ``x @ w > -b``. This script trains ``nn.Linear(784, 1)`` with and
without its bias (same seed, same weights at the start, same batches), shows what each says about an
all-black image and where the learned threshold sits, and then fits a one-number example that no model
without a bias can get right.

    python examples/h_why_a_bias.py [--fast] [--out docs/images/experiments]
"""

from __future__ import annotations

import argparse

import numpy as np

import tinygrad_edu as torch
from tinygrad_edu import nn
from tinygrad_edu.data import DataLoader
from tinygrad_edu.lesson import (
    calls_it_a_3,
    mnist_loss,
    three_seven_accuracy,
    threes_and_sevens,
    train_epochs,
)

SEED = 0
LR = 1.0


def train_mnist(bias: bool, epochs: int, dl, valid_x, valid_y):
    torch.manual_seed(SEED)  # same seed: both models start from the same weights
    model = nn.Linear(28 * 28, 1, bias=bias)
    start = model.weight.detach().numpy().copy()
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    history = [three_seven_accuracy(calls_it_a_3(model, valid_x), valid_y)["overall"]]
    for _ in range(epochs):
        train_epochs(model, dl, opt, 1)
        history.append(three_seven_accuracy(calls_it_a_3(model, valid_x), valid_y)["overall"])
    return model, start, history


def one_number_example(steps: int) -> dict:
    """Twenty pixels with one brightness each; "bright" (label 1) when above 0.5."""
    x = torch.linspace(0.05, 1.0, 20)[:, None]  # brightness: 0.05, 0.10, ..., 1.00 (never exactly 0)
    y = (x > 0.5).long()  # 10 dark (0), 10 bright (1)
    fits = {}
    for name, bias in [("with bias", True), ("without bias", False)]:
        torch.manual_seed(SEED)
        model = nn.Linear(1, 1, bias=bias)
        opt = torch.optim.SGD(model.parameters(), lr=10.0)
        for _ in range(steps):
            loss = mnist_loss(model(x), y)
            loss.backward()
            opt.step()
            opt.zero_grad()
        with torch.no_grad():
            accuracy = ((model(x) > 0) == (y == 1)).float().mean().item()
        w = model.weight.item()
        b = model.bias.item() if bias else 0.0
        fits[name] = {"w": w, "b": b, "accuracy": accuracy, "boundary": -b / w if w else float("nan"),
                      "loss": loss.item()}
    # every bias-free model: the sign of w * x is the same for every x > 0, so all 20 get one answer
    best_without = max(((w * x > 0) == (y == 1)).float().mean().item() for w in np.linspace(-100, 100, 2001))
    return {"x": x[:, 0].numpy(), "y": y[:, 0].numpy(), "fits": fits, "best_without_bias": best_without}


def main(fast: bool = False, quiet: bool = False, out_dir=None) -> dict:
    say = (lambda *a: None) if quiet else print
    epochs = 10 if fast else 20
    data = threes_and_sevens()
    train_x, train_y = data.train
    valid_x, valid_y = data.valid
    dl = DataLoader(list(zip(train_x, train_y, strict=True)), batch_size=256)

    black = torch.zeros(1, 28 * 28)  # an all-black image
    is_3 = valid_y.numpy()[:, 0] == 1
    models = {}
    for name, bias in [("with bias", True), ("without bias", False)]:
        model, start, history = train_mnist(bias, epochs, dl, valid_x, valid_y)
        w = model.weight.detach()[0]
        b = model.bias.item() if bias else 0.0
        with torch.no_grad():
            on_black = model(black).item()
            sums = (valid_x @ w).numpy()  # the weighted sums x @ w, before any bias
        models[name] = {"model": model, "start": start, "history": history,
                        "accuracy": three_seven_accuracy(calls_it_a_3(model, valid_x), valid_y),
                        "bias": b, "threshold": -b,
                        "on_black": on_black, "prob_on_black": 1 / (1 + np.exp(-on_black)),
                        "sums_3": sums[is_3], "sums_7": sums[~is_3]}
    same_start = bool(np.array_equal(models["with bias"]["start"], models["without bias"]["start"]))
    # how the model without a bias copes: its weights moved so that every image's sum moves by about -b
    w_with = models["with bias"]["model"].weight.detach()[0]
    w_without = models["without bias"]["model"].weight.detach()[0]
    shift = valid_x @ (w_without - w_with)  # per image: how much lower its sum is without the bias
    ink = valid_x.sum(1)  # every image has some ink: an image's total brightness
    scores = valid_x @ w_with + models["with bias"]["bias"]
    implicit = {"mean": shift.mean().item(), "std": shift.std().item(),
                "ink_min": ink.min().item(), "ink_max": ink.max().item(),
                "sum_spread": (valid_x @ w_with).std().item(),
                "near_boundary": (scores.abs() < abs(models["with bias"]["bias"])).float().mean().item(),
                "mean_ink_3": train_x[train_y[:, 0] == 1].sum(1).mean().item(),
                "mean_ink_7": train_x[train_y[:, 0] == 0].sum(1).mean().item()}
    example = one_number_example(steps=200 if fast else 1000)

    say(f"nn.Linear(784, 1) with and without bias: SGD lr {LR}, {epochs} epochs, seed {SEED} "
        f"(same starting weights: {same_start})")
    say(f"{'':14s} {'3s':>7s} {'7s':>7s} {'overall':>7s} {'bias':>8s} {'score of black':>15s} "
        f"{'sigmoid':>8s}")
    for name, m in models.items():
        a = m["accuracy"]
        say(f"{name:14s} {a['3s']:7.4f} {a['7s']:7.4f} {a['overall']:7.4f} {m['bias']:8.4f} "
            f"{m['on_black']:15.4f} {m['prob_on_black']:8.4f}")
    say("validation accuracy by epoch:")
    for name, m in models.items():
        say(f"  {name:14s} " + " ".join(f"{v:.4f}" for v in m["history"]))
    b = models["with bias"]["bias"]
    say(f"learned threshold: the model with bias says 3 when x @ w > {-b:.4f}; "
        "without a bias, when x @ w > 0")
    say(f"without a bias the weights make up for it: they move each image's sum by {implicit['mean']:+.4f} "
        f"on average (std {implicit['std']:.4f}; the missing bias is {b:+.4f}); every image has ink: "
        f"{implicit['ink_min']:.1f} .. {implicit['ink_max']:.1f} (mean of the training 3s "
        f"{implicit['mean_ink_3']:.1f}, of the 7s {implicit['mean_ink_7']:.1f})")
    say(f"the sums x @ w spread with std {implicit['sum_spread']:.2f}; "
        f"only {implicit['near_boundary']:.4f} of the validation images score within |b| of the boundary")
    say("\none number per example: brightness 0.05 .. 1.00, 'bright' above 0.5")
    for name, fit in example["fits"].items():
        boundary = f"x = {fit['boundary']:.3f}" if fit["b"] else "x = 0, always"
        say(f"  {name:14s} w {fit['w']:8.3f}  b {fit['b']:8.3f}  boundary {boundary}  "
            f"accuracy {fit['accuracy']:.2f}")
    say(f"  best accuracy of any bias-free model (w from -100 to 100): {example['best_without_bias']:.2f}")

    results = {"epochs": epochs, "lr": LR, "seed": SEED, "same_start": same_start, "example": example,
               "implicit_bias": implicit,
               "models": {name: {k: v for k, v in m.items() if k not in ("model", "start")}
                          for name, m in models.items()}}
    if out_dir is not None:
        results["pictures"] = [draw(results, out_dir)]
    return results


def draw(results: dict, out_dir) -> str:
    from _plots import pyplot, save

    plt = pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(15, 3.9))
    for ax, name in zip(axes[:2], ["with bias", "without bias"], strict=True):
        m = results["models"][name]
        both = np.concatenate([m["sums_3"], m["sums_7"]])
        bins = np.linspace(both.min(), both.max(), 60)
        ax.hist(m["sums_3"], bins=bins, alpha=0.6, color="tab:red", label="validation 3s")
        ax.hist(m["sums_7"], bins=bins, alpha=0.6, color="tab:blue", label="validation 7s")
        label = f"threshold -b = {m['threshold']:.2f}" if name == "with bias" else "threshold 0 (fixed)"
        ax.axvline(m["threshold"], color="black", linestyle="--", label=label)
        ax.set_xlabel("weighted sum x @ w")
        ax.set_ylabel("images")
        ax.set_title(f"{name}: overall accuracy {m['accuracy']['overall']:.4f}", fontsize=11)
        ax.legend(fontsize=8)
    ex = results["example"]
    ax = axes[2]
    grid = np.linspace(0, 1.05, 200)
    colors = ["tab:red" if v else "tab:blue" for v in ex["y"]]
    ax.scatter(ex["x"], ex["y"], c=colors, zorder=3, label="examples (red: bright)")
    for (name, fit), style in zip(ex["fits"].items(), ["-", "--"], strict=True):
        ax.plot(grid, 1 / (1 + np.exp(-(fit["w"] * grid + fit["b"]))), style, color="black",
                label=f"{name}: sigmoid({fit['w']:.1f}x {fit['b']:+.1f})" if fit["b"] else
                f"{name}: sigmoid({fit['w']:.1f}x)")
    ax.axhline(0.5, color="grey", linewidth=0.5)
    ax.set_xlabel("brightness x")
    ax.set_ylabel("predicted probability of 'bright'")
    ax.set_title("one number: 'bright' when x > 0.5", fontsize=11)
    ax.legend(fontsize=8, loc="center right")
    return str(save(fig, out_dir, "bias.png"))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fast", action="store_true", help="fewer epochs (for the tests)")
    parser.add_argument("--out", default=None, help="folder for the picture (needs matplotlib)")
    args = parser.parse_args()
    main(fast=args.fast, out_dir=args.out)
