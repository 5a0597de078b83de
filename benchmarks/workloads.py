"""The benchmark's workloads, each written three ways: tinygrad_edu, numpy by hand, PyTorch.

A workload is built once (data loaded, batches sliced, tensors wrapped: not timed); then each way is a
callable that runs the whole workload from the initial parameters and is what the runner times. The
tinygrad_edu and PyTorch ways run the chapter's code from ``tinygrad_edu.lesson``, handed either library;
the numpy way runs ``examples/backprop_by_hand.py``. The GPT has no numpy way: both libraries run
``examples/gpt_from_scratch.py``, and PyTorch is its reference.
"""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Callable
from types import SimpleNamespace

import backprop_by_hand as by_hand
import gpt_from_scratch as gpt_example
import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import lesson

from .ways import (
    PIXELS,
    Config,
    Lib,
    Outcome,
    Workload,
    as_parameters,
    batches,
    class_accuracy,
    lesson_arrays,
    lesson_batches,
    lesson_start,
    libs,
    linear_init,
    load_params,
    tinygrad_lib,
    to_numpy,
    torch_lib,
    wrap,
)
from .workload_cnn import cnn as cnn_workload

# ---- 1. the tiny step ---------------------------------------------------------------------------------


def _tiny_framework(lib: Lib, x0: np.ndarray, w0: np.ndarray, b0: np.ndarray, steps: int):
    x = lib.module.from_numpy(x0)
    w, b = as_parameters(lib, w0, b0)

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
            loss, dw, db = by_hand.mean_sigmoid_and_grads(x0, w0, b0)
        return Outcome([loss], arrays=[dw, db])

    ways = {lib.name: _tiny_framework(lib, x0, w0, b0, steps) for lib in libs(include_torch)}
    ways["numpy"] = numpy_way
    notes: list[str] = []
    ways.update(_compiled_ways(config, include_torch,
                               lambda lib, compiler: _tiny_compiled(lib, x0, w0, b0, steps, compiler), notes))
    return Workload(f"tiny{rows}" if rows != 1 else "tiny", f"tiny step, x ({rows}, 784)", "µs/step", steps,
                    2.0 if rows == 1 else None, ways, notes, compiled_target=1.1 if rows == 1 else None)


# ---- 2. the lesson: the hand-written linear loop -------------------------------------------------------


def _lesson_framework(lib: Lib, train: list, valid: list, w0: np.ndarray, b0: np.ndarray, epochs: int,
                      lr: float):
    """The chapter's code, line for line (``lesson.chapter_training``; tinygrad_edu and PyTorch run it)."""
    train, valid = wrap(lib, train), wrap(lib, valid)

    def run() -> Outcome:
        weights, bias = as_parameters(lib, w0, b0)
        losses, accuracies = lesson.chapter_training(weights, bias, train, valid, epochs, lr, lib.module)
        return Outcome(losses, accuracies, [to_numpy(weights), to_numpy(bias)])

    return run


def lesson_loop(config: Config, include_torch: bool = True) -> Workload:
    """20 epochs of the chapter's linear model: batch 256, lr 1.0, unshuffled, validation after each epoch."""
    train, valid = lesson_batches()
    w0, b0 = lesson_start(config.seed)
    epochs, lr = config.lesson_epochs, 1.0

    def numpy_way() -> Outcome:
        w, b = w0.copy(), b0.copy()
        losses, accuracies = by_hand.train_linear(w, b, train, valid, epochs, lr)
        return Outcome(losses, accuracies, [w, b])

    ways = {lib.name: _lesson_framework(lib, train, valid, w0, b0, epochs, lr) for lib in libs(include_torch)}
    ways["numpy"] = numpy_way
    notes = ["the chapter's loop; validation (8 batches) after every epoch, recorded as the chapter does "
             "(no no_grad)"]
    ways.update(_compiled_ways(config, include_torch, lambda lib, compiler: _lesson_compiled(
        lib, train, valid, w0, b0, epochs, lr, compiler), notes))
    return Workload("lesson", f"lesson linear, {epochs} epochs", "ms", 1, 1.3, ways, notes=notes,
                    rtol=1e-3, atol=1e-4, compiled_target=1.0)


