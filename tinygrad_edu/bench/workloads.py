"""The benchmark's workloads, each written three ways: tinygrad_edu, hand-written numpy, PyTorch.

tinygrad_edu follows PyTorch's names, so the tinygrad_edu and PyTorch ways run *the same function*, handed
either library (a ``Lib``); the numpy way calls ``reference.py``. Every way starts from the same initial
parameters (drawn here with numpy), sees the same batches in the same order, and returns an ``Outcome``
(losses, accuracies, final parameters or gradients) so the ways can be checked against each other.

A workload is built once (data loaded, batches sliced, tensors wrapped: not timed); then each way is a
callable that runs the whole workload from the initial parameters and is what the runner times.
"""

from __future__ import annotations

import importlib
import importlib.util
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import numpy as np

from . import reference as ref

PIXELS = 28 * 28
WAYS = ("tinygrad_edu", "numpy", "torch")


# ---- configuration --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Config:
    """Sizes of the workloads: the issue's by default; ``quick()`` shrinks them for tests."""

    tiny_steps: int = 2000          # steps per timed run of the tiny step
    lesson_epochs: int = 20
    simple_net_epochs: int = 40
    mlp_rows: int | None = None     # None: the 60,000 training images
    mlp_batch: int = 64             # the ``train --model mlp`` recipe: batch 64, lr 0.05, momentum 0.9
    memory_steps: tuple[int, int] = (1000, 10000)
    gradcheck_rows: int = 16
    quick: bool = False
    data_root: str | None = None    # folder with the full MNIST (None: load_mnist's default)
    seed: int = 0

    @classmethod
    def quick_mode(cls, **changes: Any) -> Config:
        settings = dict(tiny_steps=20, lesson_epochs=2, simple_net_epochs=2, mlp_rows=2048,
                        memory_steps=(100, 1000), quick=True)
        settings.update(changes)
        return cls(**settings)


# ---- the libraries --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Lib:
    """The parts of a PyTorch-like library the workloads use."""

    name: str
    version: str
    from_numpy: Callable
    where: Callable
    stack: Callable
    no_grad: Callable
    nn: Any
    F: Any  # noqa: N815 (torch.nn.functional's usual name)
    optim: Any
    gradcheck: Callable


def tinygrad_lib() -> Lib:
    import tinygrad_edu as tg
    from tinygrad_edu import nn, optim

    return Lib("tinygrad_edu", tg.__version__, tg.from_numpy, tg.where, tg.stack, tg.no_grad, nn,
               nn.functional, optim, tg.gradcheck)


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
    return Lib("torch", torch.__version__, torch.from_numpy, torch.where, torch.stack, torch.no_grad,
               torch.nn, torch.nn.functional, torch.optim, torch.autograd.gradcheck)


def to_numpy(t: Any) -> np.ndarray:
    """A copy of a tinygrad_edu or PyTorch tensor's values."""
    return np.array(t.detach().numpy())


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


# ---- shared data helpers ---------------------------------------------------------------------------


def _lesson_arrays() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The bundled 3s and 7s as the chapter shapes them: x (N, 784) float32 in [0, 1], y (N, 1) int64."""
    from ..data import load_mnist_sample

    s = load_mnist_sample()

    def rows(*images: np.ndarray) -> np.ndarray:
        return np.concatenate(images).reshape(-1, PIXELS).astype(np.float32) / np.float32(255)

    def labels(threes: np.ndarray, sevens: np.ndarray) -> np.ndarray:
        return np.concatenate([np.ones(len(threes), np.int64), np.zeros(len(sevens), np.int64)])[:, None]

    return rows(s.train_3, s.train_7), labels(s.train_3, s.train_7), rows(s.valid_3, s.valid_7), \
        labels(s.valid_3, s.valid_7)


def _batches(x: np.ndarray, y: np.ndarray, size: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Unshuffled batches (the chapter's DataLoader without shuffle): slices, so no copies."""
    return [(x[i:i + size], y[i:i + size]) for i in range(0, len(x), size)]


def _wrap(lib: Lib, batches: list) -> list:
    """The same batches as the library's tensors (sharing memory with the numpy arrays)."""
    return [(lib.from_numpy(np.ascontiguousarray(xb)), lib.from_numpy(np.ascontiguousarray(yb)))
            for xb, yb in batches]


