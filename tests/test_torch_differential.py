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


# ---- issue 16: attention's building blocks and the surface, op by op against PyTorch ----------------------


def _pair(array, requires_grad=True):
    """The same float64 array as a tinygrad_edu and a PyTorch leaf."""
    return (tg.tensor(array, dtype=tg.float64, requires_grad=requires_grad),
            torch.tensor(array, dtype=torch.float64, requires_grad=requires_grad))


def _same(ours, theirs, rtol=1e-10, atol=1e-12):
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert np.allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=rtol, atol=atol, equal_nan=True)


def _random_shape(rng, low=1, high=5, dims=(1, 4)):
    return tuple(int(n) for n in rng.integers(low, high, size=rng.integers(*dims)))


@pytest.mark.parametrize("seed", range(8))
def test_embedding_matches_pytorch(seed):
    rng = np.random.default_rng(seed)
    rows, dim = int(rng.integers(1, 7)), int(rng.integers(1, 6))
    idx = rng.integers(0, rows, _random_shape(rng, dims=(0, 3)))  # few rows: indices repeat
    padding = None if rng.random() < 0.5 else int(rng.integers(-rows, rows))
    weight, weight_t = _pair(rng.standard_normal((rows, dim)))
    grad = rng.standard_normal(idx.shape + (dim,))
    out = tg.nn.functional.embedding(tg.tensor(idx), weight, padding_idx=padding)
    out_t = torch.nn.functional.embedding(torch.tensor(idx), weight_t, padding_idx=padding)
    out.backward(grad)
    out_t.backward(torch.tensor(grad))
    _same(out, out_t)
    _same(weight.grad, weight_t.grad)


@pytest.mark.parametrize("seed", range(8))
def test_layer_norm_matches_pytorch(seed):
    rng = np.random.default_rng(seed)
    shape = _random_shape(rng)
    normalized = shape[len(shape) - int(rng.integers(1, len(shape) + 1)):]
    affine, eps = rng.random() < 0.7, float(rng.choice([1e-5, 1e-3, 0.5]))
    x, x_t = _pair(rng.standard_normal(shape) * 3 + 1)
    ours, theirs = (tg.nn.LayerNorm(normalized, eps=eps, elementwise_affine=affine).double(),
                    torch.nn.LayerNorm(normalized, eps=eps, elementwise_affine=affine).double())
    if affine:
        params = [rng.standard_normal(normalized) for _ in range(2)]
        ours.load_state_dict({"weight": params[0], "bias": params[1]})
        theirs.load_state_dict({"weight": torch.tensor(params[0]), "bias": torch.tensor(params[1])})
    grad = rng.standard_normal(shape)
    out, out_t = ours(x), theirs(x_t)
    out.backward(grad)
    out_t.backward(torch.tensor(grad))
    _same(out, out_t, rtol=1e-9, atol=1e-10)
    _same(x.grad, x_t.grad, rtol=1e-8, atol=1e-10)
    if affine:
        _same(ours.weight.grad, theirs.weight.grad, rtol=1e-9, atol=1e-10)
        _same(ours.bias.grad, theirs.bias.grad, rtol=1e-9, atol=1e-10)