# ---- 3. simple_net and 4. the ten-digit MLP: nn.Sequential and optim.SGD -------------------------------


def _two_layer_framework(lib: Lib, train: list, valid: list, init: list, epochs: int, optimizer: Callable,
                         digits: bool):
    """``epochs`` of the chapter's training loop with a two-layer model, then its validation accuracy
    (per epoch for simple_net, as the chapter; once, over the test rows, for the digits)."""
    train, valid = wrap(lib, train), wrap(lib, valid)
    loss_of = lib.module.nn.functional.cross_entropy if digits else (
        lambda predictions, targets: lesson.mnist_loss(predictions, targets, lib.module))

    def run() -> Outcome:
        model = (lesson.digit_mlp if digits else lesson.simple_net)(torch=lib.module)
        load_params(lib, model, init)
        opt = optimizer(lib, model.parameters())
        outcome = Outcome()
        for _ in range(epochs):
            for xb, yb in train:
                loss = loss_of(model(xb), yb)
                loss.backward()
                opt.step()
                opt.zero_grad()
                outcome.losses.append(loss.item())
            if not digits:
                outcome.accuracies.append(lesson.validate_epoch(model, valid, torch=lib.module))
        if digits:
            outcome.accuracies.append(class_accuracy(lib, model, valid))
        outcome.arrays = [to_numpy(p) for p in model.parameters()]
        return outcome

    return run


def simple_net(config: Config, include_torch: bool = True) -> Workload:
    """The chapter's simple_net (Linear(784, 30), ReLU, Linear(30, 1)), SGD lr 0.1, 40 epochs."""
    train, valid = lesson_batches()
    init = linear_init(np.random.default_rng(config.seed), [(PIXELS, 30), (30, 1)])
    epochs, lr = config.simple_net_epochs, 0.1

    def numpy_way() -> Outcome:
        params = [p.copy() for p in init]
        outcome = Outcome()
        for _ in range(epochs):
            for xb, yb in train:
                loss, grads = by_hand.two_layer_loss_and_grads(params, xb, yb, by_hand.mnist_loss_and_grad)
                by_hand.sgd_step(params, grads, lr)
                outcome.losses.append(loss)
            outcome.accuracies.append(by_hand.validate_epoch(lambda x: by_hand.two_layer_scores(params, x),
                                                             valid))
        outcome.arrays = params
        return outcome

    def sgd(lib: Lib, params) -> object:
        return lib.module.optim.SGD(params, lr=lr)

    ways = {lib.name: _two_layer_framework(lib, train, valid, init, epochs, sgd, digits=False)
            for lib in libs(include_torch)}
    ways["numpy"] = numpy_way
    notes = ["nn.Sequential + optim.SGD; validation under no_grad after every epoch"]
    ways.update(_compiled_ways(config, include_torch, lambda lib, compiler: _two_layer_compiled(
        lib, train, valid, init, epochs, sgd, False, compiler), notes))
    return Workload("simple_net", f"simple_net, {epochs} epochs", "ms", 1, 1.3, ways, notes=notes,
                    rtol=1e-3, atol=1e-4, compiled_target=1.05)


