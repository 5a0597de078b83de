"""gradcheck: compare backward's gradients with central finite differences, as torch.autograd.gradcheck.

For an input x and the output y = f(x), the numeric derivative of output element j with respect to
input element i is  (f(x + ε·e_i)_j - f(x - ε·e_i)_j) / 2ε;  the analytic one comes from a backward
pass with the one-hot gradient e_j. They match when |analytic - numeric| ≤ atol + rtol·|numeric|.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from .function import enable_grad, no_grad
from .tensor import Tensor


class GradcheckError(RuntimeError):
    """An analytic gradient disagreed with its finite-difference estimate."""


def _outputs(result: Any) -> list[Tensor]:
    results = result if isinstance(result, (tuple, list)) else (result,)
    return [r for r in results if isinstance(r, Tensor)]


def _evaluate(fn: Callable, inputs: list[Any]) -> np.ndarray:
    """All outputs of fn, flattened and joined into one float64 vector (no graph is recorded)."""
    with no_grad():
        outputs = _outputs(fn(*inputs))
    return np.concatenate([o._data.astype(np.float64).ravel() for o in outputs])


def _analytic_vjp(fn: Callable, inputs: list[Any], index: int, output_grad: np.ndarray) -> np.ndarray:
    """d (output_grad · f(inputs)) / d inputs[index], by one backward pass."""
    x = inputs[index]
    x.grad = None
    with enable_grad():
        outputs = _outputs(fn(*inputs))
    offset = 0
    total = None
    for out in outputs:
        if not out.requires_grad:
            offset += out.numel()
            continue
        g = output_grad[offset:offset + out.numel()].reshape(out.shape).astype(out.dtype)
        offset += out.numel()
        term = (out * Tensor._make(g)).sum()
        total = term if total is None else total + term
    if total is None:
        return np.zeros(x.numel())
    total.backward()
    return np.zeros(x.numel()) if x.grad is None else x.grad._data.astype(np.float64).ravel()


def gradcheck(
    fn: Callable[..., Any],
    inputs: Any,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    fast_mode: bool = False,
    seed: int = 0,
) -> bool:
    """Check ``fn``'s gradients at ``inputs`` against central finite differences.

    Every input that requires grad is copied to float64 (a warning says so when an input was float32);
    the other inputs are passed as they are. With ``fast_mode`` only a few random directions are compared
    (u · J · v for random u and v) instead of the whole Jacobian. Returns True when everything matches;
    otherwise raises ``GradcheckError`` describing the worst element (or returns False when
    ``raise_exception=False``).
    """
    inputs = list(inputs) if isinstance(inputs, (tuple, list)) else [inputs]
    checked = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not checked:
        raise ValueError("gradcheck: no input requires grad; call requires_grad_() on the inputs to check")
    if any(inputs[i].dtype != np.float64 for i in checked):
        warnings.warn("gradcheck: inputs are not float64; checking on float64 copies (float32 finite "
                      "differences are too coarse to check anything)", stacklevel=2)
    work = list(inputs)
    for i in checked:
        work[i] = Tensor(inputs[i]._data, dtype=np.float64, requires_grad=True)

    try:
        _check(fn, work, checked, eps, atol, rtol, fast_mode, np.random.default_rng(seed))
    except GradcheckError:
        if raise_exception:
            raise
        return False
    return True


def _check(fn, work, checked, eps, atol, rtol, fast_mode, rng) -> None:
    n_out = _evaluate(fn, work).size
    for i in checked:
        x = work[i]
        flat = x._data.reshape(-1)  # a view: perturbing it perturbs the input
        if fast_mode:
            u = rng.standard_normal(n_out)
            v = rng.standard_normal(flat.size)
            original = flat.copy()
            flat += eps * v
            plus = _evaluate(fn, work)
            flat[:] = original - eps * v
            minus = _evaluate(fn, work)
            flat[:] = original
            numeric = np.array([u @ (plus - minus) / (2 * eps)])
            analytic = np.array([_analytic_vjp(fn, work, i, u) @ v])
            _compare(analytic, numeric, i, x.shape, atol, rtol, "u·J·v in a random direction", fast=True)
            continue
        numeric = np.empty((n_out, flat.size))
        for k in range(flat.size):
            original = flat[k]
            flat[k] = original + eps
            plus = _evaluate(fn, work)
            flat[k] = original - eps
            minus = _evaluate(fn, work)
            flat[k] = original
            numeric[:, k] = (plus - minus) / (2 * eps)
        analytic = np.empty_like(numeric)
        for j in range(n_out):
            one_hot = np.zeros(n_out)
            one_hot[j] = 1
            analytic[j] = _analytic_vjp(fn, work, i, one_hot)
        _compare(analytic, numeric, i, x.shape, atol, rtol, "Jacobian")


def _compare(analytic, numeric, input_index, shape, atol, rtol, what, fast=False) -> None:
    error = np.abs(analytic - numeric)
    allowed = atol + rtol * np.abs(numeric)
    if np.all(error <= allowed):
        return
    worst = np.unravel_index(np.argmax(error - allowed), error.shape)
    if fast:
        place = ""
    else:
        output_index, element = worst
        place = (f" at output element {int(output_index)} and input element "
                 f"{tuple(int(n) for n in np.unravel_index(element, shape))}")
    raise GradcheckError(
        f"gradcheck: the gradient of input {input_index} (shape {tuple(shape)}) disagrees with finite "
        f"differences ({what}){place}: analytic {analytic[worst]:.6g}, numeric {numeric[worst]:.6g}, "
        f"absolute error {error[worst]:.3g}, "
        f"relative error {error[worst] / max(abs(numeric[worst]), 1e-300):.3g} "
        f"(allowed: atol {atol} + rtol {rtol} × |numeric|); {int(np.sum(error > allowed))} of {error.size} "
        "entries disagree"
    )

