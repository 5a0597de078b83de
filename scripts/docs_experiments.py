"""Run the five experiments (examples/f_ to j_) and rewrite their pages in docs/ with their numbers, pictures.

    python scripts/docs_experiments.py              # all five pages and docs/images/experiments/*.png
    python scripts/docs_experiments.py --only bias  # one page (weights, distance, bias, apples, regression)

Each page is written from a template in this file, so the prose and the numbers it talks about stay
together. Before a page is written, the claims its prose makes are checked against the numbers of this run
(``CLAIMS`` below); if one no longer holds, the page is not written and the script says which claim failed.
tests/test_experiments.py checks the same claims on fast runs of the examples.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import platform
import sys
import textwrap
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
IMAGES = DOCS / "images" / "experiments"
for folder in (ROOT, ROOT / "examples"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))


# ---- helpers ----------------------------------------------------------------------------------------


def table(headers: list[str], rows: list[list], align: str | None = None) -> str:
    """A markdown table; ``align`` is one letter per column (l, r)."""
    align = align or "l" + "r" * (len(headers) - 1)
    rule = ["---:" if a == "r" else "---" for a in align]
    lines = ["| " + " | ".join(headers) + " |", "| " + " | ".join(rule) + " |"]
    lines += ["| " + " | ".join(str(cell).replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def code(source: str) -> str:
    return "```python\n" + textwrap.dedent(source).strip() + "\n```"


def source_of(obj) -> str:
    """The source of a function or class of an example, without its docstring's body if it is long."""
    return code(inspect.getsource(obj))


def footer(script: str) -> str:
    return (f"---\n\nRun it yourself: `python examples/{script} [--fast] [--out DIR]` (pictures need "
            f"matplotlib). Every number and picture on this page comes from one run of it, written by "
            f"`python scripts/docs_experiments.py` (Python {platform.python_version()}, "
            f"numpy {np.__version__}). Back to the [index](index.md).\n")


def pct(value: float) -> str:
    return f"{value:.4f}"


def num(value: float, places: int = 3) -> str:
    """``value`` with ``places`` decimals, never as "-0.000"."""
    return f"{round(value, places) + 0.0:.{places}f}"


# ---- the claims each page's prose makes ---------------------------------------------------------------
# Each returns (claim, holds). ``fast`` runs (the tests) are shorter: claims marked full-only need the
# full number of epochs and are skipped there.


def claims_weights(r: dict, fast: bool = False) -> list[tuple[str, bool]]:
    three, seven = r["examples"]["3"], r["examples"]["7"]
    return [
        ("the linear model learns (overall accuracy above 0.95)", r["accuracy"]["overall"] > 0.95),
        ("the weights resemble mean 3 - mean 7 (correlation above 0.5)", r["correlation"] > 0.5),
        ("never-inked pixels keep their starting weights exactly", r["never_inked"] > 0
         and r["never_inked_change"] == 0.0),
        ("the example 3 scores above 0 and the example 7 below 0", three["score"] > 0 > seven["score"]),
        ("the votes plus the bias are the model's score",
         max(abs(three["score"] - r["model_scores"][0]), abs(seven["score"] - r["model_scores"][1])) < 1e-3),
        ("the 3 has votes both ways", three["for_3"] > 0 > three["for_7"]),
        ("the strongest vote for 3 is where 3s have more ink than 7s, and for 7 the other way round",
         r["strongest"]["3"]["mean3"] > r["strongest"]["3"]["mean7"]
         and r["strongest"]["7"]["mean7"] > r["strongest"]["7"]["mean3"]),
        ("the strongest votes are near the middle of the picture (rows and columns 9 to 19)",
         all(9 <= p[k] <= 19 for p in r["strongest"].values() for k in ("row", "col"))),
    ]


