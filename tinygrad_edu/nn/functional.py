"""Activations and losses as functions, as ``torch.nn.functional``.

``import tinygrad_edu.nn.functional as F``.

Everything is composed from Tensor methods (each a recorded op), except ``linear``, ``cross_entropy``,
``nll_loss`` and the two binary cross-entropies, which are fused ops in ``ops/linalg.py`` and
``ops/loss.py`` (each op's docstring says why it is fused).

One deliberate difference from PyTorch: the elementwise losses (``l1_loss``, ``mse_loss``, the binary
cross-entropies) raise ``ShapeError`` when input and target shapes differ. PyTorch only warns and
broadcasts, so predictions of shape [N, 1] against targets of shape [N] silently compare every
prediction with every target ([N, N]) — the lesson's classic pitfall.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from .. import ops as O
from ..function import ShapeError
from ..tensor import Tensor
from .functional_attention import dropout, embedding, gelu, layer_norm  # noqa: F401 (F.embedding, ...)

_REDUCTIONS = ("mean", "sum", "none")


# ---- helpers ------------------------------------------------------------------------------------


def _check_reduction(reduction: str, caller: str) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{caller}: {reduction!r} is not a valid value for reduction; "
                         "use 'mean', 'sum' or 'none'")


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _as_tensor(value: Any, caller: str, what: str) -> Tensor:
    if isinstance(value, Tensor):
        return value
    try:
        return Tensor(value)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{caller}: {what} must be a Tensor, got {type(value).__name__} ({error})") from None


def _float_input(input: Tensor, caller: str) -> Tensor:
    input = _as_tensor(input, caller, "input")
    if input.dtype.kind != "f":
        raise TypeError(f"{caller}: input must be a floating-point tensor, "
                        f"got {input.dtype} of shape {tuple(input.shape)}")
    return input


def _same_shape(input: Tensor, target: Any, caller: str) -> tuple[Tensor, Tensor]:
    """Both as Tensors of one float dtype and one shape; otherwise ShapeError naming both shapes."""
    input = _float_input(input, caller)
    target = _as_tensor(target, caller, "target")
    if input.shape != target.shape:
        hint = ""
        if input.shape == target.shape + (1,):
            hint = " (use target.unsqueeze(-1) or input.squeeze(-1))"
        elif target.shape == input.shape + (1,):
            hint = " (use target.squeeze(-1) or input.unsqueeze(-1))"
        raise ShapeError(
            f"{caller}: input of shape {tuple(input.shape)} and target of shape {tuple(target.shape)} "
            f"differ{hint}. PyTorch would broadcast them (with only a warning) and compare every "
            "prediction with every target; tinygrad_edu refuses"
        )
    if target.dtype != input.dtype:
        target = target.to(input.dtype)
    return input, target


# ---- activations --------------------------------------------------------------------------------


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """max(x, 0).  (``inplace`` is accepted for PyTorch compatibility; the result is always a new tensor.)"""
    return input.relu()


def sigmoid(input: Tensor) -> Tensor:
    """σ(x) = 1 / (1 + e^-x)."""
    return input.sigmoid()


def tanh(input: Tensor) -> Tensor:
    return input.tanh()


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """x @ Wᵀ + b, with W of shape [out_features, in_features]."""
    x, w = input._data, weight._data  # (their shapes: plain tuples, read on every training step)
    fits = x.ndim >= 2 and w.ndim == 2 and x.shape[-1] == w.shape[1] and w.dtype == x.dtype
    if fits and (bias is None or (bias._data.shape == w.shape[:1] and bias.dtype == x.dtype)):
        # rows, the usual case: one op (composed below for other shapes and mixed dtypes); a batch of
        # sequences [B, T, in] is viewed as B·T rows (measured: 1.2× faster than a batched matmul)
        rows = input if x.ndim == 2 else O.Reshape.apply(input, shape=(-1, x.shape[-1]))
        out = O.Linear.apply(rows, weight) if bias is None else O.Linear.apply(rows, weight, bias)
        return out if x.ndim == 2 else O.Reshape.apply(out, shape=(*x.shape[:-1], w.shape[0]))
    out = input @ weight.T
    return out if bias is None else out + bias


def _softmax_dim(input: Tensor, dim: int | None, caller: str) -> int:
    if dim is not None:
        return dim
    warnings.warn(f"{caller}: implicit dimension choice is deprecated (as in PyTorch); pass dim=",
                  stacklevel=3)
    return 0 if input.ndim in (0, 1, 3) else 1


def log_softmax(input: Tensor, dim: int | None = None) -> Tensor:
    """log softmax(x)_i = x_i - log Σ_j e^{x_j} along ``dim`` (computed without overflow)."""
    return input.log_softmax(_softmax_dim(input, dim, "log_softmax"))


def softmax(input: Tensor, dim: int | None = None) -> Tensor:
    """softmax(x)_i = e^{x_i} / Σ_j e^{x_j} along ``dim``."""
    return input.softmax(_softmax_dim(input, dim, "softmax"))


# ---- regression losses ----------------------------------------------------------------------------


def l1_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """|input - target|, then averaged (``reduction='mean'``), summed (``'sum'``) or kept (``'none'``).

    Raises ShapeError when the shapes differ (PyTorch warns and broadcasts; see the module docstring).
    """
    _check_reduction(reduction, "l1_loss")
    input, target = _same_shape(input, target, "l1_loss")
    return _reduce((input - target).abs(), reduction)


def mse_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """(input - target)², then averaged (``reduction='mean'``), summed (``'sum'``) or kept (``'none'``).

    Raises ShapeError when the shapes differ (PyTorch warns and broadcasts; see the module docstring).
    """
    _check_reduction(reduction, "mse_loss")
    input, target = _same_shape(input, target, "mse_loss")
    diff = input - target
    return _reduce(diff * diff, reduction)


# ---- binary classification ----------------------------------------------------------------------


def _weighted(loss: Tensor, weight: Any, caller: str) -> Tensor:
    if weight is None:
        return loss
    weight = _as_tensor(weight, caller, "weight")
    try:
        fits = np.broadcast_shapes(weight.shape, loss.shape) == loss.shape
    except ValueError:
        fits = False
    if not fits:  # e.g. a weight of shape (N, 1) for a loss of shape (N,) would make it (N, N)
        raise ShapeError(f"{caller}: weight of shape {tuple(weight.shape)} does not broadcast to the loss's "
                         f"shape {tuple(loss.shape)}")
    return loss * weight


def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,
                         reduction: str = "mean") -> Tensor:
    """-(t · log p + (1 - t) · log(1 - p)) for probabilities p in [0, 1]; each log is clamped at -100
    (as PyTorch), so p = 0 or 1 gives a large but finite loss and a finite gradient.

    ``weight`` multiplies each element's loss. Raises ShapeError when input and target shapes differ.
    """
    _check_reduction(reduction, "binary_cross_entropy")
    input, target = _same_shape(input, target, "binary_cross_entropy")
    low, high = (float(input._data.min()), float(input._data.max())) if input.numel() else (0.0, 0.0)
    if not (0 <= low and high <= 1):  # also catches NaN
        raise ValueError(f"binary_cross_entropy: every input must be a probability in [0, 1] (found "
                         f"values in [{low:.4g}, {high:.4g}]); apply sigmoid first, or use "
                         "binary_cross_entropy_with_logits on the raw scores")
    loss = O.BinaryCrossEntropy.apply(input, target)
    return _reduce(_weighted(loss, weight, "binary_cross_entropy"), reduction)


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor, weight: Tensor | None = None,
                                     reduction: str = "mean", pos_weight: Tensor | None = None) -> Tensor:
    """binary_cross_entropy(sigmoid(x), t) computed stably from the logits x:

        max(x, 0) - x · t + log(1 + e^-|x|)      (finite for any x; gradient σ(x) - t)

    ``pos_weight`` (constant, broadcast along the last dim) scales the loss of positive targets;
    ``weight`` multiplies each element's loss. Raises ShapeError when input and target shapes differ.
    """
    caller = "binary_cross_entropy_with_logits"
    _check_reduction(reduction, caller)
    input, target = _same_shape(input, target, caller)
    pw = None
    if pos_weight is not None:
        pw = np.asarray(pos_weight._data if isinstance(pos_weight, Tensor) else pos_weight, input.dtype)
        try:
            if np.broadcast_shapes(pw.shape, input.shape) != input.shape:
                raise ValueError
        except ValueError:
            raise ShapeError(f"{caller}: pos_weight of shape {pw.shape} does not broadcast to the input's "
                             f"shape {tuple(input.shape)}") from None
    loss = O.BinaryCrossEntropyWithLogits.apply(input, target, pos_weight=pw)
    return _reduce(_weighted(loss, weight, caller), reduction)


# ---- multi-class classification -----------------------------------------------------------------


def _class_targets(input: Tensor, target: Any, ignore_index: int, caller: str) -> np.ndarray:
    """Check integer class targets of shape [N] against scores of shape [N, C]; return them as intp."""
    target = _as_tensor(target, caller, "target")

    def shapes() -> str:  # only built for an error message: this check runs on every training step
        return f"input of shape {tuple(input.shape)}, target of shape {tuple(target.shape)}"

    if input.ndim != 2:
        raise ShapeError(f"{caller}: expected input of shape [N, C] (one row of class scores per sample); "
                         f"got {shapes()}")
    if target.dtype.kind not in "iu":
        hint = " (use target.long())" if target.dtype.kind in "fb" else ""
        raise TypeError(f"{caller}: target must hold integer class indices, got dtype {target.dtype}{hint}; "
                        f"{shapes()}")
    if target.shape != input.shape[:1]:
        hint = ""
        if target.shape == (input.shape[0], 1):
            hint = " (use target.squeeze(1): class indices need no extra column)"
        raise ShapeError(f"{caller}: target must have shape [N] = ({input.shape[0]},) to match input's N; "
                         f"got {shapes()}{hint}")
    t = target._data.astype(np.intp, copy=False)
    classes = input.shape[1]
    if t.size and (t.min() < 0 or t.max() >= classes):  # not all are classes: ignored ones, or mistakes
        bad = (t != ignore_index) & ((t < 0) | (t >= classes))
        if bad.any():
            raise IndexError(f"{caller}: target holds class {int(t[bad][0])}, but the input has {classes} "
                             f"classes (valid targets are 0..{classes - 1}); {shapes()}")
    return t


def _class_weights(weight: Any, input: Tensor, caller: str) -> np.ndarray | None:
    """``weight`` as an array of one constant per class (input's dim 1 holds the classes; dim 0 unbatched)."""
    if weight is None:
        return None
    w = np.asarray(weight._data if isinstance(weight, Tensor) else weight, input.dtype)
    classes = input.shape[1 if input.ndim >= 2 else 0]
    if w.shape != (classes,):
        got = f"{w.shape[0]} entries" if w.ndim == 1 else f"shape {w.shape}"
        raise ShapeError(f"{caller}: weight must have one entry per class, shape ({classes},), for input of "
                         f"shape {tuple(input.shape)} ({classes} classes); got {got}")
    return w


def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None, ignore_index: int = -100,
             reduction: str = "mean") -> Tensor:
    """Negative log-likelihood: -input[i, target[i]] for log-probabilities ``input`` [N, C] and integer
    class targets [N] (an unbatched [C] input with a 0-d target also works).

    With class weights w, element i is weighted by w[target[i]] and 'mean' divides by Σ w[target[i]];
    targets equal to ``ignore_index`` contribute nothing (and are not counted by 'mean').
    """
    _check_reduction(reduction, "nll_loss")
    input = _float_input(input, "nll_loss")
    target = _as_tensor(target, "nll_loss", "target")
    if input.ndim == 1 and target.ndim == 0:  # one unbatched sample
        loss = nll_loss(input.unsqueeze(0), target.reshape(1), weight, ignore_index, reduction)
        return loss.reshape(()) if reduction == "none" else loss
    t = _class_targets(input, target, ignore_index, "nll_loss")
    w = _class_weights(weight, input, "nll_loss")
    return O.NllLoss.apply(input, target=t, ignore_index=ignore_index, weight=w, reduction=reduction)


