"""Multiply or distance? The student's proposal, trained, against ``x @ w + b``.

A student asked: instead of multiplying each pixel by a weight, why not score how well the image matches
the weights, ``mean |x - w|``, and call it a "3" when that distance is small? This script makes that idea a
trainable model — a learned template ``w``, a learned threshold — trains it with SGD exactly like the
lesson's linear model (same data, same unshuffled batches of 256, same loss, same number of epochs), and
compares validation accuracy with the fixed mean-image baseline (no learning) and with ``x @ w + b``.

    python examples/g_multiply_vs_distance.py [--fast] [--out docs/images/experiments]
"""

from __future__ import annotations

import argparse

import numpy as np

import tinygrad_edu as torch
from tinygrad_edu import nn
from tinygrad_edu.data import DataLoader
from tinygrad_edu.lesson import mnist_loss, three_seven_accuracy, threes_and_sevens, train_epochs

SEED = 0
SGD_LRS = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0)
ADAM_LRS = (0.0003, 0.001, 0.003, 0.01)


class TemplateModel(nn.Module):
    """The student's idea: an image is a "3" when it is close to a learned template.

    ``distance = mean |x - template|`` (0 is a perfect match) and ``score = bias - scale * distance``,
    so the model says "3" (score > 0) when ``distance < bias / scale``: the learned threshold.
    """

    def __init__(self, start_template, start_threshold: float):
        super().__init__()
        self.template = nn.Parameter(start_template.clone())
        # a mean is a sum / 784: scale 784 puts the score on the same footing as a sum over the pixels
        self.scale = nn.Parameter(torch.tensor([784.0]))
        self.bias = nn.Parameter(torch.tensor([784.0 * start_threshold]))

    def forward(self, x):
        distance = (x - self.template).abs().mean(1, keepdim=True)
        return self.bias - self.scale * distance

    def threshold(self) -> float:
        return self.bias.item() / self.scale.item()


class TwoTemplates(nn.Module):
    """The book's baseline made trainable: closer to the learned 3 than to the learned 7 means "3"."""

    def __init__(self, mean3, mean7):
        super().__init__()
        self.three = nn.Parameter(mean3.clone())  # starts as the mean 3
        self.seven = nn.Parameter(mean7.clone())  # starts as the mean 7
        self.scale = nn.Parameter(torch.tensor([784.0]))
        self.bias = nn.Parameter(torch.zeros(1))

    def forward(self, x):
        to_3 = (x - self.three).abs().mean(1, keepdim=True)
        to_7 = (x - self.seven).abs().mean(1, keepdim=True)
        return self.bias + self.scale * (to_7 - to_3)


def median_distance(x, template) -> float:
    """The middle distance from ``template`` to the images: half of them closer, half farther."""
    return float(np.median((x - template).abs().mean(1).numpy()))


# the models compared: key -> (name in the table, number of learned parameters)
MODELS = {
    "template": ("learned template (starts grey): mean abs(x - w) < threshold", 786),
    "template_mean3": ("learned template (starts as the mean 3)", 786),
    "two_templates": ("two learned templates (start as mean 3, mean 7)", 1570),
    "linear": ("x @ w + b (the lesson's linear model)", 785),
}
ADAM_MODELS = ("template", "linear")