def claims_distance(r: dict, fast: bool = False) -> list[tuple[str, bool]]:
    rows = r["rows"]

    def overall(key):
        return rows[key]["accuracy"]["overall"]

    stuck = [run for run in r["runs"] if run["model"] == "template" and run["optimizer"] == "SGD"
             and run["lr"] >= 1.0]
    found = [
        ("the fixed baseline reproduces the book: 0.9168 / 0.9854 / 0.9511",
         r["baseline"] == {"3s": 0.9168, "7s": 0.9854, "overall": 0.9511}),
        ("x @ w + b beats the learned template with SGD", overall("linear/SGD") > overall("template/SGD")),
        ("x @ w + b beats the learned template with Adam", overall("linear/Adam") > overall("template/Adam")),
        ("two learned templates beat the fixed baseline", overall("two_templates/SGD") > overall("baseline")),
        ("the template model learns nothing at SGD lr >= 1 (stuck at 0.5)",
         bool(stuck) and all(run["accuracy"]["overall"] == 0.5 for run in stuck)),
        ("on black-and-white pixels the distance is exactly a weighted sum", r["disguise_gap"] < 1e-3),
    ]
    if not fast:
        found += [
            ("the learned template beats the fixed baseline", overall("template/SGD") > overall("baseline")),
            ("starting from the mean 3 ends below the fixed baseline",
             overall("template_mean3/SGD") < overall("baseline")),
            ("x @ w + b beats two learned templates", overall("linear/SGD") > overall("two_templates/SGD")),
            ("with SGD the linear model is picked at lr 1 (the lesson's)", rows["linear/SGD"]["lr"] == 1.0),
            ("the template's votes resemble the linear weights (correlation above 0.7)",
             r["resemblance"] > 0.7),
            ("the mean-3 template starts below the fixed baseline",
             r["start_accuracy"]["template_mean3"]["overall"] < r["baseline"]["overall"]),
            ("the grey-start template stays within 0.3 of grey",
             max(abs(v - 0.5) for v in r["template_range"]) < 0.3),
            ("the template gets stuck at some SGD rate and at some Adam rate",
             all(any(x["accuracy"]["overall"] == 0.5 for x in r["runs"]
                     if x["model"] == "template" and x["optimizer"] == o) for o in ("SGD", "Adam"))),
            ("the template gets stuck at more learning rates than the linear model",
             sum(x["accuracy"]["overall"] == 0.5 for x in r["runs"] if x["model"] == "template")
             > sum(x["accuracy"]["overall"] == 0.5 for x in r["runs"] if x["model"] == "linear")),
        ]
    return found


def claims_bias(r: dict, fast: bool = False) -> list[tuple[str, bool]]:
    with_b, without = r["models"]["with bias"], r["models"]["without bias"]
    ex = r["example"]
    implicit = r["implicit_bias"]
    return [
        ("both models start from the same weights", r["same_start"]),
        ("without a bias an all-black image scores exactly 0 (sigmoid 0.5)",
         without["on_black"] == 0.0 and without["prob_on_black"] == 0.5),
        ("with a bias an all-black image scores the bias", abs(with_b["on_black"] - with_b["bias"]) < 1e-6),
        ("the learned bias is negative (black images lean to 7)", with_b["bias"] < 0),
        ("on 3s and 7s the two models end within 0.01 of each other",
         abs(with_b["accuracy"]["overall"] - without["accuracy"]["overall"]) < 0.01),
        ("without a bias the weights shift the sums by roughly the bias (same sign, within half of it)",
         implicit["mean"] * with_b["bias"] > 0
         and abs(implicit["mean"] - with_b["bias"]) < abs(with_b["bias"]) / 2),
        ("every validation image has ink", implicit["ink_min"] > 0),
        ("7s have less ink than 3s", implicit["mean_ink_7"] < implicit["mean_ink_3"]),
        ("the one-number example: with a bias every example is right",
         ex["fits"]["with bias"]["accuracy"] == 1.0),
        ("the one-number example: without a bias at most half are right",
         ex["fits"]["without bias"]["accuracy"] <= 0.5 and ex["best_without_bias"] <= 0.5),
        ("the learned boundary is near 0.5", abs(ex["fits"]["with bias"]["boundary"] - 0.5) < 0.05),
    ]


def claims_apples(r: dict, fast: bool = False) -> list[tuple[str, bool]]:
    one, several = r["one_receipt_runs"], r["several_runs"]
    ends = np.array([run["end"] for run in one])
    return [
        ("with one receipt every run fits it (total 7 within 1e-3)",
         all(abs(run["total"] - 7) < 1e-3 for run in one)),
        ("with one receipt the runs end at different prices", float(np.ptp(ends[:, 0])) > 0.5),
        ("from (0, 0) it ends at the closest point (21/13, 14/13)",
         np.abs(np.array(one[0]["end"]) - np.array(r["closest_point"])).max() < 1e-3),
        ("with one receipt the true prices are not found from (0, 0)",
         np.abs(np.array(one[0]["end"]) - np.array(r["true_prices"])).max() > 0.5),
        ("with several receipts every run finds apple 1 and pear 2 within 1e-3",
         all(np.abs(np.array(run["end"]) - np.array(r["true_prices"])).max() < 1e-3 for run in several)),
    ]