def _digits(config: Config) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, str]:
    """The full MNIST as rows (or a synthetic stand-in of the same shape) and a note saying which."""
    rows = config.mlp_rows
    note = ""
    data = None
    if rows is None:
        try:
            data = lesson.all_digits(config.data_root)
        except (FileNotFoundError, ValueError) as error:
            note = f"full MNIST not found ({str(error).splitlines()[0]}): synthetic images of the same shape"
    if data is not None:
        note = "the full MNIST: 60,000 training images, accuracy on the 10,000 test images"
        return data.train.x.numpy(), data.train.y.numpy(), data.valid.x.numpy(), data.valid.y.numpy(), note
    rng = np.random.default_rng(config.seed + 1)
    n = rows or 60000
    images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, n)
    test_images = rng.integers(0, 256, (max(n // 6, 1024), 28, 28), dtype=np.uint8)
    test_labels = rng.integers(0, 10, len(test_images))
    if rows is not None:
        note = f"synthetic images ({n} rows: quick mode)"
    return (lesson.pixel_rows(images), labels.astype(np.int64), lesson.pixel_rows(test_images),
            test_labels.astype(np.int64), note)


def mlp(config: Config, include_torch: bool = True) -> Workload:
    """One epoch of the ten-digit MLP (Linear(784, 128), ReLU, Linear(128, 10)), cross-entropy,
    SGD lr 0.05 momentum 0.9, batch 64, as ``train --model mlp``; the batches are shuffled once, up front."""
    x, y, tx, ty, note = _digits(config)
    rng = np.random.default_rng(config.seed)
    order = rng.permutation(len(x))
    x, y = x[order], y[order]
    train, test = batches(x, y, config.mlp_batch), batches(tx, ty, 1024)
    init = linear_init(rng, [(PIXELS, 128), (128, 10)])
    lr, momentum = 0.05, 0.9

    def numpy_way() -> Outcome:
        params = [p.copy() for p in init]
        velocities: list = [None] * len(params)
        outcome = Outcome()
        for xb, yb in train:
            loss, grads = by_hand.two_layer_loss_and_grads(params, xb, yb, by_hand.cross_entropy_and_grad)
            by_hand.sgd_momentum_step(params, grads, velocities, lr, momentum)
            outcome.losses.append(loss)
        correct = sum(by_hand.class_accuracy(by_hand.two_layer_scores(params, xb), yb) * len(yb)
                      for xb, yb in test)
        outcome.accuracies.append(correct / sum(len(yb) for _, yb in test))
        outcome.arrays = params
        return outcome

    def sgd(lib: Lib, params) -> object:
        return lib.module.optim.SGD(params, lr=lr, momentum=momentum)

    ways = {lib.name: _two_layer_framework(lib, train, test, init, 1, sgd, digits=True)
            for lib in libs(include_torch)}
    ways["numpy"] = numpy_way
    notes = [note, f"batch {config.mlp_batch}: {len(train)} steps"]
    ways.update(_compiled_ways(config, include_torch, lambda lib, compiler: _two_layer_compiled(
        lib, train, test, init, 1, sgd, True, compiler), notes))
    return Workload("mlp", f"MLP, 1 epoch of {len(x):,}", "ms", 1, 1.3, ways, notes=notes, rtol=2e-3,
                    atol=1e-4, compiled_target=1.05)


# ---- 5. gradcheck of the lesson loss ---------------------------------------------------------------------


def _gradcheck_framework(lib: Lib, x0: np.ndarray, y0: np.ndarray, w0: np.ndarray, b0: np.ndarray):
    x, y = lib.module.from_numpy(x0), lib.module.from_numpy(y0)

    def loss(weights, bias):
        return lesson.mnist_loss(x @ weights + bias, y, lib.module)

    def run() -> Outcome:
        w, b = as_parameters(lib, w0, b0)
        passed = lib.gradcheck(loss, (w, b), eps=1e-6, atol=1e-5, rtol=1e-3)
        out = loss(w, b)
        out.backward()
        return Outcome([out.item()], arrays=[to_numpy(w.grad), to_numpy(b.grad)], passed=bool(passed))

    return run


def gradcheck(config: Config, include_torch: bool = True) -> Workload:
    """gradcheck of the lesson loss ``mnist_loss(x @ w + b, y)`` on a 16-row batch in float64:
    785 parameters, so 1,570 evaluations of the loss, compared with one backward pass."""
    x, y, _, _ = lesson_arrays()
    rows = config.gradcheck_rows
    pick = np.r_[:rows // 2, len(x) - (rows - rows // 2):len(x)]   # half 3s, half 7s
    x0, y0 = x[pick].astype(np.float64), y[pick]
    rng = np.random.default_rng(config.seed)
    w0 = rng.standard_normal((PIXELS, 1)) * 0.1
    b0 = rng.standard_normal(1) * 0.1

    def numpy_way() -> Outcome:
        w, b = w0.copy(), b0.copy()
        passed, grads = by_hand.gradcheck_linear(x0, y0, w, b)
        return Outcome([by_hand.linear_loss_and_grads(x0, y0, w, b)[0]], arrays=grads, passed=passed)

    ways = {lib.name: _gradcheck_framework(lib, x0, y0, w0, b0) for lib in libs(include_torch)}
    ways["numpy"] = numpy_way
    return Workload("gradcheck", f"gradcheck, {rows} rows, float64", "ms", 1, None, ways,
                    notes=["target: tinygrad_edu ≤ 1 s"], rtol=1e-9, atol=1e-12)


# ---- 6. the small GPT: attention, LayerNorm, embeddings, AdamW (tinygrad_edu against PyTorch) -----------


GPT = gpt_example.Config(n_embd=32, n_head=4, n_layer=2, block_size=32, batch_size=16, dropout=0.0, lr=1e-3)


def _gpt_start(steps: int, seed: int) -> tuple[dict, np.ndarray, list, int]:
    """The GPT's initial weights (drawn once, by tinygrad_edu), the docs' text encoded, each step's batch
    positions (drawn with numpy) and the vocabulary's size: the same for every way."""
    text = gpt_example.load_text()
    chars = sorted(set(text))
    stoi = {ch: i for i, ch in enumerate(chars)}
    encoded = np.array([stoi[c] for c in text], np.int64)
    rng = np.random.default_rng(seed)
    starts = [rng.integers(0, len(encoded) - GPT.block_size, GPT.batch_size) for _ in range(steps)]
    tg.manual_seed(seed)
    model = gpt_example.gpt_classes(tg)(len(chars), GPT)
    return {k: np.array(v.numpy()) for k, v in model.state_dict().items()}, encoded, starts, len(chars)


def _gpt_framework(lib: Lib, weights: dict, encoded: np.ndarray, starts: list, vocab: int):
    data = {"train": lib.module.from_numpy(encoded)}

    def run() -> Outcome:
        model = gpt_example.gpt_classes(lib.module)(vocab, GPT)
        model.load_state_dict({k: lib.module.from_numpy(v.copy()) for k, v in weights.items()})
        result = gpt_example.train(lib.module, model, data, GPT, batch_starts=starts)
        return Outcome(result["losses"], arrays=[to_numpy(p) for p in model.parameters()])

    return run


def gpt_memory(steps: tuple[int, int], seed: int = 0) -> dict:
    """tracemalloc's peak over the fewest and the most training steps of tinygrad_edu's GPT: flat when
    each step's graph is freed (within 1.5× and 64 KiB, as the lesson's memory check)."""
    weights, encoded, starts, vocab = _gpt_start(max(steps), seed)
    peaks = {}
    for n in steps:
        run = _gpt_framework(tinygrad_lib(), weights, encoded, starts[:n], vocab)
        tracemalloc.start()
        run()
        peaks[n] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    few, most = min(steps), max(steps)
    return {"peaks": peaks, "flat": peaks[most] <= 1.5 * peaks[few] + 65536}


def gpt(config: Config, include_torch: bool = True) -> Workload:
    """100 AdamW steps of the small GPT of examples/gpt_from_scratch.py (n_embd 32, 4 heads, 2 layers,
    block 32, batch 16, dropout 0) on the docs' text: tinygrad_edu against PyTorch from the same weights
    on the same batches (there is no numpy way: PyTorch is the reference)."""
    steps = config.gpt_steps
    weights, encoded, starts, vocab = _gpt_start(steps, config.seed)
    ways = {lib.name: _gpt_framework(lib, weights, encoded, starts, vocab) for lib in libs(include_torch)}
    memory = gpt_memory((max(steps // 5, 2), steps), config.seed)
    few, most = sorted(memory["peaks"])
    note = (f"memory (tracemalloc peak): {memory['peaks'][few] / 2**20:.1f} MiB over {few} steps, "
            f"{memory['peaks'][most] / 2**20:.1f} MiB over {most}: {'flat' if memory['flat'] else 'GROWS'}")
    return Workload("gpt", f"GPT, {steps} AdamW steps", "ms", 1, None, ways,
                    notes=[note, "target: no slower than PyTorch (the ratio is to PyTorch's time)"],
                    rtol=1e-4, atol=1e-5, reference="torch", torch_target=1.0)


# ---- memory: is the graph freed? ------------------------------------------------------------------------


def lesson_step_function(lib_name: str) -> Callable[[], None]:
    """One training step of the lesson's linear model, cycling through the batches, for the memory check
    (tinygrad_edu or numpy only: tracemalloc does not see PyTorch's allocations)."""
    train, _ = lesson_batches()
    w0, b0 = lesson_start(0)
    state = SimpleNamespace(i=0)
    if lib_name == "numpy":
        w, b = w0.copy(), b0.copy()

        def step() -> None:
            xb, yb = train[state.i % len(train)]
            state.i += 1
            by_hand.linear_sgd_step(w, b, xb, yb, 1.0)

        return step
    lib = tinygrad_lib()
    wrapped = wrap(lib, train)
    weights, bias = as_parameters(lib, w0, b0)
    linear1, mnist_loss, _ = lesson.chapter_functions(weights, bias, [])

    def framework_step() -> None:
        xb, yb = wrapped[state.i % len(wrapped)]
        state.i += 1
        mnist_loss(linear1(xb), yb).backward()
        lesson.step_by_hand((weights, bias), 1.0)

    return framework_step


# ---- the compiled ways: the same steps under tinygrad_edu.compile, and PyTorch's torch.compile --------
#
# Each workload compiles its step once and keeps it, with its parameter tensors, across runs: the untimed
# warm-up run captures (or, for PyTorch, generates and builds C++), the timed runs replay. Each run resets
# the parameters in place, so the replays' guards (the same storage) hold. capture_cost() times a capture.


def _compiled_ways(config: Config, include_torch: bool, build: Callable,
                   notes: list[str]) -> dict[str, Callable]:
    """"compiled": ``build(tinygrad_edu, tinygrad_edu.compile)``; "torch.compile": ``build(torch,
    torch.compile)`` when asked for (``Config.torch_compile``) and PyTorch is installed. PyTorch's is run
    once here (its code generation, untimed); if it cannot compile the step, a note says so instead."""
    import tinygrad_edu

    found = {"compiled": build(tinygrad_lib(), tinygrad_edu.compile)}
    torch = torch_lib() if include_torch and config.torch_compile else None
    if torch is not None:
        run = build(torch, torch.module.compile)
        try:
            run()
        except Exception as error:  # noqa: BLE001 (any failure of PyTorch's compiler is reported, not raised)
            lines = [line.strip() for line in str(error).splitlines() if line.strip()]
            if len(lines) > 1 and lines[0].endswith(":"):  # "backend='inductor' raised:" then the cause
                lines = lines[1:]
            first = lines[0] if lines else ""
            notes.append(f"torch.compile failed on this step: {type(error).__name__}: {first[:160]}")
        else:
            found["torch.compile"] = run
    return found


def _tiny_compiled(lib: Lib, x0: np.ndarray, w0: np.ndarray, b0: np.ndarray, steps: int, compiler: Callable):
    x = lib.module.from_numpy(x0)
    w, b = as_parameters(lib, w0, b0)

    def one_step():
        w.grad = None
        b.grad = None
        loss = (x @ w + b).sigmoid().mean()
        loss.backward()
        return loss

    step = compiler(one_step)

    def run() -> Outcome:
        for _ in range(steps):
            loss = step()
        return Outcome([loss.item()], arrays=[to_numpy(w.grad), to_numpy(b.grad)])

    return run


def _reset(lib: Lib, params: list, arrays: list[np.ndarray]) -> None:
    """Start a run again from ``arrays``, in the same tensors: values copied in, no gradients."""
    load_params(lib, SimpleNamespace(parameters=lambda: params), arrays)
    for p in params:
        p.grad = None


def _lesson_compiled(lib: Lib, train: list, valid: list, w0: np.ndarray, b0: np.ndarray, epochs: int,
                     lr: float, compiler: Callable):
    """The chapter's loop with its training step and its per-batch accuracy compiled."""
    train, valid = wrap(lib, train), wrap(lib, valid)
    weights, bias = as_parameters(lib, w0, b0)
    linear1, loss_of, _ = lesson.chapter_functions(weights, bias, [], lib.module)

    def train_step(xb, yb):
        loss = loss_of(linear1(xb), yb)
        loss.backward()
        lesson.step_by_hand((weights, bias), lr)
        return loss

    def batch_accuracy(xb, yb):
        return lesson.batch_accuracy(linear1(xb), yb)

    step, accuracy = compiler(train_step), compiler(batch_accuracy)

    def run() -> Outcome:
        _reset(lib, [weights, bias], [w0, b0])
        losses, accuracies = [], []
        for _ in range(epochs):
            losses += [step(xb, yb).item() for xb, yb in train]
            per_batch = lib.module.stack([accuracy(xb, yb) for xb, yb in valid])
            accuracies.append(round(per_batch.mean().item(), 4))
        return Outcome(losses, accuracies, [to_numpy(weights), to_numpy(bias)])

    return run


def _two_layer_compiled(lib: Lib, train: list, valid: list, init: list, epochs: int, optimizer: Callable,
                        digits: bool, compiler: Callable):
    """``_two_layer_framework`` compiled: for tinygrad_edu the whole step (the model, the loss, backward,
    opt.step, zero_grad) and the per-batch accuracy; for PyTorch the model (torch.compile(model))."""
    train, valid = wrap(lib, train), wrap(lib, valid)
    loss_of = lib.module.nn.functional.cross_entropy if digits else (
        lambda predictions, targets: lesson.mnist_loss(predictions, targets, lib.module))
    model = (lesson.digit_mlp if digits else lesson.simple_net)(torch=lib.module)
    opt = optimizer(lib, model.parameters())
    torch = lib.name == "torch"
    forward = compiler(model) if torch else model

    def train_step(xb, yb):
        loss = loss_of(forward(xb), yb)
        loss.backward()
        opt.step()
        opt.zero_grad()
        return loss

    def batch_accuracy(xb, yb):
        return lesson.batch_accuracy(forward(xb), yb)

    step = train_step if torch else compiler(train_step)
    accuracy = batch_accuracy if torch else compiler(batch_accuracy)

    def run() -> Outcome:
        _reset(lib, list(model.parameters()), init)
        opt.state.clear()  # a fresh optimizer's state (the momentum buffers)
        outcome = Outcome()
        for _ in range(epochs):
            outcome.losses += [step(xb, yb).item() for xb, yb in train]
            if not digits:
                with lib.module.no_grad():
                    per_batch = lib.module.stack([accuracy(xb, yb) for xb, yb in valid])
                outcome.accuracies.append(round(per_batch.mean().item(), 4))
        if digits:
            outcome.accuracies.append(class_accuracy(lib, model, valid))
        outcome.arrays = [to_numpy(p) for p in model.parameters()]
        return outcome

    return run


def capture_cost(repeats: int = 20) -> dict[str, float]:
    """What a capture costs: the first call of the compiled lesson step (eager, recording, then writing and
    compiling the replay), beside an eager step and a replay, on the same batch; minimum µs of ``repeats``."""
    import tinygrad_edu

    train, _ = lesson_batches()
    lib = tinygrad_lib()
    (xb, yb), = wrap(lib, train[:1])
    w0, b0 = lesson_start(0)
    times: dict[str, list[float]] = {"capture": [], "eager step": [], "replay": []}
    for _ in range(repeats):
        weights, bias = as_parameters(lib, w0, b0)
        linear1, loss_of, _ = lesson.chapter_functions(weights, bias, [])

        def train_step(xb, yb, linear1=linear1, loss_of=loss_of, weights=weights, bias=bias):
            loss = loss_of(linear1(xb), yb)
            loss.backward()
            lesson.step_by_hand((weights, bias), 1.0)
            return loss

        step = tinygrad_edu.compile(train_step)
        step(xb, yb)  # the first call makes .grad; the second is the capture the later calls replay
        for name, call in (("capture", step), ("replay", step), ("eager step", train_step)):
            start = time.perf_counter()
            call(xb, yb)
            times[name].append(time.perf_counter() - start)
    return {name: min(values) * 1e6 for name, values in times.items()}


# ---- the registry ----------------------------------------------------------------------------------------

BUILDERS: dict[str, Callable[..., Workload]] = {
    "tiny": tiny,
    "tiny256": lambda config, include_torch=True: tiny(config, 256, include_torch),
    "lesson": lesson_loop,
    "simple_net": simple_net,
    "mlp": mlp,
    "gradcheck": gradcheck,
    "cnn": cnn_workload,  # in workload_cnn.py (issue 16)
    "gpt": gpt,
}
NAMES = tuple(BUILDERS) + ("memory", "phases")  # the last two are reports, not rows of the table
