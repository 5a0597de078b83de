"""Apples and pears: training is guessing the parameters and adjusting them from the error.

"3 apples and 2 pears cost 7 cents. Guess the prices, see how wrong the total is, adjust." The prices are
the parameters, the receipts are the data, the squared error of the totals is the loss, and gradient
descent does the adjusting. With one receipt many price pairs fit and gradient descent settles on one of
them (which one depends on the first guess); with several receipts only the true prices fit, and gradient
descent finds them.

    python examples/i_apples_and_pears.py [--out docs/images/experiments]
"""

from __future__ import annotations

import argparse

import numpy as np

import tinygrad_edu as torch

TRUE_PRICES = (1.0, 2.0)  # cents: one apple, one pear
ONE_RECEIPT = [[3.0, 2.0]]  # 3 apples and 2 pears ...
ONE_TOTAL = [7.0]  # ... cost 7 cents
RECEIPTS = [[3.0, 2.0], [1.0, 4.0], [5.0, 1.0], [2.0, 3.0]]  # four shopping trips
TOTALS = [7.0, 9.0, 7.0, 8.0]  # what each one cost (apple 1, pear 2)
STARTS = [(0.0, 0.0), (3.0, 0.0), (0.0, 3.0), (2.5, 2.5)]  # first guesses
LR = 0.03


def guess_prices(counts, totals, start=(0.0, 0.0), lr=LR, steps=100):
    """Gradient descent on the prices.

    Returns the guesses (the first guess, then one row after every step), the loss and the gradient
    at every step.
    """
    counts = torch.tensor(counts)  # [receipts, 2]: how many apples and pears on each receipt
    totals = torch.tensor(totals)  # [receipts]: what each receipt says
    prices = torch.tensor(start).requires_grad_()  # the guess: price of an apple, price of a pear
    path = [prices.tolist()]
    losses, grads = [], []
    for _ in range(steps):
        predicted = counts @ prices  # what each receipt would cost at the guessed prices
        loss = ((predicted - totals) ** 2).mean()  # how wrong the guess is
        loss.backward()  # which way to move each price to make it less wrong
        grads.append(prices.grad.tolist())
        with torch.no_grad():
            prices -= prices.grad * lr  # adjust
        prices.grad.zero_()
        losses.append(loss.item())
        path.append(prices.tolist())
    return np.array(path), np.array(losses), np.array(grads)


def receipt_text(counts, total) -> str:
    apples, pears = (int(n) for n in counts)
    return (f"{apples} apple{'s' * (apples != 1)} + {pears} pear{'s' * (pears != 1)} = {total:g}")


def _print_steps(say, path, grads, counts, totals, shown):
    """One line per shown step: the guess, the totals it predicts, the loss and the gradient there."""
    counts, totals = np.array(counts), np.array(totals)
    width = 6 * len(totals) + 1
    say(f"{'step':>5s} {'apple':>8s} {'pear':>8s}   {'predicted totals':<{width}s} {'loss':>10s}   gradient")
    for step in shown:
        apple, pear = path[step]
        predicted = counts @ path[step]
        loss = float(np.mean((predicted - totals) ** 2))
        totals_text = " ".join(f"{p:5.2f}" for p in predicted)
        grad = f"({grads[step][0]:8.4f}, {grads[step][1]:8.4f})" if step < len(grads) else ""
        say(f"{step:5d} {apple:8.4f} {pear:8.4f}   {totals_text:<{width}s} {loss:10.6f}   {grad}")