def claims_regression(r: dict, fast: bool = False) -> list[tuple[str, bool]]:
    lin, log = r["linear"], r["logistic"]
    return [
        ("gradient descent matches lstsq within 1e-3", lin["max_diff"] < 1e-3),
        ("gradient descent matches Newton's method within 1e-3", log["max_diff"] < 1e-3),
        ("lstsq is close to the true coefficients, not equal (noise)",
         0 < np.abs(np.array(lin["lstsq"]) - np.array(lin["true"])).max() < 0.2),
        ("the logistic fit is close to the true coefficients, not equal (noise)",
         0 < np.abs(np.array(log["newton"]) - np.array(log["true"])).max() < 0.3),
    ]


# ---- the pages ------------------------------------------------------------------------------------------


def page_weights(r: dict) -> str:
    import f_what_weights_learned as f

    a = r["accuracy"]
    ex_rows = []
    for label, ex in r["examples"].items():
        ex_rows.append([f"a {label}", ex["voting_pixels"], f"{ex['for_3']:+.2f}", f"{ex['for_7']:+.2f}",
                        f"{ex['bias']:+.2f}", f"{ex['score']:+.2f}", "3" if ex["score"] > 0 else "7"])
    lo, hi = r["weight_range"]
    s3, s7 = r["strongest"]["3"], r["strongest"]["7"]
    return f"""# What did the weights learn?

**The question.** The lesson's model multiplies every pixel by a weight and adds the products up:
`score = x @ w + b`, and a score above 0 means "3". Why multiply? And after training, what do the 784
weights look like?

**The experiment.** [`examples/f_what_weights_learned.py`](../examples/f_what_weights_learned.py) trains
the lesson's linear model the lesson's way (SGD, lr {r['lr']:g}, batches of 256 not shuffled,
{r['epochs']} epochs, seed {r['seed']}), then draws its weights as a 28×28 picture and splits the score of
one 3 and one 7 into the contributions of their pixels:

```python
linear_model = nn.Linear(28 * 28, 1)
opt = torch.optim.SGD(linear_model.parameters(), lr=1.0)
for epoch in range({r['epochs']}):
    for xb, yb in dl:
        loss = mnist_loss(linear_model(xb), yb)
        loss.backward()
        opt.step()
        opt.zero_grad()
```

{source_of(f.votes_of)}

## The result

Validation accuracy: 3s {pct(a['3s'])}, 7s {pct(a['7s'])}, overall {pct(a['overall'])}.

![learned weights beside the mean 3, the mean 7 and their difference](images/experiments/weights.png)

Of the {784 - r['never_inked']} pixels that are inked in at least one training image, {r['votes_for_3']} got
a positive weight (they vote "3") and {r['votes_for_7']} a negative one (they vote "7"). The weights range
from {lo:.2f} to {hi:.2f}, and the bias is {r['bias']:+.2f}. The correlation between the
weights and the picture *mean 3 − mean 7* is {r['correlation']:.2f}.

The first 3 and the first 7 of the validation set, pixel by pixel:

{table(["image", "inked pixels", "votes for 3", "votes for 7", "bias", "score", "model says"], ex_rows)}

![two validation images and the votes of their pixels](images/experiments/votes.png)

## What it means

- **Each pixel votes with its weight.** `x * w` is 0 for a black pixel whatever its weight, so only inked
  pixels vote; an inked pixel votes for 3 if its weight is positive, for 7 if negative, and a fully inked
  pixel votes harder than a faint one. The score is the sum of the votes plus the bias.
- **The weights look like "where 3s have ink and 7s don't"**, which is what *mean 3 − mean 7* shows, but
  they are not a copy of it (correlation {r['correlation']:.2f}, not 1): training put its strongest votes
  where they separate the training images best. The strongest vote for 3 ({s3['weight']:+.2f}) is at row
  {s3['row']}, column {s3['col']}, near the centre, where most 3s have ink and most 7s have none (inked
  {s3['mean3']:.2f} in the mean 3, {s3['mean7']:.2f} in the mean 7). The strongest vote for 7
  ({s7['weight']:+.2f}) is close by, at row {s7['row']}, column {s7['col']}, on the path of a 7's slanted
  stroke ({s7['mean7']:.2f} in the mean 7, {s7['mean3']:.2f} in the mean 3).
- **A decision is a balance.** Even the 3 above has {three_for_7(r)} of votes for 7; it is called a 3
  because its votes for 3 ({r['examples']['3']['for_3']:+.1f}) outweigh them.
- **{r['never_inked']} pixels are black in every training image** (mostly the border). Their gradient is
  `x * (...) = 0`, so their weights never move from where they started (largest change
  {r['never_inked_change']:.1g}) and they never vote.
- The student's alternative, scoring `|x − w|`, is tried in [Multiply vs distance](multiply-vs-distance.md).

## Try next

- Train with the book's `init_params` (`torch.randn(784, 1)`, std 1) instead of `nn.Linear`: the border
  pixels keep their random weights, so the picture turns noisy there — although those pixels never vote.
- Find a validation image the model gets wrong (`linear_model(valid_x) > 0` against `valid_y`) and draw its
  votes: which pixels misled it?
- Use `mean3 - mean7` itself as the weights (`x @ (mean3 - mean7)`) and look for the best bias: how much
  does training add to the difference image?

{footer('f_what_weights_learned.py')}"""


