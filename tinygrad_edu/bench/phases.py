"""Where the lesson loop's time goes, and the least that any autograd could spend there.

The bench times the lesson workload as a whole. This module splits the same loop into its phases
(forward, backward, the parameter update, validation) and times each phase three ways:

* ``numpy``: the hand-written reference (``reference.py``: the derivatives worked out on paper);
* ``minimal autograd``: ``MinimalTensor`` below, a micrograd-style autograd with only the six ops the
  lesson uses and nothing else: no dtype rules, no shape checks, no error messages, no grad_fn objects,
  no hooks. It is the floor: the bookkeeping that recording a graph and walking it back costs at least;
* ``tinygrad_edu``: the chapter's code, exactly as the bench's lesson workload runs it.

    python -m tinygrad_edu bench -w phases        (or: python -m tinygrad_edu.bench.phases [--epochs 20])
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import reference as ref
from . import workloads as W

PHASES = ("forward", "backward", "update", "validation")
WAYS = ("numpy", "minimal autograd", "tinygrad_edu")


# ---- the minimal autograd ---------------------------------------------------------------------------


class MinimalTensor:
    """An array, its gradient, the tensors it was computed from and a closure that sends its gradient
    back to them. Just enough for ``where(y == 1, 1 - σ(x @ w + b), σ(x @ w + b)).mean()``."""

    __slots__ = ("data", "grad", "parents", "send_back")

    def __init__(self, data: np.ndarray, parents: tuple = (), send_back: Callable | None = None) -> None:
        self.data = data
        self.grad = None
        self.parents = parents      # (MinimalTensor, ...): whose gradients send_back returns
        self.send_back = send_back  # grad -> one gradient per parent (None: no gradient needed)

    def __matmul__(self, other: MinimalTensor) -> MinimalTensor:
        x, w = self.data, other.data
        return MinimalTensor(x @ w, (self, other), lambda g: (None, x.T @ g))  # the batch needs no gradient

    def __add__(self, other: MinimalTensor) -> MinimalTensor:
        return MinimalTensor(self.data + other.data, (self, other), lambda g: (g, g.sum(axis=0)))

    def __rsub__(self, constant: float) -> MinimalTensor:
        return MinimalTensor(constant - self.data, (self,), lambda g: (-g,))

    def sigmoid(self) -> MinimalTensor:
        out = ref.sigmoid(self.data)
        return MinimalTensor(out, (self,), lambda g: (g * out * (1 - out),))

    def mean(self) -> MinimalTensor:
        shape, n = self.data.shape, self.data.size
        return MinimalTensor(self.data.mean(), (self,), lambda g: (np.full(shape, g / n, np.float32),))

    def backward(self) -> None:
        """Post-order the graph (iteratively), then hand each node's gradient to its parents."""
        order, seen, stack = [], {self}, [(self, False)]
        while stack:
            node, parents_done = stack.pop()
            if parents_done:
                order.append(node)
                continue
            stack.append((node, True))
            for parent in node.parents:
                if parent.send_back is not None and parent not in seen:
                    seen.add(parent)
                    stack.append((parent, False))
        pending = {self: np.ones((), np.float32)}
        for node in reversed(order):
            for parent, grad in zip(node.parents, node.send_back(pending.pop(node)), strict=True):
                if grad is None:
                    continue
                if parent.send_back is None:  # a parameter: accumulate
                    parent.grad = grad.copy() if parent.grad is None else parent.grad + grad
                else:
                    pending[parent] = pending[parent] + grad if parent in pending else grad


def minimal_where(condition: np.ndarray, a: MinimalTensor, b: MinimalTensor) -> MinimalTensor:
    def send_back(g: np.ndarray) -> tuple:
        zero = np.zeros((), g.dtype)
        return np.where(condition, g, zero), np.where(condition, zero, g)

    return MinimalTensor(np.where(condition, a.data, b.data), (a, b), send_back)


# ---- the loop, timed phase by phase -------------------------------------------------------------------


@dataclass
class PhaseTimes:
    """Seconds per phase of one run of the loop, and what the run computed."""

    seconds: dict[str, float] = field(default_factory=lambda: dict.fromkeys(PHASES, 0.0))
    outcome: W.Outcome = field(default_factory=W.Outcome)


