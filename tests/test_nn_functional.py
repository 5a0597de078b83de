"""nn.functional: every loss against a numpy formula, gradchecked on random shapes, plus the edge cases."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from tinygrad_edu.function import ShapeError

REDUCTIONS = ["mean", "sum", "none"]
SETTINGS = settings(max_examples=20, deadline=None)

shapes = st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple)
seeds = st.integers(0, 2**32 - 1)
reductions = st.sampled_from(REDUCTIONS)


def t64(array, requires_grad=True) -> tg.Tensor:
    return tg.tensor(np.asarray(array, np.float64), dtype=tg.float64, requires_grad=requires_grad)


def np_reduce(loss: np.ndarray, reduction: str) -> np.ndarray:
    return {"mean": loss.mean, "sum": loss.sum, "none": lambda: loss}[reduction]()


def np_log_softmax(x: np.ndarray, axis: int) -> np.ndarray:
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


# ---- regression losses ------------------------------------------------------------------------------


@SETTINGS
@given(shape=shapes, seed=seeds, reduction=reductions)
def test_mse_loss_matches_numpy_and_gradchecks(shape, seed, reduction):
    rng = np.random.default_rng(seed)
    x, t = rng.standard_normal(shape), rng.standard_normal(shape)
    out = F.mse_loss(t64(x), t64(t), reduction=reduction)
    np.testing.assert_allclose(out.detach().numpy(), np_reduce((x - t) ** 2, reduction), rtol=1e-12)
    assert tg.gradcheck(lambda a, b: F.mse_loss(a, b, reduction=reduction), [t64(x), t64(t)])


@SETTINGS
@given(shape=shapes, seed=seeds, reduction=reductions)
def test_l1_loss_matches_numpy_and_gradchecks(shape, seed, reduction):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape)
    t = x + rng.choice([-1, 1], shape) * rng.uniform(0.1, 1, shape)  # away from the kink at x = t
    out = F.l1_loss(t64(x), t64(t), reduction=reduction)
    np.testing.assert_allclose(out.detach().numpy(), np_reduce(np.abs(x - t), reduction), rtol=1e-12)
    assert tg.gradcheck(lambda a, b: F.l1_loss(a, b, reduction=reduction), [t64(x), t64(t)])


def test_losses_keep_float32():
    x, t = tg.randn(4, 1), tg.randn(4, 1)
    for loss in (F.mse_loss, F.l1_loss, F.binary_cross_entropy_with_logits):
        assert loss(x, t).dtype == np.float32
    assert F.binary_cross_entropy(x.sigmoid(), (t > 0).float()).dtype == np.float32
    assert F.cross_entropy(tg.randn(4, 3), tg.tensor([0, 1, 2, 0])).dtype == np.float32


# ---- binary cross-entropy ---------------------------------------------------------------------------


@SETTINGS
@given(shape=shapes, seed=seeds, reduction=reductions)
def test_binary_cross_entropy_matches_numpy_and_gradchecks(shape, seed, reduction):
    rng = np.random.default_rng(seed)
    p, t = rng.uniform(0.05, 0.95, shape), rng.uniform(0, 1, shape)
    expected = -(t * np.log(p) + (1 - t) * np.log(1 - p))
    out = F.binary_cross_entropy(t64(p), t64(t), reduction=reduction)
    np.testing.assert_allclose(out.detach().numpy(), np_reduce(expected, reduction), rtol=1e-12)
    assert tg.gradcheck(lambda a, b: F.binary_cross_entropy(a, b, reduction=reduction), [t64(p), t64(t)])


def test_binary_cross_entropy_clamps_log_at_minus_100_with_finite_gradient():
    p = tg.tensor([0.0, 1.0, 0.0, 1.0], requires_grad=True)
    t = tg.tensor([1.0, 0.0, 0.0, 1.0])
    loss = F.binary_cross_entropy(p, t, reduction="none")
    assert loss.tolist() == [100.0, 100.0, 0.0, 0.0]
    loss.sum().backward()
    assert np.isfinite(p.grad.numpy()).all()
    np.testing.assert_allclose(p.grad.numpy(), [-1e12, 1e12, 0.0, 0.0], rtol=1e-6)  # PyTorch's values


def test_binary_cross_entropy_weight():
    p, t, w = np.array([0.2, 0.7, 0.9]), np.array([0.0, 1.0, 1.0]), np.array([1.0, 2.0, 0.5])
    out = F.binary_cross_entropy(t64(p), t64(t), weight=t64(w, False))
    expected = np.mean(-w * (t * np.log(p) + (1 - t) * np.log(1 - p)))
    np.testing.assert_allclose(out.item(), expected, rtol=1e-12)


def test_binary_cross_entropy_rejects_non_probabilities():
    with pytest.raises(ValueError, match=r"probability in \[0, 1\].*sigmoid first"):
        F.binary_cross_entropy(tg.tensor([0.5, 1.5]), tg.tensor([1.0, 0.0]))


@SETTINGS
@given(shape=shapes, seed=seeds, reduction=reductions)
def test_bce_with_logits_matches_numpy_and_gradchecks(shape, seed, reduction):
    rng = np.random.default_rng(seed)
    x, t = rng.normal(0, 3, shape), rng.uniform(0, 1, shape)
    sig = 1 / (1 + np.exp(-x))
    expected = -(t * np.log(sig) + (1 - t) * np.log(1 - sig))
    out = F.binary_cross_entropy_with_logits(t64(x), t64(t), reduction=reduction)
    np.testing.assert_allclose(out.detach().numpy(), np_reduce(expected, reduction), rtol=1e-9)
    assert tg.gradcheck(lambda a, b: F.binary_cross_entropy_with_logits(a, b, reduction=reduction),
                        [t64(x), t64(t)])


@SETTINGS
@given(shape=shapes, seed=seeds)
def test_bce_with_logits_pos_weight_matches_pytorch_formula_and_gradchecks(shape, seed):
    rng = np.random.default_rng(seed)
    x, t = rng.normal(0, 3, shape), rng.uniform(0, 1, shape)
    pw = rng.uniform(0.5, 3, shape[-1:])
    sig = 1 / (1 + np.exp(-x))
    expected = -(pw * t * np.log(sig) + (1 - t) * np.log(1 - sig))
    out = F.binary_cross_entropy_with_logits(t64(x), t64(t), pos_weight=tg.tensor(pw, dtype=tg.float64),
                                             reduction="none")
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-9)
    assert tg.gradcheck(lambda a, b: F.binary_cross_entropy_with_logits(a, b, pos_weight=pw, reduction="sum"),
                        [t64(x), t64(t)])


def test_bce_with_logits_is_stable_at_plus_minus_100():
    x = tg.tensor([100.0, 100.0, -100.0, -100.0], requires_grad=True)
    t = tg.tensor([1.0, 0.0, 1.0, 0.0])
    loss = F.binary_cross_entropy_with_logits(x, t, reduction="none")
    np.testing.assert_allclose(loss.detach().numpy(), [0.0, 100.0, 100.0, 0.0], atol=1e-30)
    loss.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [0.0, 1.0, -1.0, 0.0], atol=1e-30)  # σ(x) - t


def test_bce_with_logits_gradient_at_zero_is_sigmoid_minus_target():
    # a zero-initialised model outputs logits of exactly 0: the gradient there must be σ(0) - t
    x = tg.zeros(3, requires_grad=True)
    F.binary_cross_entropy_with_logits(x, tg.tensor([1.0, 0.0, 0.5]), reduction="sum").backward()
    np.testing.assert_allclose(x.grad.numpy(), [-0.5, 0.5, 0.0])


def test_bce_with_logits_equals_bce_of_sigmoid():
    x = tg.tensor([-3.0, -0.5, 0.0, 2.0])
    t = tg.tensor([0.0, 1.0, 1.0, 0.0])
    np.testing.assert_allclose(F.binary_cross_entropy_with_logits(x, t).item(),
                               F.binary_cross_entropy(x.sigmoid(), t).item(), rtol=1e-6)


# ---- the chapter's mnist_loss -------------------------------------------------------------------------


def test_book_mnist_loss_v1_with_where():
    def mnist_loss(predictions, targets):
        return tg.where(targets == 1, 1 - predictions, predictions).mean()

    trgts = tg.tensor([1, 0, 1])
    prds = tg.tensor([0.9, 0.4, 0.2])
    assert round(mnist_loss(prds, trgts).item(), 4) == 0.4333
    assert round(mnist_loss(tg.tensor([0.9, 0.4, 0.8]), trgts).item(), 4) == 0.2333


# ---- softmax family -------------------------------------------------------------------------------------


@SETTINGS
@given(shape=st.lists(st.integers(1, 4), min_size=2, max_size=3).map(tuple), seed=seeds, data=st.data())
def test_log_softmax_and_softmax_match_numpy(shape, seed, data):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    x = np.random.default_rng(seed).normal(0, 5, shape)
    np.testing.assert_allclose(F.log_softmax(t64(x, False), dim).numpy(), np_log_softmax(x, dim), atol=1e-12)
    soft = F.softmax(t64(x, False), dim=dim).numpy()
    np.testing.assert_allclose(soft, np.exp(np_log_softmax(x, dim)), atol=1e-12)
    np.testing.assert_allclose(soft.sum(axis=dim), 1.0)
    assert tg.gradcheck(lambda a: F.log_softmax(a, dim), [t64(x)])


def test_softmax_without_dim_warns_and_uses_pytorch_rule():
    x = tg.randn(2, 3)
    with pytest.warns(UserWarning, match="implicit dimension"):
        out = F.softmax(x)
    np.testing.assert_allclose(out.numpy().sum(axis=1), 1.0, rtol=1e-6)


# ---- cross-entropy and nll -------------------------------------------------------------------------------


classification = st.tuples(st.integers(1, 5), st.integers(2, 5))


@SETTINGS
@given(nc=classification, seed=seeds, reduction=reductions)
def test_cross_entropy_is_minus_log_softmax_picked_and_gradchecks(nc, seed, reduction):
    n, c = nc
    rng = np.random.default_rng(seed)
    x, target = rng.normal(0, 2, (n, c)), rng.integers(0, c, n)
    picked = -np_log_softmax(x, 1)[np.arange(n), target]
    out = F.cross_entropy(t64(x), tg.tensor(target), reduction=reduction)
    np.testing.assert_allclose(out.detach().numpy(), np_reduce(picked, reduction), rtol=1e-12)
    nll = F.nll_loss(F.log_softmax(t64(x), 1), tg.tensor(target), reduction=reduction)
    np.testing.assert_allclose(nll.detach().numpy(), out.detach().numpy(), rtol=1e-12)
    assert tg.gradcheck(lambda a: F.cross_entropy(a, tg.tensor(target), reduction=reduction), [t64(x)])


@SETTINGS
@given(nc=classification, seed=seeds, reduction=reductions)
def test_cross_entropy_with_class_weights_and_ignore_index(nc, seed, reduction):
    n, c = nc
    rng = np.random.default_rng(seed)
    x, target, w = rng.normal(0, 2, (n, c)), rng.integers(0, c, n), rng.uniform(0.5, 2, c)
    target[rng.random(n) < 0.3] = -100
    keep = target != -100
    safe = np.where(keep, target, 0)
    per = -np_log_softmax(x, 1)[np.arange(n), safe] * w[safe] * keep
    with np.errstate(invalid="ignore"):  # every target ignored: NaN, as PyTorch
        expected = {"none": per, "sum": per.sum(), "mean": per.sum() / (w[safe] * keep).sum()}[reduction]
    weight = tg.tensor(w, dtype=tg.float64)
    out = F.cross_entropy(t64(x), tg.tensor(target), weight=weight, reduction=reduction)
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-12)
    if keep.any():
        assert tg.gradcheck(lambda a: F.cross_entropy(a, tg.tensor(target), weight=w, reduction=reduction),
                            [t64(x)])


def test_cross_entropy_gradient_is_softmax_minus_one_hot_over_n():
    x = tg.tensor([[1.0, 2.0, 3.0], [0.0, -1.0, 5.0]], requires_grad=True)
    target = tg.tensor([2, 0])
    F.cross_entropy(x, target).backward()
    soft = np.exp(np_log_softmax(x.detach().numpy().astype(np.float64), 1))
    np.testing.assert_allclose(x.grad.numpy(), (soft - np.eye(3)[[2, 0]]) / 2, rtol=1e-5, atol=1e-7)


def test_cross_entropy_with_probability_targets_and_unbatched_input():
    x = np.array([[1.0, 2.0, 0.5], [0.1, 0.2, 0.3]])
    probs = np.array([[0.2, 0.7, 0.1], [1.0, 0.0, 0.0]])
    expected = -(probs * np_log_softmax(x, 1)).sum(1).mean()
    np.testing.assert_allclose(F.cross_entropy(t64(x), t64(probs, False)).item(), expected, rtol=1e-12)
    single = F.cross_entropy(t64(x[0]), tg.tensor(1))
    np.testing.assert_allclose(single.item(), -np_log_softmax(x[:1], 1)[0, 1], rtol=1e-12)


def test_cross_entropy_target_errors_name_both_shapes():
    x = tg.randn(4, 10)
    with pytest.raises(TypeError, match=r"integer class indices.*\(4, 10\).*\(4,\)"):
        F.cross_entropy(x, tg.tensor([1.0, 0.0, 3.0, 2.0]))
    with pytest.raises(ShapeError, match=r"\(4, 10\).*\(4, 1\).*squeeze\(1\)"):
        F.cross_entropy(x, tg.tensor([[1], [0], [3], [2]]))
    with pytest.raises(ShapeError, match=r"\(4, 10\).*\(3,\)"):
        F.cross_entropy(x, tg.tensor([1, 0, 3]))
    with pytest.raises(IndexError, match=r"class 10.*0\.\.9"):
        F.cross_entropy(x, tg.tensor([1, 0, 10, 2]))
    with pytest.raises(ShapeError, match="single class"):
        F.cross_entropy(tg.randn(4, 1), tg.tensor([0, 0, 0, 0]))
    with pytest.raises(ShapeError, match=r"\[N, C\]"):
        F.cross_entropy(tg.randn(2, 3, 4), tg.tensor([0, 1]))


# ---- shape mismatches and arguments -----------------------------------------------------------------


@pytest.mark.parametrize("loss", [F.mse_loss, F.l1_loss, F.binary_cross_entropy_with_logits,
                                  F.binary_cross_entropy])
def test_elementwise_losses_refuse_shape_mismatch_naming_both_shapes(loss):
    preds = tg.rand(5, 1)
    with pytest.raises(ShapeError, match=r"\(5, 1\).*\(5,\).*unsqueeze") as info:
        loss(preds, tg.ones(5))
    assert isinstance(info.value, ValueError) and isinstance(info.value, RuntimeError)


def test_invalid_reduction_is_an_error():
    with pytest.raises(ValueError, match="'average' is not a valid value for reduction"):
        F.mse_loss(tg.ones(2), tg.ones(2), reduction="average")


def test_linear_and_activations():
    x, w, b = np.ones((2, 3)), np.arange(6.0).reshape(2, 3), np.array([0.5, -0.5])
    np.testing.assert_allclose(F.linear(t64(x, False), t64(w, False), t64(b, False)).numpy(), x @ w.T + b)
    assert F.relu(tg.tensor([-1.0, 2.0])).tolist() == [0.0, 2.0]
    np.testing.assert_allclose(F.sigmoid(tg.tensor([0.0])).numpy(), [0.5])


def test_cross_entropy_backward_twice_with_retain_graph_gives_the_same_gradient():
    x = tg.tensor([[1.0, 2.0, 3.0], [0.0, -1.0, 5.0]], requires_grad=True)
    loss = F.cross_entropy(x, tg.tensor([2, 0]))
    loss.backward(retain_graph=True)
    first = x.grad.numpy().copy()
    loss.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * first, rtol=1e-6)


@pytest.mark.parametrize("with_bias", [True, False])
def test_linear_one_op_matches_the_composed_formula_and_gradchecks(with_bias):
    rng = np.random.default_rng(3)
    x, w, b = rng.normal(size=(5, 4)), rng.normal(size=(3, 4)), rng.normal(size=3)
    args = [t64(x), t64(w)] + ([t64(b)] if with_bias else [])
    out = F.linear(*args)
    assert out.grad_fn.name() == "LinearBackward"
    np.testing.assert_allclose(out.detach().numpy(), x @ w.T + (b if with_bias else 0), rtol=1e-12)
    assert tg.gradcheck(F.linear, args)
    out.sum().backward()
    np.testing.assert_allclose(args[1].grad.numpy(), np.ones((5, 3)).T @ x, rtol=1e-12)
    if with_bias:
        np.testing.assert_allclose(args[2].grad.numpy(), np.full(3, 5.0), rtol=1e-12)


def test_linear_falls_back_to_the_composed_ops_for_a_single_sample_and_mixed_dtypes():
    w = tg.randn(3, 4, requires_grad=True)
    b = tg.randn(3, requires_grad=True)
    single = F.linear(tg.randn(4), w, b)
    assert single.shape == (3,) and single.grad_fn.name() == "AddBackward"
    mixed = F.linear(tg.randn(2, 4, dtype=tg.float64), w, b)
    assert mixed.dtype == np.float64
    assert tg.gradcheck(lambda x: F.linear(x, w.double(), b.double()), [tg.randn(2, 4, dtype=tg.float64,
                                                                                 requires_grad=True)])


@pytest.mark.parametrize("target", [[[0.2, 0.3, 0.5], [1.0, 0.0, 0.0]], [0, 2]],
                         ids=["probabilities", "classes"])
@pytest.mark.parametrize("weight, got", [([1.0] * 4, "got 4 entries"), ([[1.0]] * 3, r"got shape \(3, 1\)")])
def test_cross_entropy_names_a_weight_of_the_wrong_length(target, weight, got):
    x = tg.randn(2, 3)
    message = (r"cross_entropy: weight must have one entry per class, shape \(3,\), for input of shape "
               rf"\(2, 3\) \(3 classes\); {got}")
    with pytest.raises(ShapeError, match=message):
        F.cross_entropy(x, tg.tensor(target), weight=tg.tensor(weight))
    with pytest.raises(ShapeError, match="nll_loss: weight must have one entry per class"):
        F.nll_loss(x, tg.tensor([0, 2]), weight=tg.tensor(weight))


# ---- ignored targets are skipped, not multiplied by 0 (as PyTorch) -------------------------------------

NAN, INF = float("nan"), float("inf")


@pytest.mark.parametrize("arriving", [1.0, NAN, INF])
@pytest.mark.parametrize("reduction, value", [("mean", NAN), ("sum", 0.0), ("none", [0.0, 0.0])])
def test_nll_loss_with_every_target_ignored_has_zero_gradients(reduction, value, arriving):
    x = tg.tensor([[NAN, 1.0, -2.0], [0.5, INF, 0.0]], dtype=tg.float64, requires_grad=True)
    out = F.nll_loss(x, tg.tensor([-100, -100]), reduction=reduction)
    np.testing.assert_array_equal(out.detach().numpy(), value)  # a NaN in an ignored row is not counted
    out.backward(tg.full(out.shape, arriving, dtype=tg.float64))
    assert x.grad.tolist() == [[0.0] * 3] * 2
    for red in ("mean", "sum"):  # through cross_entropy too: log_softmax gets 0 from every row
        y = tg.tensor([[0.3, 1.0, -2.0], [0.5, 2.0, 0.0]], dtype=tg.float64, requires_grad=True)
        loss = F.cross_entropy(y, tg.tensor([-100, -100]), reduction=red)
        loss.backward(tg.tensor(arriving, dtype=tg.float64))
        assert y.grad.tolist() == [[0.0] * 3] * 2


@pytest.mark.parametrize("weight", [None, [2.0, 1.0, 0.5]])
def test_nll_loss_skips_ignored_rows_and_weights_the_others(weight):
    x = tg.tensor([[NAN, NAN, NAN], [-0.5, -1.0, -2.0], [-3.0, -0.25, -1.5]], dtype=tg.float64,
                  requires_grad=True)
    w = np.ones(3) if weight is None else np.array(weight)
    kw = {} if weight is None else {"weight": tg.tensor(weight, dtype=tg.float64)}
    out = F.nll_loss(x, tg.tensor([-100, 2, 1]), reduction="mean", **kw)
    total = w[2] + w[1]
    assert out.item() == pytest.approx((2.0 * w[2] + 0.25 * w[1]) / total)
    out.backward(tg.tensor(NAN, dtype=tg.float64))  # a NaN gradient reaches only the picked entries
    expected = np.zeros((3, 3))
    expected[1, 2] = expected[2, 1] = NAN
    np.testing.assert_array_equal(x.grad.numpy(), expected)
    none = F.nll_loss(x, tg.tensor([-100, 2, 1]), reduction="none", **kw)
    np.testing.assert_array_equal(none.detach().numpy(), [0.0, 2.0 * w[2], 0.25 * w[1]])


def test_nll_loss_with_zero_weights_is_nan_with_nan_gradients_as_pytorch():
    x = tg.tensor([[-1.0, -2.0], [-0.5, -1.0]], dtype=tg.float64, requires_grad=True)
    out = F.nll_loss(x, tg.tensor([0, 0]), weight=tg.tensor([0.0, 1.0], dtype=tg.float64))
    out.backward()  # -w / Σ w = -0 / 0 at the picked entries
    assert np.isnan(out.item())
    np.testing.assert_array_equal(x.grad.numpy(), [[NAN, 0.0], [NAN, 0.0]])


def test_linear_on_a_batch_of_sequences_is_one_linear_op_on_the_rows():
    rng = np.random.default_rng(0)
    x, w, b = (tg.tensor(rng.standard_normal(s), dtype=tg.float64, requires_grad=True)
               for s in ((2, 3, 4), (5, 4), (5,)))
    out = F.linear(x, w, b)
    expected = x.detach().numpy() @ w.detach().numpy().T + b.detach().numpy()
    assert out.shape == (2, 3, 5) and np.allclose(out.detach().numpy(), expected)
    assert tg.gradcheck(lambda a, m, c: F.linear(a, m, c).tanh(), [x, w, b])
    assert tg.gradcheck(lambda a, m: F.linear(a, m), [x, w])