def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None, ignore_index: int = -100,
                  reduction: str = "mean") -> Tensor:
    """nll_loss(log_softmax(input, 1), target): the loss for scores (logits) ``input`` [N, C] and integer
    class targets [N]. Give it raw scores: it applies log-softmax itself.

    As in PyTorch, a floating-point target of the same shape as ``input`` is read as class probabilities:
    -Σ_c target[i, c] · log_softmax(input)[i, c] (weighted by ``weight[c]`` if given).
    """
    _check_reduction(reduction, "cross_entropy")
    input = _float_input(input, "cross_entropy")
    target = _as_tensor(target, "cross_entropy", "target")
    w = _class_weights(weight, input, "cross_entropy") if input.ndim else None  # its error names this op
    if target.dtype.kind == "f" and target.shape == input.shape and input.ndim >= 1:
        dim = 1 if input.ndim >= 2 else 0
        log_p = input.log_softmax(dim)
        if target.dtype != input.dtype:
            target = target.to(input.dtype)
        per_class = log_p * target
        if weight is not None:
            per_class = per_class * Tensor._make(w.reshape((-1,) + (1,) * (input.ndim - 2)))
        return _reduce(-per_class.sum(dim), reduction)
    if input.ndim == 1 and target.ndim == 0:
        return nll_loss(input.log_softmax(0), target, weight, ignore_index, reduction)
    if input.ndim == 2 and input.shape[1] == 1:
        raise ShapeError(f"cross_entropy: input of shape {tuple(input.shape)} has a single class, so its "
                         "log-softmax is always 0 and the loss is 0 whatever the model does; for one score "
                         "per sample use binary_cross_entropy_with_logits (target of the same shape, "
                         "0. or 1.)")
    t = _class_targets(input, target, ignore_index, "cross_entropy")  # checked before any work
    if weight is None and reduction != "none" and not (t == ignore_index).any():
        # the usual case as one op: the same numbers as below, with a simpler backward
        return O.CrossEntropy.apply(input, Tensor._make(t), reduction=reduction)
    return nll_loss(input.log_softmax(1), target, weight, ignore_index, reduction)


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """Each class index becomes a row of zeros with a 1 at that index: shape (*tensor.shape, num_classes),
    int64. ``num_classes=-1`` takes one more than the largest index."""
    if not isinstance(tensor, Tensor) or tensor.dtype.kind not in "iu":
        got = tensor.dtype if isinstance(tensor, Tensor) else type(tensor).__name__
        raise TypeError(f"one_hot(): tensor must be a tensor of integer class indices (int64), got {got}")
    if isinstance(num_classes, bool) or not isinstance(num_classes, (int, np.integer)):
        raise TypeError(f"one_hot(): num_classes must be an int, got {num_classes!r}")
    classes = tensor._data
    if classes.size and classes.min() < 0:
        raise ValueError(f"one_hot(): class indices must be non-negative, got {classes.min()}")
    if num_classes == -1:
        if not classes.size:
            raise ValueError("one_hot(): cannot infer num_classes from an empty tensor; pass num_classes")
        num_classes = int(classes.max()) + 1
    elif num_classes < 0:
        raise ValueError(f"one_hot(): num_classes must be -1 (infer it) or non-negative, got {num_classes}")
    elif classes.size and classes.max() >= num_classes:
        raise ValueError(f"one_hot(): class index {classes.max()} is too large for num_classes={num_classes}")
    return Tensor._make((classes[..., None] == np.arange(num_classes)).astype(np.int64))


# convolutions, pooling and batch normalisation live in their own module (issue 16)
from .functional_conv import (  # noqa: E402, F401 (re-exported as F.conv2d, ...)
    adaptive_avg_pool2d,
    avg_pool2d,
    batch_norm,
    conv1d,
    conv2d,
    max_pool2d,
)