def three_for_7(r: dict) -> str:
    return f"{r['examples']['3']['for_7']:+.1f}"


def page_distance(r: dict) -> str:
    import g_multiply_vs_distance as g

    rows = []
    for row in r["table"]:
        a = row["accuracy"]
        rows.append([row["name"], row["learned"], row["how"], pct(a["3s"]), pct(a["7s"]),
                     f"**{pct(a['overall'])}**"])
    rd = r["rows"]

    def overall(key):
        return pct(rd[key]["accuracy"]["overall"])

    short = {"template": "template (grey start)", "template_mean3": "template (mean 3 start)",
             "two_templates": "two templates", "linear": "x @ w + b"}
    sweep_kinds = list(g.MODELS)
    sweep = []
    for lr in r["sgd_lrs"]:
        cells = [f"{lr:g}"]
        for kind in sweep_kinds:
            run = next(x for x in r["runs"] if (x["model"], x["optimizer"], x["lr"]) == (kind, "SGD", lr))
            cells.append(pct(run["accuracy"]["overall"]))
        sweep.append(cells)
    adam = []
    for lr in r["adam_lrs"]:
        cells = [f"{lr:g}"]
        for kind in g.ADAM_MODELS:
            run = next(x for x in r["runs"] if (x["model"], x["optimizer"], x["lr"]) == (kind, "Adam", lr))
            cells.append(pct(run["accuracy"]["overall"]))
        adam.append(cells)
    lo, hi = r["template_range"]

    def stuck(kind, opt_name):
        lrs = [f"{x['lr']:g}" for x in r["runs"] if x["model"] == kind and x["optimizer"] == opt_name
               and x["accuracy"]["overall"] == 0.5]
        return " and ".join(lrs)

    linear_stuck = (f"while the linear model got stuck only at SGD lr {stuck('linear', 'SGD')}"
                    if stuck("linear", "SGD") else "while the linear model learned at every rate tried")
    mean3_start = r["start_accuracy"]["template_mean3"]["overall"]

    return f"""# Multiply or distance?

**The question.** A student asked: why multiply each pixel by a weight — wouldn't scoring `|pixel − weight|`
tell how well the weights match? The chapter's first model did use a distance: it called an image a 3 when
it was closer (mean absolute difference) to the mean 3 than to the mean 7, with nothing learned. So: make
the template learnable, train it like the lesson's model, and compare.

**The experiment.** [`examples/g_multiply_vs_distance.py`](../examples/g_multiply_vs_distance.py) writes
the student's idea as a model with a learned template `w` and a learned threshold:

{source_of(g.TemplateModel)}

Every model gets the same data, the same unshuffled batches of 256, the same `mnist_loss` and
{r['epochs']} epochs, with seed {r['seed']}. Each is trained at several learning rates (SGD:
{', '.join(f'{lr:g}' for lr in r['sgd_lrs'])}; Adam: {', '.join(f'{lr:g}' for lr in r['adam_lrs'])}) and
the table shows the one with the lowest *training* loss, so the validation set plays no part in the choice.
Besides the grey-start template, two variants are trained: one template that starts as the mean 3, and the
chapter's baseline made trainable (two templates that start as the mean 3 and the mean 7; "3" when closer
to the first).

## The result

Validation accuracy (overall = mean of the 3s' and the 7s' accuracy, as the book computes the baseline):

{table(["model", "learned numbers", "trained with", "3s", "7s", "overall"], rows, "lrlrrr")}

Every SGD run (overall validation accuracy):

{table(["lr"] + [short[k] for k in sweep_kinds], sweep)}

And with Adam:

{table(["lr"] + [short[k] for k in g.ADAM_MODELS], adam)}

![the learned template, its votes, the linear weights](images/experiments/multiply-vs-distance.png)

## What it means

- **Learning the template helps.** The student's model, trained, reaches {overall('template/SGD')} against
  the fixed baseline's {overall('baseline')}; the baseline's own two templates, trained, reach
  {overall('two_templates/SGD')}. A rule fitted to the data beats a rule written by hand.
- **It does not beat the multiply.** `x @ w + b` reaches {overall('linear/SGD')} with SGD and
  {overall('linear/Adam')} with Adam, above every distance model ({overall('template/Adam')} for the template
  with Adam).
- **Why not: a distance is a weighted sum in disguise.** For a pixel that is exactly 0 or 1,
  `|x − w| = |w| + x·(|1 − w| − |w|)`: a constant plus `x` times a weight. So on black-and-white pictures
  the template model *is* a linear model, with pixel weights `−(|1 − w| − |w|)·scale/784`, all squeezed
  between −scale/784 and +scale/784 (the script checks this on rounded copies of the validation images:
  largest difference {r['disguise_gap']:.0e}). It cannot express anything `x @ w + b` cannot, and it has
  less freedom: every pixel's vote is capped at the same size.
- **And it is harder to train.** The gradient of `|x − w|` with respect to `w` is ±1 for *every* pixel,
  including the black background, while the gradient of `x * w` is `x`: zero on the background and
  proportional to the ink. The template model learned only in a narrow band of learning rates: at SGD lr
  {stuck('template', 'SGD')} and at Adam lr {stuck('template', 'Adam')} it got stuck calling every image
  the same digit (0.5000), {linear_stuck}.
  It also depends on where it starts: the mean 3 with a threshold scores {pct(mean3_start)} before any
  training (one template is a weaker ruler than the baseline's two), and training from there ended at
  {overall('template_mean3/SGD')}, still below the fixed baseline; from plain grey it got
  {overall('template/SGD')}.
- **What the grey-start template learned looks like the linear weights.** It barely left grey (its values
  run from {lo:.2f} to {hi:.2f}); its small departures from grey are its votes, and drawn as votes (middle
  picture) they resemble the weights of `x @ w + b` (right; correlation {r['resemblance']:.2f}).
- So the student's intuition is sound — a learned "how well does it match" score works — but
  multiplication does the same job more directly, with more freedom and simpler gradients.

## Try next

- Start the grey template's threshold at 0 instead of the median distance: every score starts far below 0,
  the sigmoid is flat there, and nothing learns.
- Shuffle the batches (`DataLoader(..., shuffle=True)`) and rerun the learning-rate sweep.
- Replace `.abs()` by `** 2` (squared distance). Expand `(x − w)²`: which part is a weighted sum?

{footer('g_multiply_vs_distance.py')}"""


