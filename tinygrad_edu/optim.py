"""Optimizers, as ``torch.optim``: ``opt = optim.SGD(model.parameters(), lr=0.1)``; then per batch
``loss.backward(); opt.step(); opt.zero_grad()``.

``step`` updates the parameters' numpy arrays in place (nothing is recorded in the graph, no Tensor is
created), following PyTorch's update formulas exactly; the arrays keep their dtype (float32 stays float32).
Each optimizer states its update once, for one parameter, in ``update``: ``step`` calls it for every
parameter with a gradient, and a compiled step (``tinygrad_edu.compile``) calls the same method.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from .function import enable_grad, mark_changed
from .nn.utils import zero_grad
from .tensor import Tensor


class Optimizer:
    """Base class: holds ``param_groups`` (dicts with "params" and the hyperparameters) and per-parameter
    ``state``. Subclasses implement ``step``.

    ``params`` is an iterable of Tensors (e.g. ``model.parameters()``), or of dicts
    ``{"params": [...], "lr": ...}`` to give groups of parameters their own hyperparameters.
    """

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]) -> None:
        name = type(self).__name__
        if isinstance(params, Tensor):
            raise TypeError(f"{name}: params must be an iterable of Tensors (e.g. model.parameters()), "
                            "not a single Tensor; wrap it in a list: [t]")
        if hasattr(params, "parameters") and callable(params.parameters):
            raise TypeError(f"{name}: params must be an iterable of Tensors; you passed the module "
                            f"{type(params).__name__} itself: use {name}(model.parameters(), ...)")
        try:
            params = list(params)
        except TypeError:
            raise TypeError(f"{name}: params must be an iterable of Tensors (e.g. model.parameters()), "
                            f"got {type(params).__name__}") from None
        if not params:
            raise ValueError(f"{name}: got an empty parameter list (did the model register no parameters, "
                             "or was the model.parameters() generator already used up?)")
        self.defaults = defaults
        self.param_groups: list[dict[str, Any]] = []
        self.state: dict[Tensor, dict[str, Any]] = {}
        groups = params if isinstance(params[0], dict) else [{"params": params}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters with its own hyperparameters (missing ones take the defaults)."""
        name = type(self).__name__
        if not isinstance(param_group, dict):
            raise TypeError(f"{name}: a parameter group must be a dict, got {type(param_group).__name__}")
        params = param_group["params"]
        params = [params] if isinstance(params, Tensor) else list(params)
        for i, p in enumerate(params):
            if not isinstance(p, Tensor):
                hint = "; pass model.parameters(), not the modules" if hasattr(p, "parameters") else ""
                raise TypeError(f"{name} can only optimize Tensors, but item {i} is a "
                                f"{type(p).__name__}{hint}")
            if not p.is_leaf:
                raise ValueError(f"{name} can't optimize a non-leaf Tensor (item {i}, shape "
                                 f"{tuple(p.shape)}, made by {p.grad_fn!r}); optimize the leaf it was "
                                 "computed from")
            if p.dtype.kind != "f":
                raise TypeError(f"{name} can only optimize floating-point Tensors (item {i} is {p.dtype})")
        known = {id(p) for group in self.param_groups for p in group["params"]}
        if len({id(p) for p in params}) != len(params) or any(id(p) in known for p in params):
            raise ValueError(f"{name}: some parameters appear more than once (in one group or in several)")
        group = {**param_group, "params": params}
        for key, default in self.defaults.items():
            group.setdefault(key, default)
        self._check_hyperparameters(group)
        self.param_groups.append(group)

    def _check_hyperparameters(self, group: dict[str, Any]) -> None:
        lr = group.get("lr")
        if not isinstance(lr, numbers.Real) or isinstance(lr, bool) or not lr >= 0:  # also rejects NaN
            raise ValueError(f"{type(self).__name__}: invalid learning rate: {lr!r} (must be a number >= 0)")

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget every parameter's gradient: ``grad = None`` (default, as PyTorch) or fill it with zeros."""
        zero_grad((p for group in self.param_groups for p in group["params"]), set_to_none)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One update of every parameter that has a gradient (parameters whose grad is None are skipped)."""
        loss = self._closure(closure)
        for group in self.param_groups:
            hyper = {key: group[key] for key in self.defaults}
            for p in group["params"]:
                if p.grad is not None:
                    mark_changed(p._data)  # a graph that saved p before this step can no longer use it
                    self.update(p, p._data, p.grad._data, **hyper)
        return loss

    def update(self, p: Tensor, data: np.ndarray, grad: np.ndarray, **hyper: Any) -> None:
        """The update of one parameter, stated once: change ``data`` (p's array) in place from ``grad``,
        with ``self.state[p]`` as its state. ``step`` calls it, and so does a compiled step's replay."""
        raise NotImplementedError

    def _closure(self, closure: Callable[[], Any] | None) -> Any:
        if closure is None:
            return None
        with enable_grad():
            return closure()

    def state_dict(self) -> dict[str, Any]:
        """``{"state": {index: {name: value}}, "param_groups": [...]}``, parameters referred to by index."""
        index = {}
        groups = []
        for group in self.param_groups:
            ids = []
            for p in group["params"]:
                index.setdefault(id(p), len(index))
                ids.append(index[id(p)])
            groups.append({**{k: v for k, v in group.items() if k != "params"}, "params": ids})
        state = {index[id(p)]: {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in s.items()}
                 for p, s in self.state.items() if id(p) in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore hyperparameters and state saved by ``state_dict`` (same parameter layout required)."""
        groups = state_dict["param_groups"]
        name = type(self).__name__
        if len(groups) != len(self.param_groups) or any(
            len(g["params"]) != len(own["params"]) for g, own in zip(groups, self.param_groups, strict=True)
        ):
            raise ValueError(f"{name}.load_state_dict: the saved parameter groups do not match this "
                             "optimizer's (different number of groups or of parameters per group)")
        params = {}
        for g, own in zip(groups, self.param_groups, strict=True):
            params.update(zip(g["params"], own["params"], strict=True))
        self.state = {}
        for i, s in state_dict["state"].items():
            p = params[int(i)]
            restored = {}
            for k, v in s.items():
                if isinstance(v, np.ndarray) and v.shape != p.shape and v.ndim:
                    raise ValueError(f"{name}.load_state_dict: state '{k}' of parameter {i} has "
                                     f"shape {tuple(v.shape)}, the parameter {tuple(p.shape)}")
                restored[k] = v.astype(p.dtype) if isinstance(v, np.ndarray) and v.ndim else v
            self.state[p] = restored
        for g, own in zip(groups, self.param_groups, strict=True):
            own.update({k: v for k, v in g.items() if k != "params"})

    def __repr__(self) -> str:
        lines = [type(self).__name__ + " ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {v}" for k, v in sorted(group.items()) if k != "params"]
        return "\n".join(lines) + "\n)"


class SGD(Optimizer):
    """Stochastic gradient descent, PyTorch's formulas. For each parameter p with gradient g:

        g ← g + weight_decay · p
        b ← g on the first step, else momentum · b + (1 - dampening) · g        (if momentum ≠ 0)
        g ← g + momentum · b  (nesterov)   or   g ← b
        p ← p - lr · g

    With the defaults this is the chapter's ``p.data -= p.grad * lr``.
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-3, momentum: float = 0.0,
                 dampening: float = 0.0, weight_decay: float = 0.0, nesterov: bool = False,
                 maximize: bool = False) -> None:
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=nesterov, maximize=maximize)
        super().__init__(params, defaults)

    def _check_hyperparameters(self, group: dict[str, Any]) -> None:
        super()._check_hyperparameters(group)
        if group["momentum"] < 0:
            raise ValueError(f"SGD: invalid momentum value: {group['momentum']} (must be >= 0)")
        if group["weight_decay"] < 0:
            raise ValueError(f"SGD: invalid weight_decay value: {group['weight_decay']} (must be >= 0)")
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError("SGD: Nesterov momentum requires a momentum > 0 and zero dampening")

    def update(self, p: Tensor, data: np.ndarray, d_p: np.ndarray, lr: float, momentum: float,
               dampening: float, weight_decay: float, nesterov: bool, maximize: bool) -> None:
        if maximize:
            d_p = -d_p
        if weight_decay != 0:
            d_p = d_p + weight_decay * data  # a new array: p.grad itself is left alone
        if momentum != 0:
            state = self.state.get(p)
            if state is None:
                buf = np.array(d_p, dtype=data.dtype)  # a copy
                self.state[p] = {"momentum_buffer": buf}
            else:
                buf = state["momentum_buffer"]
                buf *= momentum
                if dampening == 0:
                    buf += d_p
                else:
                    buf += (1 - dampening) * d_p
            d_p = d_p + momentum * buf if nesterov else buf
        if lr == 1:
            data -= d_p
        else:
            data -= lr * d_p