def _linear_init(rng: np.random.Generator, sizes: list[tuple[int, int]]) -> list[np.ndarray]:
    """nn.Linear's default initialisation, U(±1/√fan_in) for weight (out, in) and bias (out,), per layer."""
    params = []
    for fan_in, fan_out in sizes:
        bound = 1 / math.sqrt(fan_in)
        params.append(rng.uniform(-bound, bound, (fan_out, fan_in)).astype(np.float32))
        params.append(rng.uniform(-bound, bound, fan_out).astype(np.float32))
    return params


def _load_params(lib: Lib, model: Any, arrays: list[np.ndarray]) -> None:
    with lib.no_grad():
        for p, a in zip(model.parameters(), arrays, strict=True):
            p.copy_(lib.from_numpy(a))


def _libs(include_torch: bool) -> list[Lib]:
    libs = [tinygrad_lib()]
    if include_torch:
        torch = torch_lib()
        if torch is not None:
            libs.append(torch)
    return libs


# ---- 1. the tiny step ---------------------------------------------------------------------------------


def _tiny_framework(lib: Lib, x0: np.ndarray, w0: np.ndarray, b0: np.ndarray, steps: int):
    x = lib.from_numpy(x0)
    w = lib.from_numpy(w0.copy()).requires_grad_()
    b = lib.from_numpy(b0.copy()).requires_grad_()

    def run() -> Outcome:
        for _ in range(steps):
            w.grad = None
            b.grad = None
            loss = (x @ w + b).sigmoid().mean()
            loss.backward()
        return Outcome([loss.item()], arrays=[to_numpy(w.grad), to_numpy(b.grad)])

    return run


def tiny(config: Config, rows: int = 1, include_torch: bool = True) -> Workload:
    """Forward + backward of ``(x @ w + b).sigmoid().mean()``: with one row, almost only per-op overhead."""
    rng = np.random.default_rng(config.seed)
    x0 = rng.random((rows, PIXELS), dtype=np.float32)
    w0 = rng.standard_normal((PIXELS, 1), dtype=np.float32)
    b0 = rng.standard_normal(1, dtype=np.float32)
    steps = config.tiny_steps

    def numpy_way() -> Outcome:
        for _ in range(steps):
            loss, dw, db = ref.tiny_step(x0, w0, b0)
        return Outcome([loss], arrays=[dw, db])

    ways = {lib.name: _tiny_framework(lib, x0, w0, b0, steps) for lib in _libs(include_torch)}
    ways["numpy"] = numpy_way
    return Workload(f"tiny{rows}" if rows != 1 else "tiny", f"tiny step, x ({rows}, 784)", "µs/step", steps,
                    2.0 if rows == 1 else None, ways)


# ---- 2. the lesson: the hand-written linear loop -------------------------------------------------------


def chapter_functions(lib: Lib, weights: Any, bias: Any, valid: list) -> tuple[Callable, Callable, Callable]:
    """The chapter's ``linear1``, ``mnist_loss`` and ``validate_epoch``, line for line, for ``lib``'s
    tensors (the bench's lesson workload and the phase-by-phase timing both run these)."""

    def linear1(xb):
        return xb @ weights + bias

    def mnist_loss(predictions, targets):
        predictions = predictions.sigmoid()
        return lib.where(targets == 1, 1 - predictions, predictions).mean()

    def batch_accuracy(xb, yb):
        preds = xb.sigmoid()
        correct = (preds > 0.5) == yb
        return correct.float().mean()

    def validate_epoch(model):
        accs = [batch_accuracy(model(xb), yb) for xb, yb in valid]
        return round(lib.stack(accs).mean().item(), 4)

    return linear1, mnist_loss, validate_epoch


def _lesson_framework(lib: Lib, train: list, valid: list, w0: np.ndarray, b0: np.ndarray, epochs: int,
                      lr: float):
    """The chapter's code, line for line (tinygrad_edu and PyTorch run exactly this)."""
    train, valid = _wrap(lib, train), _wrap(lib, valid)

    def run() -> Outcome:
        weights = lib.from_numpy(w0.copy()).requires_grad_()
        bias = lib.from_numpy(b0.copy()).requires_grad_()
        params = weights, bias
        linear1, mnist_loss, validate_epoch = chapter_functions(lib, weights, bias, valid)
        outcome = Outcome()
        for _ in range(epochs):
            for xb, yb in train:
                loss = mnist_loss(linear1(xb), yb)
                loss.backward()
                outcome.losses.append(loss.item())
                for p in params:
                    p.data -= p.grad * lr
                    p.grad.zero_()
            outcome.accuracies.append(validate_epoch(linear1))
        outcome.arrays = [to_numpy(weights), to_numpy(bias)]
        return outcome

    return run


