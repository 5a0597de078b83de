"""Random computation graphs run in tinygrad_edu and in PyTorch: the same values and the same gradients.

Each graph starts from a few float64 leaves whose shapes all broadcast to one shape (0-d tensors and
size-1 dims included), then applies random ops to random earlier tensors (so intermediates are reused),
and sums every tensor it made into the loss. Skipped when PyTorch is not installed.
"""

import math
import warnings

import numpy as np
import pytest

import tinygrad_edu as tg

torch = pytest.importorskip("torch")

GRAPHS = 400
OPS_PER_GRAPH = 8


def _positive(x):
    return x.abs() + 0.5


UNARY = {
    "neg": lambda x: -x, "exp": lambda x: (x * 0.5).exp(), "log": lambda x: _positive(x).log(),
    "sqrt": lambda x: _positive(x).sqrt(), "sigmoid": lambda x: x.sigmoid(), "tanh": lambda x: x.tanh(),
    "relu": lambda x: x.relu(), "abs": lambda x: x.abs(), "sin": lambda x: x.sin(), "cos": lambda x: x.cos(),
    "square": lambda x: x**2, "scale": lambda x: 3.0 * x - 1.0, "rdiv": lambda x: 1.0 / _positive(x),
    "clamp": lambda x: x.clamp(-0.5, 0.5), "sum_keep": lambda x: x.sum(-1, keepdim=True) if x.ndim else x,
    "mean_keep": lambda x: x.mean(0, keepdim=True) if x.ndim else x,
    "max_keep": lambda x: x.max(-1, keepdim=True)[0] if x.ndim else x,
    "softmax": lambda x: x.softmax(-1) if x.ndim else x,
    "log_softmax": lambda x: x.log_softmax(0) if x.ndim else x,
    "std_keep": lambda x: x.std(-1, keepdim=True) if x.ndim and x.shape[-1] > 1 else x,
    "var_keep": lambda x: x.var(0, keepdim=True) if x.ndim and x.shape[0] > 1 else x,
    "index": lambda x: x[..., :1] if x.ndim else x,
}
BINARY = {
    "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
    "div": lambda a, b: a / _positive(b), "pow": lambda a, b: _positive(a) ** (b * 0.5),
    "maximum": lambda a, b: a.maximum(b), "minimum": lambda a, b: a.minimum(b),
    "where": lambda a, b: (tg if isinstance(a, tg.Tensor) else torch).where(a > b, a, b),
}


def _leaf_shapes(rng, base):
    """A few shapes that broadcast to ``base``: dims dropped from the front, others set to 1."""
    shapes = [base]
    for _ in range(rng.integers(1, 3)):
        keep = rng.integers(0, len(base) + 1)
        shape = [1 if rng.random() < 0.4 else n for n in base[len(base) - keep:]]
        shapes.append(tuple(shape))
    return shapes


def _random_step(rng):
    """One op of a graph: its kind, its name and which earlier tensors it takes (modulo the pool)."""
    first, second = int(rng.integers(0, 99)), int(rng.integers(0, 99))
    if rng.random() < 0.5:
        return "unary", str(rng.choice(list(UNARY))), first, 0
    return "binary", str(rng.choice(list(BINARY))), first, second


def _build(lib, leaves, plan, unary=UNARY):
    pool = list(leaves)
    for kind, name, i, j in plan:
        if kind == "unary":
            pool.append(unary[name](pool[i % len(pool)]))
        else:
            pool.append(BINARY[name](pool[i % len(pool)], pool[j % len(pool)]))
    return pool, sum(t.sum() for t in pool[len(leaves):])


def _differences(pool_ours, pool_theirs, ours, theirs):
    """("value", k) for each tensor of the graph that differs, ("grad", k) for each leaf's gradient."""
    for k, (a, b) in enumerate(zip(pool_ours, pool_theirs)):
        if a.shape != tuple(b.shape) or not np.allclose(a.detach().numpy(), b.detach().numpy(),
                                                        rtol=1e-9, atol=1e-12, equal_nan=True):
            yield "value", k
    for k, (a, b) in enumerate(zip(ours, theirs)):
        grad_b = np.zeros(a.shape) if b.grad is None else b.grad.numpy()
        grad_a = np.zeros(a.shape) if a.grad is None else a.grad.numpy()
        if not np.allclose(grad_a, grad_b, rtol=1e-8, atol=1e-10, equal_nan=True):
            yield "grad", k


