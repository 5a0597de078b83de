"""What the workloads share: their sizes, the libraries they run on, the lesson's data as numpy arrays,
and how one way's results are checked against the numpy way's.

tinygrad_edu follows PyTorch's names, so the tinygrad_edu and PyTorch ways of a workload run *the same
function*, handed either library (a ``Lib``); the numpy way calls ``examples/backprop_by_hand.py``. Every
way starts from the same initial parameters (drawn with numpy), sees the same batches in the same order,
and returns an ``Outcome`` (losses, accuracies, final parameters or gradients).
"""

from __future__ import annotations

import importlib
import importlib.util
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import lesson

PIXELS = lesson.PIXELS
WAYS = ("tinygrad_edu", "compiled", "numpy", "torch", "torch.compile")
# "compiled": the tinygrad_edu step under tinygrad_edu.compile; "torch.compile": PyTorch's, opt-in
# (Config.torch_compile: its first call per shape generates and builds C++, about a minute here)


# ---- configuration --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Config:
    """Sizes of the workloads: the issue's by default; ``quick_mode()`` shrinks them for tests."""

    tiny_steps: int = 2000          # steps per timed run of the tiny step
    lesson_epochs: int = 20
    simple_net_epochs: int = 40
    mlp_rows: int | None = None     # None: the 60,000 training images
    mlp_batch: int = 64             # the ``train --model mlp`` recipe: batch 64, lr 0.05, momentum 0.9
    memory_steps: tuple[int, int] = (1000, 10000)
    gradcheck_rows: int = 16
    cnn_rows: int | None = None     # None: all 12,396 training 3s and 7s
    gpt_steps: int = 100            # AdamW steps of the small GPT (examples/gpt_from_scratch.py)
    quick: bool = False
    data_root: str | None = None    # folder with the full MNIST (None: load_mnist's default)
    seed: int = 0
    torch_compile: bool = False     # also time PyTorch's torch.compile (slow to compile: opt-in)

    @classmethod
    def quick_mode(cls, **changes: Any) -> Config:
        settings = dict(tiny_steps=20, lesson_epochs=2, simple_net_epochs=2, mlp_rows=2048,
                        memory_steps=(100, 1000), quick=True, cnn_rows=640,
                        gpt_steps=4)
        settings.update(changes)
        return cls(**settings)


# ---- the libraries --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Lib:
    """A PyTorch-like library: ``module`` is what the chapter's code calls ``torch``."""

    name: str
    module: ModuleType
    gradcheck: Callable

    @property
    def version(self) -> str:
        return self.module.__version__


def tinygrad_lib() -> Lib:
    return Lib("tinygrad_edu", tg, tg.gradcheck)


def torch_available() -> bool:
    try:
        return importlib.util.find_spec("torch") is not None
    except (ImportError, ValueError):  # ValueError: sys.modules["torch"] is None (import blocked)
        return False


def torch_lib() -> Lib | None:
    """PyTorch as a ``Lib``, or None when it is not installed."""
    if not torch_available():
        return None
    torch = importlib.import_module("torch")
    return Lib("torch", torch, torch.autograd.gradcheck)


def libs(include_torch: bool) -> list[Lib]:
    """tinygrad_edu, and PyTorch when asked for and installed."""
    found = [tinygrad_lib()]
    if include_torch:
        torch = torch_lib()
        if torch is not None:
            found.append(torch)
    return found


def to_numpy(t: Any) -> np.ndarray:
    """A copy of a tinygrad_edu or PyTorch tensor's values."""
    return np.array(t.detach().numpy())


def class_accuracy(lib: Lib, model: Any, valid: list) -> float:
    """The fraction of ``valid``'s images whose highest score is their class, computed unrecorded."""
    with lib.module.no_grad():
        correct = sum((model(xb).argmax(1) == yb).float().sum().item() for xb, yb in valid)
    return correct / sum(len(yb) for _, yb in valid)


# ---- what a run returns, and the workload itself ----------------------------------------------------


@dataclass
class Outcome:
    """What one way computed: compared across ways by ``compare``."""

    losses: list[float] = field(default_factory=list)
    accuracies: list[float] = field(default_factory=list)
    arrays: list[np.ndarray] = field(default_factory=list)  # final parameters, or gradients
    passed: bool | None = None  # gradcheck's verdict


@dataclass
class Workload:
    """One row of the table: a description and one callable per way (each runs the whole workload)."""

    name: str
    title: str
    unit: str                       # "µs/step", "ms" or "s"
    per_run: int                    # time per run is divided by this (steps per run for the tiny step)
    target: float | None            # the target for tinygrad_edu time / numpy time
    ways: dict[str, Callable[[], Outcome]]
    notes: list[str] = field(default_factory=list)
    rtol: float = 1e-4              # how closely the ways must agree (losses, parameters)
    atol: float = 1e-5
    torch_target: float | None = None  # a target for tinygrad_edu time / PyTorch time instead (cnn)
    compiled_target: float | None = None  # the target for compiled time / numpy time
    reference: str = "numpy"        # the way the others are checked against and divided by ("torch": no
    #                                 numpy way, as for the GPT)


# ---- comparing outcomes ------------------------------------------------------------------------------


TIGHT_STEPS = 50  # losses of the first steps must match closely; later, float32 rounding may drift a little