def page_bias(r: dict) -> str:
    import h_why_a_bias as h

    wb, wo = r["models"]["with bias"], r["models"]["without bias"]
    ex = r["example"]
    implicit = r["implicit_bias"]
    rows = []
    for name, m in r["models"].items():
        a = m["accuracy"]
        has_bias = name == "with bias"
        on_black = f"{m['on_black']:+.4f}" if m["on_black"] else "0 (exactly)"
        rows.append([name, pct(a["3s"]), pct(a["7s"]), f"**{pct(a['overall'])}**",
                     f"{m['bias']:+.4f}" if has_bias else "none", on_black, f"{m['prob_on_black']:.4f}"])
    epochs_shown = [e for e in (0, 1, 2, 5, 10, 15, 20) if e < len(wb["history"])]
    history = [[name] + [pct(m["history"][e]) for e in epochs_shown] for name, m in r["models"].items()]
    fits = [[name, f"{fit['w']:.2f}", f"{fit['b']:+.2f}", f"{fit['boundary']:.3f}" if fit["b"] else "—",
             f"{fit['accuracy']:.2f}"] for name, fit in ex["fits"].items()]
    b = wb["bias"]
    return f"""# Why a bias?

**The question.** The lesson's model is `x @ w + b`. What is the `b` for? A regression
`y = f(w0 + w1·x1 + … + wn·xn)` has an intercept `w0`; without it, an all-zero input always scores 0.

**The experiment.** [`examples/h_why_a_bias.py`](../examples/h_why_a_bias.py) trains
`nn.Linear(784, 1)` and `nn.Linear(784, 1, bias=False)` on the 3s and 7s: same seed (so the same
starting weights), same unshuffled batches, SGD lr {r['lr']:g}, {r['epochs']} epochs. Then it feeds both an
all-black image, `torch.zeros(1, 784)`. Last, a problem with a single input number that no model without a
bias can solve:

{source_of(h.one_number_example)}

## The result

{table(["model", "3s", "7s", "overall", "bias b", "score of a black image", "sigmoid"], rows)}

Validation accuracy (overall) by epoch:

{table(["model"] + [f"epoch {e}" if e else "untrained" for e in epochs_shown], history)}

![weighted sums of the 3s and 7s with each threshold; the one-number example](images/experiments/bias.png)

The one-number example (20 brightnesses from 0.05 to 1.00; "bright" above 0.5):

{table(["model", "w", "b", "boundary −b/w", "accuracy"], fits)}

The best accuracy of *any* bias-free model, trying every `w` from −100 to 100: {ex['best_without_bias']:.2f}.

## What it means

- **Without a bias, an all-black image scores exactly {wo['on_black']:.1f}**: `0 · w = 0` for every weight, so
  the sigmoid gives {wo['prob_on_black']:.1f}, no opinion at all. With the bias it scores
  `b = {b:+.2f}` (sigmoid {wb['prob_on_black']:.2f}): the trained model leans to "7" for a picture with no
  ink, which fits, since 7s have less ink than 3s (total brightness {implicit['mean_ink_7']:.0f} against
  {implicit['mean_ink_3']:.0f} on average).
- **The bias is a learned threshold.** `x @ w + b > 0` is `x @ w > {-b:.2f}`: the model says 3 when the
  weighted sum passes {-b:.2f} instead of 0 (the dashed lines in the picture). Without a bias the threshold
  is nailed to 0.
- **On the 3s and 7s the bias hardly matters here** ({pct(wb['accuracy']['overall'])} with,
  {pct(wo['accuracy']['overall'])} without). The weighted sums are spread widely (standard deviation
  {implicit['sum_spread']:.1f}) and only {implicit['near_boundary']:.2%} of the images score within
  |b| = {abs(b):.2f} of the boundary. And the model without a bias makes up for it: every image has ink
  (total brightness {implicit['ink_min']:.0f} to {implicit['ink_max']:.0f}), so moving all the weights a
  little acts like a bias. Compared with the model that has one, its weighted sums moved by
  {implicit['mean']:+.2f} on average (standard deviation {implicit['std']:.2f}), close to the missing
  `b = {b:+.2f}`.
- **When the answer must change somewhere other than at 0, the bias is essential.** In the one-number
  example `w · x` has the same sign for every positive `x`, so a bias-free model calls all 20 examples the
  same thing: at most {ex['best_without_bias']:.0%} right. With a bias the boundary moves to
  x = {ex['fits']['with bias']['boundary']:.2f} and all are right.
- In regression words: `b` is the intercept, the value of the line where every input is 0. See
  [the regression view](regression.md).

## Try next

- Darken every image (`valid_x * 0.5`) and compare both models: which one's threshold no longer fits?
- Add a constant "always inked" pixel (`torch.cat([x, torch.ones(len(x), 1)], 1)`) to the bias-free model:
  its weight becomes a bias.
- In the one-number example, move the boundary to 0.8 and watch `b` change.

{footer('h_why_a_bias.py')}"""


