"""Rewrite docs/graphs.md and its pictures from one run of ``python -m tinygrad_edu graph``.

    python scripts/docs_graphs.py

The pictures (docs/images/graphs/*.svg) and the trace come from the command line; the numbers quoted in
the text come from the same model built again in this process (same seed), and the script checks that
its trace is identical to the command's before writing anything.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
from pathlib import Path
from string import Template

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tinygrad_edu.viz import trace_backward  # noqa: E402
from tinygrad_edu.viz.model import lesson_graph  # noqa: E402
from tinygrad_edu.viz.stats import array_stats, format_number  # noqa: E402

SEED, BATCH = 0, 4
IMAGES = ROOT / "docs" / "images" / "graphs"
PAGE = ROOT / "docs" / "graphs.md"


def run_cli() -> None:
    """Draw the pictures and write the trace with the command line itself."""
    if shutil.which("dot") is None:
        sys.exit("docs_graphs.py: the pictures need Graphviz's `dot` program (apt-get install graphviz)")
    shutil.rmtree(IMAGES, ignore_errors=True)  # no stale step pictures
    command = [sys.executable, "-m", "tinygrad_edu", "graph", "--before", str(IMAGES / "before.svg"),
               "--after", str(IMAGES / "after.svg"), "--trace", str(IMAGES / "trace.txt"),
               "--steps", str(IMAGES / "steps"), "--explore", str(IMAGES / "backward.html"),
               "--batch-size", str(BATCH), "--seed", str(SEED),
               "--rankdir", "TB"]
    print("$ python -m tinygrad_edu graph " + " ".join(command[4:]).replace(str(ROOT) + "/", ""))
    subprocess.run(command, check=True, cwd=ROOT)


def numbers() -> dict[str, str]:
    """Rebuild the same model, trace it again, check the trace matches the command's, pick the numbers."""
    model = lesson_graph(BATCH, SEED)
    text = io.StringIO()
    steps = trace_backward(model.loss, file=text, names=model.names, params=model.params)
    trace = (IMAGES / "trace.txt").read_text(encoding="utf-8")
    if text.getvalue() != trace:
        sys.exit("docs_graphs.py: the command's trace differs from this run's; is the model deterministic?")
    by_op = {step.op: step for step in steps}

    def values(array: np.ndarray) -> str:
        return array_stats(array).summary()

    xb = model.xb.numpy()
    labels = model.yb.numpy()[:, 0]
    d_pred = by_op["Add"].grad_out_array[:, 0]
    weights_grad = model.weights.grad.numpy()[:, 0]
    pixel = int(np.argmax(np.abs(weights_grad)))
    products = xb[:, pixel] * d_pred
    p = by_op["Sigmoid"].grad_out_array  # d loss/d p, complete: both of p's uses have sent their part
    p_value = model.names["p"].detach().numpy()[:, 0]
    threes, sevens = int(labels.sum()), int(len(labels) - labels.sum())
    return {
        "command": f"python -m tinygrad_edu graph --before before.svg --after after.svg --trace trace.txt "
                   f"--steps steps --explore backward.html --batch-size {BATCH} --seed {SEED} --rankdir TB",
        "batch": str(BATCH), "seed": str(SEED), "threes": str(threes), "sevens": str(sevens),
        "labels": values(labels),
        "loss": format_number(model.loss.item()),
        "predictions": values(model.names["predictions"].detach().numpy()[:, 0]),
        "p": values(p_value),
        "picked": values(model.names["where(yb==1, 1-p, p)"].detach().numpy()[:, 0]),
        "mean_grad": values(by_op["Mean"].grads_in_arrays[0][:, 0]),
        "where_to_a": values(by_op["Where"].grads_in_arrays[1][:, 0]),
        "where_to_b": values(by_op["Where"].grads_in_arrays[2][:, 0]),
        "sub_to_p": values(by_op["Sub"].grads_in_arrays[1][:, 0]),
        "p_grad": values(p[:, 0]),
        "slope": values(p_value * (1 - p_value)),
        "d_pred": values(d_pred),
        "d_pred_sum": " + ".join(f"({format_number(v)})" for v in d_pred),
        "bias_grad": format_number(model.bias.grad.item()),
        "weights_grad": array_stats(weights_grad).summary(),
        "zero_grads": str(int((weights_grad == 0).sum())),
        "pixel": str(pixel), "row": str(pixel // 28), "col": str(pixel % 28),
        "pixel_values": values(xb[:, pixel]),
        "pixel_products": " + ".join(f"{format_number(a)}·({format_number(g)})"
                                     for a, g in zip(xb[:, pixel], d_pred, strict=True)),
        "extreme": "max" if weights_grad[pixel] > 0 else "min",
        "pixel_sum": format_number(products.sum()),
        "trace": trace.rstrip(),
        "steps_list": "\n".join(
            f"{i}. [{path.stem}](images/graphs/steps/{path.name})"
            for i, path in enumerate(sorted((IMAGES / "steps").glob("*.svg")))
        ),
    }


PAGE_TEMPLATE = Template("""\
# Seeing the graph: the lesson model before and after backward

<!-- Written by scripts/docs_graphs.py from one run of the command below; edit the script, not this file. -->

Autograd is easier to believe once you have *seen* it. This page draws the computation graph of
fast.ai lesson 4's model for one batch of $batch real images ($threes threes, then $sevens sevens,
seed $seed), before and after `loss.backward()`, and narrates what backward does at every op.
Everything here was produced by

```bash
$command
```

and is regenerated, pictures and numbers, by `python scripts/docs_graphs.py`.

The model is the lesson's, written out one op per line:

```python
weights = torch.randn(28*28, 1).requires_grad_()   # init_params((28*28, 1))
bias    = torch.randn(1).requires_grad_()          # init_params(1)
predictions = xb @ weights + bias                  # linear1(xb): one score per image, shape (4, 1)
p = predictions.sigmoid()                          # mnist_loss ...
loss = torch.where(yb == 1, 1 - p, p).mean()       # ... yb is 1 for a 3, 0 for a 7
```

## Before backward: the graph forward built

![The lesson model's graph after the forward pass](images/graphs/before.svg)

How to read it (the legend in the corner says the same):

- **Grey boxes are leaves that need no gradient**: the batch `xb` ($batch images × 784 pixels in [0, 1]),
  the mask `yb == 1` (the labels `yb` are $labels, so it is `True` for the 3s), and the constant `1` of
  `1 - p`.
  Their edges are dashed: no gradient flows back along them, and the engine does not compute one.
- **Orange boxes are parameters**: `weights` (784, 1) and `bias` (1,), leaves with `requires_grad=True`.
  They are what backward is for: after it, their `.grad` tells SGD which way to move them.
- **Blue boxes are intermediate tensors**, each made by the op above it (its `grad_fn`). Their values are
  this batch's: `predictions` = $predictions, `p` = $p, and what each image contributes to the loss,
  `where(yb==1, 1-p, p)` = $picked (a 3 should have p near 1, a 7 near 0).
- **The green box is the output**, `loss` = $loss, where backward starts.
- **Rounded boxes are ops**, with their local derivative rule (the first line of the op's docstring in
  `tinygrad_edu/ops/`). Edge labels `a`, `b`, `cond` name the op's inputs as the rule does.
- Each box shows its shape and dtype, then all its values when there are at most 6, else min/mean/max.

Nothing is red yet: no gradient has been computed ("no gradients yet").

## Backward, step by step

`trace_backward(loss)` runs the real engine and prints each op when the engine reaches it. The engine visits
the ops in reverse topological order: an op runs only once every op that *used* its output has run, so the
gradient arriving at it is complete.

```text
$trace
```

What happened, step by step:

1. **Mean** averages $batch numbers, so each one moves the loss by 1/$batch: every element gets $mean_grad.
2. **Where** passes each element's gradient to the branch it picked: the 3s (cond `True`) to `a` = `1 - p`:
   $where_to_a, the 7s to `b` = `p`: $where_to_b. `cond` gets nothing.
3. **Sub** (`1 - p`): d/db = -1, so `p` receives $sub_to_p from this path.
4. `p` is used twice (by Sub and by Where), so its gradient is the **sum** of what both sent:
   $p_grad. This is why the engine waits: **Sigmoid** runs only after both parts have arrived. It
   multiplies by its local slope p · (1 - p) = $slope, giving d loss/d predictions = $d_pred. Where p is
   close to 0 or 1 the slope is tiny: a confident sigmoid barely passes any gradient back (it *saturates*).
5. **Add** passes the gradient through unchanged (d/da = d/db = 1), but `bias` has shape (1,) while the sum
   has shape (4, 1): the bias was *broadcast*, added to every image's score. Its gradient is therefore the
   sum of the gradients of all its copies — the engine's `unbroadcast` sums over the batch axis:
   bias.grad = $d_pred_sum = **$bias_grad**.
6. **MatMul** (`xb @ weights`): the rule for `b` is d/db = aᵀ @ grad, so
   `weights.grad = xbᵀ @ grad`: (784, 4) @ (4, 1) → (784, 1), the shape of `weights`. Row *k* of the result
   is Σ over images of (pixel *k* of that image) × (that image's gradient): a weight only learns from images
   in which its pixel is lit. Here $zero_grads of the 784 weights get exactly 0, their pixel being black in
   all $batch images. The largest gradient in size belongs to pixel $pixel (row $row, column $col), whose
   values in the $batch images are $pixel_values:
   $pixel_products = $pixel_sum, the $extreme in the trace's `weights.grad` line.
   `xb` needs no gradient, so `grad @ weightsᵀ` is never computed.

## After backward: every gradient

![The same graph after backward, with gradients in red](images/graphs/after.svg)

The red line of each box is **d loss / d that tensor**, with the same shape as the tensor. Its sign says which
way the loss moves if the value grows: `bias.grad` = $bias_grad, so a small *increase* of the bias would
change the loss by about $bias_grad × the increase, and SGD's `bias -= lr * bias.grad` moves it the other
way. For `weights`, the 784 numbers ($weights_grad) are too many to list.

The gradients of the *blue* tensors are shown because the command used `trace_backward`, which records
them. A plain `loss.backward()` keeps only the leaves' `.grad` (as PyTorch does, to save memory):
`draw_graph(loss)` after it marks the intermediate tensors "grad not kept (non-leaf)". Call
`t.retain_grad()` before backward to keep one.

## Paging through backward

One picture per step, the op being processed in red, gradients appearing as they are computed ("grad so
far" marks a tensor that is still waiting for another part):

$steps_list

The same steps in one page: [backward.html](images/graphs/backward.html) (open it in a browser; GitHub
shows its source) has next/previous buttons, a slider and the arrow keys. At each step it highlights the op,
shows the gradient arriving, the rule, the gradients sent (in purple) and the leaves' `.grad` so far. The
page follows the step: the buttons stay at the top of the window and the op at work is scrolled into view;
in a browser window wide enough (about 1200 pixels), the panel sits beside the picture and stays in view.

## Your own graphs

```python
import tinygrad_edu as torch
from tinygrad_edu.viz import draw_graph, explore, render_graph, trace_backward

loss = ...                                   # any scalar built from tensors that require grad
draw_graph(loss)                             # in Jupyter this displays the picture inline
steps = trace_backward(loss)                 # runs backward and prints every step
render_graph(draw_graph(loss, params=model, grads=steps), "after.svg")   # .svg .png .pdf or .dot
draw_graph(loss, grads=steps, step=3)        # the state after the first 3 steps
explore(loss2)                               # a fresh loss: runs backward, steps through it in the notebook
explore(loss2).save("backward.html")         # ... or in a browser
```

Every tensor is called by the name your code gave it: `draw_graph`, `trace_backward` and `explore` look up
the variables of the code that calls them (its locals, then its globals: a notebook's variables, or a
function's), and take the name of every Tensor there, and `model.weight` for the parameters of a Module,
skipping everything else. A tensor bound to several names gets the first one bound (the same one every
run). `names={"xb": xb}` names tensors yourself (`names={}`: no names at all, only numbers), and `params`
takes a Module (anything with `named_parameters()`) or a dict name → Tensor. A tensor nobody named is called
after the expression that made it (`xb @ weights`, `sigmoid(xb @ weights + bias)`, shortened with `…`
when long; `expressions=False` numbers them `t0`, `t1`). Pictures are drawn top to bottom and at most 1000
pixels wide (`max_width`), to fit a notebook column; `rankdir="LR"` draws them left to right. The title
says whether the gradients shown belong to this graph: leaves still holding the `.grad` of an earlier
step (or zeroed ones, after a training loop) are drawn in grey, and the title says backward has not run
through this graph. Big graphs are cut to the `max_nodes` (default 300) nearest the loss, with a note of how
many nodes were left out. The pictures need `pip install -e ".[viz]"` (in a clone) and the Graphviz program
`dot`
(`apt-get install graphviz`, `brew install graphviz`, `conda install -c conda-forge graphviz`, or
`winget install graphviz`); without `dot`, `render_graph` writes the `.dot` source and says how to install it.

## Graphs of models: one box per module call

A CNN or a small GPT records hundreds of ops, too many to read one by one. So `draw_graph` and `explore`
draw the ops of each `nn.Module` call as one box, named after the module's place in the model, as
`model.named_modules()` names it: `blocks`, `blocks.0.sa`, `blocks.0.sa.heads.1`. A box says what it hides
(`13 ops · MatMul ×5 · Permute ×4 · …`), and the tensors that go in and come out of it are drawn as usual,
each named after the call that returned it (`blocks.0.ln1(x)`). The outermost call, the model itself, is
drawn open: a dashed frame around the boxes of its submodules and its own ops.

```python
logits, loss = model(xb, yb)
draw_graph(loss)                               # the model's submodules, one box each
draw_graph(loss, expand=["blocks.0.sa"])       # blocks.0.sa open (and blocks, blocks.0 around it)
draw_graph(loss, expand=True)                  # every op (cut to max_nodes)
draw_graph(loss, model=gpt)                    # names relative to gpt, when the model has no variable
explore(loss)                                  # click a box to open it; "box ▶" steps backward box by box
```

The model is found among your variables (the Module that holds most of the modules called), or given as
`model=`; a module found nowhere is called by its class name, and a module called twice is two boxes
(`cell`, `cell (call 2)`). Inside a frame, names are shortened to what follows the frame's name (`heads.1`
in `blocks.0.sa`). In the explorer, clicking a box opens it, clicking the label of a frame (or "close" in
the bar at the top) closes it again, and "◀◀ box" / "box ▶▶" (or Shift + arrow keys) jump to the end of
the box before or after, so that backward can be followed module by module; the box holding the op at work
is the red one. The explorer draws its pictures beforehand, one per module call, biggest first:
`max_views` (default 12) sets how many; a box without a picture says how to draw its inside.

Recording which call made which op costs nothing per op: `Module.__call__` leaves a note of the call on the
op behind each tensor it returns (`grad_fn.module_calls`), and the picture finds the call's other ops by
walking back from there to the call's arguments.
""")


def main() -> None:
    run_cli()
    PAGE.write_text(PAGE_TEMPLATE.substitute(numbers()), encoding="utf-8")
    print(f"wrote {PAGE.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