def compare(outcome: Outcome, reference: Outcome, rtol: float, atol: float, drift: float = 2e-2) -> str:
    """'yes' when ``outcome`` matches the numpy reference, else a short description of the first difference.

    The first ``TIGHT_STEPS`` losses must agree to ``rtol``/``atol``. Over a long training run float32
    rounding differences (summation order) grow, so later losses are compared as the means of ten
    stretches of the run, final parameters by their relative distance, both to ``drift``; and accuracies
    to 0.2 % (0.5 % after a long run). A gradcheck verdict must be True on both sides.
    """
    if outcome.passed is not None and not (outcome.passed and reference.passed):
        return f"gradcheck failed (this way: {outcome.passed}, numpy: {reference.passed})"
    got, want = np.asarray(outcome.losses, float), np.asarray(reference.losses, float)
    if got.shape != want.shape:
        return f"{got.size} losses, numpy has {want.size}"
    k = min(want.size, TIGHT_STEPS)
    if not np.allclose(got[:k], want[:k], rtol=rtol, atol=atol):
        worst = int(np.argmax(np.abs(got[:k] - want[:k])))
        return f"loss {worst}: {got[worst]:.6g} vs numpy {want[worst]:.6g}"
    long_run = want.size > k
    if long_run:
        for i, (a, b) in enumerate(zip(np.array_split(got, 10), np.array_split(want, 10), strict=True)):
            if not np.isclose(a.mean(), b.mean(), rtol=drift, atol=atol):
                return f"mean loss of stretch {i + 1}/10: {a.mean():.6g} vs numpy {b.mean():.6g}"
    accuracy_tolerance = 5e-3 if long_run else 2e-3
    if len(outcome.accuracies) != len(reference.accuracies) or not np.allclose(
            outcome.accuracies, reference.accuracies, rtol=0, atol=accuracy_tolerance):
        return f"accuracies {outcome.accuracies[-3:]} vs numpy {reference.accuracies[-3:]}"
    if len(outcome.arrays) != len(reference.arrays):
        return f"{len(outcome.arrays)} arrays, numpy has {len(reference.arrays)}"
    for i, (a, b) in enumerate(zip(outcome.arrays, reference.arrays, strict=True)):
        if a.shape != b.shape:
            return f"array {i}: shape {a.shape}, numpy's {b.shape}"
        if long_run:
            distance = float(np.linalg.norm(a - b) / max(float(np.linalg.norm(b)), 1e-30))
            if distance > drift:
                return f"array {i} {a.shape}: relative distance {distance:.3g} from numpy's"
        elif not np.allclose(a, b, rtol=rtol, atol=atol):
            return f"array {i} {a.shape}: max |difference| {np.max(np.abs(a - b)):.3g}"
    return "yes"


def same_as_eager(compiled: Outcome, eager: Outcome) -> str:
    """'yes' when the compiled way computed bitwise what the eager way computed, else what differs."""
    if compiled.losses != eager.losses:
        return "losses differ from eager's"
    if compiled.accuracies != eager.accuracies:
        return "accuracies differ from eager's"
    for i, (a, b) in enumerate(zip(compiled.arrays, eager.arrays, strict=True)):
        if a.dtype != b.dtype or a.shape != b.shape or a.tobytes() != b.tobytes():
            return f"array {i} differs from eager's"
    return "yes"


# ---- the lesson's data and parameters, shared by every way ----------------------------------------


def lesson_arrays() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``lesson.threes_and_sevens()`` as numpy arrays: x (N, 784) float32 in [0, 1], y (N, 1) int64;
    the training set, then the validation set."""
    data = lesson.threes_and_sevens()
    return data.train.x.numpy(), data.train.y.numpy(), data.valid.x.numpy(), data.valid.y.numpy()


def lesson_batches(size: int = 256) -> tuple[list, list]:
    """The lesson's training and validation batches, unshuffled (see ``batches``)."""
    x, y, vx, vy = lesson_arrays()
    return batches(x, y, size), batches(vx, vy, size)


def batches(x: np.ndarray, y: np.ndarray, size: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Unshuffled batches (the chapter's DataLoader without shuffle): slices, so no copies."""
    return [(x[i:i + size], y[i:i + size]) for i in range(0, len(x), size)]


def wrap(lib: Lib, numpy_batches: list) -> list:
    """The same batches as the library's tensors (sharing memory with the numpy arrays)."""
    from_numpy = lib.module.from_numpy
    return [(from_numpy(np.ascontiguousarray(xb)), from_numpy(np.ascontiguousarray(yb)))
            for xb, yb in numpy_batches]


def lesson_start(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The chapter's ``init_params`` drawn with numpy, so that every way starts alike: weights (784, 1)
    and bias (1,), standard normal, float32."""
    rng = np.random.default_rng(seed)
    return rng.standard_normal((PIXELS, 1), dtype=np.float32), rng.standard_normal(1, dtype=np.float32)


def as_parameters(lib: Lib, *arrays: np.ndarray) -> list:
    """Fresh copies of ``arrays`` as the library's tensors that require a gradient."""
    return [lib.module.from_numpy(a.copy()).requires_grad_() for a in arrays]


def linear_init(rng: np.random.Generator, sizes: list[tuple[int, int]]) -> list[np.ndarray]:
    """nn.Linear's default initialisation, U(±1/√fan_in) for weight (out, in) and bias (out,), per layer."""
    params = []
    for fan_in, fan_out in sizes:
        bound = 1 / math.sqrt(fan_in)
        params.append(rng.uniform(-bound, bound, (fan_out, fan_in)).astype(np.float32))
        params.append(rng.uniform(-bound, bound, fan_out).astype(np.float32))
    return params


def load_params(lib: Lib, model: Any, arrays: list[np.ndarray]) -> None:
    with lib.module.no_grad():
        for p, a in zip(model.parameters(), arrays, strict=True):
            p.copy_(lib.module.from_numpy(a))