def page_apples(r: dict) -> str:
    import i_apples_and_pears as i

    def step_rows(path, grads, counts, totals):
        counts, totals = np.array(counts), np.array(totals)
        out = []
        for step in r["shown_steps"]:
            apple, pear = path[step]
            predicted = counts @ path[step]
            loss = float(np.mean((predicted - totals) ** 2))
            grad = f"({num(grads[step][0])}, {num(grads[step][1])})" if step < len(grads) else "—"
            out.append([step, f"{apple:.4f}", f"{pear:.4f}", " ".join(f"{p:.2f}" for p in predicted),
                        f"{loss:.6f}", grad])
        return out

    one_rows = step_rows(r["one_receipt_path"], r["one_receipt_grads"], r["receipts"][:1], r["totals"][:1])
    several_rows = step_rows(r["several_path"], r["several_grads"], r["receipts"], r["totals"])
    starts_one = [[str(run["start"]), f"{run['end'][0]:.4f}", f"{run['end'][1]:.4f}", f"{run['total']:.4f}"]
                  for run in r["one_receipt_runs"]]
    starts_several = [[str(run["start"]), f"{run['end'][0]:.4f}", f"{run['end'][1]:.4f}"]
                      for run in r["several_runs"]]
    receipts = ", ".join(i.receipt_text(c, t) for c, t in zip(r["receipts"], r["totals"], strict=True))
    first = r["one_receipt_runs"][0]["end"]
    return f"""# Apples and pears: training is guessing and adjusting

**The question.** "3 apples and 2 pears cost 7 cents: guess the prices, see how wrong the total is,
adjust." That is what training a model does. The prices are the parameters, the receipts are the data,
the squared error of the totals is the loss and gradient descent adjusts. Does it find the right prices?

**The experiment.** [`examples/i_apples_and_pears.py`](../examples/i_apples_and_pears.py), lr {r['lr']},
{r['steps']} steps:

{source_of(i.guess_prices)}

## The result

**One receipt** (3 apples + 2 pears = 7), first guess 0 and 0:

{table(["step", "apple", "pear", "predicted total", "loss", "gradient"], one_rows)}

From other first guesses it ends elsewhere, and every answer fits the receipt:

{table(["first guess", "apple", "pear", "3·apple + 2·pear"], starts_one)}

**{len(r['receipts'])} receipts** ({receipts}), first guess 0 and 0:

{table(["step", "apple", "pear", "predicted totals", "loss", "gradient"], several_rows)}

{table(["first guess", "apple", "pear"], starts_several)}

![the loss of every price guess, and the paths gradient descent took](images/experiments/apples-and-pears.png)

## What it means

- **The gradient says which way to adjust and how hard.** At the first step the guess (0, 0) predicts 0
  instead of 7; the gradient ({r['one_receipt_grads'][0][0]:.0f}, {r['one_receipt_grads'][0][1]:.0f}) says
  "raise both prices, the apple's more, because there are 3 apples and 2 pears", and lr {r['lr']} turns it
  into a step. The steps shrink as the error shrinks.
- **With one receipt, many answers are perfect.** Every pair on the line 3·apple + 2·pear = 7 has zero
  loss (the bright valley on the left). Gradient descent stops at the first one it reaches: from (0, 0) that
  is ({first[0]:.4f}, {first[1]:.4f}) = (21/13, 14/13), the point of the line closest to the start, because
  every gradient points along (3, 2). From (3, 0) it even ends with a negative pear price; the one receipt
  cannot tell.
- **With enough different receipts there is one answer**, a single lowest point of the bowl on the right,
  and every start reaches apple 1, pear 2.
- The lesson's model works the same way with 785 numbers instead of 2: the images are the receipts. And it
  has its own "fruit on no receipt": the pixels that are black in every training image. The data say
  nothing about their weights, so gradient descent leaves them wherever they started (see
  [what the weights learned](weights.md)).

## Try next

- Use lr 0.1: with one receipt the steps overshoot and grow. Why does 2 / (2 · 13) ≈ 0.077 matter?
- Add a receipt that contradicts the others (3 apples + 2 pears = 8): what does gradient descent settle on?
- Add a third fruit to every receipt: how many receipts do you now need?

{footer('i_apples_and_pears.py')}"""