def main(fast: bool = False, quiet: bool = False, out_dir=None) -> dict:
    say = (lambda *a: None) if quiet else print
    epochs = 4 if fast else 20
    sgd_lrs = (0.1, 1.0) if fast else SGD_LRS
    adam_lrs = (0.001,) if fast else ADAM_LRS
    data = threes_and_sevens()
    train_x, train_y = data.train
    valid_x, valid_y = data.valid
    dl = DataLoader(list(zip(train_x, train_y, strict=True)), batch_size=256)

    # 1. the fixed baseline: distance to the mean 3 against distance to the mean 7 (nothing learned)
    mean3 = train_x[train_y[:, 0] == 1].mean(0)
    mean7 = train_x[train_y[:, 0] == 0].mean(0)

    def mnist_distance(a, b):
        return (a - b).abs().mean(-1)

    is_3 = mnist_distance(valid_x, mean3) < mnist_distance(valid_x, mean7)
    baseline = three_seven_accuracy(is_3[:, None], valid_y)

    # 2. the trainable models, each trained with every learning rate of a small grid
    grey = torch.full((28 * 28,), 0.5)  # a grey template has no opinion about any pixel
    makers = {
        # the threshold starts at the median distance: half the training images on each side
        "template": lambda: TemplateModel(grey, median_distance(train_x, grey)),
        "template_mean3": lambda: TemplateModel(mean3, median_distance(train_x, mean3)),
        "two_templates": lambda: TwoTemplates(mean3, mean7),
        "linear": lambda: nn.Linear(28 * 28, 1),
    }
    start_accuracy = {}  # before any training: what the starting point alone is worth
    for kind, make in makers.items():
        torch.manual_seed(SEED)
        with torch.no_grad():
            start_accuracy[kind] = three_seven_accuracy(make()(valid_x) > 0, valid_y)
    runs = []
    for opt_name, make_opt, lrs, kinds in [("SGD", torch.optim.SGD, sgd_lrs, MODELS),
                                           ("Adam", torch.optim.Adam, adam_lrs, ADAM_MODELS)]:
        for lr in lrs:
            for kind in kinds:
                torch.manual_seed(SEED)
                model = makers[kind]()
                train_epochs(model, dl, make_opt(model.parameters(), lr=lr), epochs)
                with torch.no_grad():
                    train_loss = mnist_loss(model(train_x), train_y).item()
                    accuracy = three_seven_accuracy(model(valid_x) > 0, valid_y)
                runs.append({"model": kind, "optimizer": opt_name, "lr": lr, "train_loss": train_loss,
                             "accuracy": accuracy, "net": model})

    def best(kind, opt_name):  # the learning rate is chosen on the training loss, not on validation
        candidates = [r for r in runs if r["model"] == kind and r["optimizer"] == opt_name]
        return min(candidates, key=lambda r: r["train_loss"])

    table = [{"key": "baseline", "name": "distance to mean 3 vs mean 7 (the book's baseline)", "learned": 0,
              "how": "nothing learned", "accuracy": baseline}]
    for opt_name, kinds in [("SGD", MODELS), ("Adam", ADAM_MODELS)]:
        for kind in kinds:
            run = best(kind, opt_name)
            name, learned = MODELS[kind]
            table.append({"key": f"{kind}/{opt_name}", "name": name, "learned": learned,
                          "how": f"{opt_name}, lr {run['lr']:g}", "accuracy": run["accuracy"],
                          "lr": run["lr"], "train_loss": run["train_loss"]})

    # why: for a pixel that is 0 or 1, |x - w| = |w| + x * (|1 - w| - |w|): a weighted sum in disguise
    template_net = best("template", "SGD")["net"]
    t = template_net.template.detach()
    per_pixel = template_net.scale.detach() / 784
    disguised_w = -per_pixel * ((1 - t).abs() - t.abs())  # the weight each pixel effectively votes with
    disguised_b = template_net.bias.detach() - per_pixel * t.abs().sum()
    black_and_white = torch.tensor(np.round(valid_x.numpy()))  # every pixel rounded to 0 or 1
    with torch.no_grad():
        gap = template_net(black_and_white)[:, 0] - (black_and_white @ disguised_w + disguised_b)
    disguise_gap = gap.abs().max().item()
    linear_w = best("linear", "SGD")["net"].weight.detach()[0]
    resemblance = float(np.corrcoef(disguised_w.numpy(), linear_w.numpy())[0, 1])

    say(f"validation accuracy after {epochs} epochs (each lr picked by the lowest training loss):")
    say(f"{'model':58s} {'learned':>7s} {'trained':>14s} {'3s':>7s} {'7s':>7s} {'overall':>7s}")
    for row in table:
        a = row["accuracy"]
        say(f"{row['name']:58s} {row['learned']:7d} {row['how']:>14s} {a['3s']:7.4f} {a['7s']:7.4f} "
            f"{a['overall']:7.4f}")
    say("\nevery run: overall validation accuracy (training loss)")
    for opt_name, lrs, kinds in [("SGD", sgd_lrs, MODELS), ("Adam", adam_lrs, ADAM_MODELS)]:
        say(f"{opt_name:4s} {'lr':>7s} " + " ".join(f"{kind:>18s}" for kind in kinds))
        for lr in lrs:
            cells = []
            for kind in kinds:
                run = next(r for r in runs if (r["model"], r["optimizer"], r["lr"]) == (kind, opt_name, lr))
                cells.append(f"{run['accuracy']['overall']:.4f} ({run['train_loss']:.4f})")
            say(f"{'':4s} {lr:7g} " + " ".join(f"{c:>18s}" for c in cells))
    say("before training: " + ", ".join(f"{kind} {a['overall']:.4f}" for kind, a in start_accuracy.items()))
    t_np = t.numpy()
    say(f"\nthe grey-start template (SGD): threshold {template_net.threshold():.4f} (started at "
        f"{median_distance(train_x, grey):.4f}), template values {t_np.min():.2f} .. {t_np.max():.2f}")
    say(f"on black-and-white copies of the validation images its score is a weighted sum x @ w' + b' with "
        f"w' = -(|1 - w| - |w|) * scale / 784 (largest difference {disguise_gap:.1e}); w' and the weights of "
        f"x @ w + b correlate {resemblance:.3f}")

    results = {
        "epochs": epochs, "seed": SEED, "sgd_lrs": sgd_lrs, "adam_lrs": adam_lrs, "baseline": baseline,
        "table": table, "rows": {row["key"]: row for row in table},
        "runs": [{k: v for k, v in r.items() if k != "net"} for r in runs],
        "threshold": template_net.threshold(), "start_threshold": median_distance(train_x, grey),
        "scale": template_net.scale.item(), "template_range": (float(t_np.min()), float(t_np.max())),
        "disguise_gap": disguise_gap, "resemblance": resemblance, "start_accuracy": start_accuracy,
        "template": t_np, "disguised_weights": disguised_w.numpy(),
        "linear_weights": linear_w.numpy(),
    }
    if out_dir is not None:
        results["pictures"] = [draw(results, out_dir)]
    return results


def draw(results: dict, out_dir) -> str:
    from _plots import image, pyplot, save

    plt = pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(11.5, 3.6))
    image(axes[0], results["template"], "learned template w\n(SGD, started grey)")
    image(axes[1], results["disguised_weights"], "the template's votes\n−(|1 − w| − |w|) · scale / 784",
          diverging=True)
    image(axes[2], results["linear_weights"], "weights of x @ w + b\n(SGD)", diverging=True)
    return str(save(fig, out_dir, "multiply-vs-distance.png"))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fast", action="store_true", help="fewer epochs and learning rates (for the tests)")
    parser.add_argument("--out", default=None, help="folder for the picture (needs matplotlib)")
    args = parser.parse_args()
    main(fast=args.fast, out_dir=args.out)