def _timed(batches: list, forward: Callable, backward: Callable, update: Callable, validate: Callable,
           epochs: int) -> PhaseTimes:
    """The lesson loop with a clock between its phases; every way runs it with its own four parts:
    ``forward(xb, yb) -> step``, ``backward(step) -> grads``, ``update(step, grads) -> loss as a float``
    and ``validate() -> accuracy``."""
    clock, result = time.perf_counter, PhaseTimes()
    s = result.seconds
    for _ in range(epochs):
        for xb, yb in batches:
            t0 = clock()
            step = forward(xb, yb)
            t1 = clock()
            grads = backward(step)
            t2 = clock()
            result.outcome.losses.append(update(step, grads))
            t3 = clock()
            s["forward"] += t1 - t0
            s["backward"] += t2 - t1
            s["update"] += t3 - t2
        t0 = clock()
        result.outcome.accuracies.append(validate())
        s["validation"] += clock() - t0
    return result


def _numpy_loop(train: list, valid: list, w0: np.ndarray, b0: np.ndarray, epochs: int) -> PhaseTimes:
    """reference.linear_step, split where its forward ends and its backward begins."""
    w, b = w0.copy(), b0.copy()

    def forward(xb: np.ndarray, yb: np.ndarray) -> tuple:
        z = xb @ w + b
        p = ref.sigmoid(z)
        is_3 = yb == 1
        return xb, z, p, is_3, np.where(is_3, 1 - p, p).mean()

    def backward(step: tuple) -> tuple:
        xb, z, p, is_3, _ = step
        sign = np.where(is_3, np.float32(-1), np.float32(1)).astype(z.dtype)
        dz = sign * (p * (1 - p)) / p.size
        return xb.T @ dz, dz.sum(axis=0)

    def update(step: tuple, grads: tuple) -> float:
        nonlocal w, b  # updated in place, as in the reference
        dw, db = grads
        w -= dw * 1.0
        b -= db * 1.0
        return float(step[-1])

    result = _timed(train, forward, backward, update, lambda: ref.validate(lambda xb: xb @ w + b, valid),
                    epochs)
    result.outcome.arrays = [w, b]
    return result


def _minimal_loop(train: list, valid: list, w0: np.ndarray, b0: np.ndarray, epochs: int) -> PhaseTimes:
    weights, bias = MinimalTensor(w0.copy()), MinimalTensor(b0.copy())
    weights.send_back = bias.send_back = None

    def forward(xb: MinimalTensor, yb: np.ndarray) -> MinimalTensor:
        p = (xb @ weights + bias).sigmoid()
        return minimal_where(yb == 1, 1 - p, p).mean()

    def update(loss: MinimalTensor, _: None) -> float:
        for param in (weights, bias):
            param.data -= param.grad * 1.0
            param.grad[...] = 0
        return float(loss.data)

    def scores(xb: np.ndarray) -> np.ndarray:  # recorded, as the chapter's validation is
        return (MinimalTensor(xb) @ weights + bias).data

    batches = [(MinimalTensor(xb), yb) for xb, yb in train]
    result = _timed(batches, forward, MinimalTensor.backward, update, lambda: ref.validate(scores, valid),
                    epochs)
    result.outcome.arrays = [weights.data, bias.data]
    return result


def _tinygrad_loop(train: list, valid: list, w0: np.ndarray, b0: np.ndarray, epochs: int) -> PhaseTimes:
    """The bench's lesson workload: the chapter's functions and its update, as the bench runs them."""
    lib = W.tinygrad_lib()
    train, valid = W._wrap(lib, train), W._wrap(lib, valid)
    weights = lib.from_numpy(w0.copy()).requires_grad_()
    bias = lib.from_numpy(b0.copy()).requires_grad_()
    linear1, mnist_loss, validate_epoch = W.chapter_functions(lib, weights, bias, valid)

    def update(loss: Any, _: None) -> float:
        value = loss.item()
        for p in (weights, bias):
            p.data -= p.grad * 1.0
            p.grad.zero_()
        return value

    result = _timed(train, lambda xb, yb: mnist_loss(linear1(xb), yb), lambda loss: loss.backward(), update,
                    lambda: validate_epoch(linear1), epochs)
    result.outcome.arrays = [W.to_numpy(weights), W.to_numpy(bias)]
    return result


LOOPS = {"numpy": _numpy_loop, "minimal autograd": _minimal_loop, "tinygrad_edu": _tinygrad_loop}


# ---- running and reporting ------------------------------------------------------------------------------