def main(fast: bool = False, quiet: bool = False, out_dir=None) -> dict:
    """Run both experiments (they take milliseconds, so ``fast`` changes nothing); returns the numbers."""
    say = (lambda *a: None) if quiet else print
    steps = 100
    shown = [0, 1, 2, 3, 4, 5, 10, 20, 50, 100]

    say("One receipt: 3 apples + 2 pears = 7 cents. Start by guessing 0 and 0.")
    path, losses, grads = guess_prices(ONE_RECEIPT, ONE_TOTAL, STARTS[0], steps=steps)
    _print_steps(say, path, grads, ONE_RECEIPT, ONE_TOTAL, shown)
    one = []
    for start in STARTS:
        end_path, end_losses, _ = guess_prices(ONE_RECEIPT, ONE_TOTAL, start, steps=steps)
        apple, pear = end_path[-1]
        one.append({"start": start, "end": (float(apple), float(pear)), "total": float(3 * apple + 2 * pear),
                    "loss": float(end_losses[-1]), "path": end_path})
    say("\nFrom different first guesses it settles on different prices; every pair fits the receipt:")
    say(f"{'first guess':>14s} {'apple':>8s} {'pear':>8s} {'3a + 2p':>8s}")
    for row in one:
        say(f"{str(row['start']):>14s} {row['end'][0]:8.4f} {row['end'][1]:8.4f} {row['total']:8.4f}")
    # from (0, 0) every gradient points along (3, 2): the answer is the cheapest-looking pair on the line
    closest = (21 / 13, 14 / 13)
    say(f"from (0, 0) it ends on ({one[0]['end'][0]:.4f}, {one[0]['end'][1]:.4f}): the point of the line "
        f"3a + 2p = 7 closest to the start, (21/13, 14/13) = ({closest[0]:.4f}, {closest[1]:.4f})")

    say(f"\n{len(RECEIPTS)} receipts: " + ", ".join(
        receipt_text(c, t) for c, t in zip(RECEIPTS, TOTALS, strict=True)))
    path4, losses4, grads4 = guess_prices(RECEIPTS, TOTALS, STARTS[0], steps=steps)
    _print_steps(say, path4, grads4, RECEIPTS, TOTALS, shown)
    several = []
    for start in STARTS:
        end_path, end_losses, _ = guess_prices(RECEIPTS, TOTALS, start, steps=steps)
        several.append({"start": start, "end": tuple(float(v) for v in end_path[-1]),
                        "loss": float(end_losses[-1]), "path": end_path})
    say(f"{'first guess':>14s} {'apple':>8s} {'pear':>8s}")
    for row in several:
        say(f"{str(row['start']):>14s} {row['end'][0]:8.4f} {row['end'][1]:8.4f}")
    say(f"true prices: apple {TRUE_PRICES[0]}, pear {TRUE_PRICES[1]}")

    results = {
        "lr": LR, "steps": steps, "shown_steps": shown,
        "one_receipt_path": path, "one_receipt_losses": losses, "one_receipt_grads": grads,
        "one_receipt_runs": one,
        "closest_point": closest,
        "several_path": path4, "several_losses": losses4, "several_grads": grads4, "several_runs": several,
        "true_prices": TRUE_PRICES, "receipts": RECEIPTS, "totals": TOTALS,
    }
    if out_dir is not None:
        results["pictures"] = [draw(results, out_dir)]
    return results


def draw(results: dict, out_dir) -> str:
    """The loss over all price pairs (yellow = small, purple = large) and the paths gradient descent took."""
    from _plots import pyplot, save

    plt = pyplot()
    apple, pear = np.meshgrid(np.linspace(-0.5, 3.5, 161), np.linspace(-0.5, 3.5, 161))
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.6))
    panels = [(axes[0], ONE_RECEIPT, ONE_TOTAL, results["one_receipt_runs"],
               "one receipt: a valley of answers"),
              (axes[1], RECEIPTS, TOTALS, results["several_runs"], f"{len(RECEIPTS)} receipts: one answer")]
    for ax, counts, totals, runs, title in panels:
        loss = np.mean([(a * apple + p * pear - t) ** 2 for (a, p), t in zip(counts, totals, strict=True)],
                       axis=0)
        ax.contourf(apple, pear, np.log10(loss + 1e-3), levels=30, cmap="viridis_r")
        for run in runs:
            ax.plot(run["path"][:, 0], run["path"][:, 1], ".-", color="tab:red", markersize=3, linewidth=1)
            ax.plot(*run["start"], "o", color="white", markeredgecolor="black")
        if len(counts) == 1:
            a_line = np.linspace(-0.5, 3.5, 2)
            ax.plot(a_line, (7 - 3 * a_line) / 2, "--", color="white", linewidth=1, label="3a + 2p = 7")
            ax.legend(loc="upper right")
        ax.plot(*TRUE_PRICES, "*", color="gold", markersize=14, markeredgecolor="black", label="true prices")
        ax.set_xlim(-0.5, 3.5)
        ax.set_ylim(-0.5, 3.5)
        ax.set_xlabel("guessed price of an apple")
        ax.set_ylabel("guessed price of a pear")
        ax.set_title(title, fontsize=11)
    fig.suptitle("loss of every guess (yellow = small) and gradient descent from four first guesses "
                 "(white dots)")
    return str(save(fig, out_dir, "apples-and-pears.png"))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fast", action="store_true", help="accepted for symmetry: this one is always fast")
    parser.add_argument("--out", default=None, help="folder for the picture (needs matplotlib)")
    args = parser.parse_args()
    main(fast=args.fast, out_dir=args.out)