def test_layer_norm_in_float32_matches_pytorch():
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((16, 32, 32)) * 5 + 100).astype(np.float32)
    ours = tg.nn.functional.layer_norm(tg.tensor(x), (32,)).numpy()
    theirs = torch.nn.functional.layer_norm(torch.tensor(x), (32,)).numpy()
    assert np.abs(ours - theirs).max() < 1e-4


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_matches_pytorch(approximate):
    rng = np.random.default_rng(1)
    x, x_t = _pair(np.concatenate([rng.standard_normal(200) * 4, [0.0, -8.0, 8.0, 30.0, -30.0]]))
    grad = rng.standard_normal(x.shape)
    out, out_t = tg.nn.GELU(approximate)(x), torch.nn.GELU(approximate)(x_t)
    out.backward(grad)
    out_t.backward(torch.tensor(grad))
    _same(out, out_t, rtol=1e-13, atol=1e-15)
    _same(x.grad, x_t.grad, rtol=1e-12, atol=1e-14)
    small = rng.standard_normal(100).astype(np.float32)
    assert np.allclose(tg.nn.functional.gelu(tg.tensor(small), approximate=approximate).numpy(),
                       torch.nn.functional.gelu(torch.tensor(small), approximate=approximate).numpy(),
                       rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("seed", range(6))
def test_tril_triu_and_masked_fill_match_pytorch(seed):
    rng = np.random.default_rng(seed)
    shape = _random_shape(rng, dims=(2, 4))
    diagonal = int(rng.integers(-3, 4))
    x, x_t = _pair(rng.standard_normal(shape))
    trailing = shape[len(shape) - int(rng.integers(1, len(shape) + 1)):]  # a mask that broadcasts
    mask_shape = tuple(1 if rng.random() < 0.4 else n for n in trailing)
    mask = rng.random(mask_shape) < 0.5
    value = float(rng.choice([0.0, -1e9, 2.5]))
    parts = [x.tril(diagonal), tg.triu(x, diagonal), x.masked_fill(tg.tensor(mask), value)]
    parts_t = [x_t.tril(diagonal), torch.triu(x_t, diagonal), x_t.masked_fill(torch.tensor(mask), value)]
    for ours, theirs in zip(parts, parts_t):
        _same(ours, theirs)
    sum(((p * p).sum() for p in parts), tg.tensor(0.0, dtype=tg.float64)).backward()
    sum(((p * p).sum() for p in parts_t), torch.tensor(0.0, dtype=torch.float64)).backward()
    _same(x.grad, x_t.grad)


def test_causal_attention_weights_match_pytorch():
    rng = np.random.default_rng(3)
    scores, scores_t = _pair(rng.standard_normal((2, 5, 5)))
    tril = np.tril(np.ones((5, 5)))
    wei = tg.nn.Softmax(dim=-1)(scores.masked_fill(tg.tensor(tril) == 0, float("-inf")))
    wei_t = torch.nn.Softmax(dim=-1)(scores_t.masked_fill(torch.tensor(tril) == 0, float("-inf")))
    grad = rng.standard_normal((2, 5, 5))
    wei.backward(grad)
    wei_t.backward(torch.tensor(grad))
    _same(wei, wei_t)
    _same(scores.grad, scores_t.grad)
    log, log_t = tg.nn.LogSoftmax(dim=1)(scores.detach()), torch.nn.LogSoftmax(dim=1)(scores_t.detach())
    _same(log, log_t)


def test_surface_functions_match_pytorch():
    rng = np.random.default_rng(4)
    a, b = rng.standard_normal((3, 4)).astype(np.float32), rng.standard_normal(4).astype(np.float32)
    for name, kwargs in (("add", {"alpha": 2.5}), ("sub", {"alpha": -1}), ("mul", {}), ("div", {})):
        out, out_t = tg.empty(3, 4), torch.empty(3, 4)
        result = getattr(tg, name)(tg.tensor(a), tg.tensor(b), out=out, **kwargs)
        getattr(torch, name)(torch.tensor(a), torch.tensor(b), out=out_t, **kwargs)
        assert result is out and np.allclose(out.numpy(), out_t.numpy(), rtol=1e-6)
    product, product_t = tg.empty(3, 3), torch.empty(3, 3)
    tg.matmul(tg.tensor(a), tg.tensor(a).T, out=product)
    torch.matmul(torch.tensor(a), torch.tensor(a).T, out=product_t)
    assert np.allclose(product.numpy(), product_t.numpy(), rtol=1e-5)
    x, x_t = tg.tensor(a), torch.tensor(a)
    made = ((x.new_zeros(2, 3), x_t.new_zeros(2, 3)), (x.new_ones((2,)), x_t.new_ones((2,))),
            (x.new_full((2,), 7), x_t.new_full((2,), 7)), (x.new_tensor([1, 2]), x_t.new_tensor([1, 2])))
    for ours, theirs in made:
        assert ours.tolist() == theirs.tolist() and str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
    for name in ("torch.DoubleTensor", "torch.LongTensor", "torch.IntTensor"):
        assert x.type(name).type() == x_t.type(name).type()
        assert x.type(name).tolist() == x_t.type(name).tolist()
    assert x.type() == x_t.type() and tg.tensor([1]).type() == torch.tensor([1]).type()
    assert (tg.pi, tg.e, tg.inf) == (torch.pi, torch.e, torch.inf) and str(x.shape) == str(x_t.shape)


@pytest.mark.parametrize("seed", range(4))
def test_histogram_and_histc_match_pytorch(seed):
    rng = np.random.default_rng(seed)
    values = (rng.standard_normal(int(rng.integers(1, 500))) * 3).astype(np.float32)
    bins = int(rng.integers(1, 40))
    weight = rng.random(values.shape).astype(np.float32)
    for kwargs in ({}, {"range": (-2.0, 3.0)}, {"density": True}):
        ours = tg.histogram(tg.tensor(values), bins, weight=tg.tensor(weight), **kwargs)
        theirs = torch.histogram(torch.tensor(values), bins, weight=torch.tensor(weight), **kwargs)
        assert np.allclose(ours.hist.numpy(), theirs.hist.numpy(), rtol=1e-5, atol=1e-6)
        assert np.allclose(ours.bin_edges.numpy(), theirs.bin_edges.numpy(), rtol=1e-6, atol=1e-6)
    edges = np.sort(rng.standard_normal(6)).astype(np.float32)
    ours = tg.histogram(tg.tensor(values), tg.tensor(edges))
    theirs = torch.histogram(torch.tensor(values), torch.tensor(edges))
    assert np.array_equal(ours.hist.numpy(), theirs.hist.numpy())
    for low, high in ((0, 0), (-1.0, 2.0)):
        assert np.array_equal(tg.histc(tg.tensor(values), bins, low, high).numpy(),
                              torch.histc(torch.tensor(values), bins, low, high).numpy())