@dataclass
class PhaseReport:
    """Per way and phase, the seconds of every repeat; per way, agreement with numpy."""

    epochs: int
    steps: int  # training steps per run
    seconds: dict[str, dict[str, list[float]]]
    agree: dict[str, str]

    def median(self, way: str, phase: str | None = None) -> float:
        """Median seconds of one phase, or (phase None) of the whole run."""
        if phase is not None:
            return statistics.median(self.seconds[way][phase])
        totals = [sum(values) for values in zip(*self.seconds[way].values(), strict=True)]
        return statistics.median(totals)

    def ratio(self, way: str) -> float:
        """Median over repeats of this way's total time / numpy's in the same repeat."""
        totals = {w: [sum(v) for v in zip(*self.seconds[w].values(), strict=True)] for w in (way, "numpy")}
        return statistics.median(a / b for a, b in zip(totals[way], totals["numpy"], strict=True))

    def to_dict(self) -> dict:
        return {"epochs": self.epochs, "steps": self.steps, "seconds": self.seconds, "agree": self.agree,
                "median_ms": {way: {phase: self.median(way, phase) * 1e3 for phase in PHASES}
                              | {"total": self.median(way) * 1e3} for way in WAYS},
                "ratio_to_numpy": {way: self.ratio(way) for way in WAYS if way != "numpy"}}

    def extra_us_per_step(self, way: str) -> float:
        """Median time this way spends beyond numpy, per training step, in µs."""
        return (self.median(way) - self.median("numpy")) / self.steps * 1e6


def run(config: W.Config, repeats: int = 5, log: Callable[[str], None] = lambda s: None) -> PhaseReport:
    """Time the lesson loop phase by phase, every way ``repeats`` times, interleaved after a warm-up run."""
    x, y, vx, vy = W._lesson_arrays()
    train, valid = W._batches(x, y, 256), W._batches(vx, vy, 256)
    rng = np.random.default_rng(config.seed)  # the bench's lesson workload draws the same parameters
    w0 = rng.standard_normal((W.PIXELS, 1), dtype=np.float32)
    b0 = rng.standard_normal(1, dtype=np.float32)
    epochs = config.lesson_epochs
    first = {way: loop(train, valid, w0, b0, epochs) for way, loop in LOOPS.items()}  # the warm-up
    seconds: dict[str, dict[str, list[float]]] = {way: {p: [] for p in PHASES} for way in WAYS}
    for r in range(repeats):
        shift = r % len(WAYS)
        for way in WAYS[shift:] + WAYS[:shift]:
            for phase, value in LOOPS[way](train, valid, w0, b0, epochs).seconds.items():
                seconds[way][phase].append(value)
        log(f"  phases: repeat {r + 1}/{repeats}")
    agree = {way: W.compare(first[way].outcome, first["numpy"].outcome, rtol=1e-3, atol=1e-4)
             for way in WAYS if way != "numpy"}
    return PhaseReport(epochs, epochs * len(train), seconds, agree)


def markdown_table(report: PhaseReport) -> str:
    """Phases as rows, ways as columns: median ms, and each way's time over numpy's for the total."""
    header = "| phase | " + " | ".join(WAYS) + " |"
    lines = [header, "|---|" + "---:|" * len(WAYS)]
    for phase in PHASES:
        cells = [f"{report.median(way, phase) * 1e3:.1f} ms" for way in WAYS]
        lines.append(f"| {phase} | " + " | ".join(cells) + " |")
    totals = [f"**{report.median(way) * 1e3:.1f} ms**"
              + ("" if way == "numpy" else f" ({report.ratio(way):.2f}×)") for way in WAYS]
    lines.append("| total | " + " | ".join(totals) + " |")
    lines.append("| beyond numpy, per training step | " + " | ".join(
        "—" if way == "numpy" else f"{report.extra_us_per_step(way):.1f} µs" for way in WAYS) + " |")
    lines.append("| agrees with numpy | — | " + " | ".join(report.agree[w] for w in WAYS[1:]) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tinygrad_edu.bench.phases",
                                     description="The lesson loop timed phase by phase: numpy, a minimal "
                                                 "autograd, tinygrad_edu.")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=20)
    args = parser.parse_args(argv)
    if args.repeats < 1 or args.epochs < 1:
        parser.error("--repeats and --epochs must be at least 1")
    report = run(W.Config(lesson_epochs=args.epochs), args.repeats,
                 log=lambda s: print(s, file=sys.stderr, flush=True))
    print(markdown_table(report), end="")
    return 0 if all(v == "yes" for v in report.agree.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