@pytest.mark.parametrize("chunk", range(4))
def test_random_graphs_match_pytorch(chunk):
    mismatches = []
    for seed in range(chunk * GRAPHS // 4, (chunk + 1) * GRAPHS // 4):
        rng = np.random.default_rng(seed)
        base = tuple(int(n) for n in rng.integers(1, 4, size=rng.integers(0, 4)))
        arrays = [rng.standard_normal(shape) for shape in _leaf_shapes(rng, base)]
        plan = [_random_step(rng) for _ in range(OPS_PER_GRAPH)]
        ours = [tg.tensor(a, dtype=tg.float64, requires_grad=True) for a in arrays]
        theirs = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]
        pool_ours, loss_ours = _build(tg, ours, plan)
        pool_theirs, loss_theirs = _build(torch, theirs, plan)
        loss_ours.backward()
        loss_theirs.backward()
        found = _differences(pool_ours, pool_theirs, ours, theirs)
        mismatches += [(seed, kind, k, plan) for kind, k in found]
    assert mismatches == []


# ---- degenerate reductions: NaN forward values, ties, every target ignored (issue 18) ------------------
# The same random graphs, with ops whose forward value is NaN or whose reduction is degenerate: var/std
# over one element with correction 1 (NaN), corrections of n or more, all-equal inputs and ties for
# max/min, l1_loss, and cross-entropy / nll with every target ignored. PyTorch's gradients there are 0 in
# some places and NaN in others; ours must be the same.

DEGENERATE_GRAPHS = 400


def _loss_fns(x):
    return tg.nn.functional if isinstance(x, tg.Tensor) else torch.nn.functional


def _rows(x):
    return x.reshape(-1, x.shape[-1]) if x.ndim else x.reshape(1, 1)


def _targets(x, ignored_every=1):
    """One class per row of _rows(x); every ``ignored_every``-th target is ignored (-100)."""
    rows, classes = _rows(x).shape
    t = np.arange(rows) % classes
    t[::ignored_every] = -100
    return (tg if isinstance(x, tg.Tensor) else torch).tensor(t)


def _cross_entropy(x, ignored_every=1, **options):
    """cross_entropy of x's rows (x itself when there is one class: tinygrad_edu refuses that on purpose)."""
    if not x.ndim or x.shape[-1] < 2:
        return x
    return _loss_fns(x).cross_entropy(_rows(x), _targets(x, ignored_every), **options)


DEGENERATE = {
    **UNARY,
    "var_of_one": lambda x: x[..., :1].var(-1, keepdim=True, correction=1) if x.ndim else x.var(correction=1),
    "std_of_one": lambda x: x[..., :1].std(-1, keepdim=True, correction=1) if x.ndim else x.std(correction=1),
    "var_c2": lambda x: x.var(-1, keepdim=True, correction=2) if x.ndim else x.var(correction=2),
    "std_c2": lambda x: x.std(0, keepdim=True, correction=2) if x.ndim else x.std(correction=2),
    "var_all_c3": lambda x: x.var(correction=3), "std_all_c3": lambda x: x.std(correction=3),
    "equal": lambda x: x * 0.0 + 0.25,  # every element the same: ties everywhere
    "ties": lambda x: x - x.detach() + (x.detach() * 2).round(),  # values with ties, gradient 1
    "max_all": lambda x: x.max(), "min_all": lambda x: x.min(),
    "min_keep": lambda x: x.min(0, keepdim=True)[0] if x.ndim else x,
    "clamp_low": lambda x: x.clamp(min=0), "clamp_high": lambda x: x.clamp(max=0),
    "l1": lambda x: _loss_fns(x).l1_loss(x, x.detach() * 0 + 0.5),
    "ce_all_ignored": lambda x: _cross_entropy(x), "ce_half_ignored": lambda x: _cross_entropy(x, 2),
    "ce_all_ignored_sum": lambda x: _cross_entropy(x, reduction="sum"),
    "nll_all_ignored": lambda x: _loss_fns(x).nll_loss(_rows(x), _targets(x)),
    "nll_none_ignored": lambda x: _loss_fns(x).nll_loss(_rows(x), _targets(x, 2), reduction="none").reshape(
        x.shape[:-1] + (1,) if x.ndim else ()),
}