def lesson(config: Config, include_torch: bool = True) -> Workload:
    """20 epochs of the chapter's linear model: batch 256, lr 1.0, unshuffled, validation after each epoch."""
    x, y, vx, vy = _lesson_arrays()
    train, valid = _batches(x, y, 256), _batches(vx, vy, 256)
    rng = np.random.default_rng(config.seed)
    w0 = rng.standard_normal((PIXELS, 1), dtype=np.float32)   # the chapter's init_params: randn, std 1
    b0 = rng.standard_normal(1, dtype=np.float32)
    epochs, lr = config.lesson_epochs, 1.0

    def numpy_way() -> Outcome:
        w, b = w0.copy(), b0.copy()
        outcome = Outcome()
        for _ in range(epochs):
            for xb, yb in train:
                outcome.losses.append(ref.linear_step(w, b, xb, yb, lr))
            outcome.accuracies.append(ref.validate(lambda xb: xb @ w + b, valid))
        outcome.arrays = [w, b]
        return outcome

    ways = {lib.name: _lesson_framework(lib, train, valid, w0, b0, epochs, lr)
            for lib in _libs(include_torch)}
    ways["numpy"] = numpy_way
    return Workload("lesson", f"lesson linear, {epochs} epochs", "ms", 1, 1.3, ways,
                    notes=["the chapter's loop; validation (8 batches) after every epoch, recorded as the "
                           "chapter does (no no_grad)"],
                    rtol=1e-3, atol=1e-4)


# ---- 3. simple_net -----------------------------------------------------------------------------------------


def _simple_net_framework(lib: Lib, train: list, valid: list, init: list, epochs: int, lr: float):
    train, valid = _wrap(lib, train), _wrap(lib, valid)

    def mnist_loss(predictions, targets):
        predictions = predictions.sigmoid()
        return lib.where(targets == 1, 1 - predictions, predictions).mean()

    def batch_accuracy(xb, yb):
        return ((xb.sigmoid() > 0.5) == yb).float().mean()

    def run() -> Outcome:
        model = lib.nn.Sequential(lib.nn.Linear(PIXELS, 30), lib.nn.ReLU(), lib.nn.Linear(30, 1))
        _load_params(lib, model, init)
        opt = lib.optim.SGD(model.parameters(), lr=lr)
        outcome = Outcome()
        for _ in range(epochs):
            for xb, yb in train:
                loss = mnist_loss(model(xb), yb)
                loss.backward()
                opt.step()
                opt.zero_grad()
                outcome.losses.append(loss.item())
            with lib.no_grad():
                accs = [batch_accuracy(model(xb), yb) for xb, yb in valid]
                outcome.accuracies.append(round(lib.stack(accs).mean().item(), 4))
        outcome.arrays = [to_numpy(p) for p in model.parameters()]
        return outcome

    return run


def simple_net(config: Config, include_torch: bool = True) -> Workload:
    """The chapter's simple_net (Linear(784, 30), ReLU, Linear(30, 1)), SGD lr 0.1, 40 epochs."""
    x, y, vx, vy = _lesson_arrays()
    train, valid = _batches(x, y, 256), _batches(vx, vy, 256)
    init = _linear_init(np.random.default_rng(config.seed), [(PIXELS, 30), (30, 1)])
    epochs, lr = config.simple_net_epochs, 0.1

    def numpy_way() -> Outcome:
        params = [p.copy() for p in init]
        outcome = Outcome()
        for _ in range(epochs):
            for xb, yb in train:
                loss, grads = ref.simple_net_grads(params, xb, yb)
                ref.sgd_step(params, grads, lr)
                outcome.losses.append(loss)
            outcome.accuracies.append(ref.validate(lambda xb: ref.simple_net_forward(params, xb), valid))
        outcome.arrays = params
        return outcome

    ways = {lib.name: _simple_net_framework(lib, train, valid, init, epochs, lr)
            for lib in _libs(include_torch)}
    ways["numpy"] = numpy_way
    return Workload("simple_net", f"simple_net, {epochs} epochs", "ms", 1, 1.3, ways,
                    notes=["nn.Sequential + optim.SGD; validation under no_grad after every epoch"],
                    rtol=1e-3, atol=1e-4)


