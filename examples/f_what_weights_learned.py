"""What did the weights learn? Each pixel votes with its weight.

The lesson's linear model scores an image as ``x @ w + b``: every pixel value is multiplied by its own
weight and the products are added. A pixel whose weight is positive votes "3" whenever it is inked, a
negative weight votes "7", a weight near zero abstains. This script trains ``nn.Linear(28*28, 1)`` as the
lesson does (SGD, lr 1.0, batches of 256, not shuffled), then looks at the 784 weights as a 28×28 picture
beside the mean 3, the mean 7 and their difference, and splits the score of one 3 and one 7 into the
votes ``x * w`` of their pixels.

    python examples/f_what_weights_learned.py [--fast] [--out docs/images/experiments]
"""

from __future__ import annotations

import argparse

import numpy as np

import tinygrad_edu as torch
from tinygrad_edu import nn
from tinygrad_edu.data import DataLoader
from tinygrad_edu.lesson import calls_it_a_3, three_seven_accuracy, threes_and_sevens, train_epochs

SEED = 0
LR = 1.0


def votes_of(x, weights, bias) -> dict:
    """Split one image's score into its pixels' votes ``x * w`` (plus the bias)."""
    votes = x * weights  # 784 products: one vote per pixel
    return {
        "votes": votes.numpy(),
        "for_3": votes.clamp(min=0).sum().item(),  # the positive votes
        "for_7": votes.clamp(max=0).sum().item(),  # the negative votes
        "voting_pixels": int((votes != 0).sum().item()),  # only inked pixels vote: 0 * w = 0
        "bias": bias.item(),
        "score": (votes.sum() + bias).item(),
    }