def page_regression(r: dict) -> str:
    import j_regression_view as j

    lin, log = r["linear"], r["logistic"]
    lin_rows = [[name, f"{lin['true'][k]:.3f}", f"{lin['lstsq'][k]:.5f}", f"{lin['gd'][k]:.5f}"]
                for k, name in enumerate(["w1", "w2", "w3", "b (intercept)"])]
    log_rows = [[name, f"{log['true'][k]:.3f}", f"{log['newton'][k]:.5f}", f"{log['gd'][k]:.5f}"]
                for k, name in enumerate(["w1", "w2", "b (intercept)"])]
    return f"""# The regression view

**The question.** The lesson's model, `sigmoid(x @ w + b)`, is a regression:
`y = f(w0 + w1·x1 + … + wn·xn)` with the bias as the intercept `w0`. Is gradient descent just a slow way
to get what statistics already knows how to compute?

**The experiment.** [`examples/j_regression_view.py`](../examples/j_regression_view.py) makes data from
known coefficients, then fits `f(x @ w + b)` by full-batch gradient descent from all zeros, with
tinygrad_edu computing the gradients, and compares with the textbook solvers:

{source_of(j.gradient_descent)}

- `f` = identity, mean squared error, {lin['n']} points, y = 1 + 2·x1 − 3·x2 + 0.5·x3 + noise:
  compared with `numpy.linalg.lstsq` (the intercept is a column of ones).
- `f` = sigmoid, log loss, {log['n']} points drawn with P(y = 1) = sigmoid(0.5 + 2·x1 − x2): logistic
  regression, compared with Newton's method (iteratively reweighted least squares, in float64).

## The result

**Linear regression** (lr {lin['lr']}, {lin['steps']} steps):

{table(["coefficient", "true", "lstsq", "gradient descent"], lin_rows)}

Largest difference between gradient descent and lstsq: {lin['max_diff']:.1e}.

**Logistic regression** (lr {log['lr']}, {log['steps']} steps):

{table(["coefficient", "true", "Newton", "gradient descent"], log_rows)}

Largest difference between gradient descent and Newton's method: {log['max_diff']:.1e}; the fitted model
classifies {log['accuracy']:.1%} of its own data correctly (the data are noisy by design).

![coefficients along gradient descent; the logistic decision boundary](images/experiments/regression.png)

## What it means

- **Same model, same answer.** Gradient descent lands on the lstsq coefficients and on Newton's
  coefficients, up to float32 rounding (tinygrad_edu computes in float32). It takes many small steps where
  the solvers use a formula or a few big Newton steps, but it needs nothing except the gradient, so it keeps
  working where no formula exists: other losses, other `f`, layers stacked on layers.
- **The data decide, not the method.** The fits miss the true coefficients a little, because of the noise
  in the data, and gradient descent misses them by exactly as much as the textbook solvers do.
- **With `f` = sigmoid this is the lesson's model.** `linear1(xb).sigmoid()` is logistic regression on
  784 inputs; the bias is the intercept (see [why a bias](bias.md)), the weights are the coefficients (see
  [what the weights learned](weights.md)). The lesson trains it with its own `mnist_loss`
  (`where(y == 1, 1 − p, p).mean()`) where statistics uses the log loss; both push `p` towards `y`.
- **The decision boundary is a straight line** `b + w1·x1 + w2·x2 = 0` (with 784 inputs, a flat
  hyperplane). The intercept is what lets it miss the origin.

## Try next

- Drop the intercept (`b` fixed at 0) and compare with `lstsq` on `x` without the column of ones.
- Train the 3s-vs-7s model with the log loss instead of `mnist_loss`, at several learning rates.
- Raise the linear regression's lr step by step (0.5, 0.9, 1.2): where does gradient descent stop
  converging? Compare with 2 / (the largest eigenvalue of `2·xᵀx / n`, with the column of ones in `x`).

{footer('j_regression_view.py')}"""