def _degenerate_step(rng):
    first, second = int(rng.integers(0, 99)), int(rng.integers(0, 99))
    if rng.random() < 0.6:
        return "unary", str(rng.choice(list(DEGENERATE))), first, 0
    return "binary", str(rng.choice(list(BINARY))), first, second


def test_the_issues_example_matches_pytorch():
    """var over one element with correction 1 is NaN; clamp then sends 0 back from a NaN gradient."""
    grads = []
    for lib in (tg, torch):
        c0 = lib.tensor(-0.42, dtype=lib.float64, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # both warn that n - correction <= 0
            var = c0.var(dim=-1, keepdim=True, correction=1)
        var.retain_grad()
        v = var.clamp(min=0).min()
        (v.tanh().exp() * 0.97).sum().backward()
        grads.append((var.grad.item(), c0.grad.item()))
    assert grads[0][0] == grads[1][0] == 0.0 and math.isnan(grads[0][1]) and math.isnan(grads[1][1])


@pytest.mark.parametrize("chunk", range(4))
def test_random_graphs_with_degenerate_reductions_match_pytorch(chunk):
    mismatches = []
    for seed in range(chunk * DEGENERATE_GRAPHS // 4, (chunk + 1) * DEGENERATE_GRAPHS // 4):
        rng = np.random.default_rng(10_000 + seed)
        base = tuple(int(n) for n in rng.integers(1, 4, size=rng.integers(0, 4)))
        arrays = [rng.standard_normal(shape) for shape in _leaf_shapes(rng, base)]
        arrays = [np.round(a) + 0.0 if rng.random() < 0.3 else a for a in arrays]  # ties and zeros
        plan = [_degenerate_step(rng) for _ in range(OPS_PER_GRAPH)]
        ours = [tg.tensor(a, dtype=tg.float64, requires_grad=True) for a in arrays]
        theirs = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # both warn that n - correction <= 0
            pool_theirs, loss_theirs = _build(torch, theirs, plan, DEGENERATE)
            pool_ours, loss_ours = _build(tg, ours, plan, DEGENERATE)
        loss_theirs.backward()
        loss_ours.backward()
        found = _differences(pool_ours, pool_theirs, ours, theirs)
        mismatches += [(seed, kind, k, plan) for kind, k in found]
    assert mismatches == []


# ---- convolutions and pooling (issue 16): random stacks of layers, the same in both libraries ------------

CONV_STACKS = 120


def _conv_layer(rng, shape):
    """A random layer that fits an input of ``shape`` [N, C, H, W]: (name, parameters, weight shapes)."""
    n, c, h, w = shape
    kind = str(rng.choice(["conv2d", "conv2d", "conv1d", "max_pool2d", "avg_pool2d", "adaptive", "relu",
                           "batch_norm"]))
    k = (int(rng.integers(1, min(h, 4) + 1)), int(rng.integers(1, min(w, 4) + 1)))
    if kind == "conv2d":
        groups = int(rng.choice([g for g in (1, 2, 3) if c % g == 0]))
        out = groups * int(rng.integers(1, 3))
        dilation = (int(rng.integers(1, 3)), int(rng.integers(1, 3)))
        stride = (int(rng.integers(1, 3)), int(rng.integers(1, 3)))
        padding = "same" if stride == (1, 1) and rng.random() < 0.3 else (int(rng.integers(0, 3)),) * 2
        if padding != "same" and any(s + 2 * p < (kk - 1) * d + 1
                                     for s, p, kk, d in zip((h, w), padding, k, dilation)):
            dilation = (1, 1)
        params = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
        return kind, params, [(out, c // groups) + k] + ([(out,)] if rng.random() < 0.7 else [])
    if kind == "conv1d":  # over the first row of each image, [N, C, W]
        return kind, dict(stride=int(rng.integers(1, 3)), padding=int(rng.integers(0, 2))), [(2, c, k[1])]
    if kind in ("max_pool2d", "avg_pool2d"):
        params = dict(kernel_size=k, stride=(int(rng.integers(1, 3)), int(rng.integers(1, 3))),
                      padding=(int(rng.integers(0, k[0] // 2 + 1)), int(rng.integers(0, k[1] // 2 + 1))),
                      ceil_mode=bool(rng.random() < 0.3))
        if kind == "max_pool2d" and rng.random() < 0.3 and h >= 2 * k[0] and w >= 2 * k[1]:
            params["dilation"] = 2
        if kind == "avg_pool2d":
            params["count_include_pad"] = bool(rng.random() < 0.7)
        return kind, params, []
    if kind == "adaptive":
        return kind, dict(output_size=(int(rng.integers(1, h + 2)), int(rng.integers(1, w + 2)))), []
    if kind == "batch_norm":
        return kind, dict(training=True, momentum=0.1), [(c,), (c,)]
    return kind, {}, []


def _apply_layer(lib, kind, params, x, weights):
    functional = lib.nn.functional
    if kind == "relu":
        return x.relu()
    if kind == "conv1d":  # the first row of every image as a sequence; the rest of the image is dropped
        return functional.conv1d(x[:, :, 0], weights[0], **params).unsqueeze(2)
    if kind == "adaptive":
        return functional.adaptive_avg_pool2d(x, **params)
    if kind == "batch_norm":
        c = x.shape[1]
        running = (lib.zeros(c, dtype=lib.float64), lib.ones(c, dtype=lib.float64))
        return functional.batch_norm(x, *running, weights[0], weights[1], **params)
    return getattr(functional, kind)(x, *weights, **params)


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")  # PyTorch's, about its speed
def test_random_convolution_and_pooling_stacks_match_pytorch():
    mismatches = []
    for seed in range(CONV_STACKS):
        rng = np.random.default_rng(10_000 + seed)
        shape = tuple(int(n) for n in rng.integers((1, 1, 3, 3), (4, 4, 10, 10)))
        arrays = [rng.standard_normal(shape)]
        if seed % 2:  # a coarse grid: many ties for max pooling to break as PyTorch does
            arrays[0] = np.round(arrays[0] * 2) / 2
        plan, current = [], shape
        for _ in range(int(rng.integers(2, 5))):
            kind, params, weight_shapes = _conv_layer(rng, current)
            probe = _apply_layer(tg, kind, params, tg.zeros(current, dtype=tg.float64),
                                 [tg.zeros(s, dtype=tg.float64) for s in weight_shapes]) \
                if kind != "batch_norm" or current[0] * current[2] * current[3] > 1 else None
            if probe is None:
                continue
            plan.append((kind, params, len(arrays), len(weight_shapes)))
            arrays += [rng.standard_normal(s) for s in weight_shapes]
            current = tuple(probe.shape)
        results = []
        for lib in (tg, torch):
            leaves = [lib.tensor(a, dtype=lib.float64, requires_grad=True) for a in arrays]
            x = leaves[0]
            for kind, params, first, count in plan:
                x = _apply_layer(lib, kind, params, x, leaves[first:first + count])
            (x * lib.tensor(np.linspace(-1, 1, x.numel()).reshape(tuple(x.shape)), dtype=lib.float64)).sum() \
                .backward()
            results.append((x.detach().numpy(), [0 if t.grad is None else t.grad.numpy() for t in leaves]))
        (ours, our_grads), (theirs, their_grads) = results
        if ours.shape != theirs.shape or not np.allclose(ours, theirs, rtol=1e-9, atol=1e-10):
            mismatches.append((seed, "value", plan))
        elif not all(np.allclose(a, b, rtol=1e-8, atol=1e-10) for a, b in zip(our_grads, their_grads)):
            mismatches.append((seed, "grad", plan))
    assert mismatches == []