def main(fast: bool = False, quiet: bool = False, out_dir=None) -> dict:
    say = (lambda *a: None) if quiet else print
    epochs = 10 if fast else 20
    data = threes_and_sevens()
    train_x, train_y = data.train
    valid_x, valid_y = data.valid
    dl = DataLoader(list(zip(train_x, train_y, strict=True)), batch_size=256)

    torch.manual_seed(SEED)
    linear_model = nn.Linear(28 * 28, 1)
    initial_weights = linear_model.weight.detach().numpy()[0].copy()
    opt = torch.optim.SGD(linear_model.parameters(), lr=LR)
    train_epochs(linear_model, dl, opt, epochs)  # the lesson's loop: loss, backward, step, zero_grad
    accuracy = three_seven_accuracy(calls_it_a_3(linear_model, valid_x), valid_y)

    weights = linear_model.weight.detach()[0]  # [784]: the weight of each pixel
    bias = linear_model.bias.detach()[0]
    mean3 = train_x[train_y[:, 0] == 1].mean(0)  # the average 3, as in the pixel-similarity baseline
    mean7 = train_x[train_y[:, 0] == 0].mean(0)
    difference = mean3 - mean7
    w = weights.numpy()
    correlation = float(np.corrcoef(w, difference.numpy())[0, 1])
    never_inked = (train_x.max(0).values == 0).numpy()  # pixels that are black in every training image
    unchanged = float(np.abs(w[never_inked] - initial_weights[never_inked]).max())
    strongest = {}
    for label, pixel in [("3", int(w.argmax())), ("7", int(w.argmin()))]:
        row, col = divmod(pixel, 28)
        strongest[label] = {"row": row, "col": col, "weight": float(w[pixel]),
                            "mean3": mean3[pixel].item(), "mean7": mean7[pixel].item()}

    # one 3 and one 7 from the validation set: the first of each
    first_7 = int(valid_y.sum().item())  # the 3s come first, so the 7s start after the last 3
    examples = {"3": votes_of(valid_x[0], weights, bias), "7": votes_of(valid_x[first_7], weights, bias)}
    examples["3"]["image"], examples["7"]["image"] = valid_x[0].numpy(), valid_x[first_7].numpy()
    with torch.no_grad():
        model_scores = linear_model(torch.stack([valid_x[0], valid_x[first_7]]))[:, 0].tolist()

    say(f"nn.Linear(784, 1), SGD lr {LR}, {epochs} epochs, seed {SEED}")
    say(f"validation accuracy: 3s {accuracy['3s']:.4f}  7s {accuracy['7s']:.4f}  "
        f"overall {accuracy['overall']:.4f}")
    inked = ~never_inked
    say(f"weights of the {int(inked.sum())} pixels inked somewhere: {int((w[inked] > 0).sum())} vote for 3 "
        f"(w > 0), {int((w[inked] < 0).sum())} vote for 7 (w < 0); all 784 "
        f"range {w.min():.3f} .. {w.max():.3f}; bias {bias.item():.4f}")
    say(f"correlation of the weights with (mean 3 - mean 7): {correlation:.3f}")
    for label, p in strongest.items():
        say(f"strongest vote for {label}: row {p['row']}, column {p['col']}, weight {p['weight']:+.3f} "
            f"(inked {p['mean3']:.2f} in the mean 3, {p['mean7']:.2f} in the mean 7)")
    say(f"{int(never_inked.sum())} pixels are black in every training image: their weights never change "
        f"(largest change {unchanged:.1e}) and never vote")
    for label, ex in examples.items():
        say(f"a {label}: {ex['voting_pixels']} inked pixels vote: {ex['for_3']:+.3f} for 3, "
            f"{ex['for_7']:+.3f} for 7, bias {ex['bias']:+.3f} -> score {ex['score']:+.3f} "
            f"(the model says {'3' if ex['score'] > 0 else '7'})")
    say(f"linear_model() gives the same scores: {model_scores[0]:+.3f}, {model_scores[1]:+.3f}")

    results = {
        "epochs": epochs, "lr": LR, "seed": SEED, "accuracy": accuracy, "bias": bias.item(),
        "weights": w, "mean3": mean3.numpy(), "mean7": mean7.numpy(), "difference": difference.numpy(),
        "correlation": correlation, "strongest": strongest,
        # among the pixels inked in some training image (the others keep their random starting weights)
        "votes_for_3": int((w[~never_inked] > 0).sum()), "votes_for_7": int((w[~never_inked] < 0).sum()),
        "weight_range": (float(w.min()), float(w.max())),
        "never_inked": int(never_inked.sum()), "never_inked_change": unchanged,
        "examples": examples, "model_scores": model_scores,
    }
    if out_dir is not None:
        results["pictures"] = draw(results, out_dir)
    return results


def draw(results: dict, out_dir) -> list[str]:
    from _plots import image, pyplot, save

    plt = pyplot()
    fig, axes = plt.subplots(1, 4, figsize=(15, 3.6))
    image(axes[0], results["weights"], "learned weights\n(red votes 3, blue votes 7)", diverging=True)
    image(axes[1], results["mean3"], "mean 3")
    image(axes[2], results["mean7"], "mean 7")
    image(axes[3], results["difference"], "mean 3 − mean 7\n(red: more ink in 3s)", diverging=True)
    weights_png = save(fig, out_dir, "weights.png")

    fig, axes = plt.subplots(2, 2, figsize=(7.5, 7))
    limit = max(np.abs(ex["votes"]).max() for ex in results["examples"].values())
    for row, (label, ex) in enumerate(results["examples"].items()):
        image(axes[row, 0], ex["image"], f"a {label} from the validation set", colorbar=False)
        title = (f"its votes x * w: {ex['for_3']:+.1f} for 3, {ex['for_7']:+.1f} for 7\n"
                 f"+ bias {ex['bias']:+.2f} = score {ex['score']:+.2f}")
        image(axes[row, 1], ex["votes"], title, diverging=True, limit=limit)
    votes_png = save(fig, out_dir, "votes.png")
    return [str(weights_png), str(votes_png)]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fast", action="store_true", help="fewer epochs (for the tests)")
    parser.add_argument("--out", default=None, help="folder for the pictures (needs matplotlib)")
    args = parser.parse_args()
    main(fast=args.fast, out_dir=args.out)