class Adam(Optimizer):
    """Adam (Kingma & Ba), PyTorch's formulas. For each parameter p with gradient g, at step t = 1, 2, ...:

        g ← g + weight_decay · p                     (L2 penalty; AdamW decouples it instead)
        m ← β₁ · m + (1 - β₁) · g                     (computed as m + (1 - β₁)(g - m), PyTorch's lerp)
        v ← β₂ · v + (1 - β₂) · g²
        p ← p - (lr / (1 - β₁ᵗ)) · m / (√v / √(1 - β₂ᵗ) + eps)

    With ``amsgrad`` the running maximum of v is used in the denominator.
    """

    _decoupled = False

    def __init__(self, params: Iterable[Any], lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0, amsgrad: bool = False,
                 maximize: bool = False) -> None:
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                        maximize=maximize)
        super().__init__(params, defaults)

    def _check_hyperparameters(self, group: dict[str, Any]) -> None:
        super()._check_hyperparameters(group)
        name = type(self).__name__
        beta1, beta2 = group["betas"]
        if not 0 <= beta1 < 1 or not 0 <= beta2 < 1:
            raise ValueError(f"{name}: invalid betas {group['betas']} (each must be in [0, 1))")
        if group["eps"] < 0:
            raise ValueError(f"{name}: invalid epsilon value: {group['eps']} (must be >= 0)")
        if group["weight_decay"] < 0:
            raise ValueError(f"{name}: invalid weight_decay value: {group['weight_decay']} (must be >= 0)")

    def update(self, p: Tensor, data: np.ndarray, grad: np.ndarray, lr: float, betas: tuple[float, float],
               eps: float, weight_decay: float, amsgrad: bool, maximize: bool) -> None:
        beta1, beta2 = betas
        if maximize:
            grad = -grad
        state = self.state.get(p)
        if state is None:
            state = self.state[p] = {"step": 0, "exp_avg": np.zeros_like(data),
                                     "exp_avg_sq": np.zeros_like(data)}
            if amsgrad:
                state["max_exp_avg_sq"] = np.zeros_like(data)
        state["step"] += 1
        step = state["step"]
        if weight_decay != 0:
            if self._decoupled:
                data *= 1 - lr * weight_decay
            else:
                grad = grad + weight_decay * data
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        exp_avg += (1 - beta1) * (grad - exp_avg)
        exp_avg_sq *= beta2
        exp_avg_sq += (1 - beta2) * (grad * grad)
        if amsgrad:
            np.maximum(state["max_exp_avg_sq"], exp_avg_sq, out=state["max_exp_avg_sq"])
            second = state["max_exp_avg_sq"]
        else:
            second = exp_avg_sq
        step_size = lr / (1 - beta1**step)
        denom = np.sqrt(second)
        denom /= math.sqrt(1 - beta2**step)
        denom += eps
        np.divide(exp_avg, denom, out=denom)
        denom *= step_size
        data -= denom


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter): p ← p · (1 - lr · weight_decay) before the
    Adam update, instead of adding weight_decay · p to the gradient. PyTorch's default weight_decay 0.01."""

    _decoupled = True

    def __init__(self, params: Iterable[Any], lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 1e-2, amsgrad: bool = False,
                 maximize: bool = False) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize)