# ---- the run ------------------------------------------------------------------------------------------

PAGES = {
    "weights": ("f_what_weights_learned", "weights.md", page_weights, claims_weights),
    "distance": ("g_multiply_vs_distance", "multiply-vs-distance.md", page_distance, claims_distance),
    "bias": ("h_why_a_bias", "bias.md", page_bias, claims_bias),
    "apples": ("i_apples_and_pears", "apples-and-pears.md", page_apples, claims_apples),
    "regression": ("j_regression_view", "regression.md", page_regression, claims_regression),
}


def failed_claims(key: str, results: dict, fast: bool = False) -> list[str]:
    return [claim for claim, holds in PAGES[key][3](results, fast) if not holds]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(PAGES), help="comma-separated pages: " + ", ".join(PAGES))
    args = parser.parse_args(argv)
    keys = args.only.split(",")
    unknown = [key for key in keys if key not in PAGES]
    if unknown:
        parser.error(f"unknown page(s) {', '.join(unknown)}; choose from {', '.join(PAGES)}")
    status = 0
    for key in keys:
        module_name, page_name, render, _ = PAGES[key]
        module = importlib.import_module(module_name)
        print(f"== {module_name}: running, pictures into {IMAGES.relative_to(ROOT)}", flush=True)
        results = module.main(fast=False, quiet=True, out_dir=IMAGES)
        failed = failed_claims(key, results)
        if failed:
            print(f"   NOT writing docs/{page_name}: its prose claims things this run does not support:",
                  *failed, sep="\n   - ", file=sys.stderr)
            status = 1
            continue
        title, rest = render(results).split("\n", 1)
        note = ("<!-- Written by scripts/docs_experiments.py from one run of "
                f"examples/{module_name}.py; edit the script, not this file. -->")
        (DOCS / page_name).write_text(f"{title}\n\n{note}\n{rest}")
        pictures = ", ".join(Path(p).name for p in results.get("pictures", []))
        print(f"   wrote docs/{page_name} and {pictures}")
    return status


if __name__ == "__main__":
    sys.exit(main())
