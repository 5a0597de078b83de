"""Where the lesson loop's time goes, and the least that any autograd could spend there.

The bench times the lesson workload as a whole. This module splits the same loop into its phases
(forward, backward, the parameter update, validation) and times each phase three ways:

* ``numpy``: the hand-written reference (``examples/backprop_by_hand.py``: the derivatives worked out on
  paper);
* ``minimal autograd``: ``MinimalTensor`` from ``examples/autograd_in_60_lines.py``, a micrograd-style
  autograd with only the six ops the lesson uses and nothing else: no dtype rules, no shape checks, no
  error messages, no grad_fn objects, no hooks. It is the floor: the bookkeeping that recording a graph
  and walking it back costs at least;
* ``tinygrad_edu``: the chapter's code, exactly as the bench's lesson workload runs it.

    python benchmarks/bench.py -w phases        (or, in the clone: python -m benchmarks.phases [--epochs 20])
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import autograd_in_60_lines as minimal
import backprop_by_hand as by_hand
import numpy as np

from tinygrad_edu import lesson

from .ways import Config, Outcome, compare, lesson_batches, lesson_start, tinygrad_lib, to_numpy, wrap

PHASES = ("forward", "backward", "update", "validation")
WAYS = ("numpy", "minimal autograd", "tinygrad_edu")


# ---- the loop, timed phase by phase -------------------------------------------------------------------


@dataclass
class PhaseTimes:
    """Seconds per phase of one run of the loop, and what the run computed."""

    seconds: dict[str, float] = field(default_factory=lambda: dict.fromkeys(PHASES, 0.0))
    outcome: Outcome = field(default_factory=Outcome)


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
    """backprop_by_hand.linear_sgd_step, split where its forward ends and its backward begins."""
    w, b = w0.copy(), b0.copy()

    def forward(xb: np.ndarray, yb: np.ndarray) -> tuple:
        z = xb @ w + b
        p = by_hand.sigmoid(z)
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

    def validate() -> float:
        return by_hand.validate_epoch(lambda xb: xb @ w + b, valid)

    result = _timed(train, forward, backward, update, validate, epochs)
    result.outcome.arrays = [w, b]
    return result


def _minimal_loop(train: list, valid: list, w0: np.ndarray, b0: np.ndarray, epochs: int) -> PhaseTimes:
    """The chapter's functions (``tinygrad_edu.lesson``) run on MinimalTensor: the module plays torch."""
    weights = minimal.MinimalTensor(w0.copy(), requires_grad=True)
    bias = minimal.MinimalTensor(b0.copy(), requires_grad=True)
    linear1, mnist_loss, _ = lesson.chapter_functions(weights, bias, [], torch=minimal)

    def forward(xb: minimal.MinimalTensor, yb: np.ndarray) -> minimal.MinimalTensor:
        return mnist_loss(linear1(xb), yb)

    def update(loss: minimal.MinimalTensor, _: None) -> float:
        for param in (weights, bias):
            param.data -= param.grad * 1.0
            param.grad[...] = 0
        return float(loss.data)

    def scores(xb: np.ndarray) -> np.ndarray:  # recorded, as the chapter's validation is
        return linear1(minimal.MinimalTensor(xb)).data

    batches = [(minimal.MinimalTensor(xb), yb) for xb, yb in train]
    result = _timed(batches, forward, minimal.MinimalTensor.backward, update,
                    lambda: by_hand.validate_epoch(scores, valid), epochs)
    result.outcome.arrays = [weights.data, bias.data]
    return result


def _tinygrad_loop(train: list, valid: list, w0: np.ndarray, b0: np.ndarray, epochs: int) -> PhaseTimes:
    """The bench's lesson workload: the chapter's functions and its update, as the bench runs them."""
    lib = tinygrad_lib()
    train, valid = wrap(lib, train), wrap(lib, valid)
    weights = lib.module.from_numpy(w0.copy()).requires_grad_()
    bias = lib.module.from_numpy(b0.copy()).requires_grad_()
    linear1, mnist_loss, validate_epoch = lesson.chapter_functions(weights, bias, valid)

    def update(loss: Any, _: None) -> float:
        value = loss.item()
        lesson.step_by_hand((weights, bias), 1.0)
        return value

    result = _timed(train, lambda xb, yb: mnist_loss(linear1(xb), yb), lambda loss: loss.backward(), update,
                    lambda: validate_epoch(linear1), epochs)
    result.outcome.arrays = [to_numpy(weights), to_numpy(bias)]
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


def run(config: Config, repeats: int = 5, log: Callable[[str], None] = lambda s: None) -> PhaseReport:
    """Time the lesson loop phase by phase, every way ``repeats`` times, interleaved after a warm-up run."""
    train, valid = lesson_batches()
    w0, b0 = lesson_start(config.seed)  # the bench's lesson workload starts from the same parameters
    epochs = config.lesson_epochs
    first = {way: loop(train, valid, w0, b0, epochs) for way, loop in LOOPS.items()}  # the warm-up
    seconds: dict[str, dict[str, list[float]]] = {way: {p: [] for p in PHASES} for way in WAYS}
    for r in range(repeats):
        shift = r % len(WAYS)
        for way in WAYS[shift:] + WAYS[:shift]:
            for phase, value in LOOPS[way](train, valid, w0, b0, epochs).seconds.items():
                seconds[way][phase].append(value)
        log(f"  phases: repeat {r + 1}/{repeats}")
    agree = {way: compare(first[way].outcome, first["numpy"].outcome, rtol=1e-3, atol=1e-4)
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
    parser = argparse.ArgumentParser(prog="python -m benchmarks.phases",
                                     description="The lesson loop timed phase by phase: numpy, a minimal "
                                                 "autograd, tinygrad_edu.")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=20)
    args = parser.parse_args(argv)
    if args.repeats < 1 or args.epochs < 1:
        parser.error("--repeats and --epochs must be at least 1")
    report = run(Config(lesson_epochs=args.epochs), args.repeats,
                 log=lambda s: print(s, file=sys.stderr, flush=True))
    print(markdown_table(report), end="")
    return 0 if all(v == "yes" for v in report.agree.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