class RMSprop(Optimizer):
    """RMSprop (Hinton), PyTorch's formulas. For each parameter p with gradient g:

        g ← g + weight_decay · p
        v ← α · v + (1 - α) · g²                      (the running mean of squared gradients)
        v' ← v - ḡ², with ḡ ← α · ḡ + (1 - α) · g     (if centered: the variance instead)
        b ← momentum · b + g / (√v' + eps);  p ← p - lr · b       (if momentum ≠ 0)
        p ← p - lr · g / (√v' + eps)                              (otherwise)
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0.0, momentum: float = 0.0, centered: bool = False,
                 maximize: bool = False) -> None:
        defaults = dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
                        centered=centered, maximize=maximize)
        super().__init__(params, defaults)

    def _check_hyperparameters(self, group: dict[str, Any]) -> None:
        super()._check_hyperparameters(group)
        for key in ("alpha", "eps", "weight_decay", "momentum"):
            if not group[key] >= 0:
                raise ValueError(f"RMSprop: invalid {key} value: {group[key]} (must be >= 0)")

    def update(self, p: Tensor, data: np.ndarray, grad: np.ndarray, lr: float, alpha: float, eps: float,
               weight_decay: float, momentum: float, centered: bool, maximize: bool) -> None:
        if maximize:
            grad = -grad
        if weight_decay != 0:
            grad = grad + weight_decay * data
        state = self.state.get(p)
        if state is None:
            state = self.state[p] = {"step": 0, "square_avg": np.zeros_like(data)}
            if momentum != 0:
                state["momentum_buffer"] = np.zeros_like(data)
            if centered:
                state["grad_avg"] = np.zeros_like(data)
        state["step"] += 1
        square_avg = state["square_avg"]
        square_avg *= alpha
        square_avg += (1 - alpha) * (grad * grad)
        if centered:
            grad_avg = state["grad_avg"]
            grad_avg += (1 - alpha) * (grad - grad_avg)  # α · ḡ + (1 - α) · g
            denom = np.sqrt(square_avg - grad_avg * grad_avg)
        else:
            denom = np.sqrt(square_avg)
        denom += eps
        if momentum != 0:
            buf = state["momentum_buffer"]
            buf *= momentum
            buf += grad / denom
            data -= lr * buf
        else:
            data -= lr * (grad / denom)
