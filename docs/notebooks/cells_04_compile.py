"""The cells of 04_compile.ipynb: ``torch.compile`` on the lesson's step — capture once, replay as numpy.

Edit this file, then run ``python scripts/docs_notebooks.py --only compile``. The setup cell is added after
the title by the script.
"""

from docs_notebooks import code, md

CELLS = [
    md("""
    # Compiling the lesson's step: capture once, replay as numpy

    Every training step of the lesson pays Python for each op it records and for each node that
    `loss.backward()` walks back. `torch.compile(train_step)` (the same name as PyTorch's) runs the first
    call eagerly while *capturing* the numpy code it runs, and *replays* that code on later calls: same
    numbers, to the last bit, without the Python. This notebook compiles the chapter's own step, checks it
    against the eager step, reads the code it replays beside the derivatives written by hand, times it,
    and shows what capture cannot see. The page [docs/compile.md](../compile.md) tells the rest.
    """),
    code("""
    import gc
    import inspect
    import re
    import time
    import warnings

    import backprop_by_hand as by_hand

    import tinygrad_edu as torch
    from tinygrad_edu import lesson

    data = lesson.threes_and_sevens()
    batches = [(data.train.x[i:i + 256], data.train.y[i:i + 256]) for i in range(0, len(data.train.x), 256)]
    print(len(batches), "batches; the last has", len(batches[-1][0]), "images")
    """),
    md("""
    ## The chapter's step, compiled

    `linear1`, `mnist_loss`, `backward`, and the update by hand, `p.data -= p.grad * lr; p.grad.zero_()`:
    the chapter's code, unchanged, in one function. `make_step` builds it on fresh parameters, either as it
    is or compiled, so that the two can be compared from the same start.
    """),
    code("""
    def make_step(compiled):
        torch.manual_seed(0)
        weights, bias = lesson.init_params((28 * 28, 1)), lesson.init_params(1)
        linear1, mnist_loss, _ = lesson.chapter_functions(weights, bias, [])

        def train_step(xb, yb):
            loss = mnist_loss(linear1(xb), yb)
            loss.backward()
            lesson.step_by_hand((weights, bias), 1.0)
            return loss

        return (torch.compile(train_step) if compiled else train_step), weights, bias


    runs = {}
    for compiled in (False, True):
        step, weights, bias = make_step(compiled)
        losses = [step(xb, yb).item() for _ in range(3) for xb, yb in batches]
        runs[compiled] = losses, weights.detach().numpy().copy(), bias.detach().numpy().copy(), step

    (eager_losses, eager_w, eager_b, _), (losses, w, b, step) = runs[False], runs[True]
    same = eager_losses == losses and w.tobytes() == eager_w.tobytes() and b.tobytes() == eager_b.tobytes()
    print("compiled and eager agree bitwise:", same)
    print("captures:", len(step._replays), "(the first call, no .grad yet; full batches; the short last one)")
    """),
    md("""
    Three captures, each once: a call whose *signature* (the arguments' shapes and dtypes, grad mode, the
    parameters' storage, whether each `.grad` exists) matches one replays it; any other call is captured
    afresh. Here is what the full batches replay:
    """),
    code("""
    print(step.source(1))
    """),
    md("""
    One line per op, each named after the op it came from, in the order the chapter's code ran them: the
    forward (`xb @ weights`, `+ bias`, the sigmoid, `where`, the mean), then the backward walk (each op's
    derivative, the two gradients that reach the sigmoid summed, the bias's gradient summed over the
    batch), then the update. The first lines are the *guards*: if this call is not one the capture fits,
    the function returns `MISS` before it changes anything. The header names what the code refers to:
    `weights_t` is the tensor `weights`, `weights` its array, read where it lives, so the update is seen by
    the next call; the constants were computed once, during capture, such as Mean's backward of the
    gradient 1 that `loss.backward()` starts from.

    ## Beside the derivatives written by hand

    `examples/backprop_by_hand.py` has the same loss with its gradient worked out on paper:
    """),
    code("""
    print(inspect.getsource(by_hand.mnist_loss_and_grad))
    """),
    md("""
    The hand-written version folds the chain rule into one line, `sign * (p * (1 - p)) / p.size`. The
    replay applies it op by op, as autograd does (the where's two masks, then the sigmoid's derivative),
    with the mean's `1/n` already folded into a constant. Same derivative, written by autograd instead of
    by you.

    ## How fast

    Three ways on the same batches: numpy by hand, the eager step, the compiled step once it has made its
    captures (the first epoch). The best of five runs of three epochs each (timings on a shared machine
    are noisy), with Python's garbage collector paused as `timeit` pauses it: in a notebook's large heap
    its collections, set off by the objects eager autograd makes for every op, would cost more than the
    steps themselves. Then what a capture costs.
    """),
    code("""
    numpy_batches = [(xb.numpy(), yb.numpy()) for xb, yb in batches]
    torch.manual_seed(0)
    w_np = lesson.init_params((28 * 28, 1)).detach().numpy().copy()
    b_np = lesson.init_params(1).detach().numpy().copy()
    eager_step, _, _ = make_step(False)
    compiled_step, _, _ = make_step(True)
    first = time.perf_counter()
    compiled_step(*batches[0])  # the first call: eager, captured, its replay written and compiled
    first = time.perf_counter() - first
    for xb, yb in batches:  # the other two captures
        compiled_step(xb, yb)


    def numpy_epochs():
        for _ in range(3):
            for xb, yb in numpy_batches:
                by_hand.linear_sgd_step(w_np, b_np, xb, yb, 1.0)


    def epochs(step):
        for _ in range(3):
            for xb, yb in batches:
                step(xb, yb)


    ways = {"numpy by hand": numpy_epochs, "eager": lambda: epochs(eager_step),
            "compiled": lambda: epochs(compiled_step)}
    best = dict.fromkeys(ways, float("inf"))
    gc.disable()
    for _ in range(5):
        for name, run in ways.items():
            start = time.perf_counter()
            run()
            best[name] = min(best[name], time.perf_counter() - start)
    gc.enable()
    for name, seconds in best.items():
        print(f"{name:14s} {seconds * 1e3:6.1f} ms   {seconds / best['numpy by hand']:.2f}× numpy")
    per_step = best["eager"] / (3 * len(batches))
    print(f"a capture: {first * 1e3:.1f} ms, about {first / per_step:.0f} eager steps, once per signature")
    """),
    md("""
    The eager step pays for its graph: a `Function` and a `Tensor` per op, the walk, the bookkeeping of
    each gradient. The replay pays for none of it: what is left is numpy's own work and a few checks.
    [docs/performance.md](../performance.md) has the same comparison on every workload, with more repeats.

    ## Compiling the model instead: `torch.compile(model)`

    PyTorch's most common use compiles the model and leaves the loop alone, so `loss.backward()` runs
    after the compiled function has returned. The replay then gives its result one node in your graph,
    `CompiledBackward`, whose backward is the forward's backward walk, recorded once at capture; the
    engine walks up to it as to any op.
    """),
    code("""
    def train_model(compiled):
        torch.manual_seed(0)
        model = lesson.simple_net()
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        forward = torch.compile(model) if compiled else model
        for _ in range(2):
            for xb, yb in batches:
                loss = lesson.mnist_loss(forward(xb), yb)
                loss.backward()
                opt.step()
                opt.zero_grad()
        return forward, [p.detach().numpy().copy() for p in model.parameters()]


    (_, eager_params), (compiled_model, params) = train_model(False), train_model(True)
    print("compiled model and eager agree bitwise:",
          all(p.tobytes() == q.tobytes() for p, q in zip(params, eager_params)))
    print("the output's grad_fn:", compiled_model(batches[0][0]).grad_fn)
    backward = compiled_model.source(0).split("def sequential_backward")[1]
    print("def sequential_backward" + backward)  # what the node runs when loss.backward() reaches it
    """),
    md("""
    ## What capture cannot see

    Capture sees arrays, not your Python. A step that reads a tensor's value into Python (`.item()`,
    `if loss > 0.5:`, `print(loss)`) does something a replay could not repeat, so capture refuses: it warns
    once, naming your line, and that signature runs eagerly from then on (still right, not faster).
    """),
    code("""
    step, weights, bias = make_step(False)


    @torch.compile
    def logging_step(xb, yb):
        loss = step(xb, yb)
        print("loss inside the step:", loss.item())
        return loss


    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        logging_step(*batches[0])
        logging_step(*batches[1])
    for warning in caught:  # the message names the file and line: here, a line of this notebook's cell
        message = re.sub(r" \\(at [^)]*\\)", "", str(warning.message))
        print(f"{type(warning.message).__name__}: {message}  [line {warning.lineno} of the cell]")
    """),
    md("""
    Warned once; the second call ran eagerly without a word. With `fullgraph=True` (PyTorch's name) it is
    an error instead, raised after the eager call has completed, so no step is ever half applied:
    """),
    code("""
    strict = torch.compile(logging_step._orig_mod, fullgraph=True)
    try:
        strict(*batches[2])
    except torch.compiler.CompileError as error:
        print(type(error).__name__, "|", re.sub(r" \\(at [^)]*\\)", "", str(error).split(": ", 1)[1]))
    """),
    md("""
    Random numbers drawn inside the step (a dropout mask, say) are refused too: a replay would reuse the
    first call's numbers. So are boolean masks (`t[t > 0]`: the shape depends on the values).

    Python values the step reads while it is captured are *baked in*. A number in a closure, a global, an
    attribute of your own object: the replay keeps the value of the first call. (The arguments, the
    optimizers' hyperparameters and the modules' `training` flags are checked: a changed learning rate or
    `model.eval()` captures again.) After changing such a value, `reset()` forgets every capture:
    """),
    code("""
    settings = {"scale": 2.0}


    @torch.compile
    def scaled(t):
        return t * settings["scale"]


    t = torch.tensor([1.0, 2.0])
    with torch.no_grad():
        print("first:", scaled(t))
        settings["scale"] = 10.0
        print("scale changed, still the capture's 2.0:", scaled(t))
        scaled.reset()
        print("after reset():", scaled(t))
    """),
    md("""
    ## torch.compile and TinyJit

    PyTorch's `torch.compile` reads the function's Python bytecode before it runs, builds a graph of the
    torch operations with guards on what it assumed, and *breaks* the graph where it meets Python it cannot
    trace (running that part as ordinary Python in between); then it traces the backward ahead of time and
    generates fused kernels (C++ on a CPU, Triton on a GPU), which is where its speed comes from.
    tinygrad's `TinyJit` runs a function normally once, records the kernels it launches on the second
    call, and replays them from the third on, with no Python at all and no checks on what the Python did.
    `tinygrad_edu.compile` records what ran at its lowest level (numpy calls) as TinyJit does, from the
    first call, checks more and refuses where it can see Python look at a value, never breaks the graph (a
    step is replayed whole or runs eagerly), and fuses nothing: numpy does the same work, only the Python
    around it is gone.

    ## Where to read next

    * [docs/compile.md](../compile.md): what capture records, every refusal, how fast, the comparison.
    * `tinygrad_edu/compiler/`: the recorder (`capture.py`, `walk.py`), the doors it listens at
      (`doors.py`), each op's line of numpy (`forms.py`), the replay function (`replay.py`).
    * [03_inside_autograd.ipynb](03_inside_autograd.ipynb): the graph and the walk that compile takes away.
    """),
]