# ---- 4. the ten-digit MLP ------------------------------------------------------------------------------


def _digits(config: Config) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, str]:
    """The full MNIST as rows (or a synthetic stand-in of the same shape) and a note saying which."""
    rows = config.mlp_rows
    note = ""
    mnist = None
    if rows is None:
        from ..data import load_mnist

        try:
            mnist = load_mnist(config.data_root)
        except (FileNotFoundError, ValueError) as error:
            note = f"full MNIST not found ({str(error).splitlines()[0]}): synthetic images of the same shape"
    if mnist is not None:
        images, labels, test_images, test_labels = mnist
        note = "the full MNIST: 60,000 training images, accuracy on the 10,000 test images"
    else:
        rng = np.random.default_rng(config.seed + 1)
        n = rows or 60000
        images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        labels = rng.integers(0, 10, n)
        test_images = rng.integers(0, 256, (max(n // 6, 1024), 28, 28), dtype=np.uint8)
        test_labels = rng.integers(0, 10, len(test_images))
        if rows is not None:
            note = f"synthetic images ({n} rows: quick mode)"

    def as_rows(a: np.ndarray) -> np.ndarray:
        return a.reshape(-1, PIXELS).astype(np.float32) / np.float32(255)

    return as_rows(images), labels.astype(np.int64), as_rows(test_images), test_labels.astype(np.int64), note


def _mlp_framework(lib: Lib, train: list, test: list, init: list, lr: float, momentum: float):
    train, test = _wrap(lib, train), _wrap(lib, test)

    def run() -> Outcome:
        model = lib.nn.Sequential(lib.nn.Linear(PIXELS, 128), lib.nn.ReLU(), lib.nn.Linear(128, 10))
        _load_params(lib, model, init)
        opt = lib.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
        outcome = Outcome()
        for xb, yb in train:
            loss = lib.F.cross_entropy(model(xb), yb)
            loss.backward()
            opt.step()
            opt.zero_grad()
            outcome.losses.append(loss.item())
        with lib.no_grad():
            correct = sum((model(xb).argmax(1) == yb).float().sum().item() for xb, yb in test)
        outcome.accuracies.append(correct / sum(len(yb) for _, yb in test))
        outcome.arrays = [to_numpy(p) for p in model.parameters()]
        return outcome

    return run


def mlp(config: Config, include_torch: bool = True) -> Workload:
    """One epoch of the ten-digit MLP (Linear(784, 128), ReLU, Linear(128, 10)), cross-entropy,
    SGD lr 0.05 momentum 0.9, batch 64, as ``train --model mlp``; the batches are shuffled once, up front."""
    x, y, tx, ty, note = _digits(config)
    rng = np.random.default_rng(config.seed)
    order = rng.permutation(len(x))
    x, y = x[order], y[order]
    train, test = _batches(x, y, config.mlp_batch), _batches(tx, ty, 1024)
    init = _linear_init(rng, [(PIXELS, 128), (128, 10)])
    lr, momentum = 0.05, 0.9

    def numpy_way() -> Outcome:
        params = [p.copy() for p in init]
        buffers: list = [None] * len(params)
        outcome = Outcome()
        for xb, yb in train:
            loss, grads = ref.mlp_grads(params, xb, yb)
            ref.sgd_momentum_step(params, grads, buffers, lr, momentum)
            outcome.losses.append(loss)
        correct = sum(ref.class_accuracy(ref.mlp_forward(params, xb), yb) * len(yb) for xb, yb in test)
        outcome.accuracies.append(correct / sum(len(yb) for _, yb in test))
        outcome.arrays = params
        return outcome

    ways = {lib.name: _mlp_framework(lib, train, test, init, lr, momentum) for lib in _libs(include_torch)}
    ways["numpy"] = numpy_way
    return Workload("mlp", f"MLP, 1 epoch of {len(x):,}", "ms", 1, 1.3, ways,
                    notes=[note, f"batch {config.mlp_batch}: {len(train)} steps"], rtol=2e-3, atol=1e-4)


# ---- 5. gradcheck of the lesson loss ---------------------------------------------------------------------


def _gradcheck_framework(lib: Lib, x0: np.ndarray, y0: np.ndarray, w0: np.ndarray, b0: np.ndarray):
    x, y = lib.from_numpy(x0), lib.from_numpy(y0)

    def loss(weights, bias):
        predictions = (x @ weights + bias).sigmoid()
        return lib.where(y == 1, 1 - predictions, predictions).mean()

    def run() -> Outcome:
        w = lib.from_numpy(w0.copy()).requires_grad_()
        b = lib.from_numpy(b0.copy()).requires_grad_()
        passed = lib.gradcheck(loss, (w, b), eps=1e-6, atol=1e-5, rtol=1e-3)
        out = loss(w, b)
        out.backward()
        return Outcome([out.item()], arrays=[to_numpy(w.grad), to_numpy(b.grad)], passed=bool(passed))

    return run


def gradcheck(config: Config, include_torch: bool = True) -> Workload:
    """gradcheck of the lesson loss ``mnist_loss(x @ w + b, y)`` on a 16-row batch in float64:
    785 parameters, so 1,570 evaluations of the loss, compared with one backward pass."""
    x, y, _, _ = _lesson_arrays()
    rows = config.gradcheck_rows
    pick = np.r_[:rows // 2, len(x) - (rows - rows // 2):len(x)]   # half 3s, half 7s
    x0, y0 = x[pick].astype(np.float64), y[pick]
    rng = np.random.default_rng(config.seed)
    w0 = rng.standard_normal((PIXELS, 1)) * 0.1
    b0 = rng.standard_normal(1) * 0.1

    def numpy_way() -> Outcome:
        w, b = w0.copy(), b0.copy()
        passed, grads = ref.gradcheck_lesson(x0, y0, w, b)
        return Outcome([ref.lesson_loss_and_grads(x0, y0, w, b)[0]], arrays=grads, passed=passed)

    ways = {lib.name: _gradcheck_framework(lib, x0, y0, w0, b0) for lib in _libs(include_torch)}
    ways["numpy"] = numpy_way
    return Workload("gradcheck", f"gradcheck, {rows} rows, float64", "ms", 1, None, ways,
                    notes=["target: tinygrad_edu ≤ 1 s"], rtol=1e-9, atol=1e-12)


# ---- memory: is the graph freed? ------------------------------------------------------------------------


def lesson_step_function(lib_name: str) -> Callable[[], None]:
    """One training step of the lesson's linear model, cycling through the batches, for the memory check
    (tinygrad_edu or numpy only: tracemalloc does not see PyTorch's allocations)."""
    x, y, _, _ = _lesson_arrays()
    train = _batches(x, y, 256)
    rng = np.random.default_rng(0)
    w0 = rng.standard_normal((PIXELS, 1), dtype=np.float32)
    b0 = rng.standard_normal(1, dtype=np.float32)
    state = SimpleNamespace(i=0)
    if lib_name == "numpy":
        w, b = w0.copy(), b0.copy()

        def step() -> None:
            xb, yb = train[state.i % len(train)]
            state.i += 1
            ref.linear_step(w, b, xb, yb, 1.0)

        return step
    lib = tinygrad_lib()
    batches = _wrap(lib, train)
    weights = lib.from_numpy(w0.copy()).requires_grad_()
    bias = lib.from_numpy(b0.copy()).requires_grad_()

    def framework_step() -> None:
        xb, yb = batches[state.i % len(batches)]
        state.i += 1
        p = (xb @ weights + bias).sigmoid()
        loss = lib.where(yb == 1, 1 - p, p).mean()
        loss.backward()
        for param in (weights, bias):
            param.data -= param.grad * 1.0
            param.grad.zero_()

    return framework_step


# ---- the registry ----------------------------------------------------------------------------------------

BUILDERS: dict[str, Callable[..., Workload]] = {
    "tiny": tiny,
    "tiny256": lambda config, include_torch=True: tiny(config, 256, include_torch),
    "lesson": lesson,
    "simple_net": simple_net,
    "mlp": mlp,
    "gradcheck": gradcheck,
}
NAMES = tuple(BUILDERS) + ("memory", "phases")  # the last two are reports, not rows of the table
