"""Capture of the backward walk and of what follows it: each op's backward, the gradients summed back to
their inputs' shapes (as ``engine.send``), gradients reaching leaves (``engine.accumulate_leaf``), reads
and writes of ``.grad``, and the optimizer's step. A mixin of ``capture.Recorder``, as ``Tensor`` is
made of mixins; read ``capture.py`` first.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .forms import FORMS, Grads, reads


class WalkMethods:
    """The Recorder's methods for backward and the update."""

    def begin_walk(self, roots: Any, gradients: Any) -> None:
        if not isinstance(roots, (list, tuple)):
            roots, gradients = [roots], [gradients]
        self.pending = {}
        ops = " and ".join(type(r.grad_fn).__name__ if r.grad_fn else "a leaf" for r in roots)
        self.section(f"backward, from {ops} back to the leaves")
        for root, gradient in zip(roots, gradients, strict=True):
            if root.grad_fn is not None:
                self.pending.setdefault(id(root.grad_fn), []).append(self.name(gradient))

    def backward_step(self, fn: Any, grad_out: np.ndarray, returned: tuple, sent: tuple) -> None:
        """One op's step of the walk: the sum of the gradients reaching it, its backward, and each input's
        gradient summed back to the input's shape and dtype, as engine.send does."""
        record = self.ops.get(id(fn))
        if self.refusal is not None:
            return
        if record is None:
            return self.refuse(f"the backward walk reaches {fn.name()}, which capture did not see run (a "
                               "custom autograd.Function, or a graph made outside the step)")
        parts = self.pending.pop(id(fn))
        g = parts[0]
        for part in parts[1:]:
            total = self.fresh("g")
            self.emit(f"{total} = {g} + {part}", [g, part], [(total, None)],
                      f"the gradients reaching {type(fn).__name__}, summed")
            g = total
        self.register(grad_out, g)
        op_name, needs = type(fn).__name__, fn.needs_input_grad
        wanted = [needed and r is not None for needed, r in zip(needs, returned, strict=True)]
        names = [self.fresh("g") if w else "_" for w in wanted]
        form = FORMS.get(type(fn)) if record.generic is None else None
        if form is None:
            result = f"{record.generic}.backward({g})"
            if not (type(returned) is tuple and len(returned) == len(fn.inputs)):
                result = f"_one_per_input({record.generic}, {result})"
            if any(wanted):
                self.emit(f"{', '.join(names)}, = {result}", None, [], f"{op_name} backward (its own)", False)
        else:
            zero = self.zero(grad_out.dtype)
            exprs = form.grads(Grads(g, record.x, record.out, fn, zero, record.arrays))
            candidates = [g, zero, record.out, *record.x]
            passed = []
            for i, (expr, w) in enumerate(zip(exprs, wanted, strict=True)):
                if w and expr in candidates:  # the gradient passes through unchanged: no line, a name
                    names[i] = expr
                    passed.append(i)
                elif w:
                    self.emit(f"{names[i]} = {expr}", reads(candidates, expr),
                              [(names[i], None)], f"{op_name} backward")
            if passed:
                inputs = " and ".join(record.x[i] for i in passed)
                self.lines.append(("", f"{op_name} backward: {inputs} get{'s' if len(passed) == 1 else ''} "
                                       f"{exprs[passed[0]]} as it is"))
        for i, (tensor, parent) in enumerate(zip(fn.inputs, fn.parents, strict=True)):
            if wanted[i]:
                name = self.send(names[i], returned[i], tensor._data)
                self.register(sent[i], name)
                if parent is not None:
                    self.pending.setdefault(id(parent), []).append(name)
        self.flush()

    def zero(self, dtype: np.dtype) -> str:
        name = self._zeros.get(dtype)
        if name is None:
            name = self._zeros[dtype] = f"zero_{np.dtype(dtype).name}"
            self.ns[name] = np.zeros((), dtype)
            self.consts.add(name)
            self._taken.add(name)
        return name

    def send(self, g: str, grad: np.ndarray, data: np.ndarray) -> str:
        """engine.send's reshaping: sum a broadcast gradient back (engine.unbroadcast, its two cheap cases
        written out), then cast it to the input's dtype."""
        shape = data.shape
        if grad.shape != shape:
            if grad.size == math.prod(shape):
                expr = f"{g}.reshape({shape!r})"
            elif grad.ndim - len(shape) == 1 and grad.shape[1:] == shape:
                expr = f"{g}.sum(axis=0)"
            else:
                expr = f"unbroadcast({g}, {shape!r})"
            g = self._line(expr, [g], f"summed back to the input's shape {shape}")
        if grad.dtype != data.dtype:
            g = self._line(f"{g}.astype(np.{data.dtype.name})", [g], "cast to the input's dtype")
        return g

    def _line(self, expr: str, reads: list[str], comment: str) -> str:
        name = self.fresh("g")
        self.emit(f"{name} = {expr}", reads, [(name, None)], comment)
        return name

    def sink(self, tensor: Any, grad: np.ndarray, had: bool) -> None:
        """A gradient reached a leaf (engine.accumulate_leaf): created as a copy, or added in place."""
        name = self.tensor(tensor)
        if name is None:
            return self.refuse("a gradient for a tensor made inside the step (retain_grad()): the replay "
                               "makes no tensors of its own for it")
        self.read_grad(tensor, name, had)
        self.waiting.append((tensor, name, grad, had))
        self.flush()

    def flush(self) -> None:
        for entry in list(self.waiting):
            tensor, name, grad, had = entry
            g = self.names.get(id(grad))
            if g is None:
                continue
            self.waiting.remove(entry)
            label = f"{self.hints.get(id(tensor), name)}.grad"
            if had is None:  # graph.probe: the gradient is returned to the engine, not added here
                self.leaf_grads.setdefault(id(tensor), (name, []))[1].append(g)
            elif had:
                self.effect(f"{name}._grad._data += {g}", f"accumulated into {label}")
            else:
                new = self.fresh("grad")
                if grad.base is None and g not in self.consts and g not in self.ns and g not in self.sources:
                    self.copies.append((len(self.lines), g, f"{new} = {g}; {name}._grad = make({new})"))
                self.effect(f"{new} = {g}.copy(); {name}._grad = make({new})", f"{label}, new")
                self.register(tensor._grad._data, new)
                self.made.add(id(tensor._grad))

    def read_grad(self, tensor: Any, name: str, present: bool) -> None:
        """The step looked at ``tensor.grad``: unless it set it first, the replay needs the same answer."""
        if id(tensor) not in self.grads:
            self.grads.add(id(tensor))
            self.guards.append(f"{name}._grad is {'not ' if present else ''}None")

    def grad(self, tensor: Any, value: Any) -> None:
        """The step read ``tensor.grad`` (a Tensor or None)."""
        name = self.tensor(tensor)
        if name is None:
            return
        self.read_grad(tensor, name, value is not None)
        if value is not None and id(value._data) not in self.names:
            array = self.fresh("grad")
            self.effect(f"{array} = {name}._grad._data", f"{self.hints.get(id(tensor), name)}.grad")
            self.register(value._data, array)
            self.made.add(id(value))
            self.keep.append(value)

    def optimizer(self, opt: Any) -> None:
        """``opt.step()``: the replay bakes in its hyperparameters and parameter groups, so it checks them."""
        o = self.constant(opt, self.hints.get(id(opt), "optimizer"))
        self.section(f"{o}.step(): {type(opt).__name__}")
        self.guards.append(f"len({o}.param_groups) == {len(opt.param_groups)}")
        for i, group in enumerate(opt.param_groups):
            g = f"{o}.param_groups[{i}]"
            self.guards.append(f"len({g}['params']) == {len(group['params'])}")
            for j, p in enumerate(group["params"]):
                name = self.tensor(p)
                if name is not None:
                    self.guards.append(f"{g}['params'][{j}] is {name}")
            self.guards += [f"{g}[{key!r}] == {self.value(group[key])}" for key in opt.defaults]

    def update(self, opt: Any, p: Any, data: np.ndarray, grad: np.ndarray, hyper: dict) -> None:
        """One parameter's update: the replay calls the same ``update`` that ``step`` calls."""
        o, t = self.constant(opt, self.hints.get(id(opt), "optimizer")), self.tensor(p)
        d, g = self.name(data, p), self.name(grad)
        args = ", ".join(f"{k}={self.value(v)}" for k, v in hyper.items())
        self.effect(f"mark_changed({d}); {o}.update({t}, {d}, {g}, {args})",
                    f"{type(opt).__name__}'s update of {self.hints.get(id(p), t)}", d)

    def class_targets(self, t: np.ndarray, target: Any, classes: int, caller: str) -> None:
        """cross_entropy chose its way by looking at the targets: the replay checks, before it changes
        anything, that they are classes again (else that call runs eagerly)."""
        if t.size and (t.min() < 0 or t.max() >= classes):
            return self.refuse(f"{caller}'s targets hold values outside 0..{classes - 1} (ignore_index): "
                               "capture follows only targets that are all classes")
        name = self.name(target._data, target)
        if t is not target._data:
            converted = self.fresh("v")
            self.emit(f"{converted} = {name}.astype(np.intp)", [name], [(converted, t)], "targets as intp")
            name = converted
        check = f"{name}.min() >= 0 and {name}.max() < {classes}"
        if name not in self.sources and name not in self.ns:  # computed in the step (targets.view(-1))
            if self.changed:
                return self.refuse(f"{caller}'s targets are computed inside the step after it changed a "
                                   "tensor in place, too late to check them; compute them before")
            if t.size:  # checked where they are made, still before the replay changes anything
                self.lines.append((f"if not ({check}): return MISS", f"{caller}'s targets are classes"))
        elif t.size:
            self.checks.append(check)

    def set_grad(self, tensor: Any, value: Any) -> None:
        name = self.tensor(tensor)
        if value is not None or name is None:
            return self.refuse("setting .grad to a tensor inside the step: only None (zero_grad) is replayed")
        self.grads.add(id(tensor))
        self.effect(f"{name}._grad = None", f"{self.hints.get(id(tensor), name)}.grad = None")
